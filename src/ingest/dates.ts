import { DateTime } from 'luxon';

const ZONE = 'Europe/London';
const MAX_DATE_TEXT = 200;
const LOCAL_FORMATS = [
  'd MMMM yyyy',
  'd MMM yyyy',
  'dd/MM/yyyy',
  'd/M/yyyy',
  'MMMM d, yyyy',
  'MMM d, yyyy',
  'd MMMM yyyy HH:mm',
  'EEEE d MMMM yyyy',
  'EEE d MMM yyyy',
  'yyyy-MM-dd',
];

/**
 * A publication date from a feed or page, as ISO 8601 UTC. Dates with a zone are taken
 * as given; local dates such as "19 November 2026" are read in Europe/London, where our
 * publishers are. Returns undefined when the text is not a recognisable date.
 */
export function parseDate(value: string | undefined | null): string | undefined {
  // No date is longer than this: longer text is not one, and is not worth the patterns below.
  if (!value || value.length > MAX_DATE_TEXT) return undefined;
  const text = value.trim().replace(/\s+/g, ' ');
  if (!text) return undefined;
  const hasZone =
    /(Z|[+-]\d\d:?\d\d|\b(GMT|UTC|UT|BST|EST|EDT|PST|PDT|CET|CEST)\b)\s*$/i.test(text) ||
    /T\d\d:\d\d.*(Z|[+-]\d\d)/.test(text);
  if (hasZone) {
    const ms = Date.parse(text.replace(/\bBST\b/i, '+0100'));
    if (!Number.isNaN(ms)) return sane(ms);
  }
  const iso = DateTime.fromISO(text, { zone: ZONE });
  if (iso.isValid) return sane(iso.toMillis());
  for (const format of LOCAL_FORMATS) {
    const dt = DateTime.fromFormat(text.replace(/(\d)(st|nd|rd|th)\b/, '$1'), format, {
      zone: ZONE,
      locale: 'en-GB',
    });
    if (dt.isValid) return sane(dt.toMillis());
  }
  const loose = Date.parse(text);
  return Number.isNaN(loose) ? undefined : sane(loose);
}

/** Years before the web or far in the future are feed bugs, not dates. */
function sane(ms: number): string | undefined {
  const year = new Date(ms).getUTCFullYear();
  return year >= 1995 && ms < Date.now() + 2 * 86_400_000 ? new Date(ms).toISOString() : undefined;
}
