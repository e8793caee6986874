import type { SectorId } from '../config/schema.js';
import type { Classification } from '../types/item.js';

/** What the classifier is given: text from the feed plus the source's sector hint. */
export interface ClassifyInput {
  title: string;
  summary?: string;
  /** The source's `sector` from config/sources.yaml, when it has one. */
  sectorHint?: SectorId;
}

/** Synchronous on purpose: it runs in the ingest hot path (target 20,000 items/s). */
export interface Classifier {
  readonly version: string;
  classify(input: ClassifyInput): Classification;
}
