import { FetchError } from '../ingest/errors.js';
import type { NewsItem } from '../types/item.js';
import { EditError } from './errors.js';

/**
 * Fetches, normalises, classifies, enriches and stores one article by URL; returns the stored
 * item. The digest does not build the ingest pipeline: whoever builds the process passes this
 * in (src/worker/ingest-deps.ts `pipelineIngestUrl`).
 */
export type IngestUrl = (url: string) => Promise<NewsItem>;

/**
 * The one place the digest asks the ingest pipeline for an article by URL (the editor's
 * "add an item by URL"). A URL whose item is already stored never comes here: the digest
 * takes the stored item directly. A page that cannot be read is the editor's to fix.
 */
export async function ingestForEditor(ingestUrl: IngestUrl | undefined, url: string): Promise<NewsItem> {
  if (!ingestUrl)
    throw new EditError(
      `cannot add ${url}: this process was started without the ingest pipeline, so it cannot fetch new articles`,
    );
  try {
    return await ingestUrl(url);
  } catch (err) {
    if (err instanceof FetchError) throw new EditError(`cannot add ${url}: ${err.code}: ${err.message}`);
    throw err;
  }
}
