import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { loadConfig } from '../../src/config/load.js';
import { ingestSource } from '../../src/ingest/ingest-source.js';
import { openQueues } from '../../src/queue/queues.js';
import { reconcileSchedulers } from '../../src/queue/scheduler.js';
import type { NewsItem } from '../../src/types/item.js';
import { runCli } from '../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http.js';
import { testIngestDeps } from '../helpers/ingest.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
let site: DemoServer;
let http: TestHttpServer;

beforeAll(async () => {
  site = await startDemoServer();
  http = await startHttpServer();
});
afterAll(async () => {
  await site?.close();
  await http?.close();
});

describe('every bundled source parses its captured-shape fixture', () => {
  const config = loadConfig();
  it.each(config.sources.map((s) => [s.id, s] as const))('%s', async (id, source) => {
    const file = ['xml', 'html']
      .map((ext) => join('test/fixtures/sources', `${id}.${ext}`))
      .find((f) => existsSync(f));
    expect(file, `test/fixtures/sources/${id}.xml or .html`).toBeDefined();
    const body = readFileSync(file!);
    http.route(
      `/${id}`,
      (_req, res) =>
        void res
          .writeHead(200, { 'content-type': file!.endsWith('.html') ? 'text/html' : 'application/xml' })
          .end(body),
    );
    // robots.txt is not served (404): no rules.
    const prefix = `fx-${id}:`;
    const deps = testIngestDeps(redis.client, prefix);
    const run = await ingestSource(deps, {
      ...source,
      url: `${http.origin}/${id}`,
      allowPrivateNetwork: true,
    });
    expect(run.error).toBeUndefined();
    const items = await deps.items.list();
    expect(items.length).toBeGreaterThanOrEqual(1);
    for (const item of items) {
      expect(item.title).not.toBe('');
      expect(item.url).toMatch(/^https?:\/\//);
    }
  });
});

describe('the demo: ssnews fetch, then items list', () => {
  it('stores the demo news with clusters, merged sources, a skipped item and windows-1252 text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-demo-'));
    writeFileSync(
      join(dir, 'sources.yaml'),
      readFileSync('demo/config/sources.yaml', 'utf8').replaceAll('http://127.0.0.1:4780', site.origin),
    );
    const env = { REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: 'demo:' };
    const fetched = await runCli(['fetch', '--config', dir, '--min-gap', '0', '--json'], env);
    expect(fetched.stderr).toBe('');
    expect(fetched.code).toBe(0);
    const report = JSON.parse(fetched.stdout) as { skipped: number; enriched: number };
    expect(report.skipped).toBeGreaterThanOrEqual(1);
    expect(report.enriched).toBeGreaterThan(0);

    const listed = await runCli(['items', 'list', '--since', '7d', '--json'], env);
    expect(listed.code).toBe(0);
    const items = (JSON.parse(listed.stdout) as { items: (NewsItem & { storyId: string })[] }).items;
    const byTitle = (t: string) => items.find((i) => i.title.startsWith(t))!;
    // The same URL with utm_* from two outlets: one item, two sources.
    const hub = items.filter((i) => i.url.endsWith('/articles/six-councils-joint-procurement-hub.html'));
    expect(hub).toHaveLength(1);
    expect(hub[0]!.sourceIds.sort()).toEqual(['demo-localgov-today', 'demo-national-daily']);
    // Near-duplicates across outlets form clusters.
    const pairs = [
      ['Kelbridge and Ashworth councils agree', 'Shared boss for Kelbridge and Ashworth'],
      ['Two Marlshire hospital trusts', 'Hospital trusts in Marlshire join forces'],
      ['Eastmoor police and fire services', 'Police and firefighters to move in together'],
      ['Stanmouth College and Harbourside', 'Two Stanmouth colleges to merge'],
    ];
    for (const [a, b] of pairs) expect(byTitle(a!).storyId, `${a} / ${b}`).toBe(byTitle(b!).storyId);
    expect(byTitle('Homeware chain').storyId).not.toBe(
      byTitle('Kelbridge and Ashworth councils agree').storyId,
    );
    // windows-1252 decoded: a curly apostrophe, no replacement characters.
    expect(
      items.find((i) => i.sourceIds.includes('demo-northern-gazette') && /’/.test(`${i.title} ${i.summary}`)),
    ).toBeDefined();
    expect(items.some((i) => /\uFFFD/.test(`${i.title} ${i.summary ?? ''}`))).toBe(false);
    // Hostile markup is plain text.
    expect(items.some((i) => /<script/i.test(i.title))).toBe(false);

    // A re-fetch is idempotent.
    const before = items.length;
    await runCli(['fetch', '--config', dir, '--min-gap', '0', '--json'], env);
    const again = (
      JSON.parse((await runCli(['items', 'list', '--json'], env)).stdout) as { items: NewsItem[] }
    ).items;
    expect(again).toHaveLength(before);

    const status = await runCli(['sources', 'status', '--config', dir, '--json'], env);
    expect(status.code).toBe(0);
    const rows = (
      JSON.parse(status.stdout) as {
        sources: { id: string; lastStatus: number; itemsLast7Days: number; consecutiveFailures: number }[];
      }
    ).sources;
    expect(rows.find((r) => r.id === 'demo-localgov-today')).toMatchObject({ consecutiveFailures: 0 });
    expect(rows.every((r) => r.itemsLast7Days > 0)).toBe(true);
  });
});

describe('job schedulers follow sources.yaml', () => {
  it('adds, changes and removes one scheduler per enabled source', async () => {
    const queues = openQueues({ options: redis.server.connection, description: 'test' }, 'sched:');
    try {
      const src = (id: string, every: number, enabled = true) =>
        ({
          id,
          name: id,
          kind: 'feed',
          url: 'https://example.org/f',
          every,
          enabled,
          enrich: false,
          maxItems: 500,
          allowPrivateNetwork: false,
        }) as const;
      expect(
        await reconcileSchedulers(queues.fetch, [
          src('a', 3_600_000),
          src('b', 3_600_000),
          src('c', 3_600_000, false),
        ]),
      ).toMatchObject({ added: ['a', 'b'], removed: [] });
      expect(await reconcileSchedulers(queues.fetch, [src('a', 7_200_000)])).toMatchObject({
        changed: ['a'],
        removed: ['b'],
      });
      const schedulers = await queues.fetch.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.every])).toEqual([['source.a', 7_200_000]]);
      // Scheduled jobs run once: a failing source is retried by its state and schedule, not by BullMQ.
      expect(schedulers[0]!.template).toMatchObject({
        data: { sourceId: 'a', reason: 'schedule' },
        opts: { attempts: 1 },
      });
      expect(schedulers[0]!.template!.opts!.backoff).toBeUndefined();
      // A scheduler an older version left with BullMQ retries is rewritten.
      await queues.fetch.upsertJobScheduler(
        'source.a',
        { every: 7_200_000 },
        {
          name: 'fetch',
          data: { sourceId: 'a', reason: 'schedule' },
          opts: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 } },
        },
      );
      expect(await reconcileSchedulers(queues.fetch, [src('a', 7_200_000)])).toMatchObject({
        changed: ['a'],
      });
      expect((await queues.fetch.getJobSchedulers())[0]!.template!.opts).toMatchObject({ attempts: 1 });
      expect(await reconcileSchedulers(queues.fetch, [src('a', 7_200_000)])).toMatchObject({
        changed: [],
        unchanged: ['a'],
      });
    } finally {
      await queues.close();
    }
  });
});
