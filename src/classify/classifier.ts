import type { SectorId } from '../config/schema.js';
import { forEachWord, isRelevanceFeature, type Featurizer } from './features.js';
import { tokenize, type Tokens } from '../text/tokens.js';
import { MODEL_FORMAT, softmaxInPlace } from './model.js';
import type { ModelData } from '../types/classifier-model.js';
import type { ClassifyInput, Classifier } from './types.js';
import type { Classification } from '../types/item.js';

export interface Thresholds {
  /** Sector confidence below this → needsReview. */
  reviewBelow: number;
  /** Relevance at or above this → relevant. */
  relevance: number;
}

/** The word features of one stem (feature indexes, -1 when the model has none). */
interface StemFeatures {
  w: number;
  t: number;
  /** b: pairs starting with this stem, by the second stem. */
  pairs?: Map<string, number>;
}

// Feature kinds, for explanations.
const K_WORD = 0;
const K_GAZ = 1;
const K_RULE = 2;
const K_HINT = 3;
const K_COLLAB = 4;
const K_OTHER = 5;
const K_PLACE = 6;
/** The kind of a feature by its name's prefix (`gaz:SECTOR`…); names without one are K_OTHER but `place`. */
const KIND_OF: Record<string, number> = {
  w: K_WORD,
  t: K_WORD,
  b: K_WORD,
  gaz: K_GAZ,
  rule: K_RULE,
  hint: K_HINT,
  c: K_COLLAB,
  place: K_PLACE,
};

/**
 * A trained model bound to a featurizer: synchronous, allocation-light classification (the
 * ingest hot path). Word features are looked up by stem (bigrams by stem then stem), so no
 * feature names are built per item; each feature counts once per item (a generation stamp
 * instead of a Set); what fired is kept in reusable typed arrays for the explanation.
 * The relevance model only counts words that do not name a body, place or sector (the
 * featurizer's mask), exactly as in training.
 */
export class LinearClassifier implements Classifier {
  readonly version: string;
  private readonly index = new Map<string, number>();
  /** Word features by stem, one lookup per word: w:, t: and the word pairs it starts. */
  private readonly vocab = new Map<string, StemFeatures>();
  private readonly W: Float64Array;
  private readonly R: Float64Array;
  private readonly K: number;
  private readonly stamp: Uint32Array;
  /** Like stamp, for the relevance model (a feature may count for the sector only). */
  private readonly rstamp: Uint32Array;
  private gen = 0;
  private mask = new Uint8Array(256);
  private readonly scores: Float64Array;
  private readonly kinds: Uint8Array;
  /** Per feature: 1 when the relevance model counts it (the bias and collaboration phrases, not gazetteer, rule, hint or place features; see isRelevanceFeature). */
  private readonly forRelevance: Uint8Array;
  /** Per feature: the sector a gazetteer/rule/hint feature names (index into classes), else -1. */
  private readonly featureSector: Int8Array;
  private readonly biasIdx: number;
  // What fired in the current call.
  private n = 0;
  private z = 0;
  private actIdx = new Int32Array(256);
  private actPos = new Int32Array(256);
  private actSurface: (string | undefined)[] = [];
  /** 1 when this activation counted for relevance. */
  private actRel = new Int32Array(256);

  constructor(
    readonly model: ModelData,
    private readonly featurizer: Featurizer,
    private readonly thresholds: Thresholds,
  ) {
    if (model.format !== MODEL_FORMAT)
      throw new Error(
        `model ${model.version} has format ${model.format}; this ssnews reads format ${MODEL_FORMAT}: retrain it`,
      );
    this.version = model.version;
    this.K = model.classes.length;
    const F = model.features.length;
    if (model.sector.length !== F * this.K || model.relevance.length !== F)
      throw new Error(`model ${model.version} is damaged: weight counts do not match its features`);
    this.kinds = new Uint8Array(F);
    this.forRelevance = new Uint8Array(F);
    this.featureSector = new Int8Array(F).fill(-1);
    model.features.forEach((f, i) => {
      if (f.startsWith('w:')) this.stemFeatures(f.slice(2)).w = i;
      else if (f.startsWith('t:')) this.stemFeatures(f.slice(2)).t = i;
      else if (f.startsWith('b:')) {
        const cut = f.indexOf('_', 2);
        const e = this.stemFeatures(f.slice(2, cut));
        (e.pairs ??= new Map()).set(f.slice(cut + 1), i);
      } else this.index.set(f, i);
      const kind = KIND_OF[f.split(':', 1)[0]!] ?? K_OTHER;
      this.kinds[i] = kind;
      this.forRelevance[i] = isRelevanceFeature(f) ? 1 : 0;
      if (kind === K_GAZ || kind === K_RULE || kind === K_HINT)
        this.featureSector[i] = model.classes.indexOf(f.slice(f.indexOf(':') + 1) as SectorId);
    });
    this.biasIdx = this.index.get('_bias') ?? -1;
    this.W = Float64Array.from(model.sector);
    this.R = Float64Array.from(model.relevance);
    this.stamp = new Uint32Array(F);
    this.rstamp = new Uint32Array(F);
    this.scores = new Float64Array(this.K);
  }

  private stemFeatures(stem: string): StemFeatures {
    let e = this.vocab.get(stem);
    if (!e) this.vocab.set(stem, (e = { w: -1, t: -1 }));
    return e;
  }

  /**
   * Counts feature i once per item for the sector model and, when `rel`, once for the
   * relevance model; `evidence` records a repeat (a second body) for the explanation only.
   */
  private add(i: number, pos: number, surface: string | undefined, rel: boolean, evidence = false): void {
    const gen = this.gen;
    let fresh = false;
    if (this.stamp[i] !== gen) {
      this.stamp[i] = gen;
      const { W, K, scores } = this;
      const base = i * K;
      for (let c = 0; c < K; c++) scores[c]! += W[base + c]!;
      fresh = true;
    }
    if (rel && this.rstamp[i] !== gen) {
      this.rstamp[i] = gen;
      this.z += this.R[i]!;
      fresh = true;
    }
    if (!fresh && !evidence) return;
    if (this.n === this.actIdx.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.actIdx = grow(this.actIdx);
      this.actPos = grow(this.actPos);
      this.actRel = grow(this.actRel);
    }
    this.actIdx[this.n] = i;
    this.actPos[this.n] = pos;
    this.actSurface[this.n] = surface;
    this.actRel[this.n] = rel ? 1 : 0;
    this.n++;
  }

  classify(input: ClassifyInput): Classification {
    const { K, scores, vocab, index } = this;
    if (++this.gen === 0xffffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
    scores.fill(0);
    this.n = 0;
    this.z = 0;
    const tok = tokenize(input.title, input.summary);
    if (tok.words.length > this.mask.length) this.mask = new Uint8Array(tok.words.length * 2);
    const mask = this.mask;
    if (this.biasIdx >= 0) this.add(this.biasIdx, -1, undefined, true);
    // Rule features first: they also mark the words that name bodies, places and sectors.
    this.featurizer.special(
      tok,
      input.sectorHint,
      (feature, _value, surface) => {
        const i = index.get(feature);
        if (i !== undefined) {
          this.add(
            i,
            -1,
            surface,
            this.forRelevance[i] === 1,
            this.kinds[i] === K_GAZ || this.kinds[i] === K_PLACE,
          );
        }
      },
      mask,
    );
    // Word features, walked as in training; one map lookup per word.
    let prev: StemFeatures | undefined;
    forEachWord(tok, (stem, pos, prevPos) => {
      const e = vocab.get(stem);
      const rel = mask[pos] === 0;
      if (e !== undefined) {
        if (e.w >= 0) this.add(e.w, pos, undefined, rel);
        if (pos < tok.titleLength && e.t >= 0) this.add(e.t, pos, undefined, rel);
      }
      const pair = prevPos >= 0 ? prev?.pairs?.get(stem) : undefined;
      if (pair !== undefined) this.add(pair, -2 - pos, undefined, rel && mask[prevPos] === 0);
      prev = e;
    });
    const z = this.z;
    let best = 0;
    for (let c = 1; c < K; c++) if (scores[c]! > scores[best]!) best = c;
    let second = best === 0 ? 1 : 0;
    for (let c = 0; c < K; c++) if (c !== best && scores[c]! > scores[second]!) second = c;
    softmaxInPlace(scores);
    const confidence = scores[best]!;
    const relevance = 1 / (1 + Math.exp(-z));
    const sector = this.model.classes[best]!;
    const relevant = relevance >= this.thresholds.relevance;
    return {
      sector,
      confidence: Math.round(confidence * 1000) / 1000,
      explanation: this.explain(tok, sector, best, second, relevant),
      relevance: Math.round(relevance * 1000) / 1000,
      relevant,
      needsReview: confidence < this.thresholds.reviewBelow,
      modelVersion: this.version,
    };
  }

  /**
   * "gazetteer: Kent Police (blue-light); keywords: police (blue-light); terms: joint, collaboration";
   * "place: Croydon (local-government); …" when a bare council place counted for the sector.
   */
  private explain(tok: Tokens, sector: SectorId, best: number, second: number, relevant: boolean): string {
    const { W, R, K, kinds, featureSector, actIdx, actSurface, n } = this;
    const classes = this.model.classes;
    const bodies: string[] = [];
    const places: string[] = [];
    const rules: string[] = [];
    let hint = false;
    /** Up to three of each, without repeats. */
    const note = (list: string[], text: string) => {
      if (list.length < 3 && !list.includes(text)) list.push(text);
    };
    for (let a = 0; a < n; a++) {
      const i = actIdx[a]!;
      const kind = kinds[i]!;
      const surface = actSurface[a];
      if (kind === K_GAZ && surface) note(bodies, `${surface} (${classes[featureSector[i]!]})`);
      else if (kind === K_PLACE && surface && W[i * K + best]! > 0) note(places, surface);
      else if (kind === K_RULE && surface && featureSector[i] === best) note(rules, surface);
      else if (kind === K_HINT && featureSector[i] === best) hint = true;
    }
    const parts: string[] = [];
    if (bodies.length) parts.push(`gazetteer: ${bodies.join(', ')}`);
    if (places.length) parts.push(`place: ${places.join(', ')} (${sector})`);
    if (rules.length) parts.push(`keywords: ${rules.join(', ')} (${sector})`);
    if (hint) parts.push(`source: ${sector}`);
    if (parts.length < 2) {
      const top = this.top(
        3,
        tok,
        (i) => (kinds[i] === K_WORD ? W[i * K + best]! - W[i * K + second]! : 0),
        false,
      );
      if (top.length) parts.push(`words: ${top.join(', ')} (${sector})`);
    }
    if (parts.length === 0) parts.push(`no strong evidence (${sector})`);
    if (relevant) {
      const top = this.top(
        3,
        tok,
        (i) => (kinds[i] === K_WORD ? R[i]! : kinds[i] === K_COLLAB ? R[i]! + 1 : 0),
        true,
      );
      parts.push(top.length ? `terms: ${top.join(', ')}` : 'terms: (overall wording)');
    } else parts.push('not about collaboration');
    return parts.join('; ');
  }

  /**
   * The words of the `count` strongest active features by `score` (> 0.15), without repeats;
   * `relevance`: only those the relevance model counted.
   */
  private top(count: number, tok: Tokens, score: (i: number) => number, relevance: boolean): string[] {
    const pick: number[] = [];
    const vals: number[] = [];
    for (let a = 0; a < this.n; a++) {
      if (relevance && this.actRel[a] === 0) continue;
      const v = score(this.actIdx[a]!);
      if (v <= 0.15) continue;
      let at = pick.length;
      while (at > 0 && vals[at - 1]! < v) at--;
      if (at >= count * 2) continue;
      pick.splice(at, 0, a);
      vals.splice(at, 0, v);
      if (pick.length > count * 2) {
        pick.pop();
        vals.pop();
      }
    }
    const out: string[] = [];
    for (const a of pick) {
      if (out.length >= count) break;
      const s = this.surfaceOf(a, tok);
      if (!s || out.some((o) => o === s || o.includes(s) || s.includes(o))) continue;
      out.push(s);
    }
    return out;
  }

  private surfaceOf(a: number, tok: Tokens): string | undefined {
    const surface = this.actSurface[a];
    if (surface) return surface;
    const pos = this.actPos[a]!;
    if (pos >= 0) return tok.words[pos];
    if (pos === -1) return undefined;
    // A bigram ending at word -2 - pos: the previous non-stop word and this one.
    const end = -2 - pos;
    let start = end - 1;
    while (start > 0 && tok.stems[start] === '') start--;
    return `${tok.words[start]} ${tok.words[end]}`;
  }
}
