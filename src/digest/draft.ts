import type { SectorId } from '../config/schema.js';
import { sectorOf, type NewsItem } from '../types/item.js';
import { sortBySector } from './edit.js';
import type { DraftEntry, Issue } from '../types/issue.js';

/** Whether an item counts as relevant: the editor's decision first, then the classifier's. */
export function isRelevant(item: NewsItem): boolean {
  return item.editorRelevant ?? item.classification.relevant;
}

/**
 * Whether an item carries a date of its own. An undated one (a page item without a date, until
 * its article page gives one) has its fetch time as `publishedAt`: that says when we looked,
 * not when it was news.
 */
export function isDated(item: Pick<NewsItem, 'dateFromFirstSeen'>): boolean {
  return !item.dateFromFirstSeen;
}

/**
 * Ranking: relevance first, then recency within the window, then how many outlets carried
 * the story. Each term is 0..1; the result is 0..1. An undated item gets no credit for
 * recency: its "date" is only when it was fetched.
 */
export function rankScore(item: NewsItem, outlets: number, window: { since: Date; until: Date }): number {
  const span = Math.max(1, window.until.getTime() - window.since.getTime());
  const recency = isDated(item)
    ? Math.min(1, Math.max(0, (Date.parse(item.publishedAt) - window.since.getTime()) / span))
    : 0;
  const coverage = Math.min(outlets - 1, 4) / 4;
  return Math.round((0.6 * item.classification.relevance + 0.25 * recency + 0.15 * coverage) * 1e4) / 1e4;
}

export interface DraftPlan {
  entries: DraftEntry[];
  /** Item ids newly added by this (re)draft. */
  added: string[];
  /** Items newly attached to an existing story as "also reported by". */
  attached: string[];
}

/**
 * Works out a draft's entries from the items of its window. A story (`storyOf`: item id →
 * story cluster, from clusterStories over the window and the items of recent issues) becomes
 * one entry: its most relevant item, the others as "also reported by". A story any of whose
 * items ran in an earlier issue is left out. With an existing draft, every entry and every edit is kept:
 * new stories are appended to their section, new outlets of a known story attached to it.
 */
export function planDraft(
  existing: DraftEntry[] | undefined,
  windowItems: NewsItem[],
  storyOf: ReadonlyMap<string, string>,
  alreadyRan: ReadonlyMap<string, string>,
  window: { since: Date; until: Date },
  sectorOrder: readonly SectorId[],
): DraftPlan {
  // An untouched drafted entry whose story has since gone out in an earlier issue is dropped;
  // one the editor worked on stays (and `digest check` flags it).
  const entries = (existing ?? [])
    .filter((e) => !(alreadyRan.has(e.itemId) && e.origin === 'draft' && !e.comment && !e.noComment))
    .map((e) => ({ ...e, alsoIds: [...e.alsoIds] }));
  const known = new Map<string, DraftEntry>();
  for (const e of entries) for (const id of [e.itemId, ...e.alsoIds]) known.set(id, e);

  const story = (id: string) => storyOf.get(id) ?? id;
  const ranStories = new Set([...alreadyRan.keys()].map(story));
  const clusters = new Map<string, NewsItem[]>();
  for (const item of windowItems) {
    if (alreadyRan.has(item.id) || ranStories.has(story(item.id))) continue;
    const list = clusters.get(story(item.id)) ?? [];
    list.push(item);
    clusters.set(story(item.id), list);
  }

  const fresh: DraftEntry[] = [];
  const undated = new Set<string>();
  const added: string[] = [];
  const attached: string[] = [];
  for (const members of clusters.values()) {
    members.sort(
      (a, b) =>
        Number(isRelevant(b)) - Number(isRelevant(a)) ||
        b.classification.relevance - a.classification.relevance ||
        a.firstSeenAt.localeCompare(b.firstSeenAt) ||
        a.id.localeCompare(b.id),
    );
    const entry = members.map((m) => known.get(m.id)).find(Boolean);
    if (entry) {
      for (const m of members) {
        if (!known.has(m.id)) {
          entry.alsoIds.push(m.id);
          known.set(m.id, entry);
          attached.push(m.id);
        }
      }
      continue;
    }
    const primary = members[0]!;
    const outlets = new Set(members.flatMap((m) => m.sourceIds)).size;
    fresh.push({
      itemId: primary.id,
      sector: sectorOf(primary),
      included: isRelevant(primary),
      alsoIds: members.slice(1).map((m) => m.id),
      score: rankScore(primary, outlets, window),
      origin: 'draft',
    });
    if (!isDated(primary)) undated.add(primary.id);
    added.push(primary.id);
  }
  // New stories in rank order, undated ones after every dated one.
  fresh.sort(
    (a, b) =>
      Number(undated.has(a.itemId)) - Number(undated.has(b.itemId)) ||
      b.score - a.score ||
      a.itemId.localeCompare(b.itemId),
  );
  return { entries: sortBySector([...entries, ...fresh], sectorOrder), added, attached };
}

/**
 * Items that ran (or are going out) in earlier issues, each with the week it ran in: every
 * non-draft issue's included entries. Drafting leaves them out; `digest check` blocks them.
 */
export function ranBefore(earlier: Issue[]): Map<string, string> {
  const ran = new Map<string, string>();
  for (const issue of earlier) {
    if (issue.status === 'draft') continue;
    for (const e of issue.entries)
      if (e.included) for (const id of [e.itemId, ...e.alsoIds]) ran.set(id, issue.week);
  }
  return ran;
}
