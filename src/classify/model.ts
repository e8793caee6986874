import { mulberry32 } from '../random.js';
import { SECTOR_IDS, type SectorId } from '../config/schema.js';
import type { LabelledItem } from './data.js';
import type { Featurizer } from './features.js';
import type { ModelData } from '../types/classifier-model.js';

/**
 * The statistical part: two linear models over the Featurizer's features, trained together.
 *   sector:    multinomial logistic regression over the seven sectors
 *   relevance: binary logistic regression (about collaboration or not)
 * Rule features (gazetteer, sectors.yaml, source hint, collaboration phrases) start from prior
 * weights and are regularised towards them, so a body or phrase the training data never
 * mentions still counts; word features start at zero and are regularised towards zero.
 */
export const MODEL_FORMAT = 1;

/** The relevance model's fixed intercept (see priorFor). */
const RELEVANCE_BIAS = -1.5;

const PRIORS = { gaz: 2, rule: 1.5, hint: 2.5, collab: 1.5, c: 0.5 };
/** Training: passes over the data, L2 strength per example, AdaGrad's step, the shuffle's seed. */
const EPOCHS = 25;
const L2 = 2e-4;
const LEARNING_RATE = 0.1;
const SEED = 42;

/** Prior weights: what we believe before seeing any data. */
function priorFor(feature: string): { sector?: SectorId; sectorWeight: number; relevanceWeight: number } {
  const colon = feature.indexOf(':');
  const kind = colon < 0 ? feature : feature.slice(0, colon);
  if (kind === 'gaz' || kind === 'rule' || kind === 'hint')
    return { sector: feature.slice(colon + 1) as SectorId, sectorWeight: PRIORS[kind], relevanceWeight: 0 };
  if (kind === 'collab' || kind === 'c') return { sectorWeight: 0, relevanceWeight: PRIORS[kind] };
  // The bias is fixed, not trained: with no collaboration wording an item is not relevant,
  // whatever share of the training rows happens to be relevant.
  if (kind === '_bias') return { sectorWeight: 0, relevanceWeight: RELEVANCE_BIAS };
  return { sectorWeight: 0, relevanceWeight: 0 };
}

export interface TrainOptions {
  version?: string;
  editorLabels?: number;
  /**
   * Each row with a summary also trains as its headline alone, with this share of its weight
   * (default 0.5): feeds and pages often give no summary, and a model that only ever saw
   * headline + summary leans on summary words a headline does not have.
   */
  headlineWeight?: number;
}

interface Encoded {
  idx: Int32Array;
  /** The features of idx the relevance model uses. */
  relIdx: Int32Array;
  sector: number; // -1 when unlabelled
  relevant: number; // -1 when unlabelled, else 0/1
  weight: number;
}

/** Always-present features: rule features exist even when no training row fires them. */
function ruleFeatures(): string[] {
  const out: string[] = ['_bias', 'collab'];
  for (const s of SECTOR_IDS) out.push('gaz:' + s, 'rule:' + s, 'hint:' + s);
  return out;
}

export function train(featurizer: Featurizer, examples: LabelledItem[], opts: TrainOptions = {}): ModelData {
  const started = performance.now();
  const classes = [...SECTOR_IDS];
  const K = classes.length;
  const classIndex = new Map(classes.map((c, i) => [c, i]));

  // Vocabulary and encoding.
  const vocab = new Map<string, number>();
  const names: string[] = [];
  const id = (f: string) => {
    let i = vocab.get(f);
    if (i === undefined) {
      i = names.length;
      vocab.set(f, i);
      names.push(f);
    }
    return i;
  };
  for (const f of ruleFeatures()) id(f);
  const data: Encoded[] = [];
  const headlineWeight = opts.headlineWeight ?? 0.5;
  const encode = (ex: LabelledItem, weight: number) => {
    const set = new Set<number>();
    const rel = new Set<number>();
    featurizer.extract(ex, (f, _v, _s, forRelevance) => {
      const i = id(f);
      set.add(i);
      if (forRelevance) rel.add(i);
    });
    data.push({
      idx: Int32Array.from(set),
      relIdx: Int32Array.from(rel),
      sector: ex.sector ? (classIndex.get(ex.sector) ?? -1) : -1,
      relevant: ex.relevant === undefined ? -1 : ex.relevant ? 1 : 0,
      weight,
    });
  };
  for (const ex of examples) {
    encode(ex, ex.weight ?? 1);
    // The headline alone as well: many items arrive without a summary.
    if (headlineWeight > 0 && ex.summary)
      encode({ ...ex, summary: undefined }, (ex.weight ?? 1) * headlineWeight);
  }
  const F = names.length;
  const W = new Float64Array(F * K);
  const R = new Float64Array(F);
  const PW = new Float64Array(F * K);
  const PR = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    const p = priorFor(names[f]!);
    if (p.sector) {
      const c = classIndex.get(p.sector);
      if (c !== undefined) PW[f * K + c] = p.sectorWeight;
    }
    PR[f] = p.relevanceWeight;
  }
  W.set(PW);
  R.set(PR);
  const GW = new Float64Array(F * K).fill(1e-8);
  const GR = new Float64Array(F).fill(1e-8);

  const rand = mulberry32(SEED);
  const order = data.map((_, i) => i);
  const scores = new Float64Array(K);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    shuffleInPlace(order, rand);
    for (const n of order) {
      const ex = data[n]!;
      const idx = ex.idx;
      if (ex.sector >= 0) {
        scores.fill(0);
        for (let a = 0; a < idx.length; a++) {
          const base = idx[a]! * K;
          for (let c = 0; c < K; c++) scores[c]! += W[base + c]!;
        }
        softmaxInPlace(scores);
        for (let a = 0; a < idx.length; a++) {
          const base = idx[a]! * K;
          for (let c = 0; c < K; c++) {
            const k = base + c;
            const g = ex.weight * (scores[c]! - (c === ex.sector ? 1 : 0)) + L2 * (W[k]! - PW[k]!);
            GW[k]! += g * g;
            W[k]! -= (LEARNING_RATE * g) / Math.sqrt(GW[k]!);
          }
        }
      }
      if (ex.relevant >= 0) {
        const rel = ex.relIdx;
        let z = 0;
        for (let a = 0; a < rel.length; a++) z += R[rel[a]!]!;
        const p = 1 / (1 + Math.exp(-z));
        const err = ex.weight * (p - ex.relevant);
        for (let a = 0; a < rel.length; a++) {
          const f = rel[a]!;
          if (f === 0) continue; // _bias: fixed
          const g = err + L2 * (R[f]! - PR[f]!);
          GR[f]! += g * g;
          R[f]! -= (LEARNING_RATE * g) / Math.sqrt(GR[f]!);
        }
      }
    }
  }

  // Keep features that carry weight; round to keep the model small.
  const keepNames: string[] = [];
  const keepW: number[] = [];
  const keepR: number[] = [];
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  for (let f = 0; f < F; f++) {
    let max = Math.abs(R[f]!);
    for (let c = 0; c < K; c++) max = Math.max(max, Math.abs(W[f * K + c]!));
    if (max < 2e-3 && !names[f]!.includes(':')) continue;
    keepNames.push(names[f]!);
    for (let c = 0; c < K; c++) keepW.push(round(W[f * K + c]!));
    keepR.push(round(R[f]!));
  }
  return {
    format: MODEL_FORMAT,
    version: opts.version ?? 'bundled',
    createdAt: new Date().toISOString(),
    classes,
    features: keepNames,
    sector: keepW,
    relevance: keepR,
    stats: {
      trainingRows: examples.length - (opts.editorLabels ?? 0),
      editorLabels: opts.editorLabels ?? 0,
      sectorExamples: examples.filter((e) => e.sector).length,
      relevanceExamples: examples.filter((e) => e.relevant !== undefined).length,
      trainMs: Math.round(performance.now() - started),
    },
  };
}

export function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > max) max = v[i]!;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] = Math.exp(v[i]! - max);
  for (let i = 0; i < v.length; i++) v[i]! /= sum;
}

/** Fisher–Yates with the given random source. */
function shuffleInPlace<T>(list: T[], rand: () => number): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}
