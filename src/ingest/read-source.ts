import type { Source } from '../config/schema.js';
import { FetchError } from './errors.js';
import { parseFeed } from './feed-parser.js';
import type { FetchOptions, FetchResult } from './fetcher.js';
import { parsePage } from './page-parser.js';
import type { PoliteClient } from './polite-fetch.js';
import type { ParseResult } from './types.js';

/** Parses a fetched body the way the source's kind says. */
export async function parseSourceBody(source: Source, text: string, url: string): Promise<ParseResult> {
  return source.kind === 'feed' ? parseFeed(text, url) : parsePage(text, url, source.selectors);
}

export interface SourceRead {
  fetch: FetchResult;
  /** Undefined when the server said 304 Not Modified. */
  parsed?: ParseResult;
}

/**
 * Fetch + parse one source: the step shared by `sources check`, `fetch` and the worker.
 * Page sources honour robots.txt; feeds are published to be fetched.
 */
export async function readSource(
  source: Source,
  client: PoliteClient,
  validators: Pick<FetchOptions, 'etag' | 'lastModified'> = {},
): Promise<SourceRead> {
  const fetch = await client.fetch(source.url, {
    ...validators,
    allowPrivateNetwork: source.allowPrivateNetwork,
    robots: source.kind === 'page',
  });
  if (fetch.notModified) return { fetch };
  const parsed = await parseSourceBody(source, fetch.text, fetch.url);
  if (parsed.items.length === 0) {
    const what =
      source.kind === 'page'
        ? `selector "${source.selectors.item}" matched no items with a title and link`
        : 'the feed has no items with a title and link';
    throw new FetchError('no-items', what);
  }
  return { fetch, parsed };
}
