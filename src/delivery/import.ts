import { isSectorId, SECTOR_IDS, type SectorId } from '../config/schema.js';
import {
  SUBSCRIBER_STATUSES,
  subscriberEmail,
  type NewSubscriber,
  type Subscriber,
  type SubscriberStore,
} from '../store/subscribers.js';
import { parseCsv, toCsv } from './csv.js';

/** Column names the import recognises (case and spacing ignored); other columns are ignored. */
const COLUMNS = {
  email: ['email', 'email address', 'e-mail'],
  name: ['name', 'full name'],
  sectors: ['sectors', 'sector'],
  consent: ['consent date', 'consent', 'consent_date', 'consentat', 'consented'],
  status: ['status'],
} as const;

export interface ImportProblem {
  line: number;
  message: string;
}

export interface ImportResult {
  /** Rows that would be (or were) added. */
  added: { line: number; email: string; status: NewSubscriber['status'] }[];
  /** Rows left out on purpose: already on the list, a duplicate in the file, removed earlier. */
  skipped: ImportProblem[];
  /** Rows that are wrong: not an address, an unknown sector, a bad date. */
  invalid: ImportProblem[];
  dryRun: boolean;
}

/** The file cannot be read as a subscriber list at all (no header, no email column, broken CSV). */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

const normal = (h: string) => h.trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Reads a subscriber CSV (header row; columns email, name, sectors, consent date, and an optional
 * status) and adds each good row. An address counts as confirmed only when its row records a
 * consent date (no later than today); without one it is `pending`. Sectors are ids separated
 * by ";", "|" or spaces; empty means all. `status` unsubscribed or bouncing (as `export` writes
 * it) is kept. Nothing is ever added twice: an address already on the list, seen earlier in the
 * file, or removed earlier at its owner's request is skipped and reported.
 */
export async function importSubscribers(
  store: SubscriberStore,
  text: string,
  o: { dryRun?: boolean; now?: Date } = {},
): Promise<ImportResult> {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new ImportFileError((err as Error).message);
  }
  const header = records.shift();
  if (!header) throw new ImportFileError('the file is empty: expected a header row with at least "email"');
  const col = (names: readonly string[]) => header.fields.findIndex((h) => names.includes(normal(h)));
  const at = {
    email: col(COLUMNS.email),
    name: col(COLUMNS.name),
    sectors: col(COLUMNS.sectors),
    consent: col(COLUMNS.consent),
    status: col(COLUMNS.status),
  };
  if (at.email < 0)
    throw new ImportFileError(
      `line ${header.line}: no "email" column in the header (${header.fields.join(', ')})`,
    );
  const now = o.now ?? new Date();
  const result: ImportResult = { added: [], skipped: [], invalid: [], dryRun: !!o.dryRun };
  const seen = new Map<string, number>();
  for (const { line, fields } of records) {
    const cell = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    const bad = (message: string) => result.invalid.push({ line, message });
    let email: string;
    try {
      email = subscriberEmail(cell(at.email));
    } catch {
      bad(`not an email address: "${cell(at.email)}"`);
      continue;
    }
    const sectorText = cell(at.sectors);
    const sectors = sectorText
      ? sectorText
          .split(/[;|\s]+/)
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean)
      : [];
    const unknown = sectors.filter((s) => !isSectorId(s));
    if (unknown.length) {
      bad(`unknown sector(s) ${unknown.join(', ')}: expected ids among ${SECTOR_IDS.join(', ')}`);
      continue;
    }
    const consentText = cell(at.consent);
    let consentAt: string | undefined;
    if (consentText) {
      const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(consentText)
        ? Date.parse(consentText)
        : NaN;
      if (Number.isNaN(ms)) {
        bad(`consent date "${consentText}" is not a date such as 2024-03-01`);
        continue;
      }
      if (ms > now.getTime()) {
        bad(`consent date ${consentText} is in the future`);
        continue;
      }
      consentAt = new Date(ms).toISOString();
    }
    const statusText = cell(at.status).toLowerCase();
    if (statusText && !(SUBSCRIBER_STATUSES as readonly string[]).includes(statusText)) {
      bad(`status "${statusText}": expected ${SUBSCRIBER_STATUSES.join(', ')} or nothing`);
      continue;
    }
    const first = seen.get(email);
    if (first !== undefined) {
      result.skipped.push({ line, message: `${email} is already on line ${first}` });
      continue;
    }
    seen.set(email, line);
    // Confirmed only with recorded consent; a kept unsubscribed/bouncing status wins over it.
    const status: NewSubscriber['status'] =
      statusText === 'unsubscribed' || statusText === 'bouncing'
        ? statusText
        : consentAt
          ? 'confirmed'
          : 'pending';
    const subscriber: NewSubscriber = {
      email,
      name: cell(at.name),
      sectors: sectors as SectorId[],
      status,
      ...(consentAt ? { consentAt } : {}),
    };
    if (o.dryRun) {
      if (await store.getByEmail(email))
        result.skipped.push({ line, message: `${email} is already on the list` });
      else if (await store.wasErased(email))
        result.skipped.push({ line, message: `${email} was removed earlier at their request` });
      else result.added.push({ line, email, status });
      continue;
    }
    const r = await store.add(subscriber);
    if ('added' in r) result.added.push({ line, email, status });
    else
      result.skipped.push({
        line,
        message:
          r.refused === 'duplicate'
            ? `${email} is already on the list`
            : `${email} was removed earlier at their request`,
      });
  }
  return result;
}

/** The list as CSV, in the columns import reads (status included, so unsubscribed people stay so). */
export function subscribersCsv(list: Subscriber[]): string {
  return toCsv([
    ['email', 'name', 'sectors', 'consent date', 'status', 'created'],
    ...list.map((s) => [s.email, s.name, s.sectors.join(';'), s.consentAt ?? '', s.status, s.createdAt]),
  ]);
}
