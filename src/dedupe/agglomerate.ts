/**
 * Average-linkage agglomerative clustering over a sparse similarity graph, with constraints.
 * Points are 0..n-1 in a fixed order; a cluster is named by its lowest point. At each step
 * the two clusters with the highest average similarity over all their cross pairs merge
 * (pairs with no edge count as 0), ties going to the lowest names, until no pair reaches the
 * threshold. So one strong edge cannot pull two clusters together (no chains): the merge
 * needs the pairs on average. A pair marked apart keeps its two clusters apart for good
 * (complete linkage on "cannot link"), and the guard vetoes merges on whole-cluster facts
 * (such as a time span). The result depends only on the points' order and the edges.
 */
export interface Edge {
  a: number;
  b: number;
  /** Similarity, > 0; ignored when `apart`. */
  score: number;
  /** These two points must never be in one cluster. */
  apart?: boolean;
}

interface Link {
  sum: number;
  apart: boolean;
}

/** Whole-cluster rules, told of each merge so it can keep its own per-cluster facts. */
export interface MergeGuard {
  allows(a: number, b: number): boolean;
  merged(into: number, from: number): void;
}

/** Returns, for each point, the lowest point of its cluster. */
export function averageLinkage(
  n: number,
  edges: readonly Edge[],
  threshold: number,
  guard: MergeGuard,
): Int32Array {
  const root = Int32Array.from({ length: n }, (_, i) => i);
  const size = new Int32Array(n).fill(1);
  // Most points have no edges: their maps are made on first use.
  const linkMaps: (Map<number, Link> | undefined)[] = new Array(n);
  const links = (x: number) => (linkMaps[x] ??= new Map());
  for (const e of edges) {
    if (e.a === e.b) continue;
    // One Link object per pair, seen from both ends.
    let link = links(e.a).get(e.b);
    if (!link) {
      link = { sum: 0, apart: false };
      links(e.a).set(e.b, link);
      links(e.b).set(e.a, link);
    }
    if (e.apart) link.apart = true;
    else link.sum += e.score;
  }
  const version = new Int32Array(n);
  const heap = new MaxHeap();
  const offer = (x: number, y: number) => {
    const link = links(x).get(y)!;
    if (link.apart) return;
    const score = link.sum / (size[x]! * size[y]!);
    const [a, b] = x < y ? [x, y] : [y, x];
    if (score >= threshold) heap.push({ score, a, b, va: version[a]!, vb: version[b]! });
  };
  linkMaps.forEach((m, x) => {
    for (const y of m!.keys()) if (x < y) offer(x, y);
  });

  for (let top = heap.pop(); top; top = heap.pop()) {
    const { a, b } = top;
    if (root[a] !== a || root[b] !== b || version[a] !== top.va || version[b] !== top.vb) continue; // stale
    if (!guard.allows(a, b)) {
      // Clusters only grow, so a veto stands: never offer this pair again.
      links(a).get(b)!.apart = true;
      continue;
    }
    // b's links move to a (a < b, so the merged cluster keeps the lower name).
    root[b] = a;
    guard.merged(a, b);
    size[a]! += size[b]!;
    const la = links(a);
    la.delete(b);
    for (const [y, link] of links(b)) {
      if (y === a) continue;
      const ly = links(y);
      ly.delete(b);
      const merged = la.get(y) ?? { sum: 0, apart: false };
      merged.sum += link.sum;
      merged.apart ||= link.apart;
      la.set(y, merged);
      ly.set(a, merged);
    }
    links(b).clear();
    version[a]!++;
    for (const y of la.keys()) offer(a, y);
  }
  // Points whose cluster was absorbed: follow to the surviving root.
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = i;
    while (root[r] !== r) r = root[r]!;
    out[i] = r;
  }
  return out;
}

interface Entry {
  score: number;
  a: number;
  b: number;
  va: number;
  vb: number;
}

/** Highest score first; equal scores: lowest (a, b) first, so the order never depends on arrival. */
function before(x: Entry, y: Entry): boolean {
  if (x.score !== y.score) return x.score > y.score;
  return x.a !== y.a ? x.a < y.a : x.b < y.b;
}

class MaxHeap {
  private items: Entry[] = [];

  push(e: Entry): void {
    const h = this.items;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): Entry | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
