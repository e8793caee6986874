import { ModelStore } from '../store/model-versions.js';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { IngestUrl } from '../digest/add-url.js';
import { loadClassifier, type ClassifierHandle } from '../classify/index.js';
import type { IngestDeps } from '../ingest/ingest-source.js';
import { ingestUrl } from '../ingest/ingest-url.js';
import { userAgent } from '../ingest/user-agent.js';
import { DEFAULT_PACE, HostStore, type PaceOptions } from '../store/hosts.js';
import { ItemStore } from '../store/items.js';
import { SourceStateStore } from '../store/sources.js';

/** The stores and HTTP settings ingest runs with, on one command connection. */
export function ingestDeps(
  redis: Redis,
  prefix: string,
  config: Config,
  classifier: IngestDeps['classifier'],
  pace: Partial<PaceOptions> = {},
): IngestDeps {
  return {
    classifier,
    items: new ItemStore(redis, prefix),
    sources: new SourceStateStore(redis, prefix),
    hosts: new HostStore(redis, prefix),
    userAgent: userAgent(config.newsletter),
    pace: { ...DEFAULT_PACE, ...pace },
  };
}

/**
 * The editor's "add an item by URL" for a process that edits the digest (the CLI, the web
 * editor): one article through the ingest pipeline, classified with the current model.
 */
export function pipelineIngestUrl(o: { redis: Redis; prefix: string; config: Config }): IngestUrl {
  return async (url) => {
    const classifier = await ingestClassifier(o.config, new ModelStore(o.redis, o.prefix));
    try {
      return await ingestUrl(ingestDeps(o.redis, o.prefix, o.config, classifier), url);
    } finally {
      await classifier.close();
    }
  };
}

/**
 * The classifier ingest uses: the current stored model (following retrains without a
 * restart), or the bundled one trained from config/training/. close() it on shutdown.
 */
export async function ingestClassifier(config: Config, models: ModelStore): Promise<ClassifierHandle> {
  return loadClassifier({ sectors: config.sectors, configDir: config.dir, models });
}
