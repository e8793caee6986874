import { load } from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { openQueues, type IngestQueues } from '../../src/queue/queues.js';
import { SourceStateStore } from '../../src/store/sources.js';
import { bundledConfig } from '../helpers/digest.js';
import { useTestRedis } from '../helpers/redis.js';
import { signIn, startWebApp, type Signin, type WebApp } from '../helpers/web.js';

const db = useTestRedis();
const prefix = 'web-admin:';
const PASSWORD = 'correct horse battery';
const HOSTILE = '<img src=x onerror=alert(1)>';
const editor = { email: 'ed@example.org', password: PASSWORD };
const admin = { email: 'admin@example.org', password: PASSWORD, admin: true, name: 'Ada' };

/** The bundled sources, one renamed with markup, two of them failing. */
function adminConfig(): Config {
  const base = bundledConfig();
  const [first, ...rest] = base.sources;
  return { ...base, sources: [{ ...first!, id: 'hostile-name', name: HOSTILE }, ...rest] };
}
const config = adminConfig();
const failingOnce = config.sources[3]!.id;
const failingTwice = config.sources[7]!.id;

let web: WebApp;
let queues: IngestQueues;
let ed: Signin;
let ad: Signin;
beforeAll(async () => {
  queues = openQueues({ options: db.server.connection, description: 'test' }, prefix);
  web = await startWebApp({ redis: db.client, prefix, config, editors: [editor, admin], server: { queues } });
  const states = new SourceStateStore(db.client, prefix);
  const at = new Date();
  await states.recordFailure(failingOnce, { at, status: 500, error: `http: HTTP 500 ${HOSTILE}` });
  for (let i = 0; i < 2; i++) await states.recordFailure(failingTwice, { at, error: 'timeout: no answer' });
  ed = await signIn(web.app, editor.email, editor.password);
  ad = await signIn(web.app, admin.email, admin.password);
});
afterAll(async () => {
  await web?.close();
  await queues?.close();
});

const get = (s: Signin, url: string) => web.app.inject({ url, headers: { cookie: s.cookie } });
const fetchNow = (s: Signin, id: string, csrf?: string) =>
  web.app.inject({
    method: 'POST',
    url: `/admin/sources/${id}/fetch`,
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(csrf === undefined ? {} : { _csrf: csrf }).toString(),
  });
const fetchJobs = async () =>
  (await queues.fetch.getJobs(['waiting', 'delayed', 'active', 'prioritized'])).map((j) => j.data);

describe('administration', () => {
  it('answers 403 to an editor who is not an admin, on every admin page and the dashboard', async () => {
    for (const url of ['/admin', '/admin/sources', '/admin/queues', '/admin/queues/api/queues']) {
      const res = await get(ed, url);
      expect(res.statusCode, url).toBe(403);
      expect(res.body, url).toContain('Only an administrator');
    }
    const post = await fetchNow(ed, failingOnce, ed.csrf);
    expect(post.statusCode).toBe(403);
    expect(await fetchJobs()).toEqual([]);
  });

  it('sends a visitor without a session to sign in', async () => {
    const res = await web.app.inject('/admin/sources');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/login?next=%2Fadmin%2Fsources');
  });

  it('shows an admin every source, failing ones first, a hostile name as text', async () => {
    const index = await get(ad, '/admin');
    expect(index.statusCode).toBe(200);
    expect(load(index.body)('main a[href="/admin/sources"]').text()).toBe('Sources');

    const res = await get(ad, '/admin/sources');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).not.toContain('<img');
    const $ = load(res.body);
    const ids = $('tbody tr')
      .map((_, tr) => $(tr).find('td').first().find('.muted').text())
      .get();
    expect(ids.slice(0, 2)).toEqual([failingTwice, failingOnce]);
    expect(ids.sort()).toEqual(config.sources.map((s) => s.id).sort());
    const hostile = $('tbody tr').filter((_, tr) => $(tr).find('.muted').text() === 'hostile-name');
    expect(hostile.find('strong').text()).toBe(HOSTILE);
    expect($('tbody tr').eq(1).find('td.error').text()).toBe(`http: HTTP 500 ${HOSTILE}`);
    expect($('tbody tr').eq(0).find('td[data-label=Failures]').text()).toBe('2');
  });

  it('"Fetch now" without the CSRF token is 403 and queues nothing; with it queues exactly that source', async () => {
    for (const csrf of [undefined, 'not-the-token']) {
      const refused = await fetchNow(ad, failingOnce, csrf);
      expect(refused.statusCode).toBe(403);
    }
    expect(await fetchJobs()).toEqual([]);

    const page = load((await get(ad, '/admin/sources')).body);
    const form = page(`form[action="/admin/sources/${failingOnce}/fetch"]`);
    const token = form.find('input[name=_csrf]').attr('value')!;
    const res = await fetchNow(ad, failingOnce, token);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/sources?queued=${failingOnce}`);
    expect(await fetchJobs()).toEqual([{ sourceId: failingOnce, reason: 'manual' }]);
    const [job] = await queues.fetch.getJobs(['waiting']);
    expect(job!.id).toMatch(new RegExp(`^manual\\.${failingOnce}\\.`));

    const after = load((await get(ad, res.headers.location as string)).body);
    const name = config.sources.find((s) => s.id === failingOnce)!.name;
    expect(after('[role=status]').text()).toContain(`Fetch queued for ${name}`);
    expect((await fetchNow(ad, 'no-such-source', token)).statusCode).toBe(404);
    expect(await fetchJobs()).toHaveLength(1);
    await queues.fetch.obliterate({ force: true });
  });

  it("lets bull-board's own requests through only from this origin", async () => {
    const put = (origin?: string) =>
      web.app.inject({
        method: 'PUT',
        url: '/admin/queues/api/queues/enrich/pause',
        headers: { cookie: ad.cookie, ...(origin ? { origin } : {}) },
      });
    expect((await put()).statusCode).toBe(403);
    expect((await put('https://elsewhere.example')).statusCode).toBe(403);
    expect(await queues.enrich.isPaused()).toBe(false);
    // As a browser on the dashboard sends it: Origin and Host name this server.
    const ok = await web.app.inject({
      method: 'PUT',
      url: '/admin/queues/api/queues/enrich/pause',
      headers: { cookie: ad.cookie, origin: web.url, host: new URL(web.url).host },
    });
    expect(ok.statusCode).toBe(200);
    expect(await queues.enrich.isPaused()).toBe(true);
    await queues.enrich.resume();
  });
});
