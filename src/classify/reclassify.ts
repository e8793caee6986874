import type { ItemStore } from '../store/items.js';
import { sectorOf } from '../model.js';
import type { Classifier } from './types.js';

export interface ReclassifyResult {
  checked: number;
  /** Items whose stored classification changed. */
  updated: number;
  /** Items now filed under another sector (editor choices always win and never move). */
  moved: number;
  version: string;
}

/** Re-classifies stored items published in the last `days` days with the given classifier. */
export async function reclassify(store: ItemStore, classifier: Classifier, days: number, now = new Date()): Promise<ReclassifyResult> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const items = await store.list({ since, until: now });
  let updated = 0;
  let moved = 0;
  for (const item of items) {
    const next = classifier.classify({ title: item.title, summary: item.summary });
    const prev = item.classification;
    if (prev && prev.sector === next.sector && prev.relevance === next.relevance && prev.confidence === next.confidence && prev.modelVersion === next.modelVersion) continue;
    const before = sectorOf(item);
    const after = await store.patch(item.id, { classification: next });
    if (!after) continue;
    updated++;
    if (sectorOf(after) !== before) moved++;
  }
  return { checked: items.length, updated, moved, version: classifier.version };
}
