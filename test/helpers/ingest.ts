import type { Redis } from 'ioredis';
import { keywordBaseline } from '../../src/classify/keyword-baseline.js';
import { loadConfig } from '../../src/config/load.js';
import type { IngestDeps } from '../../src/ingest/ingest-source.js';
import { HostStore } from '../../src/store/hosts.js';
import { ItemStore } from '../../src/store/items.js';
import { SourceStateStore } from '../../src/store/sources.js';

const sectors = loadConfig().sectors;

/**
 * Ingest dependencies on a real Redis under their own key prefix, with no pause between
 * requests (the pacing itself has its own tests) and the keyword classifier (fast, fixed).
 */
export function testIngestDeps(client: Redis, prefix: string, extra: Partial<IngestDeps> = {}): IngestDeps {
  return {
    classifier: keywordBaseline(sectors),
    items: new ItemStore(client, prefix),
    sources: new SourceStateStore(client, prefix),
    hosts: new HostStore(client, prefix),
    userAgent: 'ssnews-test',
    pace: { perHost: 2, minGapMs: 0, leaseMs: 10_000 },
    ...extra,
  };
}
