import { load } from 'cheerio';
import type { Source } from '../config/schema.js';
import { canonicalUrl, itemId } from '../dedupe/canonical.js';
import { parseDate } from './dates.js';
import { FetchError } from './errors.js';
import { absolute } from './feed-parser.js';
import type { IngestDeps } from './ingest-source.js';
import { politeClient } from './ingest-source.js';
import type { PoliteClient } from './polite-fetch.js';
import { cleanWhitespace, toPlainText, truncateSummary } from './clean-text.js';

/** What an article page says about itself. */
export interface ArticleMeta {
  title?: string;
  description?: string;
  publishedAt?: string;
  canonical?: string;
}

/**
 * og:title, og:description / meta description / the first real paragraph, the published
 * time and rel=canonical from an article page. Pure.
 */
export function parseArticle(html: string, pageUrl: string): ArticleMeta {
  const $ = load(html);
  const meta = (sel: string) => cleanWhitespace($(sel).first().attr('content') ?? '') || undefined;
  let description =
    meta('meta[property="og:description"]') ??
    meta('meta[name="description"]') ??
    meta('meta[name="twitter:description"]');
  if (!description) {
    $('article p, main p, p').each((_, el) => {
      const text = cleanWhitespace($(el).text());
      if (text.length >= 60) {
        description = text;
        return false;
      }
      return undefined;
    });
  }
  const published =
    meta('meta[property="article:published_time"]') ??
    meta('meta[name="date"]') ??
    meta('meta[itemprop="datePublished"]') ??
    $('article time[datetime], time[datetime]').first().attr('datetime');
  const declared =
    absolute($('link[rel="canonical"]').first().attr('href'), pageUrl) ??
    absolute(meta('meta[property="og:url"]'), pageUrl);
  // A page may name its own canonical address, not another site's: otherwise any page we
  // enrich could swap the digest's link for one of its choosing.
  const canonical = declared && sameSite(declared, pageUrl) ? declared : undefined;
  return {
    title:
      toPlainText(meta('meta[property="og:title"]')) ||
      cleanWhitespace($('h1').first().text()) ||
      cleanWhitespace($('title').first().text()) ||
      undefined,
    description: description ? truncateSummary(toPlainText(description)) : undefined,
    publishedAt: parseDate(published),
    canonical: canonical ? canonicalUrl(canonical) : undefined,
  };
}

/** An article page, fetched politely (robots.txt, per-host pace), and what it says about itself. */
export async function readArticle(client: PoliteClient, url: string, allowPrivateNetwork?: boolean) {
  const page = await client.fetch(url, {
    robots: true,
    allowPrivateNetwork,
    accept: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5',
  });
  return { url: page.url, meta: parseArticle(page.text, page.url) };
}

export type EnrichOutcome = 'enriched' | 'already' | 'missing' | 'failed';

/**
 * Fetches an item's article page (robots.txt and per-host pace honoured) and fills in what
 * the feed lacked: summary, a real date, the canonical URL. Idempotent: an item enriched once
 * is left alone. A page that cannot be had for good (404, robots) marks the item enriched so
 * it is not tried again; a passing failure throws for the queue to retry.
 */
export async function enrichItem(
  deps: IngestDeps,
  itemIdToEnrich: string,
  source: Pick<Source, 'allowPrivateNetwork' | 'sector'> | undefined,
  client: PoliteClient = politeClient(deps),
): Promise<{ outcome: EnrichOutcome; error?: string }> {
  const item = await deps.items.get(itemIdToEnrich);
  if (!item) return { outcome: 'missing' };
  if (item.enrichedAt) return { outcome: 'already' };
  const now = (deps.now ?? (() => new Date()))().toISOString();
  let meta: ArticleMeta;
  try {
    meta = (await readArticle(client, item.url, source?.allowPrivateNetwork)).meta;
  } catch (err) {
    if (
      err instanceof FetchError &&
      (err.details.permanent || err.code === 'too-large' || err.code === 'too-many-redirects')
    ) {
      await deps.items.patch(item.id, { enrichedAt: now });
      return { outcome: 'failed', error: `${err.code}: ${err.message}` };
    }
    throw err;
  }
  const hadSummary = !!item.summary;
  const updated = await deps.items.patch(
    item.id,
    {
      enrichedAt: now,
      ...(meta.description ? { summary: meta.description } : {}),
      ...(item.dateFromFirstSeen && meta.publishedAt ? { publishedAt: meta.publishedAt } : {}),
      ...(meta.canonical && meta.canonical !== item.url ? { url: meta.canonical } : {}),
    },
    {
      onlyIfMissing: ['summary'],
      remove: item.dateFromFirstSeen && meta.publishedAt ? ['dateFromFirstSeen'] : [],
    },
  );
  if (meta.canonical && meta.canonical !== item.url)
    await deps.items.addAlias(itemId(meta.canonical), item.id);
  if (updated && !hadSummary && updated.summary) {
    // New text, new verdict: classify again with the summary.
    const classification = deps.classifier.classify({
      title: updated.title,
      summary: updated.summary,
      sectorHint: source?.sector,
    });
    await deps.items.patch(item.id, { classification });
  }
  return { outcome: 'enriched' };
}

function sameSite(a: string, b: string): boolean {
  const host = (u: string) => new URL(u).hostname.toLowerCase().replace(/^www\./, '');
  return host(a) === host(b);
}
