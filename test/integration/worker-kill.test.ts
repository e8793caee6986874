import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueFetch, openQueues, type IngestQueues } from '../../src/queue/queues.js';
import { ItemStore } from '../../src/store/items.js';
import { keys } from '../../src/store/keys.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http.js';
import { useTestRedis } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FEEDS = 40;
const PER_FEED = 25;
const prefix = 'kill:';
const feed = (f: number) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>F${f}</title>` +
  Array.from(
    { length: PER_FEED },
    (_, i) =>
      `<item><title>Story ${i} from feed ${f} about shared services</title><link>https://example.org/${f}/${i}?utm_source=x</link><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item>`,
  ).join('') +
  (f > 0 ? `<item><title>Common story</title><link>https://example.org/common</link></item>` : '') +
  '</channel></rss>';

const redis = useTestRedis();
let http: TestHttpServer;
let queues: IngestQueues;
let dir: string;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'workers/fetch.ts'),
      '--config',
      dir,
      '--concurrency',
      '4',
      '--min-gap',
      '0',
      '--lock-ms',
      '2000',
      '--no-schedule',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: prefix },
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  children.push(child);
  return child;
}

beforeAll(async () => {
  // Each feed answers slowly so the worker is killed with fetches in flight.
  http = await startHttpServer();
  for (let f = 0; f < FEEDS; f++)
    http.route(
      `/f${f}.xml`,
      (_req, res) =>
        void setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed(f)),
          150,
        ),
    );
  dir = mkdtempSync(join(tmpdir(), 'ssnews-kill-'));
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n' +
      Array.from(
        { length: FEEDS },
        (_, f) =>
          `  - { id: f${f}, name: F${f}, kind: feed, url: "${http.origin}/f${f}.xml", every: 1h, allowPrivateNetwork: true }\n`,
      ).join(''),
  );
  queues = openQueues({ options: redis.server.connection, description: 'test' }, prefix);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await queues?.close();
  await http?.close();
});

describe('a fetch worker killed mid-batch', () => {
  it('loses and doubles nothing once restarted', async () => {
    await enqueueFetch(
      queues.fetch,
      Array.from({ length: FEEDS }, (_, f) => `f${f}`),
      'kill',
    );
    const first = startWorker();
    const items = new ItemStore(redis.client, prefix);
    // Kill -9 once some, not all, items are stored.
    while ((await items.list()).length < 3 * PER_FEED) await new Promise((r) => setTimeout(r, 20));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = (await items.list()).length;
    expect(atKill).toBeLessThan(FEEDS * PER_FEED);

    const second = startWorker();
    for (;;) {
      const counts = await queues.fetch.getJobCounts('completed', 'failed');
      if ((counts.completed ?? 0) + (counts.failed ?? 0) >= FEEDS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    expect(await queues.fetch.getJobCounts('failed')).toEqual({ failed: 0 });
    const all = await items.list();
    expect(all).toHaveLength(FEEDS * PER_FEED + 1);
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    for (const item of all) expect(new Set(item.sourceIds).size).toBe(item.sourceIds.length);
    const common = all.find((i) => i.url === 'https://example.org/common')!;
    expect(common.sourceIds.sort()).toEqual(Array.from({ length: FEEDS - 1 }, (_, f) => `f${f + 1}`).sort());
    for (let f = 0; f < FEEDS; f++)
      expect(await redis.client.zcard(keys(prefix).itemsBySource(`f${f}`))).toBe(PER_FEED + (f > 0 ? 1 : 0));
  }, 180_000);
});
