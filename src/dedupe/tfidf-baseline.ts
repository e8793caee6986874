/**
 * The plain clusterer ssnews's story clustering is measured against: TF-IDF vectors over
 * headline and summary (classify's words and stems), cosine similarity, single link at a
 * cut-off. No dates, sources, names or figures: what a generic library would do.
 */
import { tokenize } from '../text/tokens.js';
import type { StoryInput } from './stories.js';

/** Pairs of items (indexes into the input) with their cosine, for every pair above `floor`. */
export interface Similarities {
  n: number;
  pairs: { a: number; b: number; cosine: number }[];
}

export function tfidfSimilarities(items: readonly StoryInput[], floor = 0): Similarities {
  const vocab = new Map<string, number>();
  const tf = items.map((item) => {
    const counts = new Map<number, number>();
    for (const s of tokenize(item.title, item.summary).stems) {
      if (!s) continue;
      let v = vocab.get(s);
      if (v === undefined) vocab.set(s, (v = vocab.size));
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return counts;
  });
  const df = new Int32Array(vocab.size);
  for (const counts of tf) for (const v of counts.keys()) df[v]!++;
  const n = items.length;
  // Unit vectors as (term, weight) lists, and postings to find the pairs that share a term.
  const vectors = tf.map((counts) => {
    const entries = [...counts].map(([v, c]) => [v, c * Math.log((n + 1) / df[v]!)] as [number, number]);
    const len = Math.hypot(...entries.map(([, w]) => w)) || 1;
    return entries.map(([v, w]) => [v, w / len] as [number, number]);
  });
  const postings: [number, number][][] = Array.from({ length: vocab.size }, () => []);
  vectors.forEach((vec, i) => {
    for (const [v, w] of vec) postings[v]!.push([i, w]);
  });
  const pairs: Similarities['pairs'] = [];
  const dot = new Float64Array(n);
  const touched: number[] = [];
  for (let a = 0; a < n; a++) {
    for (const [v, w] of vectors[a]!)
      for (const [b, wb] of postings[v]!) {
        if (b <= a) continue;
        if (dot[b] === 0) touched.push(b);
        dot[b]! += w * wb;
      }
    for (const b of touched) {
      if (dot[b]! > floor) pairs.push({ a, b, cosine: dot[b]! });
      dot[b] = 0;
    }
    touched.length = 0;
  }
  return { n, pairs };
}

/**
 * Single-link clusters at a cut-off, as ssnews gives them: item id → the id of the first
 * member by (publishedAt, id).
 */
export function tfidfClusters(
  items: readonly StoryInput[],
  cutoff: number,
  sim = tfidfSimilarities(items, cutoff),
): Map<string, string> {
  const parent = Int32Array.from({ length: sim.n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  for (const { a, b, cosine } of sim.pairs) {
    if (cosine < cutoff) continue;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const first = new Map<number, StoryInput>();
  items.forEach((item, i) => {
    const f = first.get(find(i));
    if (!f || comesFirst(item, f)) first.set(find(i), item);
  });
  return new Map(items.map((item, i) => [item.id, first.get(find(i))!.id]));
}

function comesFirst(x: StoryInput, y: StoryInput): boolean {
  const dx = Date.parse(x.publishedAt);
  const dy = Date.parse(y.publishedAt);
  return dx !== dy ? dx < dy : x.id < y.id;
}
