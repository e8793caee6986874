import { UsageError } from '../errors.js';

/** Parsing of command-line option values, shared by every command group. */

export function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} expects a positive whole number, got "${text}"`);
  return n;
}

export function nonNegative(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects a whole number of milliseconds, got "${text}"`);
  return n;
}
