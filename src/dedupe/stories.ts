/**
 * Story clustering: reports of the same event by different outlets, found in one pure pass
 * over a batch of items (DESIGN.md: items in, clusters out). The batch is put in one fixed
 * order first, so the same items in any order give the same clusters.
 *
 * Pairs are scored by story-pairs.ts; clusters then grow by average linkage (agglomerate.ts),
 * so a join needs the cluster on the whole, not one member. Whole clusters keep the hard
 * rules: every member within the time window, no outlet twice (an outlet's follow-up is a
 * story of its own).
 */
import { averageLinkage, type Edge, type MergeGuard } from './agglomerate.js';
import { readBatch, type Batch, type StoryInput } from './story-batch.js';
import { shared, scoredPairs, type PairOptions, type PairScore } from './story-pairs.js';

export type { StoryInput } from './story-batch.js';

export interface ClusterOptions extends PairOptions {
  /** The average pair score (over all cross pairs, 0 where none) two clusters need to merge. */
  joinAt: number;
}

/** Tuned on test/fixtures/dedupe/dev.tsv only. */
export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = {
  windowMs: 4 * 86_400_000,
  joinAt: 0.22,
  titleWeight: 2,
  nameWeight: 1.5,
  moneyMismatch: 0.5,
  decayPerDay: 0.2,
  commonShare: 0.02,
};

/** Item id → cluster id: the id of the cluster's first member by (publishedAt, id). Every input id is a key. */
export function clusterStories(
  items: readonly StoryInput[],
  options: Partial<ClusterOptions> = {},
): Map<string, string> {
  const opts = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  const batch = readBatch(items);
  const edges = scoredPairs(batch, opts, (p) => p.apart || p.score > 0);
  const roots = averageLinkage(
    batch.items.length,
    dropAmbiguous(batch, edges, opts.joinAt),
    opts.joinAt,
    clusterGuard(batch, opts.windowMs),
  );
  const out = new Map<string, string>();
  batch.items.forEach((item, i) => {
    if (!out.has(item.id)) out.set(item.id, batch.items[roots[i]!]!.id);
  });
  return out;
}

/** Every candidate pair of a batch with its score and why, ids in (publishedAt, id) order: for tests and tuning. */
export function storyPairScores(
  items: readonly StoryInput[],
  options: Partial<ClusterOptions> = {},
): (PairScore & { a: string; b: string })[] {
  const opts = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  const batch = readBatch(items);
  const id = (i: number) => batch.items[i]!.id;
  return scoredPairs(batch, opts).map((p) => ({ ...p, a: id(p.a), b: id(p.b) }));
}

/**
 * An item that names no place or body ("Councils to share chief executive") can only join
 * by its words; when they point about as strongly at two stories about different places, it
 * cannot tell which one it is, and stays alone.
 */
function dropAmbiguous(batch: Batch, edges: Edge[], joinAt: number): Edge[] {
  const strong = new Map<number, { y: number; score: number }[]>();
  const note = (x: number, y: number, score: number) => {
    if (batch.items[x]!.names.length > 0 || batch.items[y]!.names.length === 0) return;
    let list = strong.get(x);
    if (!list) strong.set(x, (list = []));
    list.push({ y, score });
  };
  for (const e of edges) {
    if (e.apart || e.score < joinAt) continue;
    note(e.a, e.b, e.score);
    note(e.b, e.a, e.score);
  }
  const ambiguous = new Set<number>();
  for (const [x, ys] of strong) {
    const best = ys.reduce((m, n) => (n.score > m.score || (n.score === m.score && n.y < m.y) ? n : m));
    const names = batch.items[best.y]!.names;
    if (
      ys.some(
        (n) =>
          n.score >= AMBIGUOUS_WITHIN * best.score && shared(batch.items[n.y]!.names, names).length === 0,
      )
    )
      ambiguous.add(x);
  }
  return ambiguous.size === 0
    ? edges
    : edges.filter((e) => e.apart || !(ambiguous.has(e.a) || ambiguous.has(e.b)));
}

/** Two candidates this close (the weaker at least this share of the stronger) are a toss-up. */
const AMBIGUOUS_WITHIN = 0.75;

/** Whole-cluster rules: all members within the window, no outlet twice. */
function clusterGuard(batch: Batch, windowMs: number): MergeGuard {
  const min = Float64Array.from(batch.items, (i) => i.ms);
  const max = Float64Array.from(min);
  const sources = batch.items.map((i) => new Set(i.sourceIds));
  return {
    allows: (a, b) =>
      Math.max(max[a]!, max[b]!) - Math.min(min[a]!, min[b]!) <= windowMs &&
      ![...sources[a]!].some((s) => sources[b]!.has(s)),
    merged(into, from) {
      min[into] = Math.min(min[into]!, min[from]!);
      max[into] = Math.max(max[into]!, max[from]!);
      for (const s of sources[from]!) sources[into]!.add(s);
    },
  };
}
