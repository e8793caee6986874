import { Queue } from 'bullmq';
import { createRedis, type ConnectionWatch, type RedisTarget } from '../store/connection.js';
import { keys } from '../store/keys.js';
import { ENRICH_QUEUE, FETCH_QUEUE, type EnrichJob, type FetchJob } from './names.js';

/**
 * A fetch job runs once. A failing source is retried by one path only: its state in Redis
 * (failures, backoff) and its job scheduler; ingestSource records every failure and the job
 * does not throw, so BullMQ has nothing to retry. (A job whose worker died is still taken
 * over: that is BullMQ's stalled-job check, not a retry.)
 */
export const FETCH_JOB_OPTIONS = { attempts: 1 } as const;

export interface IngestQueues {
  fetch: Queue<FetchJob>;
  enrich: Queue<EnrichJob>;
  close(): Promise<void>;
}

/**
 * The ingest queues on their own connection (BullMQ wants `maxRetriesPerRequest: null`). A
 * long-running process passes its `watch`, which reports the connection's errors.
 */
export function openQueues(target: RedisTarget, prefix: string, watch?: ConnectionWatch): IngestQueues {
  const connection = createRedis(target, { maxRetriesPerRequest: null });
  watch?.watch(connection, 'queues');
  const bull = keys(prefix).bullPrefix;
  const fetch = new Queue<FetchJob>(FETCH_QUEUE, { connection, prefix: bull });
  const enrich = new Queue<EnrichJob>(ENRICH_QUEUE, { connection, prefix: bull });
  if (watch) for (const q of [fetch, enrich]) q.on('error', (err) => watch.error(err, `queue ${q.name}`));
  return {
    fetch,
    enrich,
    async close() {
      await Promise.all([fetch.close(), enrich.close()]);
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/** Adds one fetch job per source now (`manual`: past any backoff). Job ids make a repeat harmless. */
export async function enqueueFetch(
  queue: Queue<FetchJob>,
  sourceIds: string[],
  batch = `${Date.now()}`,
): Promise<void> {
  await queue.addBulk(
    sourceIds.map((sourceId) => ({
      name: 'fetch',
      data: { sourceId, reason: 'manual' as const },
      opts: {
        ...FETCH_JOB_OPTIONS,
        jobId: `manual.${sourceId}.${batch}`,
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    })),
  );
}

/** Asks for article pages; keyed by item, so asking twice for one item is harmless. */
export async function enqueueEnrich(queue: Queue<EnrichJob>, requests: EnrichJob[]): Promise<void> {
  await queue.addBulk(
    requests.map((r) => ({
      name: 'enrich',
      data: r,
      opts: {
        jobId: `enrich.${r.itemId}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 60_000 },
        removeOnComplete: true,
        removeOnFail: 500,
      },
    })),
  );
}
