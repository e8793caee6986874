import type { SectorId } from '../config/schema.js';

/**
 * Ghost-style lifecycle: editors change an issue only while it is a draft; sending (a later
 * issue) moves it to `scheduled`/`sending`, which locks it, then `sent` or `failed`.
 */
export const ISSUE_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'failed'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

/** Allowed status moves. `failed` may go back to draft (fix and retry) or be re-sent. */
export const STATUS_MOVES: Record<IssueStatus, IssueStatus[]> = {
  draft: ['scheduled', 'sending'],
  scheduled: ['draft', 'sending'],
  sending: ['sent', 'failed'],
  sent: [],
  failed: ['draft', 'sending'],
};

/** One candidate story in a draft: a stored item, plus the other outlets' items of its cluster. */
export interface DraftEntry {
  itemId: string;
  /** Section the entry sits in; moved entries keep the editor's choice. */
  sector: SectorId;
  included: boolean;
  /** Editor commentary: plain text with bold, italic and links (sanitised at render). */
  comment?: string;
  /** The editor decided this item goes out without commentary. */
  noComment?: boolean;
  /** Other items of the same story cluster ("also reported by"). */
  alsoIds: string[];
  /** Ranking score at drafting time (higher first); kept for the editor's information. */
  score: number;
  /** How it got here: drafted from the store, or added by an editor by URL. */
  origin: 'draft' | 'editor';
}

export interface Issue {
  /** ISO week, Europe/London: `2014-W22`. Also the issue's id. */
  week: string;
  /** Incremented by every change; a change names the version it was made against. */
  version: number;
  status: IssueStatus;
  subject?: string;
  intro?: string;
  /** Ordered: the order within a sector is the order in the email. */
  entries: DraftEntry[];
  createdAt: string;
  updatedAt: string;
  /** Who made the last change (free text, e.g. an editor's name or "cli"). */
  updatedBy?: string;
  sentAt?: string;
}

/** Raised when a change was made against a version that is no longer current. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly week: string,
    readonly expected: number,
    readonly actual: number | undefined,
  ) {
    super(
      actual === undefined
        ? `issue ${week} does not exist`
        : `issue ${week} changed since you loaded it: your change was made against version ${expected}, it is now at version ${actual}. Reload it (ssnews digest show --week ${week}) and make your change again.`,
    );
  }
}

/** Raised when an issue is no longer a draft (it is being sent or has been sent). */
export class IssueLockedError extends Error {
  override name = 'IssueLockedError';
  constructor(
    readonly week: string,
    readonly status: IssueStatus,
  ) {
    super(`issue ${week} is ${status}: only a draft can be edited`);
  }
}

/** Bad input to an editing operation (unknown item id, unknown sector…). */
export class EditError extends Error {
  override name = 'EditError';
}
