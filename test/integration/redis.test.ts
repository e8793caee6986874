import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedis, optionsFromUrl, redisWarnings, resolveRedis } from '../../src/store/connection.js';
import { startRedisServer } from '../../src/store/redis-server.js';
import { SourceStateStore } from '../../src/store/sources.js';
import { loadSettings } from '../../src/config/env.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();

describe('redis connection', () => {
  it('uses REDIS_URL when set', async () => {
    const said: string[] = [];
    const target = await resolveRedis(loadSettings({ REDIS_URL: redis.server.url }), (m) => said.push(m));
    const client = createRedis(target);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    expect(said).toEqual([]);
  });

  it('warns when AOF is off or keys may be evicted, and not when they are safe', async () => {
    const client = createRedis({ options: redis.server.connection, description: 'test' });
    expect(await redisWarnings(client)).toEqual([]);
    await client.config('SET', 'appendonly', 'no');
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const warnings = await redisWarnings(client);
    expect(warnings[0]).toMatch(/AOF off/);
    expect(warnings[1]).toMatch(/"allkeys-lru".*noeviction/);
    client.disconnect();
  });

  it('starts a detached local redis-server on a unix socket with AOF on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-local-redis-'));
    const server = await startRedisServer({ dir, detached: true });
    const client = createRedis({ options: server.connection, description: 'local' });
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    client.disconnect();
    await server.stop();
    expect(server.connection.path).toBe(join(dir, 'redis.sock'));
  });

  it('connects through REDIS_URL=unix:///path/to/redis.sock (and redis+socket://), and refuses one without a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-socket-redis-'));
    const server = await startRedisServer({ dir });
    try {
      const socket = join(dir, 'redis.sock');
      for (const url of [`unix://${socket}`, `redis+socket://${socket}`]) {
        const target = await resolveRedis(loadSettings({ REDIS_URL: url }), () => {});
        expect(target.options).toEqual({ path: socket });
        const client = createRedis(target);
        expect(await client.ping()).toBe('PONG');
        client.disconnect();
      }
    } finally {
      await server.stop();
    }
    expect(() => loadSettings({ REDIS_URL: 'unix://' })).toThrow(/unix:\/\/\/path\/to\/redis.sock/);
  });

  it('parses redis URLs with credentials and database', () => {
    expect(optionsFromUrl('rediss://u%40x:p%3A@redis.example:6380/3')).toMatchObject({
      host: 'redis.example',
      port: 6380,
      username: 'u@x',
      password: 'p:',
      db: 3,
      tls: {},
    });
  });
});

describe('Lua scripts', () => {
  /** How many EVAL and EVALSHA calls Redis has seen since the last CONFIG RESETSTAT. */
  async function evalCalls(client: Redis): Promise<{ eval: number; evalsha: number }> {
    const info = await client.info('commandstats');
    const calls = (name: string) =>
      Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return { eval: calls('eval'), evalsha: calls('evalsha') };
  }

  it('send their text once, then run by SHA, and run again after Redis forgets them (restart, SCRIPT FLUSH)', async () => {
    const client = createRedis({ options: redis.server.connection, description: 'test' });
    const sources = new SourceStateStore(client, 'lua:');
    await client.config('RESETSTAT');
    const release = await sources.lock('s1', 10_000, 'job-1');
    expect(release).toBeDefined();
    // The same job again (a retried job) takes it; another job does not.
    expect(await sources.lock('s1', 10_000, 'job-1')).toBeDefined();
    expect(await evalCalls(client)).toEqual({ eval: 1, evalsha: 1 });
    await client.script('FLUSH');
    expect(await sources.lock('s1', 10_000, 'job-2')).toBeUndefined();
    await release!();
    expect(await sources.lock('s1', 10_000, 'job-2')).toBeDefined();
    client.disconnect();
  });
});
