import type { Source } from '../config/schema.js';
import { mapConcurrent } from '../concurrency.js';
import { FetchError } from './errors.js';
import type { FetchOptions } from './fetcher.js';
import { readSource } from './read-source.js';
import { PoliteClient } from './polite-fetch.js';
import { DEFAULT_PACE } from '../store/hosts.js';

export interface SourceCheck {
  id: string;
  kind: Source['kind'];
  url: string;
  ok: boolean;
  status?: number;
  items: number;
  skipped: number;
  /** ISO date of the newest item, when any item had a date. */
  newest?: string;
  ms: number;
  error?: string;
  /** Where the URL permanently redirects: update the config. */
  movedTo?: string;
}

/**
 * Fetches and parses each source once, storing nothing. Sources run concurrently, each
 * bounded by its own timeout, so one that hangs cannot hold up the rest.
 */
export async function checkSources(
  sources: Source[],
  options: Pick<FetchOptions, 'userAgent' | 'timeoutMs'> & { concurrency?: number },
): Promise<SourceCheck[]> {
  const client = new PoliteClient(undefined, options.userAgent, DEFAULT_PACE, {
    timeoutMs: options.timeoutMs,
  });
  return mapConcurrent(sources, options.concurrency ?? 8, (source) => checkOne(source, client));
}

async function checkOne(source: Source, client: PoliteClient): Promise<SourceCheck> {
  const started = performance.now();
  const base = { id: source.id, kind: source.kind, url: source.url, items: 0, skipped: 0 };
  try {
    const { fetch, parsed } = await readSource(source, client);
    const dates = (parsed?.items ?? [])
      .map((i) => i.publishedAt)
      .filter((d): d is string => !!d)
      .sort();
    return {
      ...base,
      ok: true,
      status: fetch.status,
      items: parsed?.items.length ?? 0,
      skipped: parsed?.skipped ?? 0,
      newest: dates.at(-1),
      ms: performance.now() - started,
      movedTo: fetch.permanentRedirect,
    };
  } catch (err) {
    if (!(err instanceof FetchError)) throw err;
    return {
      ...base,
      ok: false,
      status: err.details.status,
      ms: performance.now() - started,
      error: `${err.code}: ${err.message}`,
    };
  }
}
