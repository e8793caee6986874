import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import { isRelevant } from '../digest/draft.js';
import { sourceName } from '../digest/view.js';
import { ZONE } from '../digest/week.js';
import type { DraftEntry, Issue } from '../types/issue.js';
import type { NewsItem } from '../types/item.js';

/** One candidate as the week page shows it. Every string from a feed is escaped at output. */
export interface EditorItemView {
  id: string;
  title: string;
  url: string;
  summary: string;
  sources: string[];
  date: string;
  sector: SectorId;
  sectorHeading: string;
  /** The classifier's sector, confidence and one-line explanation. */
  classifiedAs: string;
  confidence: number;
  explanation: string;
  relevance: number;
  also: { source: string; url: string; title: string }[];
  /** The week of an earlier issue it (or its story) ran in. */
  ranIn?: string;
  included: boolean;
  comment: string;
  noComment: boolean;
  /** Position among all entries of its sector (what a move op's position counts). */
  index: number;
}

export interface EditorSectionView {
  sector: SectorId;
  heading: string;
  included: EditorItemView[];
  /** Left-out candidates the classifier finds relevant. */
  excluded: EditorItemView[];
  /** Left-out candidates not about collaboration, folded away. */
  low: EditorItemView[];
}

export interface WeekView {
  week: string;
  version: number;
  status: Issue['status'];
  subject: string;
  intro: string;
  includedCount: number;
  candidateCount: number;
  sections: EditorSectionView[];
}

/** Lookups made once per page: a week page shows hundreds of items. */
interface Lookups {
  config: Config;
  heading: (sector: string) => string;
  sourceNames: Map<string, string>;
  date: Intl.DateTimeFormat;
  /** Dates written so far, by hour since the epoch (zones move by whole hours). */
  days: Map<number, string>;
}

const made = new WeakMap<Config, Lookups>();

/** Made once per configuration (an Intl.DateTimeFormat costs more than a page's worth of dates). */
function lookups(config: Config): Lookups {
  let l = made.get(config);
  if (!l) made.set(config, (l = makeLookups(config)));
  return l;
}

function makeLookups(config: Config): Lookups {
  const headings = new Map<string, string>(config.sectors.map((s) => [s.id, s.heading]));
  return {
    config,
    heading: (id) => headings.get(id) ?? id,
    sourceNames: new Map(config.sources.map((s) => [s.id, s.name])),
    // "27 November 2026", as shortDate writes it, without a luxon DateTime per item.
    date: new Intl.DateTimeFormat(config.newsletter.language, {
      timeZone: ZONE,
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    }),
    days: new Map(),
  };
}

/** The day an instant falls on, by the hour: a week's items share a few dozen. */
function dateOf(l: Lookups, publishedAt: string): string {
  const hour = Math.floor(Date.parse(publishedAt) / 3_600_000);
  let text = l.days.get(hour);
  if (text === undefined) {
    text = l.date.format(new Date(hour * 3_600_000));
    if (l.days.size > 10_000) l.days.clear();
    l.days.set(hour, text);
  }
  return text;
}

function itemView(
  entry: DraftEntry,
  item: NewsItem | undefined,
  items: Map<string, NewsItem>,
  l: Lookups,
  ran: ReadonlyMap<string, string>,
  index: number,
): EditorItemView {
  const { config, heading } = l;
  const c = item?.classification;
  return {
    id: entry.itemId,
    title: item?.title ?? `(item ${entry.itemId} is no longer stored)`,
    url: item?.url ?? '',
    summary: item?.summary ?? '',
    sources: item ? item.sourceIds.map((id) => l.sourceNames.get(id) ?? sourceName(config, item)) : [],
    date: item ? dateOf(l, item.publishedAt) : '',
    sector: entry.sector,
    sectorHeading: heading(entry.sector),
    classifiedAs: c ? heading(c.sector) : '',
    confidence: c?.confidence ?? 0,
    explanation: c?.explanation ?? '',
    relevance: c?.relevance ?? 0,
    also: entry.alsoIds.flatMap((id) => {
      const other = items.get(id);
      return other ? [{ source: sourceName(config, other), url: other.url, title: other.title }] : [];
    }),
    ranIn: [entry.itemId, ...entry.alsoIds].map((id) => ran.get(id)).find(Boolean),
    included: entry.included,
    comment: entry.comment ?? '',
    noComment: entry.noComment ?? false,
    index,
  };
}

/**
 * The week page's data: sections in sectors.yaml order; in each, the included entries in the
 * editor's order, then left-out candidates, then those the classifier (or an editor) judged not
 * relevant. `ran` maps item id → week of the earlier issue it went out in.
 */
export function buildWeekView(
  issue: Issue,
  items: Map<string, NewsItem>,
  config: Config,
  ran: ReadonlyMap<string, string>,
): WeekView {
  const l = lookups(config);
  const sections = config.sectors.map((s) => {
    const section: EditorSectionView = {
      sector: s.id,
      heading: s.heading,
      included: [],
      excluded: [],
      low: [],
    };
    issue.entries
      .filter((e) => e.sector === s.id)
      .forEach((entry, index) => {
        const item = items.get(entry.itemId);
        const view = itemView(entry, item, items, l, ran, index);
        if (entry.included) section.included.push(view);
        else if (item && !isRelevant(item)) section.low.push(view);
        else section.excluded.push(view);
      });
    return section;
  });
  return {
    week: issue.week,
    version: issue.version,
    status: issue.status,
    subject: issue.subject ?? '',
    intro: issue.intro ?? '',
    includedCount: issue.entries.filter((e) => e.included).length,
    candidateCount: issue.entries.length,
    sections,
  };
}
