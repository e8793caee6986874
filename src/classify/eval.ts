import { SECTOR_IDS, type SectorId } from '../config/schema.js';
import type { LabelledItem } from './data.js';
import type { Classifier } from './types.js';
import type { Classification } from '../types/item.js';

/** The four sectors the quality target is about. */
const CORE_SECTORS: SectorId[] = ['local-government', 'health', 'higher-education', 'blue-light'];

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface SectorMetrics {
  /** Rows with a sector label. */
  rows: number;
  accuracy: number;
  /** Mean F1 over the sectors present in the file's labels. */
  macroF1: number;
  /** Mean F1 over local-government, health, higher-education and blue-light. */
  coreMacroF1: number;
  perSector: Record<string, Prf>;
  /** Sectors in the order the matrix uses. */
  labels: SectorId[];
  /** confusion[gold][predicted] counts. */
  confusion: Record<string, Record<string, number>>;
  /** Rows flagged needsReview, and the accuracy of those not flagged. */
  flagged: number;
  accuracyUnflagged: number;
}

export interface RelevanceMetrics extends Prf {
  rows: number;
  accuracy: number;
}

export interface EvalReport {
  rows: number;
  model: string;
  sector?: SectorMetrics;
  relevance?: RelevanceMetrics;
}

export function evaluate(
  classifier: Classifier,
  items: LabelledItem[],
): { report: EvalReport; predictions: Classification[] } {
  const predictions = items.map((i) =>
    classifier.classify({ title: i.title, summary: i.summary, sectorHint: i.sectorHint }),
  );
  return { report: metrics(items, predictions, classifier.version), predictions };
}

export function metrics(items: LabelledItem[], predictions: Classification[], model: string): EvalReport {
  const report: EvalReport = { rows: items.length, model };
  const sectorRows = items
    .map((it, i) => ({ gold: it.sector, pred: predictions[i]! }))
    .filter((r): r is { gold: SectorId; pred: Classification } => r.gold !== undefined);
  if (sectorRows.length) {
    const present = new Set<SectorId>();
    for (const r of sectorRows) present.add(r.gold).add(r.pred.sector);
    const labels = SECTOR_IDS.filter((s) => present.has(s));
    const confusion: Record<string, Record<string, number>> = {};
    for (const g of labels) confusion[g] = Object.fromEntries(labels.map((p) => [p, 0]));
    for (const r of sectorRows) confusion[r.gold]![r.pred.sector]!++;
    const perSector: Record<string, Prf> = {};
    for (const s of labels) {
      const tp = sectorRows.filter((r) => r.gold === s && r.pred.sector === s).length;
      const predicted = sectorRows.filter((r) => r.pred.sector === s).length;
      const actual = sectorRows.filter((r) => r.gold === s).length;
      perSector[s] = prf(tp, predicted, actual);
    }
    const goldSectors = labels.filter((s) => perSector[s]!.support > 0);
    const f1Of = (s: SectorId) => perSector[s]?.f1 ?? 0;
    const unflagged = sectorRows.filter((r) => !r.pred.needsReview);
    report.sector = {
      rows: sectorRows.length,
      accuracy: ratio(sectorRows.filter((r) => r.gold === r.pred.sector).length, sectorRows.length),
      macroF1: mean(goldSectors.map(f1Of)),
      coreMacroF1: mean(CORE_SECTORS.map(f1Of)),
      perSector,
      labels,
      confusion,
      flagged: sectorRows.length - unflagged.length,
      accuracyUnflagged: ratio(unflagged.filter((r) => r.gold === r.pred.sector).length, unflagged.length),
    };
  }
  const relRows = items
    .map((it, i) => ({ gold: it.relevant, pred: predictions[i]!.relevant }))
    .filter((r): r is { gold: boolean; pred: boolean } => r.gold !== undefined);
  if (relRows.length) {
    const tp = relRows.filter((r) => r.gold && r.pred).length;
    report.relevance = {
      rows: relRows.length,
      accuracy: ratio(relRows.filter((r) => r.gold === r.pred).length, relRows.length),
      ...prf(tp, relRows.filter((r) => r.pred).length, relRows.filter((r) => r.gold).length),
    };
  }
  return report;
}

function prf(tp: number, predicted: number, actual: number): Prf {
  const precision = ratio(tp, predicted);
  const recall = ratio(tp, actual);
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    support: actual,
  };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Normalised text of a row, to keep rows of an evaluated file out of training. */
export function rowKey(item: { title: string }): string {
  return item.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
