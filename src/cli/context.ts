import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { Source } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Settings } from '../config/env.js';
import type { RedisTarget } from '../store/connection.js';

/** Exit codes, DESIGN.md: 0 done, 1 the work ran and something failed, 2 bad usage or config. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Runs a command's work: sets the exit code from its result or its error, then closes what it opened. */
export type Run = (fn: () => Promise<ExitCode>) => Promise<void>;

/** Where a command reads what it is given on stdin (a password); a TTY gets a hidden prompt. */
export type Input = NodeJS.ReadableStream & { isTTY?: boolean };

/**
 * What most commands take. `--config DIR` is not here: it is the program's own option, taken
 * before or after any command and read through `CliContext.loadConfig()` (see src/cli.ts).
 */
export interface GlobalOptions {
  json?: boolean;
}

/** The help line of the program-wide `--config`. */
export const CONFIG_OPTION = [
  '--config <dir>',
  'configuration directory, before or after any command (default: ./config or $SSNEWS_CONFIG_DIR)',
] as const;

/** A command taking the option most commands take, --json (GlobalOptions). */
export function subcommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).option('--json', 'print one JSON document');
}

/**
 * What a command needs, built lazily: settings are read once, before a command's action
 * (`prepare()`); config and Redis only when the command asks, so `ssnews --help` needs none.
 */
export class CliContext {
  private loadedSettings?: Settings;
  private config?: Config;
  /** `--config DIR`, when given: over SSNEWS_CONFIG_DIR and ./config. */
  private configOption?: string;
  private target?: RedisTarget;
  private clients: Redis[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly out: (text: string) => void = (t) => process.stdout.write(t + '\n'),
    readonly err: (text: string) => void = (t) => process.stderr.write(t + '\n'),
    readonly stdin: Input = process.stdin,
  ) {}

  /** The environment's settings, validated once by `prepare()` (a ConfigError there: exit 2). */
  get settings(): Settings {
    if (!this.loadedSettings) throw new Error('CliContext.settings before prepare()');
    return this.loadedSettings;
  }

  /** Takes the program's `--config DIR` (set before a command's action runs). */
  useConfigDir(dir: string | undefined): void {
    this.configOption = dir;
  }

  /** The configuration directory: `--config`, else $SSNEWS_CONFIG_DIR; undefined means the bundled ./config. */
  get configDir(): string | undefined {
    return this.configOption ?? this.settings.configDir;
  }

  /**
   * Reads and validates the environment's settings: the program calls this before every
   * command's action (src/cli.ts), so `ssnews --help` loads no validation library.
   */
  async prepare(): Promise<void> {
    const { loadSettings } = await import('../config/env.js');
    this.loadedSettings ??= loadSettings(this.env);
  }

  /** The configuration, loaded and validated once, from `configDir` (its loader imported on first use). */
  async loadConfig(): Promise<Config> {
    const { loadConfig } = await import('../config/load.js');
    this.config ??= loadConfig(this.configDir);
    return this.config;
  }

  async redisTarget(): Promise<RedisTarget> {
    const { resolveRedis } = await import('../store/connection.js');
    this.target ??= await resolveRedis(this.settings, (m) => this.err(m));
    return this.target;
  }

  /**
   * A command connection; warns once about AOF and eviction settings. A Redis that does not
   * answer is a UsageError (exit 2) saying where it looked, not a retry loop that never ends.
   */
  async redis(): Promise<Redis> {
    const target = await this.redisTarget();
    const { createRedis, redisWarnings } = await import('../store/connection.js');
    const client = createRedis(target, { lazyConnect: true });
    // Failures reach the command through its rejected promises; without a listener ioredis prints each retry.
    let cause: Error | undefined;
    client.on('error', (err: Error) => (cause ??= err));
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      const why = (cause ?? (err as Error)).message.replace(/\.$/, '');
      throw new UsageError(
        `cannot reach Redis at ${target.description} (${why}): start it, or set REDIS_URL`,
      );
    }
    if (this.clients.length === 0) for (const w of await redisWarnings(client)) this.err(`warning: ${w}`);
    this.clients.push(client);
    return client;
  }

  /** The stores a command reads and writes, over one command connection. */
  async stores() {
    const redis = await this.redis();
    const prefix = this.settings.keyPrefix;
    const [
      { ItemStore },
      { LabelStore },
      { ModelStore },
      { SourceStateStore },
      { EditorStore },
      { SessionStore },
    ] = await Promise.all([
      import('../store/items.js'),
      import('../store/labels.js'),
      import('../store/model-versions.js'),
      import('../store/sources.js'),
      import('../store/editors.js'),
      import('../store/sessions.js'),
    ]);
    return {
      items: new ItemStore(redis, prefix),
      labels: new LabelStore(redis, prefix),
      models: new ModelStore(redis, prefix),
      sources: new SourceStateStore(redis, prefix),
      editors: new EditorStore(redis, prefix),
      sessions: new SessionStore(redis, prefix),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.quit().catch(() => c.disconnect())));
    this.clients = [];
  }

  /** A source that redirects permanently: its url in sources.yaml wants updating. */
  moved(id: string, to: string | undefined): void {
    if (to) this.err(`moved: ${id} permanently redirects to ${to}: update its url`);
  }

  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }
}

/** Resolves on SIGTERM or SIGINT: how the long-running commands (serve, worker) are stopped. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}

/** The enabled sources, or exactly the named ones (`--source ID…`); an unknown id is a usage error. */
export function selectSources(config: Config, ids: string[] | undefined): Source[] {
  if (!ids) return config.sources.filter((s) => s.enabled);
  const unknown = ids.filter((id) => !config.sources.some((s) => s.id === id));
  if (unknown.length)
    throw new UsageError(`unknown source id: ${unknown.join(', ')} (see ${config.files.sources})`);
  return config.sources.filter((s) => ids.includes(s.id));
}
