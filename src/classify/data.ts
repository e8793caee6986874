import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isSectorId, SECTOR_IDS_EXPECTED, type SectorId } from '../config/schema.js';
import { readConfigText } from '../config/files.js';
import { ConfigError, type ConfigProblem } from '../errors.js';

/** One labelled example. Either label may be missing (an editor may set only one). */
export interface LabelledItem {
  id?: string;
  title: string;
  summary?: string;
  sector?: SectorId;
  relevant?: boolean;
  sectorHint?: SectorId;
  /** How much this example counts in training (editor labels count more). */
  weight?: number;
}

const YES = new Set(['yes', 'y', 'true', '1', 'relevant']);
const NO = new Set(['no', 'n', 'false', '0', 'irrelevant', 'not relevant']);

/**
 * Reads labelled TSV: a header row, columns found by name (`title` required; `summary`,
 * `sector`, `relevant` yes/no, `id`, and `hint`/`sector_hint` optional); other columns are
 * ignored. Errors name the file, line and column.
 */
export function readLabelledTsv(file: string, opts: { requireLabels?: boolean } = {}): LabelledItem[] {
  const { header, column: col, rows } = readTsv(file);
  const c = {
    id: col('id'),
    title: col('title', 'headline'),
    summary: col('summary', 'description'),
    sector: col('sector'),
    relevant: col('relevant', 'relevance'),
    hint: col('sector_hint', 'hint', 'sectorhint'),
  };
  const problems: ConfigProblem[] = [];
  const problem = (line: number, field: string, message: string) =>
    problems.push({ file, line, field, message });
  if (c.title < 0)
    problem(
      1,
      'header',
      `expected a "title" column in the header row, got: ${header.join(', ') || '(empty)'}`,
    );
  if (opts.requireLabels && c.sector < 0 && c.relevant < 0)
    problem(1, 'header', 'expected a "sector" and/or "relevant" column to evaluate against');
  if (problems.length) throw new ConfigError(problems);

  const items: LabelledItem[] = [];
  for (const { line, cells } of rows) {
    const get = (i: number) => cell(cells, i);
    const title = get(c.title);
    if (!title) {
      problem(line, 'title', 'expected a headline, got an empty cell');
      continue;
    }
    const item: LabelledItem = { title };
    if (get(c.id)) item.id = get(c.id);
    if (get(c.summary)) item.summary = get(c.summary);
    const sector = get(c.sector).toLowerCase();
    if (sector) {
      if (isSectorId(sector)) item.sector = sector;
      else problem(line, 'sector', `${SECTOR_IDS_EXPECTED}, got "${sector}"`);
    }
    const hint = get(c.hint).toLowerCase();
    if (hint && isSectorId(hint)) item.sectorHint = hint;
    const rel = get(c.relevant).toLowerCase();
    if (rel) {
      if (YES.has(rel)) item.relevant = true;
      else if (NO.has(rel)) item.relevant = false;
      else problem(line, 'relevant', `expected yes or no, got "${rel}"`);
    }
    items.push(item);
  }
  if (problems.length) throw new ConfigError(problems);
  return items;
}

/**
 * Training rows: every *.tsv in the training directory except held-out ones (a file whose
 * name contains "heldout", "held-out" or "test" is evaluation data and is never trained on).
 */
export function readTrainingDir(dir: string): LabelledItem[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.tsv') && !/held-?out|test/i.test(n))
    .sort()
    .flatMap((n) => readLabelledTsv(join(dir, n)));
}

/** A public body from config/gazetteer/bodies.tsv. */
export interface Body {
  name: string;
  sector: SectorId;
  kind: string;
  aliases: string[];
}

export function readGazetteer(path: string): Body[] {
  const { column: at, rows } = readTsv(path);
  const [iName, iSector, iKind, iAliases] = [at('name'), at('sector'), at('kind'), at('aliases')];
  const problems: ConfigProblem[] = [];
  const problem = (line: number, field: string, message: string) =>
    problems.push({ file: path, line, field, message });
  if (iName < 0 || iSector < 0) {
    problem(1, 'header', 'expected columns "name" and "sector" (and optionally "kind", "aliases")');
    throw new ConfigError(problems);
  }
  const bodies: Body[] = [];
  for (const { line, cells } of rows) {
    if (cells[0]!.startsWith('#')) continue;
    const name = cell(cells, iName);
    const sector = cell(cells, iSector);
    if (!name) continue;
    if (!isSectorId(sector)) {
      problem(line, 'sector', `${SECTOR_IDS_EXPECTED}, got "${sector}"`);
      continue;
    }
    const aliases = cell(cells, iAliases)
      .split('|')
      .map((a) => a.trim())
      .filter(Boolean);
    bodies.push({ name, sector, kind: cell(cells, iKind), aliases });
  }
  if (problems.length) throw new ConfigError(problems);
  return bodies;
}

/** A TSV file with a header row: the header's names, a column by name, and the non-blank rows. */
function readTsv(path: string) {
  const lines = readConfigText(path)
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim().toLowerCase());
  /** The first of `names` the header has: its index, else -1. */
  const column = (...names: string[]) => names.map((n) => header.indexOf(n)).find((i) => i >= 0) ?? -1;
  const rows = lines.flatMap((text, n) =>
    n > 0 && text.trim() ? [{ line: n + 1, cells: text.split('\t') }] : [],
  );
  return { header, column, rows };
}

/** The trimmed text of column `i` (empty when the file has no such column). */
function cell(cells: string[], i: number): string {
  return i >= 0 ? (cells[i] ?? '').trim() : '';
}
