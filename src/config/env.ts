import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Secrets and endpoints from the environment, validated once at start-up and passed in.
 * This is the only module that reads process.env; `.env.example` documents each variable.
 */
const REDIS_URL_EXPECTED =
  'expected redis://host:port[/db], rediss://... or unix:///path/to/redis.sock';

const envSchema = z
  .object({
  REDIS_URL: z
    .url({ protocol: /^(rediss?|unix|redis\+socket)$/, error: REDIS_URL_EXPECTED })
    // A socket URL names the socket file in its path: unix:// alone names nothing.
    .refine((url) => !/^(unix|redis\+socket):/.test(url) || new URL(url).pathname.length > 1, REDIS_URL_EXPECTED)
    .optional(),
  SSNEWS_KEY_PREFIX: z.string().regex(/^[\w.-]+:$/, 'expected a prefix ending in ":" such as "ssnews:"').default('ssnews:'),
  SSNEWS_CONFIG_DIR: z.string().optional(),
  SSNEWS_DATA_DIR: z.string().default('data'),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'expected smtp://user:pass@host:port or smtps://...' }).optional(),
  SESSION_SECRET: z.string().min(32, 'expected at least 32 random characters (e.g. `openssl rand -hex 32`)').optional(),
  // Signs the links in emails (unsubscribe, preferences): apart from SESSION_SECRET, so rotating
  // editor sessions does not break every unsubscribe link already sent.
  TOKEN_SECRET: z.string().min(32, 'expected at least 32 random characters (e.g. `openssl rand -hex 32`)').optional(),
  // DKIM signing of outgoing mail: all three, or none.
  DKIM_DOMAIN: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain such as example.org').optional(),
  DKIM_SELECTOR: z.string().regex(/^[a-z0-9._-]+$/i, 'expected a selector such as "ssnews"').optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // Addresses (or CIDR ranges) of the reverse proxies whose X-Forwarded-For is believed, comma-separated.
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: readable lines on stderr when it is a terminal, JSON lines otherwise.
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  })
  .refine(
    (e) => [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY_FILE].filter(Boolean).length % 3 === 0,
    { path: ['DKIM_DOMAIN'], error: 'set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE together, or none of them' },
  );

/** What the process is attached to, for settings that depend on it. */
export interface Terminal {
  /** Whether stderr is a terminal (a person reading), not a file, pipe or log collector. */
  stderrIsTTY: boolean;
}

/** The settings, under the names the code uses. */
function settingsOf(e: z.output<typeof envSchema>, terminal: Terminal) {
  return {
    redisUrl: e.REDIS_URL,
    keyPrefix: e.SSNEWS_KEY_PREFIX,
    configDir: e.SSNEWS_CONFIG_DIR,
    dataDir: resolve(e.SSNEWS_DATA_DIR),
    smtpUrl: e.SMTP_URL,
    sessionSecret: e.SESSION_SECRET,
    /** Signs subscribers' links (unsubscribe, preferences); required to send. */
    tokenSecret: e.TOKEN_SECRET,
    /** DKIM signing, when all three variables are set (the key is read when the mail transport starts). */
    dkim:
      e.DKIM_DOMAIN && e.DKIM_SELECTOR && e.DKIM_PRIVATE_KEY_FILE
        ? { domain: e.DKIM_DOMAIN, selector: e.DKIM_SELECTOR, privateKeyFile: resolve(e.DKIM_PRIVATE_KEY_FILE) }
        : undefined,
    host: e.HOST,
    port: e.PORT,
    /** Proxies whose X-Forwarded-For names the client; none by default, so a client cannot pick its own address. */
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    /** How the server logs: readable lines for a person at a terminal, JSON lines for machines. */
    logFormat: (e.LOG_FORMAT === 'auto' ? (terminal.stderrIsTTY ? 'pretty' : 'json') : e.LOG_FORMAT) as
      | 'json'
      | 'pretty',
  };
}
export type Settings = ReturnType<typeof settingsOf>;

export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  terminal: Terminal = { stderrIsTTY: process.stderr.isTTY === true },
): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ file: 'environment', field: String(i.path[0]), message: i.message })),
    );
  }
  return settingsOf(parsed.data, terminal);
}
