import { canonicalUrl, itemId } from '../dedupe/canonical.js';
import { boundInput, cleanWhitespace, truncateSummary } from './clean-text.js';
import type { NewsItem } from '../types/item.js';
import type { ParseResult } from './types.js';

/** One item after normalising: canonical URL and id, clean text, a date it can be sorted by. */
export type NormalisedItem = Pick<
  NewsItem,
  'id' | 'url' | 'title' | 'summary' | 'publishedAt' | 'dateFromFirstSeen'
>;

export interface NormaliseResult {
  items: NormalisedItem[];
  /** Skipped by the parser (no title or link) plus links that are no usable URL. */
  skipped: number;
}

const MAX_TITLE = 300;

/**
 * parse → **normalise**: canonical URLs (tracking parameters and fragments dropped), text
 * cleaned and cut, dates settled. The same URL twice in one feed is one item. Pure. The
 * text is already plain (the parsers reduce markup): reducing it again would read a feed's
 * escaped "&lt;b&gt;" as a tag and drop it.
 */
export function normaliseItems(parsed: ParseResult, seenAt: Date): NormaliseResult {
  const items = new Map<string, NormalisedItem>();
  let skipped = parsed.skipped;
  const firstSeen = seenAt.toISOString();
  for (const raw of parsed.items) {
    const url = canonicalUrl(raw.link);
    const title = cutTitle(raw.title);
    if (!url || !title) {
      skipped++;
      continue;
    }
    const id = itemId(url);
    if (items.has(id)) continue;
    const summaryText = raw.summary ? truncateSummary(raw.summary) : '';
    // A summary that only repeats the headline adds nothing.
    const summary =
      summaryText && summaryText.toLowerCase() !== title.toLowerCase() ? summaryText : undefined;
    // A date later than when we saw the item is a feed bug; first-seen is closer to the truth.
    const dated =
      raw.publishedAt && Date.parse(raw.publishedAt) <= seenAt.getTime() + 60_000
        ? raw.publishedAt
        : undefined;
    items.set(id, {
      id,
      url,
      title,
      ...(summary ? { summary } : {}),
      publishedAt: dated ?? firstSeen,
      ...(dated ? {} : { dateFromFirstSeen: true }),
    });
  }
  return { items: [...items.values()], skipped };
}

function cutTitle(text: string): string {
  // Folding whitespace only shortens, so a few times the limit of raw text decides the title.
  const bound = MAX_TITLE * 4;
  const clean = cleanWhitespace(boundInput(text, bound));
  if (clean.length <= MAX_TITLE && text.length <= bound) return clean;
  const cut = clean.slice(0, MAX_TITLE - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), MAX_TITLE * 0.6))}…`;
}
