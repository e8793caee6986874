import type { Source } from '../config/schema.js';
import type { ItemStore } from '../store/items.js';
import { sectorOf, type NewsItem } from '../types/item.js';
import type { Classifier } from './types.js';

export interface ReclassifyResult {
  checked: number;
  /** Items whose stored classification changed. */
  updated: number;
  /** Items now filed under another sector (editor choices always win and never move). */
  moved: number;
  version: string;
}

/**
 * The sector hint ingest gave an item: that of the first of its sources with one configured
 * (a source removed from the config since gives none).
 */
export function sectorHintOf(
  sources: Pick<Source, 'id' | 'sector'>[],
): (item: Pick<NewsItem, 'sourceIds'>) => Source['sector'] {
  const bySource = new Map(sources.map((s) => [s.id, s.sector]));
  return (item) => item.sourceIds.map((id) => bySource.get(id)).find((s) => s !== undefined);
}

/** A stored classification is left alone when these agree (the explanation follows from them). */
const UNCHANGED_IF_SAME = ['sector', 'relevance', 'confidence', 'modelVersion'] as const;

/**
 * Re-classifies stored items published in the last `days` days with the given classifier,
 * with the same source sector hints ingest uses (else an item would be judged on less).
 */
export async function reclassify(
  store: ItemStore,
  classifier: Classifier,
  days: number,
  hintOf: (item: NewsItem) => Source['sector'],
  now = new Date(),
): Promise<ReclassifyResult> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const items = await store.list({ since, until: now });
  let updated = 0;
  let moved = 0;
  for (const item of items) {
    const next = classifier.classify({ title: item.title, summary: item.summary, sectorHint: hintOf(item) });
    const prev = item.classification;
    if (prev && UNCHANGED_IF_SAME.every((field) => prev[field] === next[field])) continue;
    const before = sectorOf(item);
    const after = await store.patch(item.id, { classification: next });
    if (!after) continue;
    updated++;
    if (sectorOf(after) !== before) moved++;
  }
  return { checked: items.length, updated, moved, version: classifier.version };
}
