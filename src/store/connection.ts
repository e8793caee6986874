import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { Settings } from '../config/env.js';
import { UsageError } from '../errors.js';
import { findRedisServer, startRedisServer, withOneShotClient } from './redis-server.js';

export interface RedisTarget {
  /** ioredis options without the connection-behaviour settings. */
  options: RedisOptions;
  /** How we found it, for the start-up message. */
  description: string;
}

type Say = (message: string) => void;

/**
 * Finds the Redis to use: REDIS_URL; else something already answering on 127.0.0.1:6379;
 * else the local redis-server this tool started before (unix socket under the data dir);
 * else start one there with AOF on. Without redis-server either, a UsageError says what to do.
 */
export async function resolveRedis(settings: Settings, say: Say): Promise<RedisTarget> {
  if (settings.redisUrl)
    return { options: optionsFromUrl(settings.redisUrl), description: redact(settings.redisUrl) };
  const local = { host: '127.0.0.1', port: 6379 };
  if (await answers(local)) return { options: local, description: 'redis://127.0.0.1:6379' };
  const dir = join(settings.dataDir, 'redis');
  const socket = join(dir, 'redis.sock');
  if (existsSync(socket) && (await answers({ path: socket })))
    return { options: { path: socket }, description: `local redis-server (${socket})` };
  if (!findRedisServer()) {
    throw new UsageError(
      'no Redis to use: REDIS_URL is unset, nothing answers on 127.0.0.1:6379, and redis-server is not installed.\n' +
        'Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:port.',
    );
  }
  const server = await startRedisServer({ dir, detached: true });
  say(
    `Started a local redis-server for ssnews: data in ${dir} (AOF on), socket ${socket}. Stop it with: redis-cli -s ${socket} shutdown`,
  );
  return { options: server.connection, description: `local redis-server (${socket})` };
}

export function optionsFromUrl(url: string): RedisOptions {
  // unix:///path/to/redis.sock and redis+socket:///path (env.ts refuses one without a path).
  if (/^(unix|redis\+socket):/.test(url)) return { path: decodeURIComponent(new URL(url).pathname) };
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** A client for commands; BullMQ workers need `maxRetriesPerRequest: null` (see queue/). */
export function createRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  return new Redis({ ...target.options, ...extra });
}

/** Warns about settings that lose data: AOF off, or an eviction policy that drops keys. */
export async function redisWarnings(client: Redis): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const [, aof] = (await client.config('GET', 'appendonly')) as string[];
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as string[];
    if (aof !== 'yes')
      warnings.push(
        'Redis has AOF off (appendonly no): a restart can lose recent items and edits. Set "appendonly yes".',
      );
    if (policy && policy !== 'noeviction')
      warnings.push(
        `Redis maxmemory-policy is "${policy}": it may evict queue and data keys. Set "maxmemory-policy noeviction".`,
      );
  } catch {
    // Managed services often forbid CONFIG; nothing to warn about then.
  }
  return warnings;
}

async function answers(options: RedisOptions): Promise<boolean> {
  return (await withOneShotClient({ ...options, connectTimeout: 300 }, (c) => c.ping())) === 'PONG';
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/** Errors that mean the connection is down, not that a command was wrong. */
const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed|connect ETIMEDOUT/i;

export function isConnectionError(err: Error): boolean {
  return CONNECTION_ERROR.test(`${(err as { code?: string }).code ?? ''} ${err.message}`);
}

/**
 * A process's Redis connections, for the log and for recovery. Every connection gets an
 * `error` listener (without one ioredis prints a stack trace per reconnect attempt). The first
 * connection lost logs one line; once every lost one is ready again, one line, and the
 * `onRestored` handlers run: a Redis restarted without its data lost the job schedulers.
 */
export class ConnectionWatch {
  private readonly lost = new Set<Redis>();
  private readonly handlers: (() => void)[] = [];
  private lastLogged = '';

  constructor(private readonly log: Say) {}

  onRestored(handler: () => void): void {
    this.handlers.push(handler);
  }

  /** A new connection to `target`, watched under `name`. */
  open(target: RedisTarget, name: string, options: RedisOptions = {}): Redis {
    return this.watch(createRedis(target, options), name);
  }

  watch(client: Redis, name: string): Redis {
    client.on('error', (err: Error) => this.down(client, name, err.message));
    // Emitted only for a connection we did not close ourselves.
    client.on('reconnecting', () => this.down(client, name, 'connection closed'));
    client.on('ready', () => this.up(client));
    return client;
  }

  /**
   * An error BullMQ re-emits (from the connections it makes itself too): a connection error is
   * dropped while a lost connection is reported, and not logged twice running otherwise.
   */
  error(err: Error, what: string): void {
    if (!isConnectionError(err)) return this.log(`${what}: ${err.message}`);
    if (this.lost.size === 0) this.say(`${what}: ${err.message}`);
  }

  private down(client: Redis, name: string, reason: string): void {
    if (this.lost.has(client)) return;
    this.lost.add(client);
    if (this.lost.size === 1) this.say(`Redis connection lost (${name}: ${reason}); reconnecting`);
  }

  private up(client: Redis): void {
    if (!this.lost.delete(client) || this.lost.size > 0) return;
    this.say('Redis connection back');
    for (const handler of this.handlers) handler();
  }

  private say(message: string): void {
    if (message === this.lastLogged) return;
    this.lastLogged = message;
    this.log(message);
  }
}
