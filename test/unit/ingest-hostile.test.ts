import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/ingest/charset.js';
import { cleanWhitespace, toPlainText, truncateSummary } from '../../src/ingest/clean-text.js';
import { parseArticle } from '../../src/ingest/enrich.js';
import { FetchError } from '../../src/ingest/errors.js';
import { parseFeed } from '../../src/ingest/feed-parser.js';
import { normaliseItems } from '../../src/ingest/normalise.js';
import { parsePage } from '../../src/ingest/page-parser.js';
import { cpuRatio } from '../helpers/cpu.js';

const rss = (items: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.org/</link>${items}</channel></rss>`;
const seen = new Date('2026-11-20T12:00:00Z');

describe('text steps stay linear in their input (issue #11)', () => {
  const words = (n: number) => 'shared services '.repeat(n / 16);
  it('truncateSummary: a long text without sentence punctuation', () => {
    expect(
      cpuRatio(
        () => truncateSummary(words(4_000)),
        () => truncateSummary(words(40_000)),
      ),
    ).toBeLessThan(30);
    const cut = truncateSummary(words(200_000));
    expect(cut.length).toBeLessThanOrEqual(300);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('truncateSummary: a long run of punctuation that never ends a sentence', () => {
    const dots = (n: number) => `a ${'.'.repeat(n)}x`;
    expect(
      cpuRatio(
        () => truncateSummary(dots(4_000)),
        () => truncateSummary(dots(40_000)),
      ),
    ).toBeLessThan(30);
  });

  it.each([
    ['unclosed comments', '<!--'],
    ['unclosed tags', '<p '],
    ['unclosed inline tags', '<a '],
    ['unclosed scripts', '<script>'],
  ])('toPlainText: %s', (_name, unit) => {
    const text = (n: number) => unit.repeat(n / unit.length);
    expect(
      cpuRatio(
        () => toPlainText(text(4_000)),
        () => toPlainText(text(40_000)),
      ),
    ).toBeLessThan(30);
  });

  it('toPlainText still reads markup as before', () => {
    expect(toPlainText('<p>One</p><p>Two &amp; <b>three</b></p><script>x()</script><!-- c -->a < b')).toBe(
      'One Two & three a < b',
    );
    expect(toPlainText('<STYLE>p{}</STYLE>Kept <p unclosed')).toBe('Kept <p unclosed');
  });

  it('truncateSummary keeps the first two sentences when more follow', () => {
    const text = 'Version 2.0 of the shared system went live today. Councils join next year. More later.';
    expect(truncateSummary(text)).toBe(
      'Version 2.0 of the shared system went live today. Councils join next year.',
    );
  });
});

describe('bidirectional controls are dropped from every title and summary (issue #11)', () => {
  const BIDI = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
  const hostile = `Council ${BIDI}news\u202e`;

  it('in the shared text cleaning', () => {
    expect(cleanWhitespace(hostile)).toBe('Council news');
    expect(toPlainText(`<b>${hostile}</b>`)).toBe('Council news');
  });

  it('from feeds', async () => {
    const parsed = await parseFeed(
      rss(
        `<item><title>${hostile}</title><link>https://x.org/1</link><description>Sum ${BIDI}mary</description></item>`,
      ),
      'https://x.org/feed',
    );
    const { items } = normaliseItems(parsed, seen);
    expect(items.map((i) => [i.title, i.summary])).toEqual([['Council news', 'Sum mary']]);
  });

  it('from listing pages and article pages', () => {
    const page = `<ul><li><a href="/1">${hostile}</a><p>Sum ${BIDI}mary</p></li></ul>`;
    const parsed = parsePage(page, 'https://x.org/news', { item: 'li', title: 'a', link: 'a', summary: 'p' });
    expect(parsed.items.map((i) => [i.title, i.summary])).toEqual([['Council news', 'Sum mary']]);
    const article = `<html><head><meta property="og:title" content="${hostile}"><meta name="description" content="Sum ${BIDI}mary"></head></html>`;
    expect(parseArticle(article, 'https://x.org/1')).toMatchObject({
      title: 'Council news',
      description: 'Sum mary',
    });
  });
});

describe('charset detection (issue #11)', () => {
  const xml = '<?xml version="1.0"?><rss version="2.0"><channel><title>Café</title></channel></rss>';
  it.each(['utf-32be', 'utf-32le', 'utf-16be', 'utf-16le'])(
    'recognises %s without a byte-order mark',
    (enc) => {
      const bytes = iconv.encode(xml, enc, { addBOM: false });
      expect(decodeBody(bytes, undefined)).toEqual({ text: xml, charset: enc });
    },
  );
});

describe('feeds of unexpected shape (issue #11)', () => {
  it('reads Atom under a namespace prefix', async () => {
    const atom = `<?xml version="1.0"?>
<a:feed xmlns:a="http://www.w3.org/2005/Atom" xmlns="http://www.w3.org/1999/xhtml">
  <a:title>Prefixed</a:title><a:link href="https://x.org/"/>
  <a:entry><a:title>Shared HR goes live</a:title><a:link href="/news/1"/>
    <a:updated>2026-11-18T12:26:54+01:00</a:updated>
    <a:content type="xhtml"><div><p>Two councils share one HR team.</p></div></a:content></a:entry>
</a:feed>`;
    const { items } = await parseFeed(atom, 'https://x.org/feed');
    expect(items).toEqual([
      {
        title: 'Shared HR goes live',
        link: 'https://x.org/news/1',
        summary: 'Two councils share one HR team.',
        publishedAt: '2026-11-18T11:26:54.000Z',
      },
    ]);
  });

  it('reads RSS 1.0 under a namespace prefix', async () => {
    const rdf = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rss="http://purl.org/rss/1.0/">
<rss:channel rdf:about="https://x.org/"><rss:title>T</rss:title><rss:link>https://x.org/</rss:link></rss:channel>
<rss:item rdf:about="https://x.org/1"><rss:title>One</rss:title><rss:link>https://x.org/1</rss:link></rss:item></rdf:RDF>`;
    expect((await parseFeed(rdf, 'https://x.org/feed')).items.map((i) => i.title)).toEqual(['One']);
  });

  it.each([
    [
      'RSS without a <channel>',
      '<rss version="2.0">\n</rss>',
      'parse',
      /expected a <channel> element .* in <rss>/,
    ],
    [
      'RDF without a <channel>',
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
      'parse',
      /expected a <channel>/,
    ],
    ['Atom holding text', '<feed>words</feed>', 'parse', /expected elements inside <feed>/],
    [
      'another kind of XML',
      '<note><to>x</to></note>',
      'not-a-feed',
      /expected an RSS .* or Atom .* found <note>/,
    ],
    ['an empty document', '   ', 'parse', /empty/],
  ])('%s: a typed error saying what was expected', async (_name, xml, code, message) => {
    const err = await parseFeed(xml, 'https://x.org/feed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).code).toBe(code);
    expect((err as FetchError).message).toMatch(message);
    expect((err as FetchError).message).not.toMatch(/Cannot read|undefined|is not a function/);
  });

  it('keeps an Atom feed whose entry has an unreadable date, or odd entries', async () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom">
  <entry><title>Kept</title><link href="https://x.org/1"/><published>last Tuesday</published></entry>
  <entry>just text</entry>
  <entry><title>No href</title><link/></entry>
  <entry><title>Text link</title><link>https://x.org/3</link></entry>
</feed>`;
    expect(await parseFeed(atom, 'https://x.org/feed')).toEqual({
      items: [
        { title: 'Kept', link: 'https://x.org/1', summary: undefined, publishedAt: undefined },
        { title: 'Text link', link: 'https://x.org/3', summary: undefined, publishedAt: undefined },
      ],
      skipped: 2,
    });
  });
});
