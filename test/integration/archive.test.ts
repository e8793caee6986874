import * as cheerio from 'cheerio';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Digest } from '../../src/digest/service.js';
import { buildServer } from '../../src/web/server.js';
import { bundledConfig, makeItem, storeItem } from '../helpers/digest.js';
import { useTestRedis } from '../helpers/redis.js';

const db = useTestRedis();
let app: FastifyInstance;
const prefix = 'archive:';
const config = bundledConfig();

beforeAll(async () => {
  const d = new Digest({ redis: db.client, prefix, config });
  await storeItem(
    d.items,
    makeItem('a1', 'health', {
      title: 'Trusts <b>share</b> "back office"',
      publishedAt: '2014-05-27T10:00:00.000Z',
    }),
  );
  await storeItem(
    d.items,
    makeItem('b1', 'leadership', { title: 'Draft-only story', publishedAt: '2014-06-03T10:00:00.000Z' }),
  );
  const sent = await d.draft('2014-W22');
  const edited = await d.edit('2014-W22', sent.issue.version, [
    { op: 'subject', text: 'Trusts & councils <share>' },
    { op: 'intro', text: 'Hello <b>readers</b> <script>x</script>' },
  ]);
  const sending = await d.setStatus('2014-W22', edited.version, 'sending');
  await d.setStatus('2014-W22', sending.version, 'sent');
  await d.draft('2014-W23'); // stays a draft: never public
  app = await buildServer({ config, redis: db.client, prefix, logLevel: 'silent' });
});
afterAll(async () => {
  await app.close();
});

describe('the public archive', () => {
  it('lists only sent issues, with security headers', async () => {
    const res = await app.inject('/issues');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBeDefined();
    const $ = cheerio.load(res.body);
    expect($('html').attr('lang')).toBe('en-GB');
    const links = $('li a')
      .map((_, a) => [[$(a).attr('href'), $(a).text()]])
      .get();
    expect(links).toEqual([['/issues/2014-W22', 'Trusts & councils <share>']]);
    expect(res.body).not.toContain('2014-W23');
  });

  it('serves a sent issue as a web page and hides drafts', async () => {
    const res = await app.inject('/issues/2014-W22');
    expect(res.statusCode).toBe(200);
    const $ = cheerio.load(res.body);
    expect(
      $('h2')
        .map((_, h) => $(h).text())
        .get(),
    ).toEqual(['Health & Social Care']);
    expect($('h3 a').text()).toBe('Trusts <b>share</b> "back office"');
    expect($('script')).toHaveLength(0);
    expect(
      $('a')
        .filter((_, a) => $(a).text() === 'Unsubscribe')
        .attr('href'),
    ).toBe('https://news.example.org/unsubscribe');
    expect((await app.inject('/issues/2014-w22')).statusCode).toBe(200);
    expect((await app.inject('/issues/2014-W23')).statusCode).toBe(404);
    expect((await app.inject('/issues/2014-W40')).statusCode).toBe(404);
    expect((await app.inject('/issues/..%2Fetc')).statusCode).toBe(404);
  });

  it('publishes an Atom feed of sent issues', async () => {
    const res = await app.inject('/issues/feed.xml');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const $ = cheerio.load(res.body, { xml: true });
    expect($('feed > title').text()).toBe(config.newsletter.name);
    expect($('entry')).toHaveLength(1);
    expect($('entry > title').text()).toBe('Trusts & councils <share>');
    expect($('entry > id').text()).toBe('https://news.example.org/issues/2014-W22');
    expect($('entry > summary').text()).toBe('Hello readers');
    expect($('entry > published').text()).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('answers over real HTTP too', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${address}/issues/2014-W22`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Trusts &lt;b&gt;share&lt;/b&gt;');
    const root = await fetch(`${address}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/issues');
  });
});
