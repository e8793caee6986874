/**
 * Queue names and job payloads: the contract between whoever adds jobs (the CLI, the web
 * server, the workers themselves) and the workers. Imports nothing from the layers below.
 */

export const FETCH_QUEUE = 'fetch';
export const ENRICH_QUEUE = 'enrich';

export interface FetchJob {
  sourceId: string;
  /**
   * schedule: the source's job scheduler (skipped while the source backs off);
   * manual: `ssnews fetch` through the queue, fetched now even while backing off.
   */
  reason: 'schedule' | 'manual';
}

/** An article page to fetch for its metadata (ingest's `EnrichRequest`). */
export interface EnrichJob {
  itemId: string;
  sourceId: string;
}

/** BullMQ job schedulers for sources are named `source.<id>`. */
const SCHEDULER_PREFIX = 'source.';
export const schedulerId = (sourceId: string) => `${SCHEDULER_PREFIX}${sourceId}`;
/** The source a scheduler id names, or undefined for schedulers that are not a source's. */
export const schedulerSource = (id: string) =>
  id.startsWith(SCHEDULER_PREFIX) ? id.slice(SCHEDULER_PREFIX.length) : undefined;

/** The nightly classifier retrain: its queue, job name and job scheduler. */
export const RETRAIN_QUEUE = 'classify';
export const RETRAIN_JOB = 'retrain';
export const RETRAIN_SCHEDULER_ID = 'classify-retrain-nightly';

/** The send queue: one job per recipient of an issue. */
export const SEND_QUEUE = 'send';

/** Ids only (Ghost's rule): the worker reads the subscriber and the compiled issue when it runs. */
export interface SendJob {
  week: string;
  subscriberId: string;
}

/** Deterministic: one job per issue and recipient, so queueing twice adds nothing. */
export const sendJobId = (week: string, subscriberId: string) => `send.${week}.${subscriberId}`;
