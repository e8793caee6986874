import type { SectorId } from '../config/schema.js';

/** What the classifier is given: text from the feed plus the source's sector hint. */
export interface ClassifyInput {
  title: string;
  summary?: string;
  /** The source's `sector` from config/sources.yaml, when it has one. */
  sectorHint?: SectorId;
}

export interface Classification {
  sector: SectorId;
  /** 0..1: how sure we are of the sector. */
  confidence: number;
  /** One line: which rule, organisation or terms decided, for the editor. */
  explanation: string;
  /** 0..1: how much the item is about collaboration. */
  relevance: number;
  /** relevance >= the configured threshold. */
  relevant: boolean;
  /** Low confidence: an editor should look before it is filed. */
  needsReview: boolean;
  /** Which model version produced this (for re-classification). */
  modelVersion: string;
}

/** Synchronous on purpose: it runs in the ingest hot path (target 20,000 items/s). */
export interface Classifier {
  readonly version: string;
  classify(input: ClassifyInput): Classification;
}
