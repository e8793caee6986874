import type { SectorId } from '../config/schema.js';

/**
 * Ghost-style lifecycle: editors change an issue only while it is a draft; sending (a later
 * issue) moves it to `scheduled`/`sending`, which locks it, then `sent` or `failed`. The
 * allowed moves are the digest's (src/digest/issue-status.ts).
 */
export type IssueStatus = 'draft' | 'scheduled' | 'sending' | 'sent' | 'failed';

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
