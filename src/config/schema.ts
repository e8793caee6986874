import { z } from 'zod';
import { parseDuration } from './duration.js';
import { SECTOR_IDS, SECTOR_IDS_EXPECTED } from './sector-ids.js';

export { SECTOR_IDS, SECTOR_IDS_EXPECTED, isSectorId, type SectorId } from './sector-ids.js';

export const sectorIdSchema = z.enum(SECTOR_IDS, { error: SECTOR_IDS_EXPECTED });

/** The shortest poll interval we allow: politeness towards publishers. */
export const MIN_POLL_MS = 15 * 60_000;

/** Items a source's fetch stores at most unless its `maxItems` says otherwise. */
export const DEFAULT_MAX_ITEMS = 500;

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' });

const slug = z
  .string({ error: 'expected a slug such as "lgc-news"' })
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a slug: lower-case letters, digits and hyphens, e.g. "lgc-news"');

const every = z
  .string({ error: 'expected a poll interval such as "30m" or "6h"' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a poll interval such as "30m", "6h" or "1d", got "${text}"` });
      return z.NEVER;
    }
    if (ms < MIN_POLL_MS) {
      ctx.addIssue({ code: 'custom', message: `poll interval "${text}" is too frequent: at least 15m` });
      return z.NEVER;
    }
    return ms;
  });

const selectorsSchema = z.strictObject({
  item: z.string().min(1, 'expected a CSS selector for one news item'),
  title: z.string().min(1, 'expected a CSS selector for the headline, relative to the item'),
  link: z.string().min(1, 'expected a CSS selector for the element with the href, relative to the item'),
  date: z.string().min(1).optional(),
  summary: z.string().min(1).optional(),
});
export type PageSelectors = z.infer<typeof selectorsSchema>;

const flag = z.boolean({ error: 'expected true or false' });

const sourceBase = {
  id: slug,
  name: z.string({ error: 'expected the source name as text' }).min(1),
  url: httpUrl,
  sector: sectorIdSchema.optional(),
  every,
  enabled: flag.default(true),
  enrich: flag.default(false),
  /** Items stored per fetch at most, the newest by date: a runaway feed cannot flood the store. */
  maxItems: z
    .number({ error: 'expected a whole number of items such as 500' })
    .int('expected a whole number of items such as 500')
    .min(1, 'expected at least 1 item')
    .default(DEFAULT_MAX_ITEMS),
  /** Lets a source live on a loopback/private address: demo and tests only. */
  allowPrivateNetwork: flag.default(false),
};

const feedSourceSchema = z.strictObject({ ...sourceBase, kind: z.literal('feed') });
const pageSourceSchema = z.strictObject({
  ...sourceBase,
  kind: z.literal('page'),
  selectors: z.unknown().optional().pipe(
    z.custom<unknown>((v) => v !== undefined, 'a page source needs "selectors:" with at least item, title and link (CSS selectors)'),
  ).pipe(selectorsSchema),
});

export const sourceSchema = z.discriminatedUnion('kind', [feedSourceSchema, pageSourceSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.note === 'No matching discriminator'
      ? 'expected kind to be "feed" or "page"'
      : undefined,
});
export type Source = z.infer<typeof sourceSchema>;

export const sourcesFileSchema = z.strictObject({
  sources: z.array(sourceSchema, { error: 'expected a list of sources under "sources:"' }),
});

const sectorSchema = z.strictObject({
  id: sectorIdSchema,
  heading: z.string().min(1, 'expected the heading shown in the email'),
  keywords: z.array(z.string().min(1)).default([]),
  organisations: z.array(z.string().min(1)).default([]),
});
export type SectorConfig = z.infer<typeof sectorSchema>;

export const sectorsFileSchema = z.strictObject({
  sectors: z.array(sectorSchema).min(1, 'expected at least one sector'),
});

/** In ISO order: Monday is weekday 1. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export const newsletterFileSchema = z.strictObject({
  name: z.string().min(1),
  from: z.string().min(3, 'expected a From address such as "Shared Services News <news@example.org>"'),
  replyTo: z.email({ error: 'expected an email address' }).optional(),
  baseUrl: httpUrl,
  send: z.strictObject({
    weekday: z.enum(WEEKDAYS, { error: `expected one of ${WEEKDAYS.join(', ')}` }),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time such as "08:00"'),
    /** Messages per second at most, across every send worker (BullMQ's limiter, kept in Redis). */
    perSecond: z
      .number({ error: 'expected a whole number of messages per second such as 10' })
      .int('expected a whole number of messages per second such as 10')
      .min(1, 'expected at least 1 message per second')
      .max(10_000)
      .default(10),
    /** Messages per clock hour at most, across every send worker (a counter in Redis); your provider's hourly quota. */
    perHour: z
      .number({ error: 'expected a whole number of messages per hour such as 20000' })
      .int('expected a whole number of messages per hour such as 20000')
      .min(1, 'expected at least 1 message per hour')
      .default(36_000),
    /** Tries per recipient when the server answers 4xx or cannot be reached (5xx is final at once). */
    attempts: z.number().int().min(1).max(20, 'expected at most 20 attempts').default(6),
    /** Wait before the second try, doubled for each later one (60000 = 1 min, 2, 4, 8… min). */
    retryDelayMs: z.number().int().min(0).max(86_400_000).default(60_000),
    /** The mailto: address of List-Unsubscribe (optional: the https one-click link is always there). */
    unsubscribeMailto: z.email({ error: 'expected an email address' }).optional(),
    /** List-Id (RFC 2919), e.g. "weekly.news.example.org"; default: "weekly." and baseUrl's host. */
    listId: z
      .string()
      .regex(/^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i, 'expected a dotted list id such as "weekly.news.example.org"')
      .optional(),
  }),
  /** Public sign-up (double opt-in). */
  signup: z
    .strictObject({
      /** Days a confirmation link works; an unconfirmed sign-up is forgotten after them. */
      confirmDays: z
        .number({ error: 'expected a whole number of days such as 7' })
        .int('expected a whole number of days such as 7')
        .min(1, 'expected at least 1 day')
        .max(60, 'expected at most 60 days')
        .default(7),
    })
    .prefault({}),
  coversDays: z.number().int().min(1).max(31).default(7),
  footer: z.string().min(1),
  userAgentContact: z.string().min(3, 'expected a URL or email address where publishers can reach you'),
  language: z.string().default('en-GB'),
});
export type NewsletterConfig = z.infer<typeof newsletterFileSchema>;
