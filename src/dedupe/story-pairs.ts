/**
 * Which pairs of a batch could be one story, and how much. Candidates come from an inverted
 * index of the batch's rarer terms (a pair that shares none of them is two stories), within the time
 * window and from different outlets. A pair's score is the mean of two cosines over IDF
 * weights, headline words counting more: one over all terms (names, figures, words), one over
 * the words alone. Names carry a join only together with words about the same kind of event
 * (one shared county is not one story), and the words only together with the names (the same
 * generic headline about two places is not one story).
 */
import { termLists, type Batch, type BatchItem } from './story-batch.js';

export interface PairOptions {
  /** Items published further apart than this never join. */
  windowMs: number;
  /** Headline terms count this many times a summary term. */
  titleWeight: number;
  /** Names (places, bodies, people) count this many times an ordinary word. */
  nameWeight: number;
  /** A score is multiplied by this when both items give sums of money and none match. */
  moneyMismatch: number;
  /** After a day apart, a score falls by this share per further day: reports of one event come close together, follow-ups later. */
  decayPerDay: number;
  /** A term in more than this share of the batch (and in more than 25 items) is too common to find candidates by. */
  commonShare: number;
}

export interface PairScore {
  /** 0..1; 0 for a pair kept apart. */
  score: number;
  /** Never in one cluster (the news goes opposite ways). */
  apart: boolean;
  /** Cosine over all terms. */
  cosine: number;
  /** Cosine over the words that are not names or figures: the same kind of event? */
  topic: number;
  days: number;
  /** What decided the score, for people tuning it. */
  why: string;
}

const DAY_MS = 86_400_000;
/** Figures are weaker evidence than words: "40 schools" and "40 jobs" meet. */
const NUMBER_WEIGHT = 0.5;

/** A candidate pair: a < b, indexes into batch.items. */
export type ScoredPair = PairScore & { a: number; b: number };

/** The candidate pairs of the batch that `keep` keeps, with their scores. */
export function scoredPairs(
  batch: Batch,
  opts: PairOptions,
  keep: (pair: PairScore) => boolean = () => true,
): ScoredPair[] {
  const { items, df } = batch;
  const maxDf = Math.max(25, Math.ceil(items.length * opts.commonShare));
  const weights = itemWeights(batch, opts);
  // Postings in item order (so in time order) for each term rare enough to block on, and
  // for each item where it stands in each of its terms' postings.
  const postings = new Map<number, number[]>();
  const at = items.map((item, i) => {
    const places: [number[], number][] = [];
    for (const v of termLists(item).flatMap((l) => [...l])) {
      if (df[v]! < 2 || df[v]! > maxDf) continue;
      let p = postings.get(v);
      if (!p) postings.set(v, (p = []));
      places.push([p, p.length]);
      p.push(i);
    }
    return places;
  });
  const seenBy = new Int32Array(items.length).fill(-1);
  const out: ScoredPair[] = [];
  at.forEach((places, a) => {
    const end = items[a]!.ms + opts.windowMs;
    for (const [p, from] of places)
      for (let k = from + 1; k < p.length && items[p[k]!]!.ms <= end; k++) {
        const b = p[k]!;
        if (seenBy[b] === a) continue;
        seenBy[b] = a;
        if (sharesSource(items[a]!, items[b]!)) continue;
        const pair = scorePair(batch, weights[a]!, weights[b]!, opts);
        if (keep(pair)) out.push({ a, b, ...pair });
      }
  });
  return out;
}

/** An item's terms with their weights, sorted by term id, and the norms of its two vectors. */
interface Weighted {
  item: BatchItem;
  /** `word`: counts in the topic cosine (not a name or figure). */
  terms: { v: number; weight: number; word: boolean }[];
  norm: number;
  wordNorm: number;
}

function itemWeights(batch: Batch, opts: PairOptions): Weighted[] {
  const scales = [opts.titleWeight, 1, 1, NUMBER_WEIGHT];
  return batch.items.map((item) => {
    const terms = termLists(item).flatMap((list, l) =>
      Array.from(list, (v) => {
        const name = batch.isName[v] === 1;
        return { v, weight: batch.idf[v]! * scales[l]! * (name ? opts.nameWeight : 1), word: l < 2 && !name };
      }),
    );
    let norm = 0;
    let wordNorm = 0;
    for (const { weight, word } of terms) {
      norm += weight ** 2;
      if (word) wordNorm += weight ** 2;
    }
    // Sorted for the merge in `cosines` (a term is in one list only); after the norms, which sum in list order.
    terms.sort((p, q) => p.v - q.v);
    return { item, terms, norm: Math.sqrt(norm), wordNorm: Math.sqrt(wordNorm) };
  });
}

/** A pair's score and why. */
function scorePair(batch: Batch, x: Weighted, y: Weighted, opts: PairOptions): PairScore {
  const a = x.item;
  const b = y.item;
  const days = Math.abs(b.ms - a.ms) / DAY_MS;
  if (differentPlaces(batch, a, b))
    return { score: 0, cosine: 0, topic: 0, days, apart: false, why: 'they name different places or bodies' };
  const { cosine, topic } = cosines(x, y);
  const decay = Math.max(0, 1 - opts.decayPerDay * Math.max(0, days - 1));
  const moneyDiffers = a.money.length > 0 && b.money.length > 0 && shared(a.money, b.money).length === 0;
  const score = ((cosine + topic) / 2) * decay * (moneyDiffers ? opts.moneyMismatch : 1);
  // Opposite news only needs keeping apart when the words would bring it together.
  const opposite = a.polarity * b.polarity < 0;
  if (opposite && score > 0)
    return {
      score: 0,
      cosine,
      topic,
      days,
      apart: true,
      why: 'opposite news (one ends what the other starts)',
    };
  const why = ['similar'];
  if (decay < 1) why.push(`${days.toFixed(1)} days apart`);
  if (moneyDiffers) why.push('different sums of money');
  return { score: opposite ? 0 : score, cosine, topic, days, apart: false, why: why.join(', ') };
}

function cosines(x: Weighted, y: Weighted): { cosine: number; topic: number } {
  let dot = 0;
  let wordDot = 0;
  for (let i = 0, j = 0; i < x.terms.length && j < y.terms.length;) {
    const u = x.terms[i]!;
    const v = y.terms[j]!;
    if (u.v < v.v) i++;
    else if (u.v > v.v) j++;
    else {
      const p = u.weight * v.weight;
      dot += p;
      if (u.word) wordDot += p;
      i++;
      j++;
    }
  }
  return {
    cosine: x.norm && y.norm ? dot / (x.norm * y.norm) : 0,
    topic: x.wordNorm && y.wordNorm ? wordDot / (x.wordNorm * y.wordNorm) : 0,
  };
}

/**
 * Each names a place or body the other does not, and they share no name few enough items
 * carry to pin one story (a county, a city or an acronym in many items of the week does not).
 */
function differentPlaces(batch: Batch, a: BatchItem, b: BatchItem): boolean {
  if (a.names.length === 0 || b.names.length === 0) return false;
  const pinning = Math.max(MIN_COMMON_NAME_DF, batch.items.length * COMMON_NAME_SHARE);
  const both = shared(a.names, b.names);
  return (
    !both.some((v) => batch.df[v]! <= pinning) && both.length < a.names.length && both.length < b.names.length
  );
}

/** A name in more items than this (and this share of the batch) is too common to show two items are about one place. */
const MIN_COMMON_NAME_DF = 8;
const COMMON_NAME_SHARE = 0.004;

/** The values in both sorted lists. */
export function shared(xs: Int32Array, ys: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0, j = 0; i < xs.length && j < ys.length;) {
    if (xs[i]! < ys[j]!) i++;
    else if (xs[i]! > ys[j]!) j++;
    else {
      out.push(xs[i++]!);
      j++;
    }
  }
  return out;
}

function sharesSource(a: { sourceIds: string[] }, b: { sourceIds: string[] }): boolean {
  return a.sourceIds.some((s) => b.sourceIds.includes(s));
}
