import { z } from 'zod';
import { sectorIdSchema, type SectorId } from '../config/schema.js';
import { applyOp, type EditOp } from '../digest/edit.js';
import type { Issue } from '../types/issue.js';

const itemId = z.string().min(1).max(200);
// Generous bounds on the wire; the digest's own limits (TEXT_LIMITS) give the editor's message.
const text = z.string().max(100_000);

/**
 * What the week page's script (and its forms) may ask for: the digest's editing operations
 * except raw `add` (adding goes through Digest.addByUrl), plus two of the page's own:
 * `step` (one place up or down among the items shown with it) and `not-relevant`.
 */
export const webOpSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('include'), itemId, included: z.boolean() }),
  z.strictObject({
    op: z.literal('move'),
    itemId,
    sector: sectorIdSchema.optional(),
    position: z.number().int().min(0).optional(),
  }),
  z.strictObject({ op: z.literal('intro'), text }),
  z.strictObject({ op: z.literal('subject'), text }),
  z.strictObject({
    op: z.literal('comment'),
    itemId,
    text: text.optional(),
    noComment: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal('step'), itemId, by: z.union([z.literal(-1), z.literal(1)]) }),
  z.strictObject({ op: z.literal('not-relevant'), itemId }),
]);
export type WebOp = z.infer<typeof webOpSchema>;

export const opsBodySchema = z.strictObject({
  version: z.number().int().min(0),
  ops: z.array(webOpSchema).min(1).max(500),
});

/** The first problem with a request body, in words. */
export function bodyProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'bad request body';
}

/**
 * Turns the page's operations into the digest's, worked out in order against a copy of
 * `issue` (so a step after a move counts from where the move left things). Throws EditError
 * for an unknown item or sector, as the digest would. `notRelevant` lists items to label.
 */
export function planWebOps(
  issue: Issue,
  ops: WebOp[],
  sectorOrder: readonly SectorId[],
): { ops: EditOp[]; notRelevant: string[] } {
  const copy: Issue = structuredClone(issue);
  const out: EditOp[] = [];
  const notRelevant: string[] = [];
  const push = (op: EditOp) => {
    applyOp(copy, op, sectorOrder);
    out.push(op);
  };
  for (const op of ops) {
    if (op.op === 'step') {
      const move = stepMove(copy, op.itemId, op.by);
      if (move) push(move);
    } else if (op.op === 'not-relevant') {
      push({ op: 'include', itemId: op.itemId, included: false });
      notRelevant.push(op.itemId);
    } else push(op);
  }
  return { ops: out, notRelevant };
}

/**
 * One place up (-1) or down (+1) among the entries of its sector shown with it (included ones,
 * or left-out ones), as a `move` to a position among all the sector's entries; none at an end.
 */
export function stepMove(issue: Issue, id: string, by: -1 | 1): EditOp | undefined {
  const entry = issue.entries.find((e) => e.itemId === id);
  if (!entry) return { op: 'move', itemId: id }; // applyOp reports the unknown item
  const sector = issue.entries.filter((e) => e.sector === entry.sector);
  const peers = sector.filter((e) => e.included === entry.included);
  const target = peers[peers.indexOf(entry) + by];
  if (!target) return undefined;
  const rest = sector.filter((e) => e !== entry);
  return { op: 'move', itemId: id, position: rest.indexOf(target) + (by === 1 ? 1 : 0) };
}

/** What the page's script keeps in step with: the version, the texts and the order of entries. */
export interface IssueState {
  week: string;
  version: number;
  status: Issue['status'];
  subject: string;
  intro: string;
  /** Only entries with commentary. */
  comments: Record<string, string>;
  /** Entries marked to go out without commentary. */
  noComment: string[];
  /** In the issue's order (sections in sectors.yaml order, the editor's order within each). */
  entries: { itemId: string; sector: SectorId; included: boolean }[];
}

export function issueState(issue: Issue): IssueState {
  return {
    week: issue.week,
    version: issue.version,
    status: issue.status,
    subject: issue.subject ?? '',
    intro: issue.intro ?? '',
    comments: Object.fromEntries(issue.entries.flatMap((e) => (e.comment ? [[e.itemId, e.comment]] : []))),
    noComment: issue.entries.filter((e) => e.noComment).map((e) => e.itemId),
    entries: issue.entries.map((e) => ({ itemId: e.itemId, sector: e.sector, included: e.included })),
  };
}

/** The text of a field the page edits ("subject", "intro", "comment:ITEM"), as the issue has it. */
export function fieldText(state: IssueState, field: string): string {
  if (field === 'subject') return state.subject;
  if (field === 'intro') return state.intro;
  return state.comments[field.slice('comment:'.length)] ?? '';
}
