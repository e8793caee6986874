import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisServerOptions {
  /** Working directory: AOF/RDB files, log, socket. Created if missing. */
  dir: string;
  /** TCP port on 127.0.0.1; omit to listen on a unix socket in `dir` only. */
  port?: number;
  /** Keep running after this process exits (the CLI's local Redis) or not (tests). */
  detached?: boolean;
}

export interface RunningRedis {
  url: string;
  /** ioredis connection options for this server. */
  connection: { host?: string; port?: number; path?: string };
  stop(): Promise<void>;
}

/** A loopback port the OS says is free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function findRedisServer(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Starts redis-server with AOF on and noeviction, as production should run, and waits until it answers. */
export async function startRedisServer(options: RedisServerOptions): Promise<RunningRedis> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed (Debian: apt-get install redis-server)');
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'redis.sock');
  const settings = {
    dir,
    appendonly: 'yes',
    'maxmemory-policy': 'noeviction',
    save: '',
    bind: '127.0.0.1',
    port: String(options.port ?? 0),
    logfile: join(dir, 'redis.log'),
  };
  const args = Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]);
  if (options.port === undefined) args.push('--unixsocket', socket, '--unixsocketperm', '700');
  if (options.detached) args.push('--daemonize', 'yes', '--pidfile', join(dir, 'redis.pid'));
  const child = spawn(binary, args, { stdio: 'ignore', detached: options.detached });
  if (options.detached) child.unref();
  const connection =
    options.port === undefined ? { path: socket } : { host: '127.0.0.1', port: options.port };
  const url = options.port === undefined ? `unix://${socket}` : `redis://127.0.0.1:${options.port}`;
  await waitUntilReady(connection, options.port === undefined ? socket : undefined);
  return {
    url,
    connection,
    async stop() {
      // SHUTDOWN closes the connection before replying: the "failure" is the success case.
      await withOneShotClient(connection, (c) => c.call('SHUTDOWN', 'NOSAVE'));
      if (!options.detached && child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

async function waitUntilReady(connection: RunningRedis['connection'], socket?: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!socket || existsSync(socket)) {
      if ((await withOneShotClient(connection, (c) => c.ping())) === 'PONG') return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start within 10 s');
}

/**
 * Runs `fn` on a one-off client that neither retries nor reconnects, for probes: undefined
 * when Redis cannot be reached or `fn` fails.
 */
export async function withOneShotClient<T>(
  options: RedisOptions,
  fn: (client: Redis) => Promise<T>,
): Promise<T | undefined> {
  const client = new Redis({
    ...options,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // reported as undefined
  try {
    await client.connect();
    return await fn(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}
