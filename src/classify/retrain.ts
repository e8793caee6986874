import type { LabelStore } from '../store/labels.js';
import type { ModelStore } from '../store/model-versions.js';
import type { ClassifierKit } from './index.js';
import type { LabelledItem } from './data.js';

export interface RetrainResult {
  version: string;
  trainingRows: number;
  editorLabels: number;
  features: number;
  bytes: number;
  trainMs: number;
}

/**
 * Retrains from the training files plus every editor label, stores the result as a new model
 * version and makes it current; running workers pick it up through the model channel.
 * Running it twice (a stalled job re-run) only stores one more, equivalent version.
 */
export async function retrain(
  kit: ClassifierKit,
  stores: { models: ModelStore; labels: LabelStore },
): Promise<RetrainResult> {
  const rows = kit.trainingRows();
  const labels = await editorLabelRows(kit, stores.labels);
  const version = await stores.models.nextVersion();
  const model = kit.train([...rows, ...labels], { version, editorLabels: labels.length });
  const { bytes } = await stores.models.save(model, kit.settings.retrain.keepVersions);
  return {
    version,
    trainingRows: rows.length,
    editorLabels: labels.length,
    features: model.features.length,
    bytes,
    trainMs: model.stats.trainMs,
  };
}

/** Every editor label as a training row, weighted as classify.yaml says. */
export async function editorLabelRows(kit: ClassifierKit, labels: LabelStore): Promise<LabelledItem[]> {
  return (await labels.list()).map((l) => ({
    id: l.itemId,
    title: l.title,
    summary: l.summary,
    sector: l.sector,
    relevant: l.relevant,
    weight: kit.settings.retrain.editorLabelWeight,
  }));
}
