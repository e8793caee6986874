/** Queue names and job payloads: the contract between whoever adds jobs and the workers. */
import type { EnrichRequest } from '../ingest/ingest-source.js';

export const FETCH_QUEUE = 'fetch';
export const ENRICH_QUEUE = 'enrich';

export interface FetchJob {
  sourceId: string;
  /** schedule: the source's job scheduler; retry: backoff or Retry-After; manual: fetch now, even while backing off. */
  reason: 'schedule' | 'retry' | 'manual';
}

/** An article page to fetch for its metadata: what ingest asks for. */
export type EnrichJob = EnrichRequest;

/** BullMQ job schedulers for sources are named `source.<id>`. */
const SCHEDULER_PREFIX = 'source.';
export const schedulerId = (sourceId: string) => `${SCHEDULER_PREFIX}${sourceId}`;
/** The source a scheduler id names, or undefined for schedulers that are not a source's. */
export const schedulerSource = (id: string) => (id.startsWith(SCHEDULER_PREFIX) ? id.slice(SCHEDULER_PREFIX.length) : undefined);
