import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import { isRelevant } from '../digest/draft.js';
import { sourceName } from '../digest/view.js';
import { shortDate } from '../digest/week.js';
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

function itemView(
  entry: DraftEntry,
  item: NewsItem | undefined,
  items: Map<string, NewsItem>,
  config: Config,
  ran: ReadonlyMap<string, string>,
  index: number,
): EditorItemView {
  const heading = (id: string) => config.sectors.find((s) => s.id === id)?.heading ?? id;
  const c = item?.classification;
  return {
    id: entry.itemId,
    title: item?.title ?? `(item ${entry.itemId} is no longer stored)`,
    url: item?.url ?? '',
    summary: item?.summary ?? '',
    sources: item
      ? item.sourceIds.map((id) => config.sources.find((s) => s.id === id)?.name ?? sourceName(config, item))
      : [],
    date: item ? shortDate(new Date(item.publishedAt), config.newsletter.language) : '',
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
        const view = itemView(entry, item, items, config, ran, index);
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
