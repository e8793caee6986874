import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalUrl, itemId } from '../../src/dedupe/canonical.js';
import { FetchError } from '../../src/ingest/errors.js';
import { EDITOR_SOURCE_ID, ingestUrl } from '../../src/ingest/ingest-url.js';
import type { IngestDeps } from '../../src/ingest/ingest-source.js';
import { serve, startHttpServer, type TestHttpServer } from '../helpers/http.js';
import { testIngestDeps } from '../helpers/ingest.js';
import { useTestRedis } from '../helpers/redis.js';

const ARTICLE = (
  canonical: string,
) => `<!doctype html><html><head><title>Site | Two councils to share a chief executive</title>
<link rel="canonical" href="${canonical}"><meta property="og:title" content="Two councils to share a chief executive">
<meta property="og:description" content="Kelbridge and Ashworth councils will appoint one chief executive and a joint senior team, saving &pound;1.1m a year.">
<meta property="article:published_time" content="2026-11-20T09:00:00Z"></head><body><h1>Two councils to share a chief executive</h1></body></html>`;

const redis = useTestRedis();
let http: TestHttpServer;
let n = 0;

const deps = (): IngestDeps => testIngestDeps(redis.client, `url${++n}:`, { timeoutMs: 2000 });

beforeAll(async () => {
  http = await startHttpServer({
    '/robots.txt': serve('User-agent: *\nDisallow: /private/\n', { 'content-type': 'text/plain' }),
  });
  http.route(
    '/story.html',
    serve(ARTICLE(`${http.origin}/news/shared-chief-executive?utm_source=x`), {
      'content-type': 'text/html',
    }),
  );
  http.route(
    '/private/story.html',
    serve(ARTICLE(`${http.origin}/private/story.html`), { 'content-type': 'text/html' }),
  );
  http.route(
    '/moved.html',
    (_req, res) => void res.writeHead(302, { location: '/private/story.html' }).end(),
  );
  http.route(
    '/untitled.html',
    serve('<html><body><p>no title anywhere</p></body></html>', { 'content-type': 'text/html' }),
  );
});
afterAll(async () => {
  await http.close();
});

describe('ingestUrl: one article by URL through the pipeline', () => {
  it('reads the page, stores one classified item under its canonical URL, and is idempotent', async () => {
    const d = deps();
    const item = await ingestUrl(d, `${http.origin}/story.html?utm_medium=email#top`, {
      allowPrivateNetwork: true,
    });
    expect(item).toMatchObject({
      url: `${http.origin}/news/shared-chief-executive`,
      title: 'Two councils to share a chief executive',
      summary:
        'Kelbridge and Ashworth councils will appoint one chief executive and a joint senior team, saving £1.1m a year.',
      publishedAt: '2026-11-20T09:00:00.000Z',
      sourceIds: [EDITOR_SOURCE_ID],
    });
    expect(item.classification.sector).toBe('local-government');
    expect(item.enrichedAt).toBeDefined();
    const again = await ingestUrl(d, `${http.origin}/news/shared-chief-executive`, {
      allowPrivateNetwork: true,
    });
    expect(again.id).toBe(item.id);
    expect(await d.items.list({})).toHaveLength(1);
  });

  it('returns the stored item when the page names a canonical URL already known as an alias', async () => {
    const d = deps();
    const first = await ingestUrl(d, `${http.origin}/story.html`, { allowPrivateNetwork: true });
    // Enrichment once learnt that /aliased.html is another address of the same story.
    const aliased = canonicalUrl(`${http.origin}/aliased.html`)!;
    await d.items.addAlias(itemId(aliased), first.id);
    http.route('/other.html', serve(ARTICLE(aliased), { 'content-type': 'text/html' }));
    const again = await ingestUrl(d, `${http.origin}/other.html`, { allowPrivateNetwork: true });
    expect(again.id).toBe(first.id);
    expect(await d.items.list({})).toHaveLength(1);
  });

  it('refuses loopback and private addresses unless allowed (links from editors are untrusted too)', async () => {
    await expect(ingestUrl(deps(), `${http.origin}/story.html`)).rejects.toMatchObject({
      code: 'blocked-address',
    });
  });

  it('honours robots.txt and says why a page without a title cannot be added', async () => {
    await expect(
      ingestUrl(deps(), `${http.origin}/private/story.html`, { allowPrivateNetwork: true }),
    ).rejects.toMatchObject({ code: 'robots-disallowed' });
    // Also when a redirect leads there: the disallowed page itself is never requested.
    const before = http.requests.length;
    await expect(
      ingestUrl(deps(), `${http.origin}/moved.html`, { allowPrivateNetwork: true }),
    ).rejects.toMatchObject({ code: 'robots-disallowed' });
    expect(http.requests.slice(before).map((r) => r.path)).not.toContain('/private/story.html');
    const err = await ingestUrl(deps(), `${http.origin}/untitled.html`, { allowPrivateNetwork: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).message).toMatch(/untitled\.html has no title/);
  });
});
