import type { SectorId } from '../config/schema.js';
import type { Classifier } from '../classify/types.js';
import type { Classification } from '../types/item.js';
import type { NormalisedItem } from './normalise.js';

export type ClassifiedItem = NormalisedItem & { classification: Classification };

/** normalise → **classify**: sector and relevance from the item's own text plus the source's hint. Pure. */
export function classifyItems(
  items: NormalisedItem[],
  classifier: Classifier,
  sectorHint?: SectorId,
): ClassifiedItem[] {
  return items.map((item) => ({
    ...item,
    classification: classifier.classify({ title: item.title, summary: item.summary, sectorHint }),
  }));
}
