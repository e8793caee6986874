import { mkdtempSync, rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, type RunningRedis } from '../../src/store/redis-server.js';

/**
 * A throwaway redis-server on a free loopback port in a temp dir: tests never touch
 * a developer's own Redis on 6379.
 */
async function startTestRedis(): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-redis-'));
  const server = await startRedisServer({ dir, port: await freePort() });
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test Redis for the whole file: started before its tests, stopped after them, with one
 * client. Read `server` and `client` inside tests (they are set once the file starts).
 */
export function useTestRedis(): { readonly server: RunningRedis; readonly client: Redis } {
  const ctx = {} as { server: RunningRedis; client: Redis };
  beforeAll(async () => {
    ctx.server = await startTestRedis();
    ctx.client = new Redis(ctx.server.connection);
  });
  afterAll(async () => {
    ctx.client.disconnect();
    await ctx.server.stop();
  });
  return ctx;
}
