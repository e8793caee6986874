import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRedis, optionsFromUrl, redisWarnings, resolveRedis } from '../../src/store/connection.js';
import { startRedisServer } from '../../src/store/redis-server.js';
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

  it('parses redis URLs with credentials and database', () => {
    expect(optionsFromUrl('rediss://u%40x:p%3A@redis.example:6380/3')).toMatchObject({ host: 'redis.example', port: 6380, username: 'u@x', password: 'p:', db: 3, tls: {} });
  });
});

describe('Lua scripts by SHA', () => {
  it('loads a script Redis does not know (first use, or after SCRIPT FLUSH) and then runs it by SHA', async () => {
    const { LuaScript } = await import('../../src/store/lua.js');
    const client = createRedis({ options: redis.server.connection, description: 'test' });
    const incr = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    await client.script('FLUSH');
    expect(await incr.run(client, 1, 'lua:n', 2)).toBe(2);
    expect(await client.script('EXISTS', incr.sha)).toEqual([1]);
    await client.script('FLUSH');
    expect(await incr.run(client, 1, 'lua:n', 3)).toBe(5);
    client.disconnect();
  });
});
