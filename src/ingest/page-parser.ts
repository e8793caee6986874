import { load } from 'cheerio';
import type { PageSelectors } from '../config/schema.js';
import { parseDate } from './dates.js';
import { FetchError } from './errors.js';
import { absolute } from './feed-parser.js';
import { cleanWhitespace } from './clean-text.js';
import type { ParseResult, RawItem } from './types.js';

/** Extracts news items from a listing page through the source's CSS selectors. */
export function parsePage(html: string, pageUrl: string, selectors: PageSelectors): ParseResult {
  const $ = load(html);
  const baseHref = $('base[href]').attr('href');
  const base = absolute(baseHref, pageUrl) ?? pageUrl;
  let nodes;
  try {
    nodes = $(selectors.item);
  } catch (err) {
    throw new FetchError('parse', `selector "${selectors.item}" is not valid CSS: ${(err as Error).message}`);
  }
  const items: RawItem[] = [];
  let skipped = 0;
  nodes.each((_, el) => {
    const item = $(el);
    const title = cleanWhitespace(item.find(selectors.title).first().text());
    const linkEl = item.find(selectors.link).first();
    const href =
      linkEl.attr('href') ??
      linkEl.find('a[href]').first().attr('href') ??
      (item.is('a[href]') ? item.attr('href') : undefined);
    const link = absolute(href, base);
    if (!title || !link) {
      skipped++;
      return;
    }
    const dateEl = selectors.date ? item.find(selectors.date).first() : undefined;
    const summary = selectors.summary ? cleanWhitespace(item.find(selectors.summary).first().text()) : '';
    items.push({
      title,
      link,
      summary: summary || undefined,
      publishedAt: dateEl
        ? parseDate(dateEl.attr('datetime') ?? dateEl.attr('content') ?? dateEl.text())
        : undefined,
    });
  });
  return { items, skipped };
}
