import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source } from '../../src/config/schema.js';
import { ingestSource, type IngestDeps } from '../../src/ingest/ingest-source.js';
import type { ServerResponse } from 'node:http';
import { keys } from '../../src/store/keys.js';
import { startHttpServer, serve, type TestHttpServer } from '../helpers/http.js';
import { testIngestDeps } from '../helpers/ingest.js';
import { useTestRedis } from '../helpers/redis.js';

const RSS = (items: string, enc = 'UTF-8') =>
  `<?xml version="1.0" encoding="${enc}"?><rss version="2.0"><channel><title>T</title><link>https://example.org/</link>${items}</channel></rss>`;
const ITEM = (n: number, extra = '') =>
  `<item><title>Councils agree shared service ${n}${extra}</title><link>https://example.org/news/${n}?utm_source=rss</link><description>Two councils will share a chief executive.</description><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item>`;
const PAGE = `<html><body><ul class="news"><li><h3><a href="/news/a">Fire and police share HQ</a></h3></li></ul></body></html>`;

const redis = useTestRedis();
let http: TestHttpServer;
let paused: TestHttpServer;
let n = 0;

const deps = (extra: Partial<IngestDeps> = {}): IngestDeps =>
  testIngestDeps(redis.client, `t${++n}:`, { timeoutMs: 1500, ...extra });
const feed = (id: string, url: string, extra: Partial<Source> = {}): Source =>
  ({
    id,
    name: id,
    kind: 'feed',
    url,
    every: 3_600_000,
    enabled: true,
    enrich: false,
    allowPrivateNetwork: true,
    ...extra,
  }) as Source;

beforeAll(async () => {
  // Bytes E9 93 94 are é “ ” in windows-1252 and invalid as UTF-8.
  const win1252 = Buffer.from(
    RSS(
      '<item><title>Caf\u00e9 \u0093q\u0094</title><link>https://example.org/cafe</link></item>',
      'windows-1252',
    ),
    'latin1',
  );
  const winFeed = Buffer.from(RSS(ITEM(9).replace('</item>', '') + '</item>', 'windows-1252'), 'latin1');
  http = await startHttpServer({
    '/feed.xml': (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' }).end(RSS(ITEM(1) + ITEM(2)));
    },
    '/gzip.xml': (_req, res) =>
      void res
        .writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' })
        .end(gzipSync(RSS(ITEM(3)))),
    '/moved301.xml': (_req, res) => void res.writeHead(301, { location: '/feed.xml' }).end(),
    '/moved308.xml': (_req, res) => void res.writeHead(308, { location: '/gzip.xml' }).end(),
    '/missing.xml': serve('nope', {}, 404),
    '/gone.xml': serve('gone', {}, 410),
    '/error.xml': serve('oops', {}, 500),
    '/slow.xml': (_req, res) => void setTimeout(() => res.writeHead(200).end(RSS(ITEM(1))), 4000),
    '/big.xml': serve(RSS(ITEM(1, 'x'.repeat(50_000)))),
    '/win1252.xml': serve(win1252, { 'content-type': 'application/rss+xml' }),
    '/latin1-header.xml': serve(winFeed, { 'content-type': 'text/xml; charset=ISO-8859-1' }),
    '/html.xml': serve('<!DOCTYPE html><html><body>Not a feed</body></html>', {
      'content-type': 'text/html',
    }),
    '/robots.txt': serve('User-agent: *\nDisallow: /private/\n', { 'content-type': 'text/plain' }),
    '/private/news.html': serve(PAGE, { 'content-type': 'text/html' }),
    '/public/news.html': serve(PAGE, { 'content-type': 'text/html' }),
    '/no-link.xml': serve(
      RSS(
        ITEM(1) +
          '<item><title>No link here</title></item><item><link>https://example.org/untitled</link></item>',
      ),
    ),
  });
  paused = await startHttpServer({
    '/busy.xml': serve('slow down', { 'retry-after': '120' }, 429),
    '/other.xml': serve(RSS(ITEM(1))),
  });
});
afterAll(async () => {
  await http?.close();
  await paused?.close();
});

/**
 * Requests paced 150 ms apart, as the server saw them arrive. Arrival jitters with connection
 * set-up on a loaded machine, so allow 50 ms; unpaced, they arrive within a few ms.
 */
function expectPaced(starts: number[]): void {
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
}

describe('ingestSource against a fixture server', () => {
  it('stores items, then asks conditionally and gets 304', async () => {
    const d = deps();
    const s = feed('good', `${http.origin}/feed.xml`);
    const first = await ingestSource(d, s);
    expect(first).toMatchObject({ outcome: 'fetched', status: 200, items: 2, created: 2 });
    const again = await ingestSource(d, s);
    expect(again).toMatchObject({ outcome: 'not-modified', status: 304 });
    expect(http.requests.filter((r) => r.path === '/feed.xml').at(-1)!.headers['if-none-match']).toBe('"v1"');
    const state = await d.sources.get('good');
    expect(state).toMatchObject({ etag: '"v1"', lastStatus: 304, consecutiveFailures: 0 });
    const items = await d.items.list();
    expect(items.map((i) => i.url).sort()).toEqual([
      'https://example.org/news/1',
      'https://example.org/news/2',
    ]);
    expect(items[0]!.sourceIds).toEqual(['good']);
  });

  it.each([
    ['moved301.xml', '/feed.xml'],
    ['moved308.xml', '/gzip.xml'],
  ])('reports the permanent redirect of %s in the source state', async (path, to) => {
    const d = deps();
    const run = await ingestSource(d, feed('moved', `${http.origin}/${path}`));
    expect(run).toMatchObject({ outcome: 'fetched', movedTo: `${http.origin}${to}` });
    expect((await d.sources.get('moved')).movedTo).toBe(`${http.origin}${to}`);
  });

  it.each([
    ['missing.xml', 404, /^http-status: HTTP 404/],
    ['gone.xml', 410, /^http-status: HTTP 410/],
    ['error.xml', 500, /^http-status: HTTP 500/],
    ['slow.xml', undefined, /^timeout: /],
    ['big.xml', undefined, /^too-large: /],
    ['html.xml', 200, /^not-a-feed: /],
  ])('%s fails visibly and backs off', async (path, status, error) => {
    const d = deps({ maxBytes: 20_000 });
    const s = feed('bad', `${http.origin}/${path}`);
    const run = await ingestSource(d, s);
    expect(run.outcome).toBe('failed');
    expect(run.error).toMatch(error);
    expect(run.retryInMs).toBeGreaterThan(0);
    const state = await d.sources.get('bad');
    expect(state).toMatchObject({ consecutiveFailures: 1, lastError: run.error });
    if (status !== 200) expect(state.lastStatus).toBe(status);
    expect(Date.parse(state.backoffUntil!)).toBeGreaterThan(Date.now());
    // A scheduled run during the backoff does not fetch; a forced one does and counts again.
    expect((await ingestSource(d, s)).outcome).toBe('backing-off');
    expect((await ingestSource(d, s, { force: true })).consecutiveFailures).toBe(2);
  });

  it('a success after failures clears the error, the backoff and validators the server no longer sends', async () => {
    const d = deps();
    const at = new Date('2026-11-20T10:00:00.000Z');
    const next = new Date('2026-11-20T11:00:00.000Z');
    await d.sources.recordSuccess('r', {
      at,
      url: 'https://x.org/f',
      status: 200,
      etag: '"v1"',
      lastModified: 'Fri, 20 Nov 2026 09:00:00 GMT',
      movedTo: 'https://x.org/g',
      created: 3,
      nextFetchAt: next,
    });
    await d.sources.recordFailure('r', { at, status: 500, error: 'http: 500' });
    await d.sources.setBackoff('r', next);
    await d.sources.recordSuccess('r', {
      at,
      url: 'https://x.org/f',
      status: 200,
      created: 2,
      items: 5,
      nextFetchAt: next,
    });
    const state = await d.sources.get('r');
    expect(state).toMatchObject({
      consecutiveFailures: 0,
      lastStatus: 200,
      lastItems: 5,
      totalNew: 5,
      url: 'https://x.org/f',
    });
    for (const gone of [
      'lastError',
      'lastErrorAt',
      'backoffUntil',
      'etag',
      'lastModified',
      'movedTo',
    ] as const)
      expect(state[gone], gone).toBeUndefined();
  });

  it('honours Retry-After on 429 and holds the whole host back', async () => {
    const d = deps();
    const run = await ingestSource(d, feed('busy', `${paused.origin}/busy.xml`));
    expect(run).toMatchObject({ outcome: 'failed', status: 429, retryInMs: 120_000 });
    const other = await ingestSource(d, feed('other', `${paused.origin}/other.xml`));
    expect(other.outcome).toBe('deferred');
    expect(other.retryInMs).toBeGreaterThan(100_000);
    expect(paused.requests.filter((r) => r.path === '/other.xml')).toHaveLength(0);
  });

  it.each([
    ['win1252.xml', 'Café “q”'],
    ['latin1-header.xml', 'Councils agree shared service 9'],
  ])('decodes %s by its declared charset', async (path, title) => {
    const d = deps();
    await ingestSource(d, feed('enc', `${http.origin}/${path}`));
    expect((await d.items.list()).map((i) => i.title)).toContain(title);
  });

  it('reads gzip bodies', async () => {
    const d = deps();
    expect(await ingestSource(d, feed('gz', `${http.origin}/gzip.xml`))).toMatchObject({
      outcome: 'fetched',
      created: 1,
    });
  });

  it('honours robots.txt for page sources', async () => {
    const d = deps();
    const page = (path: string): Source =>
      ({
        ...feed(`page${path.length}${path[1]}`, `${http.origin}${path}`),
        kind: 'page',
        selectors: { item: 'ul.news li', title: 'h3', link: 'h3 a' },
      }) as Source;
    const denied = await ingestSource(d, page('/private/news.html'));
    expect(denied.error).toMatch(/^robots-disallowed: robots.txt at .* disallows \/private\/news.html/);
    expect(http.requests.some((r) => r.path === '/private/news.html')).toBe(false);
    expect(await ingestSource(d, page('/public/news.html'))).toMatchObject({
      outcome: 'fetched',
      created: 1,
    });
  });

  it('refuses a loopback source that is not explicitly allowed', async () => {
    const run = await ingestSource(
      deps(),
      feed('sneaky', `${http.origin}/feed.xml`, { allowPrivateNetwork: false }),
    );
    expect(run.error).toMatch(/^blocked-address: 127\.0\.0\.1 is not a public address/);
  });

  it('skips and counts items without a title or link', async () => {
    const run = await ingestSource(deps(), feed('nolink', `${http.origin}/no-link.xml`));
    expect(run).toMatchObject({ outcome: 'fetched', items: 1, skipped: 2 });
  });

  it('keeps at most 2 requests per host in flight and a minimum gap between starts', async () => {
    const d = deps({ pace: { perHost: 2, minGapMs: 150, leaseMs: 10_000 } });
    let inFlight = 0;
    let peak = 0;
    const starts: number[] = [];
    const pace = await startHttpServer({
      '/f.xml': async (_req, res) => {
        starts.push(Date.now());
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 400));
        inFlight--;
        res.writeHead(200).end(RSS(ITEM(1)));
      },
    });
    try {
      await Promise.all([1, 2, 3, 4].map((i) => ingestSource(d, feed(`p${i}`, `${pace.origin}/f.xml?${i}`))));
    } finally {
      await pace.close();
    }
    expect(peak).toBe(2);
    expectPaced(starts);
  });

  it('paces a redirect by the host it lands on', async () => {
    const d = deps({ pace: { perHost: 2, minGapMs: 150, leaseMs: 10_000 } });
    const starts: number[] = [];
    const target = await startHttpServer({
      '/f.xml': (_req, res) => {
        starts.push(Date.now());
        res.writeHead(200).end(RSS(ITEM(1)));
      },
    });
    // Four different hosts (ports) that all redirect to the one target host.
    const redirectors = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        startHttpServer({
          '/r.xml': (_req, res) => void res.writeHead(302, { location: `${target.origin}/f.xml?${i}` }).end(),
        }),
      ),
    );
    try {
      const runs = await Promise.all(
        redirectors.map((r, i) => ingestSource(d, feed(`r${i}`, `${r.origin}/r.xml`))),
      );
      expect(runs.map((r) => r.outcome)).toEqual(['fetched', 'fetched', 'fetched', 'fetched']);
    } finally {
      await Promise.all([target, ...redirectors].map((x) => x.close()));
    }
    expectPaced(starts);
  });
});

describe('redirect hops under the per-host pace', () => {
  it('gives each hop to the same host its own slot and gap, like a first request', async () => {
    const d = deps({ pace: { perHost: 2, minGapMs: 150, leaseMs: 10_000 } });
    const arrivals: number[] = [];
    // /r0 → /r1 → /r2 → /r3 → /f.xml, all on one host: five requests, each paced.
    const hops = await startHttpServer({
      '/f.xml': (_req, res) => {
        arrivals.push(Date.now());
        res.writeHead(200).end(RSS(ITEM(1)));
      },
    });
    for (let i = 0; i < 4; i++)
      hops.route(`/r${i}`, (_req, res) => {
        arrivals.push(Date.now());
        res.writeHead(302, { location: i === 3 ? '/f.xml' : `/r${i + 1}` }).end();
      });
    try {
      expect((await ingestSource(d, feed('hops', `${hops.origin}/r0`))).outcome).toBe('fetched');
    } finally {
      await hops.close();
    }
    expect(hops.requests.map((r) => r.path)).toEqual(['/r0', '/r1', '/r2', '/r3', '/f.xml']);
    expectPaced(arrivals);
  });
});

describe('two runs of one source overlapping (a stalled job handed to another worker while it still runs)', () => {
  /** A feed whose first request hangs until answered; later ones fail at once. */
  async function stallingServer() {
    const held: ServerResponse[] = [];
    const server = await startHttpServer({
      '/stall.xml': (_req, res) => void (held.length === 0 ? held.push(res) : res.writeHead(500).end('oops')),
    });
    const answer = () => held.forEach((r) => r.writeHead(500).end('oops'));
    return { server, answer };
  }
  const until = async (ok: () => boolean) => {
    while (!ok()) await new Promise((r) => setTimeout(r, 10));
  };

  it('the second run finds the source busy and records nothing; the failure is counted once', async () => {
    const { server, answer } = await stallingServer();
    const d = deps();
    const s = feed('stalled', `${server.origin}/stall.xml`);
    try {
      // The same job twice, as BullMQ's stalled-job check hands it out again.
      const first = ingestSource(d, s, { lockOwner: 'job-7' });
      await until(() => server.requests.length === 1);
      let secondDone = false;
      const second = ingestSource(d, s, { lockOwner: 'job-7' }).finally(() => (secondDone = true));
      await until(() => secondDone || server.requests.length > 1);
      answer();
      const runs = await Promise.all([first, second]);
      expect(runs.map((r) => r.outcome)).toEqual(['failed', 'busy']);
      expect(server.requests).toHaveLength(1);
      expect((await d.sources.get('stalled')).consecutiveFailures).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('a run whose lock lapsed while it was stalled records nothing: the run that took over counts the attempt', async () => {
    const { server, answer } = await stallingServer();
    const d = deps();
    const prefix = `t${n}:`;
    const s = feed('lapsed', `${server.origin}/stall.xml`);
    try {
      const first = ingestSource(d, s, { lockOwner: 'job-8' });
      await until(() => server.requests.length === 1);
      // Its process stalls past the lock's lifetime: the lock lapses and another run takes over.
      await redis.client.del(keys(prefix).sourceLock('lapsed'));
      const second = await ingestSource(d, s, { lockOwner: 'job-8' });
      expect(second).toMatchObject({ outcome: 'failed', consecutiveFailures: 1 });
      answer();
      expect(await first).toMatchObject({
        outcome: 'busy',
        error: expect.stringMatching(/recorded nothing/),
      });
      expect((await d.sources.get('lapsed')).consecutiveFailures).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('a fetch job retried after a crash', () => {
  it('still asks for the article pages that the crashed run never enqueued', async () => {
    const d = deps();
    const source = feed('enrich-me', `${http.origin}/gzip.xml`, { enrich: true });
    // First run "crashes" before enqueueing enrichment: no enrich sink at all.
    expect((await ingestSource(d, source)).created).toBe(1);
    const asked: string[] = [];
    const again = await ingestSource(
      { ...d, enrich: async (r) => void asked.push(...r.map((x) => x.itemId)) },
      source,
      { force: true },
    );
    expect(again.created).toBe(0);
    expect(asked).toHaveLength(1);
    const [item] = await d.items.list({});
    expect(asked).toEqual([item!.id]);
    // Once enriched, it is not asked for again.
    await d.items.patch(item!.id, { enrichedAt: new Date().toISOString() });
    asked.length = 0;
    await ingestSource({ ...d, enrich: async (r) => void asked.push(...r.map((x) => x.itemId)) }, source, {
      force: true,
    });
    expect(asked).toEqual([]);
  });

  it('whose enrich requests failed to queue, fails, and its next try reads the feed again (not a 304) and asks again', async () => {
    const d = deps();
    const source = feed('enrich-etag', `${http.origin}/feed.xml`, { enrich: true });
    const broken = async () => {
      throw new Error('the enrich queue is unreachable');
    };
    const failed = await ingestSource({ ...d, enrich: broken }, source);
    expect(failed).toMatchObject({ outcome: 'failed', consecutiveFailures: 1 });
    expect(failed.error).toMatch(/^unexpected: Error: the enrich queue is unreachable/);
    // The validators were not recorded, so the next try is a full fetch (forced here: the
    // source is backing off; otherwise it is its first scheduled tick after the backoff).
    expect((await d.sources.get('enrich-etag')).etag).toBeUndefined();
    const asked: string[] = [];
    const again = await ingestSource(
      { ...d, enrich: async (r) => void asked.push(...r.map((x) => x.itemId)) },
      source,
      { force: true },
    );
    expect(again).toMatchObject({ outcome: 'fetched', status: 200, created: 0 });
    expect(asked).toHaveLength(2);
  });
});

describe('an unexpected exception inside ingestSource', () => {
  it('is recorded in the source state (failures, last error, backoff) and returned, not thrown', async () => {
    const d = deps();
    const crashing = {
      ...d.classifier,
      classify: () => {
        throw new TypeError('the classifier has a bug');
      },
    };
    const source = feed('crash', `${http.origin}/gzip.xml`);
    const run = await ingestSource({ ...d, classifier: crashing }, source);
    expect(run).toMatchObject({ outcome: 'failed', consecutiveFailures: 1 });
    expect(run.error).toMatch(/^unexpected: TypeError: the classifier has a bug \(at /);
    expect(run.retryInMs).toBeGreaterThan(0);
    const state = await d.sources.get('crash');
    expect(state).toMatchObject({ consecutiveFailures: 1, lastError: run.error });
    expect(state.lastFetchAt).toBeDefined();
    expect(Date.parse(state.backoffUntil!)).toBeGreaterThan(Date.now());
    // It backs off like any failure, and a success clears it.
    expect((await ingestSource(d, source)).outcome).toBe('backing-off');
    expect(await ingestSource(d, source, { force: true })).toMatchObject({ outcome: 'fetched', created: 1 });
    expect(await d.sources.get('crash')).toMatchObject({
      consecutiveFailures: 0,
      lastError: undefined,
      backoffUntil: undefined,
    });
  });
});

describe('ItemStore', () => {
  it('upserts idempotently, merges sources, keeps first-seen and editor fields', async () => {
    const d = deps();
    const classification = d.classifier.classify({ title: 'Councils share services' });
    const base = {
      id: 'i1',
      url: 'https://x.org/1',
      title: 'Councils share services',
      publishedAt: '2026-11-20T10:00:00.000Z',
      classification,
    };
    const [first] = await d.items.upsertMany([
      { ...base, sourceId: 'a', seenAt: '2026-11-20T11:00:00.000Z' },
    ]);
    expect(first!.created).toBe(true);
    await d.items.setEditorSector('i1', 'health');
    await d.items.setEditorRelevant('i1', true);
    const [again] = await d.items.upsertMany([
      { ...base, sourceId: 'a', seenAt: '2026-11-21T11:00:00.000Z' },
    ]);
    expect(again!.created).toBe(false);
    const [b] = await d.items.upsertMany([{ ...base, sourceId: 'b', seenAt: '2026-11-22T11:00:00.000Z' }]);
    expect(b!.item).toMatchObject({
      sourceIds: ['a', 'b'],
      firstSeenAt: '2026-11-20T11:00:00.000Z',
      editorSector: 'health',
      editorRelevant: true,
    });
    expect((await d.items.list({ sector: 'health' })).map((i) => i.id)).toEqual(['i1']);
    expect(
      await d.items.list({ sector: classification.sector === 'health' ? 'other' : classification.sector }),
    ).toEqual([]);
    expect(await d.items.list({ since: new Date('2026-11-21T00:00:00Z') })).toEqual([]);
    expect((await d.items.getMany(['nope', 'i1'])).map((i) => i.id)).toEqual(['i1']);
    expect(await d.items.get('nope')).toBeUndefined();
  });

  it('concurrent upserts of one URL from many sources lose none', async () => {
    const d = deps();
    const classification = d.classifier.classify({ title: 'x' });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        d.items.upsertMany([
          {
            id: 'c',
            url: 'https://x.org/c',
            title: 'x',
            publishedAt: '2026-11-20T10:00:00.000Z',
            classification,
            sourceId: `s${i}`,
            seenAt: new Date().toISOString(),
          },
        ]),
      ),
    );
    expect((await d.items.get('c'))!.sourceIds.sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `s${i}`).sort(),
    );
  });
});
