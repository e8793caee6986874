import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import { keywordBaseline } from '../classify/keyword-baseline.js';
import type { Classification, Classifier } from '../classify/types.js';
import type { NormalisedItem } from './normalise.js';

/**
 * The classifier ingest uses. The one place to swap in the trained model (src/classify's
 * `loadClassifier`) once it exists; until then the keyword baseline.
 */
export async function ingestClassifier(config: Config): Promise<Classifier> {
  return keywordBaseline(config.sectors);
}

export type ClassifiedItem = NormalisedItem & { classification: Classification };

/** normalise → **classify**: sector and relevance from the item's own text plus the source's hint. Pure. */
export function classifyItems(items: NormalisedItem[], classifier: Classifier, sectorHint?: SectorId): ClassifiedItem[] {
  return items.map((item) => ({ ...item, classification: classifier.classify({ title: item.title, summary: item.summary, sectorHint }) }));
}
