import type { Source } from '../config/schema.js';
import { FetchError } from './errors.js';
import { parseFeed } from './feed-parser.js';
import { fetchUrl, type FetchOptions, type FetchResult } from './fetcher.js';
import { parsePage } from './page-parser.js';
import { assertRobotsAllow, readRobots } from './robots.js';
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

/** How readSource fetches: `robots` asks for robots.txt to be honoured, redirects included. */
export type SourceFetcher = (
  url: string,
  options: FetchOptions & { robots?: boolean },
) => Promise<FetchResult>;

/**
 * Honours robots.txt without pacing or a shared cache: for `sources check`, which stores
 * nothing and runs once (ingest uses PoliteClient, which paces and caches).
 */
const fetchOnce: SourceFetcher = async (url, { robots, ...options }) => {
  const allow = async (target: string) =>
    void assertRobotsAllow(
      await readRobots(new URL(target).origin, (u, o) =>
        fetchUrl(u, { userAgent: options.userAgent, allowPrivateNetwork: options.allowPrivateNetwork, ...o }),
      ),
      target,
    );
  if (robots) await allow(url);
  return fetchUrl(url, robots ? { ...options, beforeRedirect: allow } : options);
};

/**
 * Fetch + parse one source: the step shared by `sources check`, `fetch` and the worker.
 * Page sources honour robots.txt; feeds are published to be fetched.
 */
export async function readSource(
  source: Source,
  options: Omit<FetchOptions, 'allowPrivateNetwork'>,
  fetcher: SourceFetcher = fetchOnce,
): Promise<SourceRead> {
  const fetch = await fetcher(source.url, {
    ...options,
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
