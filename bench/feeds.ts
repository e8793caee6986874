/**
 * The ingest benches' feeds: 1,000 feeds × 25 items of realistic text, headlines and
 * standfirsts from the labelled training data recombined so every item is distinct (the
 * dedupe stage sees real vocabulary, not a 20-word toy language).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLabelledTsv } from '../src/classify/data.js';
import { escapeHtml as esc } from '../src/digest/escape.js';

export const FEEDS = 1000;
export const PER_FEED = 25;
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROWS = readLabelledTsv(join(ROOT, 'config/training/train.tsv'));

export function feedXml(f: number): string {
  const items = Array.from({ length: PER_FEED }, (_, i) => {
    const n = f * PER_FEED + i;
    const title = ROWS[n % ROWS.length]!.title;
    const summary = ROWS[(n * 7 + 3) % ROWS.length]!.summary ?? '';
    return `<item><title>${esc(title)} (${f}.${i})</title><link>https://news${f % 50}.example.org/${f}/${i}?utm_source=rss</link><description>&lt;p&gt;${esc(esc(summary))}&lt;/p&gt;</description><pubDate>${new Date(Date.now() - (i + 1) * 3_600_000).toUTCString()}</pubDate><guid>g-${f}-${i}</guid></item>`;
  }).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ${f}</title><link>https://news.example.org/</link>${items}</channel></rss>`;
}

/** rss-parser's parseString over `bodies`, best of three runs: the baseline every ingest figure is set beside. */
export async function rawParseRate(bodies: string[]): Promise<number> {
  const { default: Parser } = await import('rss-parser');
  const parser = new Parser();
  let best = 0;
  for (let run = 0; run < 3; run++) {
    let parsed = 0;
    const t0 = performance.now();
    for (const b of bodies) parsed += (await parser.parseString(b)).items.length;
    best = Math.max(best, parsed / ((performance.now() - t0) / 1000));
  }
  return best;
}
