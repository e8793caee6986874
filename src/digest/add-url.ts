import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import { ingestClassifier } from '../ingest/classify-stage.js';
import { FetchError } from '../ingest/errors.js';
import { ingestUrl } from '../ingest/ingest-url.js';
import type { NewsItem } from '../types/item.js';
import { ingestDeps } from '../queue/workers.js';
import { ModelStore } from '../store/models.js';
import { EditError } from './types.js';

/** Fetches, normalises, classifies, enriches and stores one article by URL; returns the stored item. */
export type IngestUrl = (url: string) => Promise<NewsItem>;

/**
 * The one place the digest asks the ingest pipeline for an article by URL (the editor's
 * "add an item by URL"). A URL whose item is already stored never comes here: the digest
 * takes the stored item directly. A page that cannot be read is the editor's to fix.
 */
export function pipelineIngestUrl(o: { redis: Redis; prefix: string; config: Config }): IngestUrl {
  return async (url) => {
    const classifier = await ingestClassifier(o.config, new ModelStore(o.redis, o.prefix));
    try {
      return await ingestUrl(ingestDeps(o.redis, o.prefix, o.config, classifier), url);
    } catch (err) {
      if (err instanceof FetchError) throw new EditError(`cannot add ${url}: ${err.code}: ${err.message}`);
      throw err;
    } finally {
      await classifier.close();
    }
  };
}
