import type { Queue } from 'bullmq';
import type { Digest } from '../digest/service.js';
import type { SendJob } from '../queue/names.js';
import { enqueueSends, requeueSends } from '../queue/send-queue.js';
import type { DeliveryStore } from '../store/deliveries.js';
import { SendRefused } from './errors.js';
import { finishIssue } from './finish.js';

export interface SendStarted {
  week: string;
  /** Jobs queued by this call (recipients not settled yet). */
  queued: number;
  /** Recipients of the send (confirmed subscribers when it started). */
  total: number;
  /**
   * The issue was already `sending` (a crash or a second `send`), or `failed` (sent again): only
   * unsettled recipients were queued again, a failed issue's failed ones included.
   */
  resumed: boolean;
  /** The issue had gone out already: nothing was queued. */
  alreadySent: boolean;
  status: string;
}

/**
 * `digest send`: refuses while a blocking pre-send check stands; otherwise moves the issue to
 * `sending` (versioned, so a concurrent edit or second send loses), compiles it once, snapshots
 * the confirmed subscribers into the ledger and queues one job per recipient. On an issue that
 * is already `sending` it resumes: it queues the unsettled recipients again (their deterministic
 * job ids and the ledger make that harmless). On a sent issue it does nothing.
 */
export async function startSend(
  o: { digest: Digest; ledger: DeliveryStore; queue: Queue<SendJob> },
  week: string,
): Promise<SendStarted> {
  const { digest, ledger } = o;
  let issue = await digest.get(week);
  week = issue.week;
  const settings = digest.config.newsletter.send;
  if (issue.status === 'sent') {
    const total = (await ledger.run(week))?.total ?? 0;
    return { week, queued: 0, total, resumed: false, alreadySent: true, status: 'sent' };
  }
  const resumed = issue.status === 'sending';
  const retry = issue.status === 'failed';
  if (!resumed) {
    const check = await digest.check(week);
    const blocking = check.findings.filter((f) => f.severity === 'blocking');
    if (blocking.length) throw new SendRefused(week, blocking);
    issue = await digest.setStatus(week, check.version, 'sending');
  }
  if (!(await ledger.run(week))) {
    // Compiled once for every recipient; the version is the one just checked and locked.
    const { compiled } = await digest.compile(week);
    await ledger.start(week, compiled.version, JSON.stringify(compiled));
  } else if (retry) {
    // A failed issue sent again keeps its ledger and its compiled copy: those sent stay sent,
    // the failed ones are tried again.
    await ledger.requeueFailed(week);
  }
  const run = (await ledger.run(week))!;
  const ids = await ledger.unsettled(week);
  // A first send queues everyone at once; a resumed one looks at each unsettled recipient's job.
  if (resumed || retry) await requeueSends(o.queue, week, ids, settings);
  else await enqueueSends(o.queue, week, ids, settings);
  const status = ids.length === 0 ? await finishIssue(digest, ledger, week) : 'sending';
  return {
    week,
    queued: ids.length,
    total: run.total,
    resumed: resumed || retry,
    alreadySent: false,
    status,
  };
}
