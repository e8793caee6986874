import type { IssueStatus } from '../types/issue.js';

/** Allowed status moves. `failed` may go back to draft (fix and retry) or be re-sent. */
export const STATUS_MOVES: Record<IssueStatus, IssueStatus[]> = {
  draft: ['scheduled', 'sending'],
  scheduled: ['draft', 'sending'],
  sending: ['sent', 'failed'],
  sent: [],
  failed: ['draft', 'sending'],
};
