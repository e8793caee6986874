import type { Queue } from 'bullmq';
import type { Source } from '../config/schema.js';
import { RETRAIN_JOB, RETRAIN_SCHEDULER_ID, schedulerId, schedulerSource, type FetchJob } from './names.js';

export interface ReconcileResult {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/**
 * Makes the fetch queue's job schedulers match the enabled sources: one per source at its
 * `every`. Added and changed sources are upserted, removed or disabled ones dropped (their
 * stored items stay). Safe to run from several workers at once.
 */
export async function reconcileSchedulers(queue: Queue<FetchJob>, sources: Source[]): Promise<ReconcileResult> {
  const wanted = new Map(sources.filter((s) => s.enabled).map((s) => [schedulerId(s.id), s]));
  const existing = new Map<string, number | undefined>();
  for (let start = 0; ; start += 500) {
    const page = await queue.getJobSchedulers(start, start + 499, true);
    for (const s of page) existing.set(s.key, s.every);
    if (page.length < 500) break;
  }
  const result: ReconcileResult = { added: [], changed: [], removed: [], unchanged: [] };
  for (const [id, source] of wanted) {
    const every = existing.get(id);
    if (every === source.every) {
      result.unchanged.push(source.id);
      continue;
    }
    (existing.has(id) ? result.changed : result.added).push(source.id);
    await queue.upsertJobScheduler(
      id,
      { every: source.every },
      { name: 'fetch', data: { sourceId: source.id, reason: 'schedule' }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: 100, removeOnFail: 500 } },
    );
  }
  for (const id of existing.keys()) {
    const sourceId = schedulerSource(id);
    if (wanted.has(id) || sourceId === undefined) continue;
    await queue.removeJobScheduler(id);
    result.removed.push(sourceId);
  }
  return result;
}

/** Registers (or updates) the nightly classifier retrain on its queue; safe to call at every start. */
export async function scheduleNightlyRetrain(queue: Queue, cron: string, tz = 'Europe/London'): Promise<void> {
  await queue.upsertJobScheduler(RETRAIN_SCHEDULER_ID, { pattern: cron, tz }, { name: RETRAIN_JOB, data: {}, opts: { removeOnComplete: 20, removeOnFail: 50 } });
}
