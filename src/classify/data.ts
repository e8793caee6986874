import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
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
function parseLabelledTsv(
  text: string,
  file: string,
  opts: { requireLabels?: boolean } = {},
): LabelledItem[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim().toLowerCase());
  const col = (...names: string[]) => {
    for (const n of names) {
      const i = header.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const c = {
    id: col('id'),
    title: col('title', 'headline'),
    summary: col('summary', 'description'),
    sector: col('sector'),
    relevant: col('relevant', 'relevance'),
    hint: col('sector_hint', 'hint', 'sectorhint'),
  };
  const problems: ConfigProblem[] = [];
  if (c.title < 0)
    problems.push({
      file,
      line: 1,
      field: 'header',
      message: `expected a "title" column in the header row, got: ${header.join(', ') || '(empty)'}`,
    });
  if (opts.requireLabels && c.sector < 0 && c.relevant < 0) {
    problems.push({
      file,
      line: 1,
      field: 'header',
      message: 'expected a "sector" and/or "relevant" column to evaluate against',
    });
  }
  if (problems.length) throw new ConfigError(problems);

  const items: LabelledItem[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const cells = line.split('\t');
    const get = (i: number) => (i >= 0 ? (cells[i] ?? '').trim() : '');
    const title = get(c.title);
    if (!title) {
      problems.push({ file, line: n + 1, field: 'title', message: 'expected a headline, got an empty cell' });
      continue;
    }
    const item: LabelledItem = { title };
    if (get(c.id)) item.id = get(c.id);
    if (get(c.summary)) item.summary = get(c.summary);
    const sector = get(c.sector).toLowerCase();
    if (sector) {
      if (isSectorId(sector)) item.sector = sector;
      else
        problems.push({
          file,
          line: n + 1,
          field: 'sector',
          message: `${SECTOR_IDS_EXPECTED}, got "${sector}"`,
        });
    }
    const hint = get(c.hint).toLowerCase();
    if (hint && isSectorId(hint)) item.sectorHint = hint;
    const rel = get(c.relevant).toLowerCase();
    if (rel) {
      if (YES.has(rel)) item.relevant = true;
      else if (NO.has(rel)) item.relevant = false;
      else
        problems.push({ file, line: n + 1, field: 'relevant', message: `expected yes or no, got "${rel}"` });
    }
    items.push(item);
  }
  if (problems.length) throw new ConfigError(problems);
  return items;
}

export function readLabelledTsv(path: string, opts: { requireLabels?: boolean } = {}): LabelledItem[] {
  const text = readConfigText(path);
  return parseLabelledTsv(text, path, opts);
}

/**
 * Training rows: every *.tsv in the training directory except held-out ones (a file whose
 * name contains "heldout", "held-out" or "test" is evaluation data and is never trained on).
 */
function trainingFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.tsv') && !isHeldOut(n))
    .sort()
    .map((n) => join(dir, n));
}

function isHeldOut(path: string): boolean {
  return /held-?out|test/i.test(basename(path));
}

export function readTrainingDir(dir: string): LabelledItem[] {
  return trainingFiles(dir).flatMap((f) => readLabelledTsv(f));
}

/** A public body from config/gazetteer/bodies.tsv. */
export interface Body {
  name: string;
  sector: SectorId;
  kind: string;
  aliases: string[];
}

export function readGazetteer(path: string): Body[] {
  const text = readConfigText(path);
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim().toLowerCase());
  const at = (name: string) => header.indexOf(name);
  const [iName, iSector, iKind, iAliases] = [at('name'), at('sector'), at('kind'), at('aliases')];
  if (iName < 0 || iSector < 0)
    throw new ConfigError([
      {
        file: path,
        line: 1,
        field: 'header',
        message: 'expected columns "name" and "sector" (and optionally "kind", "aliases")',
      },
    ]);
  const bodies: Body[] = [];
  const problems: ConfigProblem[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells = line.split('\t');
    const name = (cells[iName] ?? '').trim();
    const sector = (cells[iSector] ?? '').trim();
    if (!name) continue;
    if (!isSectorId(sector)) {
      problems.push({
        file: path,
        line: n + 1,
        field: 'sector',
        message: `${SECTOR_IDS_EXPECTED}, got "${sector}"`,
      });
      continue;
    }
    const aliases =
      iAliases >= 0
        ? (cells[iAliases] ?? '')
            .split('|')
            .map((a) => a.trim())
            .filter(Boolean)
        : [];
    bodies.push({ name, sector, kind: iKind >= 0 ? (cells[iKind] ?? '').trim() : '', aliases });
  }
  if (problems.length) throw new ConfigError(problems);
  return bodies;
}
