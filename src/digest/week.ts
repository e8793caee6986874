import { DateTime, type WeekdayNumbers } from 'luxon';
import { WEEKDAYS, type NewsletterConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';

/** Every date in the digest is Europe/London (DESIGN.md). */
export const ZONE = 'Europe/London';

export interface IssueWindow {
  /** ISO week, e.g. `2014-W22`. */
  week: string;
  /** When the issue goes out (Europe/London). */
  sendAt: DateTime;
  /** Items published at or after this instant are covered… */
  since: Date;
  /** …and before this one (midnight that starts the send day). */
  until: Date;
}

/** Parses `2014-W22` (also `2014W22`), throwing a UsageError with an example otherwise. */
export function parseWeek(text: string): { year: number; week: number } {
  const m = /^(\d{4})-?W(\d{2})$/i.exec(text.trim());
  if (!m) throw new UsageError(`expected an ISO week such as 2014-W22, got "${text}"`);
  const year = Number(m?.[1]);
  const week = Number(m?.[2]);
  const dt = DateTime.fromObject({ weekYear: year, weekNumber: week, weekday: 1 }, { zone: ZONE });
  if (!dt.isValid || dt.weekNumber !== week)
    throw new UsageError(`expected an ISO week such as 2014-W22, got "${text}"`);
  return { year, week };
}

function formatWeek(year: number, week: number): string {
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The ISO week (Europe/London) a moment falls in. */
export function weekOf(when: Date | DateTime = new Date()): string {
  const dt = (when instanceof Date ? DateTime.fromJSDate(when) : when).setZone(ZONE);
  return formatWeek(dt.weekYear, dt.weekNumber);
}

/**
 * The issue of an ISO week goes out on the configured weekday of that week at the configured
 * time, and covers the `coversDays` whole days before its send date.
 */
export function issueWindow(
  weekText: string,
  newsletter: Pick<NewsletterConfig, 'send' | 'coversDays'>,
): IssueWindow {
  const { year, week } = parseWeek(weekText);
  const [hour, minute] = newsletter.send.time.split(':').map(Number);
  const sendAt = DateTime.fromObject(
    {
      weekYear: year,
      weekNumber: week,
      weekday: (WEEKDAYS.indexOf(newsletter.send.weekday) + 1) as WeekdayNumbers,
      hour,
      minute,
    },
    { zone: ZONE },
  );
  const sendDay = sendAt.startOf('day');
  return {
    week: formatWeek(year, week),
    sendAt,
    since: sendDay.minus({ days: newsletter.coversDays }).toJSDate(),
    until: sendDay.toJSDate(),
  };
}

/** "Friday 30 May 2014". */
export function longDate(dt: DateTime, locale = 'en-GB'): string {
  return dt.setZone(ZONE).setLocale(locale).toFormat('cccc d LLLL yyyy');
}

/** "23 May 2014". */
export function shortDate(d: Date | DateTime, locale = 'en-GB'): string {
  const dt = d instanceof Date ? DateTime.fromJSDate(d) : d;
  return dt.setZone(ZONE).setLocale(locale).toFormat('d LLLL yyyy');
}
