import Parser from 'rss-parser';
import { FetchError } from './errors.js';
import { parseDate } from './dates.js';
import { toPlainText } from './clean-text.js';
import type { ParseResult, RawItem } from './types.js';

type Extra = {
  'content:encoded'?: string;
  'dc:date'?: string;
  description?: string;
  updated?: string;
  published?: string;
};

// rss-parser handles RSS 0.9x/1.0 (RDF)/2.0 and Atom; one instance is reusable.
const parser: Parser<Record<string, unknown>, Extra> = new Parser({
  customFields: { item: ['dc:date', 'description', 'updated', 'published'] },
});

/** Looks like a web page, not a feed: the commonest misconfiguration. */
export function looksLikeHtml(text: string): boolean {
  return /^\s*(<!--[\s\S]*?-->\s*)*(<!doctype html|<html[\s>])/i.test(text.slice(0, 2048));
}

/**
 * Parses feed XML into raw items. `baseUrl` (where the feed was fetched from) resolves
 * relative links. Throws FetchError('not-a-feed' | 'parse') with the parser's reason.
 */
export async function parseFeed(xml: string, baseUrl: string): Promise<ParseResult> {
  if (looksLikeHtml(xml)) {
    throw new FetchError('not-a-feed', 'got an HTML page where a feed (RSS/Atom XML) was expected');
  }
  let feed: Parser.Output<Extra>;
  try {
    // rss-parser insists on <rss version="...">; plenty of real feeds leave it out.
    feed = await parser.parseString(
      xml.replace(/^\uFEFF/, '').replace(/<rss(?![^>]*\sversion\s*=)(?=[\s>])/, '<rss version="2.0"'),
    );
  } catch (err) {
    const reason = ((err as Error).message ?? String(err)).split('\n').slice(0, 2).join(' ');
    throw new FetchError('parse', `not a readable RSS/Atom feed: ${reason}`);
  }
  const base = absolute(feed.link, baseUrl) ?? baseUrl;
  const items: RawItem[] = [];
  let skipped = 0;
  for (const entry of feed.items ?? []) {
    const title = toPlainText(stringOf(entry.title));
    const link = absolute(stringOf(entry.link) || guidLink(entry.guid), base);
    if (!title || !link) {
      skipped++;
      continue;
    }
    const summary = toPlainText(
      stringOf(entry.summary) ||
        stringOf(entry.description) ||
        stringOf(entry.contentSnippet) ||
        stringOf(entry['content:encoded']),
    );
    items.push({
      title,
      link,
      summary: summary || undefined,
      publishedAt: parseDate(
        stringOf(entry.isoDate) ||
          stringOf(entry.pubDate) ||
          stringOf(entry['dc:date']) ||
          stringOf(entry.published) ||
          stringOf(entry.updated),
      ),
    });
  }
  return { items, skipped };
}

/** Hostile feeds put objects where strings belong (xml2js attributes, repeated elements). */
function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return stringOf(value[0]);
  if (value && typeof value === 'object' && '_' in value) return stringOf((value as { _: unknown })._);
  return '';
}

function guidLink(guid: unknown): string {
  const g = stringOf(guid);
  return /^https?:\/\//i.test(g) ? g : '';
}

/** Resolves `href` against `base`; only http(s) results count. */
export function absolute(href: string | undefined, base: string): string | undefined {
  if (!href?.trim()) return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
