import { describe, expect, it } from 'vitest';
import { canonicalUrl, itemId } from '../../src/dedupe/canonical.js';
import { clusterStories } from '../../src/dedupe/stories.js';
import { backoffDelay, MAX_BACKOFF_MS } from '../../src/ingest/backoff.js';
import { classifyItems } from '../../src/ingest/classify-items.js';
import { parseArticle } from '../../src/ingest/enrich.js';
import { toPlainText } from '../../src/ingest/clean-text.js';
import { isPublicAddress } from '../../src/ingest/address-guard.js';
import { normaliseItems } from '../../src/ingest/normalise.js';
import { parseFeed } from '../../src/ingest/feed-parser.js';
import { robotsVerdict } from '../../src/ingest/robots.js';
import { describeNetworkError } from '../../src/ingest/fetcher.js';
import { keywordBaseline } from '../../src/classify/keyword-baseline.js';
import { loadConfig } from '../../src/config/load.js';
import type { NewsItem } from '../../src/types/item.js';

describe('canonicalUrl', () => {
  it.each([
    ['https://Example.ORG/a?utm_source=rss&utm_medium=feed', 'https://example.org/a'],
    ['https://example.org/a?id=3&fbclid=xyz&gclid=1#comments', 'https://example.org/a?id=3'],
    ['http://example.org:80/a/?b=1&utm_campaign=x&c=2', 'http://example.org/a/?b=1&c=2'],
    ['https://user:pw@example.org/x', 'https://example.org/x'],
    ['ftp://example.org/x', undefined],
    ['not a url', undefined],
  ])('%s → %s', (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });

  it('gives one id per canonical URL', () => {
    expect(itemId(canonicalUrl('https://example.org/a?utm_source=x')!)).toBe(
      itemId(canonicalUrl('https://EXAMPLE.org/a#top')!),
    );
  });
});

describe('normaliseItems', () => {
  const seen = new Date('2026-11-20T12:00:00Z');
  it.each([
    [
      'whitespace in text',
      { title: ' Councils\n share \u00a0& save ', link: 'https://x.org/1' },
      { title: 'Councils share & save' },
    ],
    [
      'tracking parameters dropped',
      { title: 'T', link: 'https://x.org/1?utm_source=a' },
      { url: 'https://x.org/1' },
    ],
    [
      'missing date falls back to first seen',
      { title: 'T', link: 'https://x.org/1' },
      { publishedAt: seen.toISOString(), dateFromFirstSeen: true },
    ],
    [
      'future date is a feed bug',
      { title: 'T', link: 'https://x.org/1', publishedAt: '2026-12-25T00:00:00.000Z' },
      { dateFromFirstSeen: true },
    ],
    [
      'given date kept',
      { title: 'T', link: 'https://x.org/1', publishedAt: '2026-11-19T08:00:00.000Z' },
      { publishedAt: '2026-11-19T08:00:00.000Z' },
    ],
    [
      'summary repeating the title dropped',
      { title: 'Same text', link: 'https://x.org/1', summary: 'Same text' },
      { title: 'Same text' },
    ],
  ])('%s', (_name, raw, expected) => {
    const { items } = normaliseItems({ items: [raw], skipped: 0 }, seen);
    expect(items[0]).toMatchObject(expected);
    if ((raw as { summary?: string }).summary === raw.title) expect(items[0]!.summary).toBeUndefined();
  });

  it('reduces markup once: a feed that writes a tag as text keeps it as text', async () => {
    const rss = `<rss version="2.0"><channel><title>T</title><item><title>Why &amp;lt;b&amp;gt; tags &lt;i&gt;still&lt;/i&gt; matter</title><link>https://x.org/1</link><description>&lt;p&gt;Councils &amp;amp; trusts&lt;/p&gt;</description></item></channel></rss>`;
    const { items } = normaliseItems(await parseFeed(rss, 'https://x.org/'), seen);
    expect(items[0]).toMatchObject({ title: 'Why <b> tags still matter', summary: 'Councils & trusts' });
  });

  it('cuts summaries to about two sentences and 300 characters at a word boundary', () => {
    const long =
      'One sentence here that is long enough. Two sentences here as well. Three is too many for a standfirst.';
    const { items } = normaliseItems(
      {
        items: [
          { title: 'T', link: 'https://x.org/1', summary: long },
          { title: 'U', link: 'https://x.org/2', summary: 'word '.repeat(200) },
        ],
        skipped: 0,
      },
      seen,
    );
    expect(items[0]!.summary).toBe('One sentence here that is long enough. Two sentences here as well.');
    expect(items[1]!.summary!.length).toBeLessThanOrEqual(300);
    expect(items[1]!.summary!.endsWith('word…')).toBe(true);
  });

  it('skips and counts unusable links, and merges the same URL twice', () => {
    const r = normaliseItems(
      {
        items: [
          { title: 'A', link: 'mailto:x@y' },
          { title: 'B', link: 'https://x.org/1?utm_source=1' },
          { title: 'B', link: 'https://x.org/1' },
        ],
        skipped: 2,
      },
      seen,
    );
    expect(r.items).toHaveLength(1);
    expect(r.skipped).toBe(3);
  });
});

describe('story clusters', () => {
  const at = '2026-11-20T09:00:00.000Z';
  const item = (id: string, title: string, summary: string, sourceIds = ['other']): NewsItem => ({
    id,
    url: `https://x.org/${id}`,
    title,
    summary,
    publishedAt: at,
    firstSeenAt: at,
    sourceIds,
    classification: {
      sector: 'other',
      confidence: 0,
      explanation: '',
      relevance: 0,
      relevant: false,
      needsReview: false,
      modelVersion: 't',
    },
  });
  it.each([
    [
      'paraphrased headline, same names',
      item(
        'a',
        'Kelbridge and Ashworth councils agree to share chief executive',
        'The two councils will share a chief executive to save £1.1m.',
      ),
      item(
        'b',
        'Shared boss for Kelbridge and Ashworth as councils seal deal',
        'Kelbridge and Ashworth will share a chief executive, saving £1.1m a year.',
      ),
      true,
    ],
    [
      'same words, different places',
      item(
        'a',
        'County and district councils agree single waste partnership',
        'Councils in Marlshire agree a single waste partnership.',
      ),
      item(
        'b',
        'Kelbridge and Ashworth councils agree to share chief executive',
        'A single partnership between district councils.',
      ),
      false,
    ],
    [
      'unrelated',
      item('a', 'Homeware chain to close 40 stores', 'Retailer shuts shops.'),
      item('b', 'Pathology network goes live across five trusts', 'Labs share work.'),
      false,
    ],
  ])('%s', (_name, a, b, expected) => {
    // Two outlets, so only their words decide.
    const stories = clusterStories([a, { ...b, sourceIds: ['gazette'] }]);
    expect(stories.get('b') === stories.get('a')).toBe(expected);
  });

  it('groups the same story from another outlet, never from its own outlet', () => {
    const fresh = item(
      'n',
      'Kelbridge and Ashworth councils agree to share chief executive',
      'Kelbridge and Ashworth will share a chief executive, saving £1.1m.',
      ['localgov'],
    );
    const other = item(
      'o',
      'Shared boss for Kelbridge and Ashworth as councils seal deal',
      'Kelbridge and Ashworth councils will share a chief executive to save £1.1m.',
      ['gazette'],
    );
    const followUp = { ...other, id: 'f', sourceIds: ['localgov'] };
    expect(clusterStories([fresh, other])).toEqual(
      new Map([
        ['n', 'n'],
        ['o', 'n'],
      ]),
    );
    expect(clusterStories([fresh, followUp]).get('f')).toBe('f');
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 0, 150_000],
    [1, 1, 300_000],
    [3, 1, 1_200_000],
    [20, 1, MAX_BACKOFF_MS],
    [20, 0, MAX_BACKOFF_MS / 2],
  ])('failure %i with random %d → %i ms', (failures, random, expected) => {
    expect(backoffDelay(failures, undefined, () => random)).toBe(expected);
  });
  it('honours Retry-After, capped at 24 h', () => {
    expect(backoffDelay(1, 120_000)).toBe(120_000);
    expect(backoffDelay(1, 10 * MAX_BACKOFF_MS)).toBe(MAX_BACKOFF_MS);
  });
});

describe('robotsVerdict', () => {
  const robots =
    'User-agent: *\nDisallow: /private/\n\nUser-agent: ssnews\nDisallow: /no-ssnews/\nCrawl-delay: 5\n';
  it.each([
    [200, robots, 'https://x.org/news', true, undefined],
    [200, robots, 'https://x.org/no-ssnews/a', false, undefined],
    [404, '', 'https://x.org/private/a', true, undefined],
    [503, '', 'https://x.org/news', false, true],
    [0, '', 'https://x.org/news', false, true],
  ])('status %i → %s allowed %s (temporary refusal: %s)', (status, text, url, allowed, temporary) => {
    const verdict = robotsVerdict({ status, text }, url);
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.temporary).toBe(temporary);
  });
  it('says what happened when robots.txt could not be had, and not when it is tried again', () => {
    const refused = 'connection refused by 10.0.0.1:443 (ECONNREFUSED)';
    expect(robotsVerdict({ status: 0, text: '', error: refused }, 'https://x.org/news').reason).toBe(
      `robots.txt could not be read: ${refused}`,
    );
    expect(robotsVerdict({ status: 503, text: '' }, 'https://x.org/news').reason).toBe(
      'robots.txt could not be read: HTTP 503',
    );
  });
  it('reads Crawl-delay for our agent', () => {
    expect(robotsVerdict({ status: 200, text: robots }, 'https://x.org/').crawlDelayMs).toBe(5000);
  });
});

describe('parseArticle', () => {
  it('takes og tags, canonical and published time', () => {
    const html = `<html><head><link rel="canonical" href="/a?utm_source=x"><meta property="og:title" content="OG &amp; title"><meta property="og:description" content="The description."><meta property="article:published_time" content="2026-11-19T10:00:00Z"></head><body><p>x</p></body></html>`;
    expect(parseArticle(html, 'https://x.org/a?ref=1')).toEqual({
      title: 'OG & title',
      description: 'The description.',
      publishedAt: '2026-11-19T10:00:00.000Z',
      canonical: 'https://x.org/a',
    });
  });
  it('falls back to the first real paragraph', () => {
    const html = `<html><body><article><p>Short.</p><p>${'A long first paragraph about councils sharing services. '.repeat(2)}</p></article></body></html>`;
    expect(parseArticle(html, 'https://x.org/a').description).toMatch(/^A long first paragraph/);
  });
});

describe('classifyItems', () => {
  it('classifies each item through the given classifier with the source hint', () => {
    const classifier = keywordBaseline(loadConfig().sectors);
    const [c] = classifyItems(
      [
        {
          id: '1',
          url: 'https://x.org',
          title: 'Two councils agree to share services',
          publishedAt: '2026-11-20T00:00:00Z',
        },
      ],
      classifier,
      'local-government',
    );
    expect(c!.classification.modelVersion).toBe(classifier.version);
  });
});

describe('defences against hostile feeds and pages', () => {
  it.each([
    ['93.184.216.34', true],
    ['2606:4700::1111', true],
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['::ffff:169.254.169.254', false],
    ['::7f00:1', false], // IPv4-compatible ::127.0.0.1
    ['fd00::1', false],
    ['fe80::1', false],
    ['not-an-ip', false],
  ])('isPublicAddress(%s) is %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it("ignores a page's rel=canonical that points at another site", () => {
    const html =
      '<html><head><link rel="canonical" href="https://phish.example/login"><meta property="og:title" content="T"></head></html>';
    expect(parseArticle(html, 'https://council.example.gov.uk/news/1').canonical).toBeUndefined();
    expect(
      parseArticle(
        html.replace('https://phish.example/login', 'https://www.council.example.gov.uk/news/one'),
        'https://council.example.gov.uk/news/1',
      ).canonical,
    ).toBe('https://www.council.example.gov.uk/news/one');
  });

  it('drops control characters (terminal escape sequences) from feed text', () => {
    expect(toPlainText('Clear \u001b[2J screen &#x1b;]8;;https://x\u0007 and\u0000 NUL')).toBe(
      'Clear [2J screen ]8;;https://x and NUL',
    );
  });
});

describe('describeNetworkError', () => {
  it.each([
    [
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443', address: '10.0.0.1', port: 443 },
      'connection refused by 10.0.0.1:443 (ECONNREFUSED)',
    ],
    [
      {
        code: 'ENOTFOUND',
        message: 'getaddrinfo ENOTFOUND news.example.invalid',
        hostname: 'news.example.invalid',
      },
      'DNS lookup failed for news.example.invalid (ENOTFOUND)',
    ],
    [
      { code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN news.example.org' },
      'DNS lookup failed for news.example.org (the DNS server did not answer) (EAI_AGAIN)',
    ],
    [
      { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'Connect Timeout Error' },
      'connection timed out (UND_ERR_CONNECT_TIMEOUT)',
    ],
    [
      { code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' },
      'TLS failed: certificate has expired (CERT_HAS_EXPIRED)',
    ],
    [
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" },
      "TLS failed: Hostname/IP does not match certificate's altnames (ERR_TLS_CERT_ALTNAME_INVALID)",
    ],
    [{ code: 'EPIPE', message: 'write EPIPE' }, 'EPIPE: write EPIPE'],
  ])('%o → %s', (err, said) => {
    expect(describeNetworkError(err)).toBe(said);
  });
});
