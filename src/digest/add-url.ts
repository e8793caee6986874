import type { Config } from '../config/load.js';
import type { NewsItem } from '../model.js';
import { EditError } from './types.js';

/** Fetches, normalises, classifies, enriches and stores one article by URL; returns the stored item. */
export type IngestUrl = (url: string) => Promise<NewsItem>;

/**
 * The one place the digest asks the ingest pipeline for an article by URL (the editor's
 * "add an item by URL"). An URL whose item is already stored never comes here: the digest
 * takes the stored item directly.
 *
 * INTEGRATION POINT: the ingest pipeline does not export a one-URL entry point yet. When it
 * does (e.g. `ingestUrl(url, { redis, prefix, config })` in src/ingest), call it here.
 */
export function pipelineIngestUrl(_config: Config): IngestUrl {
  return async (url) => {
    throw new EditError(
      `${url} is not in the store yet, and fetching a single URL through the ingest pipeline is not available in this version; ` +
        'add its source to config/sources.yaml (or wait for the next fetch) and try again',
    );
  };
}
