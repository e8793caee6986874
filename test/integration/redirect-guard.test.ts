import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchUrl } from '../../src/ingest/fetcher.js';
import { serve, startHttpServer, type TestHttpServer } from '../helpers/http.js';

// The only "public" address in these tests is 127.0.0.1, so the guard's per-hop check can be
// seen refusing a redirect to another loopback address or name, as it would refuse a
// redirect from a real public site to 127.0.0.1, 10.x or 169.254.169.254.
const onlyThisHost = (address: string) => address === '127.0.0.1';
let http: TestHttpServer;

beforeAll(async () => {
  http = await startHttpServer({ '/feed.xml': serve('<rss version="2.0"><channel></channel></rss>') });
  const port = new URL(http.origin).port;
  http.route(
    '/to-other-loopback',
    (_req, res) => void res.writeHead(302, { location: `http://127.0.0.2:${port}/feed.xml` }).end(),
  );
  http.route(
    '/to-localhost',
    (_req, res) => void res.writeHead(301, { location: `http://localhost:${port}/feed.xml` }).end(),
  );
  http.route(
    '/to-metadata',
    (_req, res) => void res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
  );
  http.route('/to-same-host', (_req, res) => void res.writeHead(302, { location: '/feed.xml' }).end());
});
afterAll(() => http.close());

describe('redirects to non-public addresses', () => {
  it.each([
    ['/to-other-loopback', /127\.0\.0\.2 is not a public address/],
    ['/to-localhost', /localhost:\d+ is a loopback name/],
    ['/to-metadata', /169\.254\.169\.254 is not a public address/],
  ])('%s is refused at the redirect, before connecting', async (path, reason) => {
    const before = http.requests.length;
    const err = await fetchUrl(`${http.origin}${path}`, {
      userAgent: 't',
      addressPolicy: onlyThisHost,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'blocked-address', details: { permanent: true } });
    expect((err as Error).message).toMatch(reason);
    expect(http.requests.slice(before).map((r) => r.path)).toEqual([path]); // the target was never requested
  });

  it('follows a redirect that stays on an allowed address', async () => {
    const res = await fetchUrl(`${http.origin}/to-same-host`, {
      userAgent: 't',
      addressPolicy: onlyThisHost,
    });
    expect(res).toMatchObject({ status: 200, url: `${http.origin}/feed.xml` });
  });

  it('refuses the first hop too when the policy is the default (public addresses only)', async () => {
    await expect(fetchUrl(`${http.origin}/feed.xml`, { userAgent: 't' })).rejects.toMatchObject({
      code: 'blocked-address',
    });
  });
});
