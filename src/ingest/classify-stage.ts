import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import { loadClassifier, type ClassifierHandle } from '../classify/index.js';
import type { ModelStore } from '../store/models.js';
import type { Classifier } from '../classify/types.js';
import type { Classification } from '../types/item.js';
import type { NormalisedItem } from './normalise.js';

/**
 * The classifier ingest uses: the current stored model (following retrains without a
 * restart), or the bundled one trained from config/training/. close() it on shutdown.
 */
export async function ingestClassifier(config: Config, models: ModelStore): Promise<ClassifierHandle> {
  return loadClassifier({ sectors: config.sectors, configDir: config.dir, models });
}

export type ClassifiedItem = NormalisedItem & { classification: Classification };

/** normalise → **classify**: sector and relevance from the item's own text plus the source's hint. Pure. */
export function classifyItems(items: NormalisedItem[], classifier: Classifier, sectorHint?: SectorId): ClassifiedItem[] {
  return items.map((item) => ({ ...item, classification: classifier.classify({ title: item.title, summary: item.summary, sectorHint }) }));
}
