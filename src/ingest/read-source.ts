import type { Source } from '../config/schema.js';
import { FetchError } from './errors.js';
import { parseFeed } from './feed-parser.js';
import { fetchUrl, type FetchOptions, type FetchResult } from './fetcher.js';
import { parsePage } from './page-parser.js';
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

/** Fetch + parse one source: the step shared by `sources check`, `fetch` and the worker. */
export async function readSource(
  source: Source,
  options: Omit<FetchOptions, 'allowPrivateNetwork'>,
  fetcher: (url: string, options: FetchOptions) => Promise<FetchResult> = fetchUrl,
): Promise<SourceRead> {
  const fetch = await fetcher(source.url, { ...options, allowPrivateNetwork: source.allowPrivateNetwork });
  if (fetch.notModified) return { fetch };
  const parsed = await parseSourceBody(source, fetch.text, fetch.url);
  if (parsed.items.length === 0) {
    const what = source.kind === 'page' ? `selector "${source.selectors.item}" matched no items with a title and link` : 'the feed has no items with a title and link';
    throw new FetchError('no-items', what);
  }
  return { fetch, parsed };
}
