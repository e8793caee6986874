import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/ingest/charset.js';
import { FetchError } from '../../src/ingest/errors.js';
import { parseFeed } from '../../src/ingest/feed-parser.js';
import { normaliseItems } from '../../src/ingest/normalise.js';

/**
 * Property: whatever bytes a feed URL returns, decode → parse → normalise ends in items or a
 * FetchError (the project's typed error), never a TypeError / RangeError, and costs in
 * proportion to the input's size. Seeds are the shared corpus (when it sits beside the
 * repository) and small generated feeds; fast-check mutates them.
 */
const CORPUS = resolve(fileURLToPath(new URL('../../../shared/corpus/feeds/', import.meta.url)));
const corpusFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return corpusFiles(path);
    return /\.(xml|rss|atom|rdf)$/.test(name) && statSync(path).size < 64_000 ? [path] : [];
  });
const corpus = existsSync(CORPUS) ? corpusFiles(CORPUS).map((p) => readFileSync(p)) : [];

const item = (title: string, summary: string) =>
  `<item><title>${title}</title><link>https://x.org/${encodeURIComponent(title).slice(0, 40)}</link><description>${summary}</description><pubDate>Tue, 17 Nov 2026 10:00:00 GMT</pubDate></item>`;
const rss = (body: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.org/</link>${body}</channel></rss>`;
const atom = (body: string) =>
  `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>A</title><link href="/a"/>${body}</entry></feed>`;

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
/** Feeds built to hurt: long runs without punctuation, huge attributes, deep nesting, markup soup. */
const generated = fc.oneof(
  fc.tuple(text, text).map(([t, s]) => rss(item(t, s))),
  fc.integer({ min: 1, max: 20_000 }).map((n) => rss(item('Long', 'word '.repeat(n)))),
  fc.integer({ min: 1, max: 20_000 }).map((n) => rss(item('Soup', '&lt;p '.repeat(n) + '&lt;!--'.repeat(n)))),
  fc
    .integer({ min: 1, max: 50_000 })
    .map((n) => rss(`<item title="${'x'.repeat(n)}">${item('Attr', 'a')}</item>`)),
  fc
    .integer({ min: 1, max: 2_000 })
    .map((n) => atom(`<content type="xhtml">${'<div>'.repeat(n)}deep${'</div>'.repeat(n)}</content>`)),
  fc.constantFrom(
    '<rss/>',
    '<rss><channel>x</channel></rss>',
    '<feed/>',
    '<feed><entry>x</entry></feed>',
    '<rdf:RDF/>',
    '',
  ),
);
const seeds = fc.oneof(
  generated.map((s) => Buffer.from(s)),
  ...(corpus.length ? [fc.constantFrom(...corpus)] : []),
);
/** A seed truncated, with bytes flipped, or spliced with a run of one character. */
const mutated = fc
  .tuple(
    seeds,
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    fc.nat({ max: 3 }),
  )
  .map(([bytes, cut, flips, mode]) => {
    const out = Buffer.from(bytes);
    for (const [at, value] of flips) if (out.length) out[at % out.length] = value;
    if (mode === 1) return out.subarray(0, cut % (out.length + 1));
    if (mode === 2)
      return Buffer.concat([out.subarray(0, cut % (out.length + 1)), Buffer.from('<'.repeat(5_000))]);
    return out;
  });

async function ingest(bytes: Buffer): Promise<void> {
  const { text } = decodeBody(bytes, undefined);
  try {
    normaliseItems(await parseFeed(text, 'https://x.org/feed'), new Date('2026-11-20T12:00:00Z'));
  } catch (err) {
    if (!(err instanceof FetchError)) throw err;
    expect(err.message).not.toMatch(/Cannot read properties|is not a function|Invalid time value/);
  }
}

describe('random and mutated feeds through parse and normalise (issue #11)', () => {
  it('end in items or a FetchError, never another error', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(seeds, mutated), ingest), { numRuns: 100, seed: 11 });
  });

  it('every corpus file ends in items or a FetchError that says what is wrong', async () => {
    for (const bytes of corpus) await ingest(bytes);
  });

  it('costs in proportion to size: 10 times the input is well under 100 times the CPU', async () => {
    // Each generator at n and 10n; parse is asynchronous, so time whole runs with cpuUsage.
    const shapes = [
      (n: number) => rss(item('Long', 'word '.repeat(n))),
      (n: number) => rss(item('Soup', '&lt;p '.repeat(n))),
      (n: number) => rss(item('Comments', '&lt;!--'.repeat(n))),
      (n: number) => rss(item('Dots', `a ${'.'.repeat(n)}x`)),
      (n: number) => rss(item('Title '.repeat(n), 'b')),
      (n: number) => rss(`<item title="${'x'.repeat(n)}">${item('Attr', 'a')}</item>`),
    ];
    for (const shape of shapes) {
      const [small, large] = [shape(2_000), shape(20_000)];
      const time = async (xml: string, reps: number) => {
        const start = process.cpuUsage();
        for (let i = 0; i < reps; i++) await ingest(Buffer.from(xml));
        const used = process.cpuUsage(start);
        return (used.user + used.system) / 1000;
      };
      let reps = 1;
      let base = await time(small, reps);
      while (base < 20) base = await time(small, (reps *= 4));
      expect(await time(large, reps)).toBeLessThan(base * 30);
    }
  });
});
