import { Document, parse } from 'yaml';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import { isSectorId, SECTOR_IDS_EXPECTED, type SectorId } from '../config/schema.js';
import type { NewsItem } from '../types/item.js';
import { cleanIntro, cleanSubject, lengthProblem, setComment, sortBySector } from './edit.js';
import { EditError } from './errors.js';
import type { DraftEntry, Issue } from '../types/issue.js';
import { issueWindow, longDate } from './week.js';

/**
 * The text-editor workflow: `digest export` writes a draft as YAML with an empty commentary
 * slot under each included item; `digest import` applies the edited file in one atomic,
 * versioned change.
 */
export function exportDraft(issue: Issue, items: Map<string, NewsItem>, config: Config): string {
  const window = issueWindow(issue.week, config.newsletter);
  const brief = (e: DraftEntry) => {
    const item = items.get(e.itemId);
    return { id: e.itemId, title: item?.title ?? '(item no longer stored)', url: item?.url ?? '' };
  };
  const sections: Record<string, unknown[]> = {};
  for (const sector of config.sectors) {
    sections[sector.id] = issue.entries
      .filter((e) => e.included && e.sector === sector.id)
      .map((e) => ({
        ...brief(e),
        ...(e.alsoIds.length ? { alsoReportedBy: e.alsoIds.map((id) => items.get(id)?.url ?? id) } : {}),
        comment: e.comment ?? '',
        ...(e.noComment ? { noComment: true } : {}),
      }));
  }
  const data = {
    week: issue.week,
    version: issue.version,
    subject: issue.subject ?? '',
    intro: issue.intro ?? '',
    sections,
    excluded: issue.entries.filter((e) => !e.included).map((e) => ({ ...brief(e), sector: e.sector })),
  };
  const doc = new Document(data);
  doc.commentBefore = [
    ` ${config.newsletter.name}: draft for ${issue.week} (${longDate(window.sendAt, config.newsletter.language)}), version ${issue.version}`,
    ` Edit, then apply with: ssnews digest import --week ${issue.week} FILE`,
    ' - subject, intro and each item\'s comment: commentary may use <b>, <i> and <a href="https://...">;',
    '   a blank line starts a new paragraph.',
    ' - noComment: true sends an item without commentary.',
    ' - move an item by moving its block, within a section or to another section;',
    '   move it under "excluded" to leave it out, or from there into a section to include it.',
    ' - ids must stay as they are; titles and urls are for reference and are not changed.',
    ` Sections in digest order: ${config.sectors.map((s) => `${s.id} (${s.heading})`).join(', ')}.`,
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

const itemRef = z.looseObject({
  id: z.string({ error: 'expected the item id' }).min(1),
  comment: z.string().nullish(),
  noComment: z.boolean().optional(),
});

const fileSchema = z.looseObject({
  week: z.string(),
  version: z.number({ error: 'expected the version number the file was exported at' }).int(),
  subject: z.string().nullish(),
  intro: z.string().nullish(),
  sections: z.record(z.string(), z.array(itemRef).nullish()).default({}),
  excluded: z.array(z.looseObject({ id: z.string().min(1) })).nullish(),
});

export interface ImportPlan {
  version: number;
  apply: (issue: Issue) => void;
  /** Items the file moves to another sector (for the classifier's labels). */
  moved: { itemId: string; sector: SectorId }[];
}

/**
 * Parses an edited export and checks it against the current draft. Every problem is
 * reported at once (unknown ids, unknown sectors, an id listed twice). The returned change is
 * applied by the store against the file's version, so a stale file is refused with a conflict.
 */
export function planImport(text: string, current: Issue, sectorOrder: readonly SectorId[]): ImportPlan {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new EditError(`the file is not valid YAML: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new EditError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('\n'),
    );
  }
  const file = parsed.data;
  const problems: string[] = [];
  if (file.week !== current.week) problems.push(`week: the file is for ${file.week}, not ${current.week}`);
  // Checked here too, so every over-long field is listed at once before anything is applied.
  const tooLong = (
    field: 'subject' | 'intro' | 'comment',
    text: string | null | undefined,
    where: string,
  ) => {
    const problem = text ? lengthProblem(field, text.trim(), where) : undefined;
    if (problem) problems.push(problem);
  };
  tooLong('subject', file.subject?.replace(/\s+/g, ' '), 'subject');
  tooLong('intro', file.intro, 'intro');
  const byId = new Map(current.entries.map((e) => [e.itemId, e]));
  const alsoOf = new Map(current.entries.flatMap((e) => e.alsoIds.map((id) => [id, e.itemId] as const)));
  const seen = new Set<string>();
  const known = (id: string, where: string) => {
    if (seen.has(id)) problems.push(`${where}: item ${id} is listed twice`);
    seen.add(id);
    if (byId.has(id)) return true;
    const primary = alsoOf.get(id);
    problems.push(
      primary
        ? `${where}: item ${id} is an "also reported by" of ${primary}; list ${primary} instead`
        : `${where}: unknown item id ${id}: it is not in the ${current.week} draft`,
    );
    return false;
  };
  const placed: { id: string; sector: SectorId; comment?: string | null; noComment?: boolean }[] = [];
  for (const [sector, list] of Object.entries(file.sections)) {
    if (!isSectorId(sector)) {
      problems.push(`sections.${sector}: unknown sector: ${SECTOR_IDS_EXPECTED}`);
      continue;
    }
    (list ?? []).forEach((ref, i) => {
      tooLong('comment', ref.comment, `sections.${sector}[${i}].comment (item ${ref.id})`);
      if (known(ref.id, `sections.${sector}[${i}]`))
        placed.push({ id: ref.id, sector, comment: ref.comment, noComment: ref.noComment });
    });
  }
  const excluded = (file.excluded ?? []).filter((ref, i) => known(ref.id, `excluded[${i}]`)).map((r) => r.id);
  if (problems.length) throw new EditError(problems.join('\n'));

  const moved = placed
    .filter((p) => byId.get(p.id)!.sector !== p.sector)
    .map((p) => ({ itemId: p.id, sector: p.sector }));
  const apply = (issue: Issue) => {
    const entries = new Map(issue.entries.map((e) => [e.itemId, e]));
    const next: DraftEntry[] = [];
    for (const p of placed) {
      const e: DraftEntry = { ...entries.get(p.id)!, sector: p.sector, included: true };
      entries.delete(p.id);
      setComment(e, p.comment, p.noComment);
      next.push(e);
    }
    for (const id of excluded) {
      const e = entries.get(id)!;
      entries.delete(id);
      next.push({ ...e, included: false });
    }
    // Entries the file does not mention stay as they were.
    next.push(...entries.values());
    issue.entries = sortBySector(next, sectorOrder);
    if (file.subject !== undefined) issue.subject = cleanSubject(file.subject ?? '');
    if (file.intro !== undefined) issue.intro = cleanIntro(file.intro ?? '');
  };
  return { version: file.version, apply, moved };
}
