import type { SectorConfig } from '../config/schema.js';
import type { ModelStore } from '../store/model-versions.js';
import { LinearClassifier } from './classifier.js';
import { readGazetteer, readTrainingDir, type LabelledItem } from './data.js';
import { Featurizer } from './features.js';
import { ClassifierHandle } from './handle.js';
import { train, type TrainOptions } from './model.js';
import type { ModelData } from '../types/classifier-model.js';
import { classifyPaths, loadClassifySettings, type ClassifySettings } from './settings.js';
import type { Classifier } from './types.js';

export { ClassifierHandle } from './handle.js';

/** Everything the classifier needs apart from the trained weights. */
export interface ClassifierKit {
  sectors: SectorConfig[];
  settings: ClassifySettings;
  featurizer: Featurizer;
  trainingDir: string;
  /** Builds a classifier from trained weights. */
  fromModel(model: ModelData): LinearClassifier;
  /** Trains on the given rows (and nothing else). */
  train(rows: LabelledItem[], opts?: TrainOptions): ModelData;
  /** The training files' rows (config/training/*.tsv except held-out files). */
  trainingRows(): LabelledItem[];
  /** The bundled classifier: trained on the training files alone. */
  bundled(): LinearClassifier;
}

export interface KitOptions {
  sectors: SectorConfig[];
  /** A configuration directory; its classify.yaml, gazetteer/ and training/ win over the bundled ones. */
  configDir?: string;
}

export function classifierKit(opts: KitOptions): ClassifierKit {
  const paths = classifyPaths(opts.configDir);
  const settings = loadClassifySettings(paths.settings);
  const bodies = readGazetteer(paths.gazetteer);
  const featurizer = new Featurizer({
    sectors: opts.sectors,
    bodies,
    collaborationTerms: settings.relevance.terms,
  });
  const trainingDir = paths.trainingDir;
  const thresholds = { reviewBelow: settings.sector.reviewBelow, relevance: settings.relevance.threshold };
  const kit: ClassifierKit = {
    sectors: opts.sectors,
    settings,
    featurizer,
    trainingDir,
    fromModel: (model) => new LinearClassifier(model, featurizer, thresholds),
    train: (rows, trainOpts) => train(featurizer, rows, trainOpts),
    trainingRows: () => readTrainingDir(trainingDir),
    bundled: () => kit.fromModel(kit.train(kit.trainingRows())),
  };
  return kit;
}

export interface LoadClassifierOptions extends KitOptions {
  /** The stored models: the current one is used and followed without a restart. */
  models?: ModelStore;
  /** Fallback check interval for a new model version (pub/sub announces it at once). */
  pollMs?: number;
}

/**
 * What the ingest worker calls once at start-up. Without stored models, or before any retrain has
 * stored a model, it trains the bundled model from config/training/ (well under a second).
 * The returned handle's classify() is synchronous; close() it on shutdown.
 */
export async function loadClassifier(opts: LoadClassifierOptions): Promise<ClassifierHandle> {
  const kit = classifierKit(opts);
  let initial: Classifier | undefined;
  const stored = await opts.models?.loadCurrent();
  try {
    if (stored) initial = kit.fromModel(stored);
  } catch {
    // A model in an older format: the bundled one serves until the next retrain.
  }
  const handle = new ClassifierHandle(initial ?? kit.bundled(), (m) => kit.fromModel(m), opts.models);
  if (opts.models) await handle.start(opts.pollMs);
  return handle;
}
