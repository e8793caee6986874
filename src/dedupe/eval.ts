import { mulberry32 } from '../random.js';
/**
 * How well a story clustering matches gold story labels: pairwise and B-cubed precision,
 * recall and F1, beside the plain TF-IDF baseline at its best cut-off, and whether the
 * clustering comes out the same whatever order the items arrive in. Pure.
 */
import type { LabelledStory } from './labelled-stories.js';
import { clusterStories, type ClusterOptions, type StoryInput } from './stories.js';
import { tfidfClusters, tfidfSimilarities } from './tfidf-baseline.js';

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClusterScores {
  /** Over pairs of items: a predicted pair is right when gold has them in one story. */
  pairwise: PRF & { truePairs: number; predictedPairs: number; goldPairs: number };
  /** Per item, averaged: how much of its predicted cluster is its story, and of its story its cluster. */
  bcubed: PRF;
}

/**
 * Scores `predicted` (item id → cluster id) against `gold` (item id → story label) over the
 * items in gold. With no pairs predicted, precision is 1 (nothing was wrongly joined); with
 * no gold pairs, recall is 1.
 */
export function clusterScores(
  gold: ReadonlyMap<string, string>,
  predicted: ReadonlyMap<string, string>,
): ClusterScores {
  // One count per (predicted cluster, story) cell: pairwise and B-cubed both read them.
  const cells = new Map<string, { p: string; g: string; k: number }>();
  const pred = new Map<string, number>();
  const truth = new Map<string, number>();
  for (const [id, g] of gold) {
    const p = predicted.get(id) ?? `\u0000${id}`; // an item left out is alone
    pred.set(p, (pred.get(p) ?? 0) + 1);
    truth.set(g, (truth.get(g) ?? 0) + 1);
    const key = `${p}\u0000${g}`;
    const cell = cells.get(key) ?? cells.set(key, { p, g, k: 0 }).get(key)!;
    cell.k++;
  }
  const n = gold.size;
  const pairs = (k: number) => (k * (k - 1)) / 2;
  let truePairs = 0;
  let bp = 0;
  let br = 0;
  for (const { p, g, k } of cells.values()) {
    truePairs += pairs(k);
    bp += (k * k) / pred.get(p)!;
    br += (k * k) / truth.get(g)!;
  }
  const predictedPairs = sum([...pred.values()].map(pairs));
  const goldPairs = sum([...truth.values()].map(pairs));
  return {
    pairwise: {
      ...prf(predictedPairs ? truePairs / predictedPairs : 1, goldPairs ? truePairs / goldPairs : 1),
      truePairs,
      predictedPairs,
      goldPairs,
    },
    bcubed: prf(n ? bp / n : 1, n ? br / n : 1),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function prf(precision: number, recall: number): PRF {
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
  };
}

export interface BaselineSweep {
  /** The cut-off with the best pairwise F1 (the lowest one on a tie). */
  cutoff: number;
  scores: ClusterScores;
  /** Pairwise F1 at each cut-off tried. */
  sweep: { cutoff: number; f1: number }[];
}

export const BASELINE_CUTOFFS = Array.from(
  { length: 17 },
  (_, i) => Math.round((0.1 + i * 0.05) * 100) / 100,
);

/** The TF-IDF baseline at each cut-off, and the best of them. */
export function sweepBaseline(
  rows: readonly LabelledStory[],
  cutoffs: readonly number[] = BASELINE_CUTOFFS,
): BaselineSweep {
  const gold = goldOf(rows);
  const sim = tfidfSimilarities(rows, Math.min(...cutoffs) - 1e-9);
  let best: BaselineSweep | undefined;
  const sweep: BaselineSweep['sweep'] = [];
  for (const cutoff of cutoffs) {
    const scores = clusterScores(gold, tfidfClusters(rows, cutoff, sim));
    sweep.push({ cutoff, f1: scores.pairwise.f1 });
    if (!best || scores.pairwise.f1 > best.scores.pairwise.f1) best = { cutoff, scores, sweep };
  }
  if (!best) throw new RangeError('sweepBaseline: no cut-offs given');
  return best;
}

export function goldOf(rows: readonly LabelledStory[]): Map<string, string> {
  return new Map(rows.map((r) => [r.id, r.story]));
}

export interface DeterminismCheck {
  runs: number;
  /** Whether every shuffled order gave exactly the same item → cluster map. */
  deterministic: boolean;
}

/** Clusters the items in `runs` shuffled orders (seeded, so the check itself repeats) and compares the maps. */
export function checkDeterminism(
  items: readonly StoryInput[],
  cluster: (items: readonly StoryInput[]) => Map<string, string>,
  runs = 5,
  seed = 20261109,
): DeterminismCheck {
  const random = mulberry32(seed);
  const reference = cluster(items);
  let deterministic = true;
  for (let r = 0; r < runs && deterministic; r++) {
    const result = cluster(shuffled(items, random));
    deterministic = result.size === reference.size && [...reference].every(([id, c]) => result.get(id) === c);
  }
  return { runs, deterministic };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface DedupeEvalReport {
  rows: number;
  stories: number;
  ssnews: ClusterScores;
  baseline: { name: string } & BaselineSweep;
  determinism: DeterminismCheck;
}

/** The whole evaluation of ssnews's clustering on labelled rows. */
export function evaluateStoryClustering(
  rows: readonly LabelledStory[],
  options: Partial<ClusterOptions> = {},
): DedupeEvalReport {
  const gold = goldOf(rows);
  const cluster = (items: readonly StoryInput[]) => clusterStories(items, options);
  return {
    rows: rows.length,
    stories: new Set(gold.values()).size,
    ssnews: clusterScores(gold, cluster(rows)),
    baseline: { name: 'TF-IDF cosine, single link', ...sweepBaseline(rows) },
    determinism: checkDeterminism(rows, cluster),
  };
}
