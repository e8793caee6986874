import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { Settings } from '../config/env.js';
import { compileIssue } from '../digest/render.js';
import { Digest } from '../digest/service.js';
import { registerAuth, signedInRoutes } from './auth.js';
import { adminRoutes } from './routes/admin.js';
import { archiveRoutes, type CompileIssue } from './routes/archive.js';
import { queuesBoard } from './routes/queues-board.js';
import type { IngestQueues } from '../queue/queues.js';
import { editorRoutes } from './routes/editor.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { signupRoutes } from './routes/signup.js';
import { Signup } from '../delivery/signup.js';
import type { Messenger } from '../delivery/transport.js';
import type { SignupLimits } from '../store/signups.js';
import type { SendActions } from './send-actions.js';
import { staticRoutes } from './static-files.js';
import type { IngestUrl } from '../digest/add-url.js';
import type { SessionTimes } from '../store/sessions.js';
import type { LoginLimits } from '../store/login-failures.js';
import { frameworkErrors, securityHeaders } from './security.js';
import { readableLogLines, type LineSink } from './log-lines.js';

/** Requests one address may make in a window: far above a person reading, even many behind one NAT. */
export const DEFAULT_RATE_LIMIT = { max: 300, windowMs: 60_000 };

export interface ServerOptions {
  config: Config;
  redis: Redis;
  prefix: string;
  logLevel?: Settings['logLevel'];
  /** Settings.logFormat: JSON lines (the default), or readable lines for a terminal. */
  logFormat?: Settings['logFormat'];
  /** Where log lines go: stdout for JSON, stderr for readable lines, unless given (tests). */
  logSink?: LineSink;
  /** Settings.trustProxy: which proxies may name the client (rate limits count per client address). */
  trustProxy?: string;
  /** Per client address on the public routes; false turns it off (benchmarks). */
  rateLimit?: { max: number; windowMs: number } | false;
  /** The ingest queues, for the admin's "Fetch now" and queue dashboard (`ssnews serve` opens them). */
  queues?: IngestQueues;
  /** Compiles an issue for the archive (tests count the calls); compileIssue by default. */
  compile?: CompileIssue;
  /** Settings.sessionSecret: without it there is no sign-in, so no editor or admin pages. */
  sessionSecret?: string;
  sessionTimes?: SessionTimes;
  loginLimits?: LoginLimits;
  /** How the editor's "add by URL" fetches an article not yet stored (the CLI passes pipelineIngestUrl). */
  ingestUrl?: IngestUrl;
  /** The editor's send buttons; absent until delivery is set up (they say so and send nothing). */
  delivery?: SendActions;
  /** Settings.tokenSecret: checks the links in emails (one-click unsubscribe); without it they are not served. */
  tokenSecret?: string;
  /**
   * Sends the sign-up emails (confirmation, "already subscribed"): `ssnews serve` passes an SMTP
   * messenger when SMTP_URL is set. Without it (or without tokenSecret) /subscribe says sign-up
   * is not available yet.
   */
  messenger?: Messenger;
  /** Sign-up requests per address and per client address (DEFAULT_SIGNUP_LIMITS by default). */
  signupLimits?: SignupLimits;
}

/**
 * The HTTP server (`ssnews serve`): the public archive, and with a session secret the
 * sign-in, the editor and the admin pages.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const https = { https: options.config.newsletter.baseUrl.startsWith('https:') };
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      ...(options.logFormat === 'pretty'
        ? { stream: readableLogLines(options.logSink ?? process.stderr) }
        : options.logSink
          ? { stream: options.logSink }
          : {}),
    },
    trustProxy: options.trustProxy ?? false,
    frameworkErrors: frameworkErrors(https),
  });
  securityHeaders(app, https);
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit) {
    await app.register(rateLimit, {
      max: limit.max,
      timeWindow: limit.windowMs,
      errorResponseBuilder: (_req, context) => ({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `too many requests from your address (at most ${context.max} in ${context.after === '1 minute' ? 'a minute' : 'the window'}); try again in ${context.after}`,
      }),
    });
  }
  const digest = new Digest({ redis: options.redis, prefix: options.prefix, config: options.config });
  app.get('/', async (_req, reply) => reply.redirect('/issues'));
  // Monitors poll this: never limited.
  app.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }));
  archiveRoutes(app, digest, options.compile ?? compileIssue);
  staticRoutes(app);
  if (options.tokenSecret)
    await app.register(unsubscribeRoutes, {
      redis: options.redis,
      keyPrefix: options.prefix,
      tokenSecret: options.tokenSecret,
      name: options.config.newsletter.name,
    });
  await app.register(signupRoutes, {
    config: options.config,
    ...(options.tokenSecret
      ? {
          signup: new Signup({
            redis: options.redis,
            prefix: options.prefix,
            config: options.config,
            tokenSecret: options.tokenSecret,
            ...(options.messenger ? { messenger: options.messenger } : {}),
            ...(options.signupLimits ? { limits: options.signupLimits } : {}),
          }),
        }
      : {}),
  });
  if (options.sessionSecret) {
    await registerAuth(app, { ...options, secret: options.sessionSecret });
    signedInRoutes(app, {}, (scope) => editorRoutes(scope, options));
    signedInRoutes(app, { admin: true }, (scope) => adminRoutes(scope, options));
    const queues = options.queues;
    if (queues)
      signedInRoutes(app, { admin: true, csrf: 'same-origin' }, (scope) => queuesBoard(scope, queues));
  }
  await app.ready();
  return app;
}
