import { isSectorId, SECTOR_IDS_EXPECTED, type SectorId } from '../config/schema.js';
import { EditError } from './errors.js';
import type { DraftEntry, Issue } from '../types/issue.js';

/**
 * Editing operations as pure changes to an issue. The store applies them atomically against
 * the version the editor saw (src/store/issues.ts); side effects that follow a change (the
 * classifier label when an item changes sector) are in src/digest/service.ts.
 */
export type EditOp =
  | { op: 'include'; itemId: string; included: boolean }
  | { op: 'move'; itemId: string; sector?: SectorId; position?: number }
  | { op: 'intro'; text: string }
  | { op: 'subject'; text: string }
  | { op: 'comment'; itemId: string; text?: string; noComment?: boolean }
  | { op: 'add'; entry: DraftEntry; position?: number };

function entryOf(issue: Issue, itemId: string): DraftEntry {
  const entry = issue.entries.find((e) => e.itemId === itemId);
  if (!entry)
    throw new EditError(
      `item ${itemId} is not in the ${issue.week} draft (see ssnews digest show --week ${issue.week})`,
    );
  return entry;
}

/** Puts `entry` at `position` (0-based, clamped) among the entries of its sector; sectors in `sectorOrder`. */
function place(
  issue: Issue,
  entry: DraftEntry,
  position: number | undefined,
  sectorOrder: readonly SectorId[],
): void {
  const rest = issue.entries.filter((e) => e !== entry);
  const before = rest.filter((e) => e.sector === entry.sector)[Math.max(0, position ?? Infinity)];
  rest.splice(before ? rest.indexOf(before) : rest.length, 0, entry);
  // A stable sort: the entry lands in its section, and every section keeps its order.
  issue.entries = sortBySector(rest, sectorOrder);
}

/**
 * Applies one operation to an issue in place, keeping sections in `sectorOrder` (the order of
 * sectors.yaml, as drafts are made). Throws EditError for an unknown item or sector.
 */
export function applyOp(issue: Issue, op: EditOp, sectorOrder: readonly SectorId[]): void {
  switch (op.op) {
    case 'include':
      entryOf(issue, op.itemId).included = op.included;
      return;
    case 'move': {
      const entry = entryOf(issue, op.itemId);
      if (op.sector !== undefined) {
        if (!isSectorId(op.sector))
          throw new EditError(`unknown sector "${op.sector}": ${SECTOR_IDS_EXPECTED}`);
        entry.sector = op.sector;
      }
      if (op.position !== undefined && (!Number.isInteger(op.position) || op.position < 0))
        throw new EditError(`position must be 0 or more, got ${op.position}`);
      place(issue, entry, op.position, sectorOrder);
      return;
    }
    case 'intro':
      issue.intro = cleanIntro(op.text);
      return;
    case 'subject':
      issue.subject = cleanSubject(op.text);
      return;
    case 'comment':
      setComment(entryOf(issue, op.itemId), op.text, op.noComment);
      return;
    case 'add': {
      if (issue.entries.some((e) => e.itemId === op.entry.itemId || e.alsoIds.includes(op.entry.itemId))) {
        throw new EditError(`item ${op.entry.itemId} is already in the ${issue.week} draft`);
      }
      place(issue, { ...op.entry }, op.position, sectorOrder);
      return;
    }
  }
}

// The clean-up rules for what an editor writes, shared by the operations and the import.

/**
 * The longest text an editor may write, in characters. Far above any real issue's needs (the
 * example's longest comment is about 600), low enough that one field cannot make the email
 * too big to send or rendering slow (a 9 MB comment took 19 s and 1.2 GB).
 */
export const TEXT_LIMITS = { subject: 200, intro: 10_000, comment: 5_000 } as const;
export type LimitedField = keyof typeof TEXT_LIMITS;

/** What is wrong with `text` as a `field`, if it is too long; `where` names it for the editor. */
export function lengthProblem(field: LimitedField, text: string, where: string = field): string | undefined {
  const limit = TEXT_LIMITS[field];
  if (text.length <= limit) return undefined;
  const n = (x: number) => x.toLocaleString('en-GB');
  return `${where} is ${n(text.length)} characters long; the limit is ${n(limit)}`;
}

function limited(field: LimitedField, text: string, where?: string): string {
  const problem = lengthProblem(field, text, where);
  if (problem) throw new EditError(problem);
  return text;
}

/** An intro is trimmed; an empty one is none. */
export function cleanIntro(text: string): string | undefined {
  return limited('intro', text.trim()) || undefined;
}

/** A subject is one line: trimmed, whitespace folded; an empty one is none (the default applies). */
export function cleanSubject(text: string): string | undefined {
  return limited('subject', text.trim().replace(/\s+/g, ' ')) || undefined;
}

/** A comment is trimmed; "no comment" only stands for an item without one. */
export function setComment(
  entry: DraftEntry,
  text: string | null | undefined,
  noComment: boolean | undefined,
): void {
  const clean = text?.trim();
  entry.comment = (clean && limited('comment', clean, `the comment on item ${entry.itemId}`)) || undefined;
  entry.noComment = noComment && !clean ? true : undefined;
}

/** Orders entries by sector (digest order) keeping the order within each sector. */
export function sortBySector(entries: DraftEntry[], sectorOrder: readonly SectorId[]): DraftEntry[] {
  const rank = (s: SectorId) => {
    const i = sectorOrder.indexOf(s);
    return i === -1 ? sectorOrder.length : i;
  };
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e.sector) - rank(b.e.sector) || a.i - b.i)
    .map(({ e }) => e);
}
