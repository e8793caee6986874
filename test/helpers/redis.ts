import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, type RunningRedis } from '../../src/store/redis-server.js';

export { freePort };

export interface TestRedis extends RunningRedis {
  dir: string;
}

/**
 * A throwaway redis-server on a free loopback port in a temp dir: tests never touch
 * a developer's own Redis on 6379.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-redis-'));
  const server = await startRedisServer({ dir, port: await freePort() });
  return {
    ...server,
    dir,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
