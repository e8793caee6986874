import { readConfigText } from '../config/files.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { StoryInput } from './stories.js';

/** One report of a story, with the story it belongs to (the gold label). */
export interface LabelledStory extends StoryInput {
  story: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Reads story-labelled TSV: a header row, columns found by name (`story`, `title`, `summary`,
 * `source`, `published`, optional `id`, else the line number); other columns are ignored.
 * Errors name the file, the line and the column.
 */
export function parseStoryTsv(text: string, file: string): LabelledStory[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim().toLowerCase());
  const required = ['story', 'title', 'summary', 'source', 'published'] as const;
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new ConfigError([
      {
        file,
        line: 1,
        field: 'header',
        message: `expected columns ${required.join(', ')} (and optionally id); missing ${missing.join(', ')}`,
      },
    ]);
  }
  const at = (name: string) => header.indexOf(name);
  const problems: ConfigProblem[] = [];
  const rows: LabelledStory[] = [];
  const seen = new Set<string>();
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const cells = line.split('\t');
    const get = (name: string) => (at(name) >= 0 ? (cells[at(name)] ?? '').trim() : '');
    const where = { file, line: n + 1 };
    const need = (name: string, what: string) => {
      const v = get(name);
      if (!v) problems.push({ ...where, field: name, message: `expected ${what}, got an empty cell` });
      return v;
    };
    const story = need('story', 'a story label');
    const title = need('title', 'a headline');
    const source = need('source', 'a source id');
    const published = need('published', 'an ISO date or date-time');
    const id = get('id') || String(n + 1);
    if (seen.has(id))
      problems.push({ ...where, field: 'id', message: `id "${id}" is used on an earlier line` });
    seen.add(id);
    if (!published) continue;
    const publishedAt = isoDate(published);
    if (!publishedAt) {
      problems.push({
        ...where,
        field: 'published',
        message: `expected an ISO date or date-time (2026-11-20 or 2026-11-20T09:00:00Z), got "${published}"`,
      });
      continue;
    }
    if (story && title && source)
      rows.push({ id, story, title, summary: get('summary') || undefined, sourceIds: [source], publishedAt });
  }
  if (problems.length) throw new ConfigError(problems);
  return rows;
}

export function readStoryTsv(path: string): LabelledStory[] {
  return parseStoryTsv(readConfigText(path), path);
}

/** A date-time without a zone is read as UTC, so a file means the same on every machine. */
function isoDate(text: string): string | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  // Date.parse rolls 2026-11-31 over into December: a day the month lacks is an error.
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return undefined;
  const ms = Date.parse(
    text.includes('T') || text.includes(' ') ? (m[1] ? text : `${text}Z`).replace(' ', 'T') : text,
  );
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
