import type { JobSchedulerTemplateOptions, Queue } from 'bullmq';
import type { Source } from '../config/schema.js';
import { RETRAIN_JOB, RETRAIN_SCHEDULER_ID, schedulerId, schedulerSource, type FetchJob } from './names.js';
import { FETCH_JOB_OPTIONS } from './queues.js';

export interface ReconcileResult {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/** What each source's scheduled job carries. */
const fetchTemplate = (sourceId: string): { data: FetchJob; opts: JobSchedulerTemplateOptions } => ({
  data: { sourceId, reason: 'schedule' },
  opts: { ...FETCH_JOB_OPTIONS, removeOnComplete: 100, removeOnFail: 500 },
});

/**
 * Makes the fetch queue's job schedulers match the enabled sources: one per source at its
 * `every`. Added and changed sources are upserted (a scheduler whose job template differs
 * from today's counts as changed), removed or disabled ones dropped (their stored items stay).
 * Safe to run from several workers at once.
 */
export async function reconcileSchedulers(
  queue: Queue<FetchJob>,
  sources: Source[],
): Promise<ReconcileResult> {
  const wanted = new Map(sources.filter((s) => s.enabled).map((s) => [schedulerId(s.id), s]));
  const existing = new Map<string, { every?: number; template: string }>();
  for (let start = 0; ; start += 500) {
    const page = await queue.getJobSchedulers(start, start + 499, true);
    for (const s of page) existing.set(s.key, { every: s.every, template: canonical(s.template) });
    if (page.length < 500) break;
  }
  const result: ReconcileResult = { added: [], changed: [], removed: [], unchanged: [] };
  for (const [id, source] of wanted) {
    const template = fetchTemplate(source.id);
    const now = existing.get(id);
    if (now?.every === source.every && now.template === canonical(template)) {
      result.unchanged.push(source.id);
      continue;
    }
    (now ? result.changed : result.added).push(source.id);
    await queue.upsertJobScheduler(id, { every: source.every }, { name: 'fetch', ...template });
  }
  for (const id of existing.keys()) {
    const sourceId = schedulerSource(id);
    if (wanted.has(id) || sourceId === undefined) continue;
    await queue.removeJobScheduler(id);
    result.removed.push(sourceId);
  }
  return result;
}

/** JSON with keys in order, to compare a stored job template with the wanted one. */
function canonical(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, x]) => [k, sorted(x)]),
        )
      : v;
  return JSON.stringify(sorted(value ?? {}));
}

/** Registers (or updates) the nightly classifier retrain on its queue; safe to call at every start. */
export async function scheduleNightlyRetrain(
  queue: Queue,
  cron: string,
  tz = 'Europe/London',
): Promise<void> {
  await queue.upsertJobScheduler(
    RETRAIN_SCHEDULER_ID,
    { pattern: cron, tz },
    { name: RETRAIN_JOB, data: {}, opts: { removeOnComplete: 20, removeOnFail: 50 } },
  );
}
