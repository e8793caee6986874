import { parseDuration } from '../config/duration.js';
import { isSectorId, SECTOR_IDS, type SectorId } from '../config/sector-ids.js';
import { UsageError } from '../errors.js';

/**
 * Parsing of command-line option values, shared by every command group. Each throws a
 * UsageError (exit 2) that names the flag, says what it expects and quotes what it got.
 * Call them first in an action, before loading config or opening Redis, so a bad flag
 * costs nothing and leaves nothing open.
 */

/** Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer delay fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The furthest back a window may reach (`--days`, `--since`): ten years. */
export const MAX_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface NumberRange {
  min: number;
  max: number;
  /** Whole numbers only (the default). */
  whole?: boolean;
  /** `min` itself is not allowed (for fractions: "more than 0"). */
  aboveMin?: boolean;
  /** What the number counts, e.g. "milliseconds". */
  unit?: string;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A number within `range`, written in decimal (`20`, `0.5`, `1e3`). */
export function numberOption(text: string, flag: string, range: NumberRange): number {
  const whole = range.whole ?? true;
  const n = DECIMAL.test(text.trim()) ? Number(text) : NaN;
  const ok =
    Number.isFinite(n) &&
    (!whole || Number.isSafeInteger(n)) &&
    (range.aboveMin ? n > range.min : n >= range.min) &&
    n <= range.max;
  if (!ok) throw new UsageError(`${flag} expects ${expected(range)}, got "${text}"`);
  return n;
}

function expected({ min, max, whole = true, aboveMin, unit }: NumberRange): string {
  const kind = `${whole ? 'a whole number' : 'a number'}${unit ? ` of ${unit}` : ''}`;
  if (aboveMin) return `${kind} more than ${min} and at most ${max}`;
  if (max >= Number.MAX_SAFE_INTEGER) return `${kind} of at least ${min}`;
  return `${kind} from ${min} to ${max}`;
}

/** A count from 1 (`--limit`, `--concurrency`, `--position`, `--if-version`). */
export function countOption(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  return numberOption(text, flag, { min: 1, max });
}

/** Milliseconds a timer can wait (`--min-gap`, `--lock-ms`). */
export function millisOption(text: string, flag: string, min = 0): number {
  return numberOption(text, flag, { min, max: MAX_TIMER_MS, unit: 'milliseconds' });
}

/** Seconds, fractions allowed, up to an hour (`--timeout`); returns milliseconds. */
export function secondsOption(text: string, flag: string): number {
  return Math.max(
    1,
    Math.round(
      numberOption(text, flag, { min: 0, aboveMin: true, max: 3600, whole: false, unit: 'seconds' }) * 1000,
    ),
  );
}

/** Days back, fractions allowed (`--days`). */
export function daysOption(text: string, flag: string): number {
  return numberOption(text, flag, { min: 0, aboveMin: true, max: MAX_DAYS, whole: false, unit: 'days' });
}

/** A TCP port to listen on; 0 lets the system pick (`--port`). */
export function portOption(text: string, flag: string): number {
  return numberOption(text, flag, { min: 0, max: 65535 });
}

/** An age such as 7d, 12h or 30m, at most MAX_DAYS (`--since`); returns milliseconds. */
export function ageOption(text: string, flag: string): number {
  const age = parseDuration(text);
  if (age === undefined) throw new UsageError(`${flag} expects an age such as 7d, 12h or 30m, got "${text}"`);
  if (age > MAX_DAYS * DAY_MS)
    throw new UsageError(`${flag} expects an age of at most ${MAX_DAYS}d, got "${text}"`);
  return age;
}

/** A known sector id (`--sector`, `--hint`). */
export function sectorOption(text: string, flag: string): SectorId {
  if (!isSectorId(text))
    throw new UsageError(`${flag} expects one of ${SECTOR_IDS.join(', ')}, got "${text}"`);
  return text;
}
