import type { SectorId } from '../config/schema.js';

/** What the classifier says about an item (src/classify produces it, the store keeps it). */
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

/**
 * A stored news item: one per canonical URL. Produced by the ingest pipeline
 * (fetch → parse → normalise → classify → dedupe) and read by the digest.
 */
export interface NewsItem {
  /** Stable id derived from the canonical URL (see src/dedupe). */
  id: string;
  /** Canonical URL (tracking parameters and fragments dropped, host lower-cased). */
  url: string;
  title: string;
  /** About two sentences, plain text. */
  summary?: string;
  /** ISO 8601 UTC; the first-seen time when the source gave no date. */
  publishedAt: string;
  /** True when publishedAt is really the first-seen time. */
  dateFromFirstSeen?: boolean;
  firstSeenAt: string;
  /** Every source that carried this URL, first one first. */
  sourceIds: string[];
  classification: Classification;
  /** Sector set by an editor; wins over classification.sector. */
  editorSector?: SectorId;
  /** Relevance set by an editor; wins over classification.relevant. */
  editorRelevant?: boolean;
  /** Set once the article page has been fetched for metadata. */
  enrichedAt?: string;
}

/** The sector an item is filed under: the editor's choice first, then the classifier's. */
export function sectorOf(item: NewsItem): SectorId {
  return item.editorSector ?? item.classification.sector;
}
