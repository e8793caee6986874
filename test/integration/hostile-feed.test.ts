import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRun } from '../../src/ingest/ingest-source.js';
import { ItemStore, type ItemUpsert } from '../../src/store/items.js';
import { keys } from '../../src/store/keys.js';
import { runCli } from '../helpers/cli.js';
import { serve, startHttpServer, type TestHttpServer } from '../helpers/http.js';
import { useTestRedis } from '../helpers/redis.js';

/** A feed of `n` items, item i published i minutes before 20 Nov 2026 10:00 (item 0 newest). */
const bigFeed = (n: number) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>` +
  Array.from(
    { length: n },
    (_, i) =>
      `<item><title>Councils agree shared service number ${i}</title><link>https://example.org/big/${i}</link>` +
      `<description>Two councils will share a chief executive.</description>` +
      `<pubDate>${new Date(Date.UTC(2026, 10, 20, 10) - i * 60_000).toUTCString()}</pubDate></item>`,
  ).join('') +
  '</channel></rss>';
const SMALL = `<?xml version="1.0"?><rss version="2.0"><channel><title>S</title><item><title>Fire and police share HQ</title><link>https://example.org/small/1</link><description>One building.</description></item></channel></rss>`;

const redis = useTestRedis();
let http: TestHttpServer;

beforeAll(async () => {
  http = await startHttpServer({
    '/big.xml': serve(bigFeed(7000)),
    '/small.xml': serve(SMALL),
    '/broken.xml': serve(SMALL),
  });
});
afterAll(async () => {
  await http?.close();
});

describe('a feed of thousands of items', () => {
  it('is stored in chunks: far more items than one script call can take as arguments', async () => {
    const store = new ItemStore(redis.client, 'chunks:');
    const seenAt = '2026-11-20T10:00:00.000Z';
    const inputs: ItemUpsert[] = Array.from({ length: 40_000 }, (_, i) => ({
      id: `id${i}`,
      url: `https://example.org/${i}`,
      title: `Story ${i}`,
      publishedAt: seenAt,
      classification: {
        sector: 'other',
        relevant: true,
        modelVersion: 'test',
      } as ItemUpsert['classification'],
      sourceId: 'many',
      seenAt,
    }));
    const results = await store.upsertMany(inputs);
    expect(results.filter((r) => r.created)).toHaveLength(40_000);
    expect(results[39_999]!.item.id).toBe('id39999');
    expect(await store.countBySource('many', new Date(0))).toBe(40_000);
  });

  it('`ssnews fetch --json`: keeps the newest maxItems with a warning, reports every source, exits 1 when one fails', async () => {
    const prefix = 'big:';
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-big-'));
    writeFileSync(
      join(dir, 'sources.yaml'),
      'sources:\n' +
        ['big', 'small', 'broken']
          .map(
            (id) =>
              `  - { id: ${id}, name: ${id}, kind: feed, url: "${http.origin}/${id}.xml", every: 1h, allowPrivateNetwork: true }\n`,
          )
          .join(''),
    );
    const env = { REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: prefix };
    // A source whose state Redis refuses to read or write: ingestSource cannot even record it.
    await redis.client.set(keys(prefix).sourceState('broken'), 'not a hash');
    const fetched = await runCli(['fetch', '--config', dir, '--json', '--no-enrich', '--min-gap', '0'], env);
    expect(fetched.code).toBe(1);
    const runs = (JSON.parse(fetched.stdout) as { ok: boolean; sources: SourceRun[] }).sources;
    expect(runs.find((r) => r.sourceId === 'big')).toMatchObject({
      outcome: 'fetched',
      items: 7000,
      created: 500,
      warning: 'carried 7000 items: stored the newest 500 (maxItems)',
    });
    expect(runs.find((r) => r.sourceId === 'small')).toMatchObject({ outcome: 'fetched', created: 1 });
    expect(runs.find((r) => r.sourceId === 'broken')).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/^unexpected, not recorded: .*WRONGTYPE/),
    });
    // The newest 500 by date: items 0..499.
    const stored = new ItemStore(redis.client, prefix);
    const ids = await redis.client.zrange(keys(prefix).itemsBySource('big'), '0', '-1');
    expect(ids).toHaveLength(500);
    const titles = (await stored.getMany(ids)).map((i) => Number(/number (\d+)/.exec(i.title)![1]));
    expect(Math.max(...titles)).toBe(499);

    await redis.client.del(keys(prefix).sourceState('broken'));
    const status = await runCli(['sources', 'status', '--config', dir, '--json'], env);
    const rows = (JSON.parse(status.stdout) as { sources: { id: string; lastWarning?: string }[] }).sources;
    expect(rows.find((r) => r.id === 'big')?.lastWarning).toBe(
      'carried 7000 items: stored the newest 500 (maxItems)',
    );
    expect(rows.find((r) => r.id === 'small')?.lastWarning).toBeUndefined();
  });
});
