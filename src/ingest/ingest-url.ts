import { canonicalUrl, itemId } from '../dedupe/canonical.js';
import type { NewsItem } from '../types/item.js';
import { readArticle } from './enrich.js';
import { FetchError } from './errors.js';
import { storeParsed, politeClient, type IngestDeps } from './ingest-source.js';

/** Items an editor adds by hand are recorded as carried by this pseudo-source. */
export const EDITOR_SOURCE_ID = 'editor';

/**
 * One article by URL through the normal pipeline (an editor's "add an item by URL"): fetch
 * the page politely (robots.txt, per-host pace, public addresses only), read its metadata,
 * then normalise → classify → dedupe → store like any feed item. `allowPrivateNetwork` is
 * for tests and the demo only. Returns the stored item;
 * an URL already stored (or known by its canonical alias) is returned as it is.
 */
export async function ingestUrl(
  deps: IngestDeps,
  url: string,
  options: { allowPrivateNetwork?: boolean } = {},
): Promise<NewsItem> {
  const canonical = canonicalUrl(url);
  if (!canonical) throw new FetchError('parse', `not an http(s) URL: "${url}"`, { permanent: true });
  const known = await deps.items.getByUrlId(itemId(canonical));
  if (known) return known;

  const page = await readArticle(politeClient(deps), canonical, options.allowPrivateNetwork);
  const meta = page.meta;
  if (!meta.title)
    throw new FetchError('parse', `${page.url} has no title (no og:title, <h1> or <title>)`, {
      permanent: true,
    });
  const at = (deps.now ?? (() => new Date()))();
  const { stored } = await storeParsed(
    deps,
    { id: EDITOR_SOURCE_ID, sector: undefined },
    {
      items: [
        {
          title: meta.title,
          link: meta.canonical ?? page.url,
          summary: meta.description,
          publishedAt: meta.publishedAt,
        },
      ],
      skipped: 0,
    },
    at,
  );
  // The id it is stored under (a canonical URL known as an alias resolves to its item).
  const id = stored[0]!.id;
  // The article page has been read: there is nothing left for the enrich stage to add.
  const item = await deps.items.patch(id, { enrichedAt: at.toISOString() });
  if (!item) throw new Error(`item ${id} was deleted while it was being added`);
  return item;
}
