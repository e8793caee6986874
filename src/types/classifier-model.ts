import type { SectorId } from '../config/schema.js';

/**
 * A trained classifier as stored (src/store/models.ts keeps versions of it): src/classify
 * trains and reads it, `format` being src/classify/model.ts MODEL_FORMAT.
 */
export interface ModelData {
  format: number;
  version: string;
  createdAt: string;
  classes: SectorId[];
  /** Feature names; row i of the weights belongs to features[i]. */
  features: string[];
  /** features.length × classes.length, row-major. */
  sector: number[];
  /** features.length. */
  relevance: number[];
  stats: {
    trainingRows: number;
    editorLabels: number;
    sectorExamples: number;
    relevanceExamples: number;
    trainMs: number;
  };
}
