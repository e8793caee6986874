import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, serve, type TestHttpServer } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../../src/store/redis-server.js';

const RSS = (items: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><link>https://example.org/</link>${items}</channel></rss>`;
const ITEM = (n: number, date: string) =>
  `<item><title>Councils agree shared service ${n}</title><link>https://example.org/news/${n}</link><description>Two councils will share a chief executive.</description><pubDate>${date}</pubDate></item>`;
const PAGE = `<!doctype html><html><head><title>News</title></head><body><nav><a href="/">Home</a></nav>
<ul class="news"><li><h3><a href="/news/a">Fire and police share HQ</a></h3><time datetime="2026-11-20T09:00:00Z">20 Nov</time></li>
<li><h3><a href="news/b">Ambulance trusts collaborate</a></h3><time datetime="2026-11-21T09:00:00Z">21 Nov</time></li></ul></body></html>`;

let http: TestHttpServer;
let dir: string;

beforeAll(async () => {
  http = await startHttpServer({
    '/feed.xml': serve(
      RSS(ITEM(1, 'Fri, 20 Nov 2026 10:00:00 +0000') + ITEM(2, 'Sat, 21 Nov 2026 10:00:00 +0000')),
    ),
    '/page.html': serve(PAGE, { 'content-type': 'text/html; charset=utf-8' }),
    '/private/page.html': serve(PAGE, { 'content-type': 'text/html; charset=utf-8' }),
    '/robots.txt': serve('User-agent: *\nDisallow: /private/\n', { 'content-type': 'text/plain' }),
    '/gone.xml': serve('gone', {}, 410),
    '/html.xml': serve('<!DOCTYPE html><html><body>Not a feed</body></html>', {
      'content-type': 'text/html',
    }),
    '/garbage.xml': serve('\u0000\u0001 this is not xml at all {{{'),
    '/hang.xml': () => new Promise(() => {}), // never answers
    '/moved.xml': (_req, res) => void res.writeHead(301, { location: '/feed.xml' }).end(),
  });
  dir = mkdtempSync(join(tmpdir(), 'ssnews-check-'));
  const source = (id: string, path: string, kind = 'feed', extra = '') =>
    `  - id: ${id}\n    name: ${id}\n    kind: ${kind}\n    url: ${http.origin}${path}\n    every: 1h\n    allowPrivateNetwork: true\n${extra}`;
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n' +
      source('good-feed', '/feed.xml') +
      source(
        'good-page',
        '/page.html',
        'page',
        '    selectors:\n      item: ul.news li\n      title: h3\n      link: h3 a\n      date: time\n',
      ) +
      source(
        'robots-page',
        '/private/page.html',
        'page',
        '    selectors:\n      item: ul.news li\n      title: h3\n      link: h3 a\n',
      ) +
      source('gone', '/gone.xml') +
      source('html', '/html.xml') +
      source('garbage', '/garbage.xml') +
      source('hangs', '/hang.xml') +
      source('moved', '/moved.xml') +
      `  - id: off\n    name: off\n    kind: feed\n    url: ${http.origin}/hang.xml\n    every: 1h\n    enabled: false\n    allowPrivateNetwork: true\n` +
      `  - id: not-allowed\n    name: loopback without the allowance\n    kind: feed\n    url: ${http.origin}/feed.xml\n    every: 1h\n`,
  );
});
afterAll(() => http.close());

describe('ssnews sources check', () => {
  it('reports every enabled source, healthy or not, and exits 1 when any failed', async () => {
    const run = await runCli(['sources', 'check', '--config', dir, '--json', '--timeout', '2']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      sources: {
        id: string;
        ok: boolean;
        status?: number;
        items: number;
        newest?: string;
        error?: string;
        movedTo?: string;
      }[];
    };
    const byId = Object.fromEntries(report.sources.map((s) => [s.id, s]));
    expect(report.ok).toBe(false);
    expect(Object.keys(byId).sort()).toEqual([
      'garbage',
      'gone',
      'good-feed',
      'good-page',
      'hangs',
      'html',
      'moved',
      'not-allowed',
      'robots-page',
    ]);
    expect(byId['good-feed']).toMatchObject({
      ok: true,
      status: 200,
      items: 2,
      newest: '2026-11-21T10:00:00.000Z',
    });
    expect(byId['good-page']).toMatchObject({
      ok: true,
      status: 200,
      items: 2,
      newest: '2026-11-21T09:00:00.000Z',
    });
    expect(byId['gone']).toMatchObject({ ok: false, status: 410, error: 'http-status: HTTP 410' });
    expect(byId['html']!.error).toMatch(/^not-a-feed: got an HTML page where a feed/);
    expect(byId['garbage']!.error).toMatch(/^parse: not a readable RSS\/Atom feed/);
    expect(byId['hangs']!.error).toBe('timeout: no complete response within 2 s');
    expect(byId['moved']).toMatchObject({ ok: true, items: 2, movedTo: `${http.origin}/feed.xml` });
    // A page source is read as ingest reads it: robots.txt first (here it says no).
    expect(byId['robots-page']!.error).toMatch(
      /^robots-disallowed: robots\.txt at .* disallows \/private\/page\.html/,
    );
    expect(http.requests.map((r) => r.path)).not.toContain('/private/page.html');
    expect(byId['not-allowed']!.error).toMatch(/^blocked-address: 127\.0\.0\.1 is not a public address/);
  });

  it('prints a table and names each failure with its reason', async () => {
    const run = await runCli([
      'sources',
      'check',
      '--config',
      dir,
      '--timeout',
      '2',
      '--source',
      'good-feed',
      'gone',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/good-feed\s*│\s*feed\s*│\s*200\s*│\s*2\s*│\s*2026-11-21/);
    expect(run.stdout).toContain('1 of 2 sources healthy');
    expect(run.stderr).toContain(`FAILED gone (${http.origin}/gone.xml): http-status: HTTP 410`);
  });

  it('exits 0 when every selected source is healthy', async () => {
    const run = await runCli(['sources', 'check', '--config', dir, '--source', 'good-feed', 'good-page']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 of 2 sources healthy');
  });

  it('exits 2 for an unknown source id', async () => {
    const run = await runCli(['sources', 'check', '--config', dir, '--source', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown source id: nope');
  });

  it('says a refused connection was refused, and nothing about later in a one-off check', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const refusedDir = mkdtempSync(join(tmpdir(), 'ssnews-check-refused-'));
    writeFileSync(
      join(refusedDir, 'sources.yaml'),
      `sources:\n` +
        `  - id: refused-page\n    name: refused\n    kind: page\n    url: ${closed}/news\n    every: 1h\n    allowPrivateNetwork: true\n` +
        `    selectors:\n      item: li\n      title: a\n      link: a\n` +
        `  - id: refused-feed\n    name: refused\n    kind: feed\n    url: ${closed}/feed.xml\n    every: 1h\n    allowPrivateNetwork: true\n`,
    );
    const run = await runCli(['sources', 'check', '--config', refusedDir]);
    expect(run.code).toBe(1);
    const port = new URL(closed).port;
    expect(run.stderr).toContain(
      `FAILED refused-page (${closed}/news): robots-disallowed: robots.txt could not be read: connection refused by 127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(run.stderr).toContain(
      `FAILED refused-feed (${closed}/feed.xml): network: connection refused by 127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(run.stderr + run.stdout).not.toMatch(/later|unreachable/);
  });

  it('sends an identifying User-Agent with the contact from config', async () => {
    await runCli(['sources', 'check', '--config', dir, '--source', 'good-feed']);
    const ua = http.requests.filter((r) => r.path === '/feed.xml').at(-1)!.headers['user-agent'];
    const contact = /userAgentContact: (.*)/.exec(readFileSync('config/newsletter.yaml', 'utf8'))![1]!;
    expect(ua).toBe(`ssnews/0.1.0 (+${contact})`);
  });
});
