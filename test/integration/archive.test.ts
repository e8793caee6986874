import * as cheerio from 'cheerio';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIssue } from '../../src/digest/render.js';
import { Digest } from '../../src/digest/service.js';
import { buildServer } from '../../src/web/server.js';
import { issuesFeed } from '../../src/web/pages.js';
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
    expect($('feed > updated').text()).toBe($('entry > published').text());
  });

  it('gives the feed the time it was made as <updated> when nothing has been sent, not 1970', async () => {
    const now = new Date('2026-12-03T20:15:00.000Z');
    expect(issuesFeed(config, [], () => '', now)).toContain('<updated>2026-12-03T20:15:00.000Z</updated>');
    const empty = await buildServer({
      config,
      redis: db.client,
      prefix: 'archive-empty:',
      logLevel: 'silent',
    });
    try {
      const before = Date.now();
      const res = await empty.inject('/issues/feed.xml');
      const after = Date.now();
      expect(res.statusCode).toBe(200);
      const $ = cheerio.load(res.body, { xml: true });
      expect($('entry')).toHaveLength(0);
      const updated = Date.parse($('feed > updated').text());
      expect(updated).toBeGreaterThanOrEqual(before);
      expect(updated).toBeLessThanOrEqual(after);
    } finally {
      await empty.close();
    }
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

describe('the archive under load and hostile requests', () => {
  const expectSecurityHeaders = (headers: Record<string, unknown>) => {
    expect(headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
  };

  it('renders a cold issue once however many requests wait for it, and keeps it', async () => {
    let renders = 0;
    const counted = await buildServer({
      config,
      redis: db.client,
      prefix,
      logLevel: 'silent',
      rateLimit: false,
      compile: (view) => {
        renders++;
        return compileIssue(view);
      },
    });
    try {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => counted.inject('/issues/2014-W22')),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
      expect(new Set(responses.map((r) => r.body)).size).toBe(1);
      expect(renders).toBe(1);
      expect((await counted.inject('/issues/2014-w22')).statusCode).toBe(200);
      expect(renders).toBe(1);
    } finally {
      await counted.close();
    }
  });

  it('answers a client over the limit with 429 and a clear message; other clients and /health go on', async () => {
    const limited = await buildServer({
      config,
      redis: db.client,
      prefix,
      logLevel: 'silent',
      rateLimit: { max: 5, windowMs: 60_000 },
    });
    try {
      const from = (remoteAddress: string, url = '/issues') => limited.inject({ url, remoteAddress });
      for (let i = 0; i < 5; i++) expect((await from('192.0.2.1')).statusCode).toBe(200);
      const refused = await from('192.0.2.1', '/issues/2014-W22');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().message).toMatch(/too many requests from your address.*try again in/);
      expect(refused.headers['retry-after']).toBeDefined();
      expectSecurityHeaders(refused.headers);
      expect((await from('192.0.2.2')).statusCode).toBe(200);
      expect((await from('192.0.2.1', '/health')).statusCode).toBe(200);
      // A client cannot name another address for itself: X-Forwarded-For counts only from a trusted proxy.
      const spoofed = await limited.inject({
        url: '/issues',
        remoteAddress: '192.0.2.1',
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      expect(spoofed.statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('counts the client named by a trusted proxy', async () => {
    const behindProxy = await buildServer({
      config,
      redis: db.client,
      prefix,
      logLevel: 'silent',
      rateLimit: { max: 1, windowMs: 60_000 },
      trustProxy: '127.0.0.1',
    });
    try {
      const via = (client: string) =>
        behindProxy.inject({
          url: '/issues',
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': client },
        });
      expect((await via('198.51.100.7')).statusCode).toBe(200);
      expect((await via('198.51.100.7')).statusCode).toBe(429);
      expect((await via('198.51.100.8')).statusCode).toBe(200);
    } finally {
      await behindProxy.close();
    }
  });

  it('puts the security headers on every response: a URL that does not decode, a 404, an error', async () => {
    for (const url of ['/issues/%', '/%E0%A4%A', '/nowhere', '/issues/2014-W40']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expectSecurityHeaders(res.headers);
      expect(res.headers['strict-transport-security'], url).toBeDefined();
    }
    const bad = await app.inject('/issues/%');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});
