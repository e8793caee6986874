import { ConflictError } from '../digest/errors.js';
import type { Digest } from '../digest/service.js';
import type { IssueStatus } from '../types/issue.js';
import type { DeliveryStore } from '../store/deliveries.js';

/**
 * Moves a `sending` issue on once every recipient is settled: `sent`, or `failed` when there
 * were recipients and not one message was accepted (a broken server or configuration: the
 * editor fixes it and sends again; failures of single addresses stay in the ledger and do not
 * fail the issue). Safe to call from every worker at once and again later.
 */
export async function finishIssue(digest: Digest, ledger: DeliveryStore, week: string): Promise<IssueStatus> {
  for (;;) {
    const issue = await digest.get(week);
    if (issue.status !== 'sending') return issue.status;
    const c = await ledger.counts(week);
    if (c.remaining > 0) return issue.status;
    const to: IssueStatus = c.total > 0 && c.sent === 0 && c.failed > 0 ? 'failed' : 'sent';
    try {
      await digest.setStatus(week, issue.version, to);
      return to;
    } catch (err) {
      // Another worker moved it meanwhile: look again.
      if (!(err instanceof ConflictError)) throw err;
    }
  }
}
