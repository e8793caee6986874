import type { LabelledItem } from './data.js';
import { metrics, type EvalReport } from './eval.js';
import type { ClassifierKit } from './index.js';
import { mulberry32 } from '../random.js';
import { shuffleInPlace, type TrainOptions } from './model.js';
import type { Classification } from '../types/item.js';

export interface CrossValidation {
  folds: number;
  /** Metrics over every row, each predicted by the model that did not see it. */
  report: EvalReport;
  predictions: Classification[];
}

/**
 * k-fold cross-validation on training rows (rows dealt to folds in a seeded shuffle, so runs
 * are repeatable). Use this, not a held-out file, to compare feature or model changes.
 */
export function crossValidate(
  kit: ClassifierKit,
  rows: LabelledItem[],
  folds = 5,
  opts: TrainOptions & { shuffleSeed?: number } = {},
): CrossValidation {
  const order = rows.map((_, i) => i);
  shuffleInPlace(order, mulberry32(opts.shuffleSeed ?? 7));
  const fold = new Int32Array(rows.length);
  order.forEach((row, n) => (fold[row] = n % folds));
  const predictions = new Array<Classification>(rows.length);
  for (let f = 0; f < folds; f++) {
    const classifier = kit.fromModel(
      kit.train(
        rows.filter((_, i) => fold[i] !== f),
        { ...opts, version: `cv${f}` },
      ),
    );
    rows.forEach((r, i) => {
      if (fold[i] === f)
        predictions[i] = classifier.classify({
          title: r.title,
          summary: r.summary,
          sectorHint: r.sectorHint,
        });
    });
  }
  return { folds, report: metrics(rows, predictions, `cv${folds}`), predictions };
}
