import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, startRedisServer, type RunningRedis } from '../../src/store/redis-server.js';
import { startWorkers, type RunningWorkers } from '../../src/worker/start.js';
import { serve, startHttpServer, type TestHttpServer } from '../helpers/http.js';

const RSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Councils agree shared service</title><link>https://example.org/news/1</link><description>Two councils.</description></item></channel></rss>`;
const ENABLED = ['a', 'b', 'c'];

let http: TestHttpServer;
let server: RunningRedis;
let port: number;
let workers: RunningWorkers | undefined;
const dirs: string[] = [];
const logs: string[] = [];

/** A redis-server on `port` with nothing in it (a fresh directory: no AOF to load). */
async function emptyRedis(): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-restart-'));
  dirs.push(dir);
  return startRedisServer({ dir, port });
}

const fetches = (id: string) => http.requests.filter((r) => r.path === `/${id}.xml`).length;
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  http = await startHttpServer(
    Object.fromEntries([...ENABLED, 'off', 'timed'].map((id) => [`/${id}.xml`, serve(RSS)])),
  );
  port = await freePort();
  server = await emptyRedis();
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-restart-config-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n' +
      [...ENABLED, 'off']
        .map(
          (id) =>
            `  - { id: ${id}, name: ${id}, kind: feed, url: "${http.origin}/${id}.xml", every: 1h, enabled: ${id !== 'off'}, allowPrivateNetwork: true }\n`,
        )
        .join(''),
  );
  workers = await startWorkers({
    target: { options: server.connection, description: 'test' },
    prefix: 'restart:',
    configDir: dir,
    roles: ['fetch'],
    watchConfig: false,
    // Only the reconnect brings the schedules back here, not the slow timer.
    reconcileEveryMs: 0,
    pace: { minGapMs: 0 },
    log: (m) => logs.push(m),
  });
});
afterAll(async () => {
  await workers?.close();
  await server?.stop();
  await http?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('workers when Redis restarts without its data', () => {
  it('fetch every enabled source again without a signal, and log the lost connection as one line', async () => {
    const consoleErrors = vi.spyOn(console, 'error');
    // The schedules' first ticks.
    await until(() => ENABLED.every((id) => fetches(id) === 1));
    await server.stop();
    server = await emptyRedis();
    await until(() => ENABLED.every((id) => fetches(id) === 2));
    expect(fetches('off')).toBe(0);
    expect(logs.filter((l) => l.startsWith('Redis connection lost'))).toHaveLength(1);
    expect(logs).toContain('Redis connection back');
    // Put back by the reconnect: the schedules were lost with the data.
    expect(logs.filter((l) => l === 'schedules: 3 added, 0 changed, 0 removed, 0 unchanged')).toHaveLength(2);
    // One line each, no stack traces.
    expect(logs.filter((l) => l.includes('\n'))).toEqual([]);
    expect(consoleErrors.mock.calls.filter((c) => String(c[0]).includes('[ioredis]'))).toEqual([]);
  });
});

describe('workers when the schedules vanish with no connection lost (a FLUSHALL, a failover)', () => {
  it('put them back on the slow timer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-timer-config-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'sources.yaml'),
      `sources:\n  - { id: timed, name: timed, kind: feed, url: "${http.origin}/timed.xml", every: 1h, allowPrivateNetwork: true }\n`,
    );
    const timed = await startWorkers({
      target: { options: server.connection, description: 'test' },
      prefix: 'timer:',
      configDir: dir,
      roles: ['fetch'],
      watchConfig: false,
      reconcileEveryMs: 300,
      pace: { minGapMs: 0 },
      log: () => {},
    });
    const client = new Redis(server.connection);
    try {
      await until(() => fetches('timed') === 1);
      await client.flushall();
      await until(() => fetches('timed') === 2);
    } finally {
      client.disconnect();
      await timed.close();
    }
  });
});
