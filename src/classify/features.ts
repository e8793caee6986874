import type { SectorConfig, SectorId } from '../config/schema.js';
import type { Body } from './data.js';
import { PhraseMatcher } from './matcher.js';
import { tokenize, type Tokens } from './text.js';
import type { ClassifyInput } from './types.js';

/**
 * Turns an item into named features for the linear models:
 *   w:STEM / b:STEM_STEM   words and adjacent word pairs (stop words skipped), title and summary
 *   t:STEM                 words of the headline again (the headline says most about the sector)
 *   gaz:SECTOR             a public body of that sector is named (config/gazetteer/bodies.tsv)
 *   rule:SECTOR            a keyword or organisation of that sector (config/sectors.yaml)
 *   hint:SECTOR            the source's sector
 *   collab / c:PHRASE      collaboration phrases (config/classify.yaml relevance.terms)
 * Every hit also records what it was (body name, phrase, word as written) for explanations.
 */
export type Sink = (feature: string, value: number, surface: string | undefined, relevance?: boolean) => void;

interface RuleValue {
  kind: 'gaz' | 'rule';
  sector: SectorId;
  /** The name to show: the body's official name, or the keyword as configured. */
  label: string;
}

export interface FeaturizerSources {
  sectors: SectorConfig[];
  bodies: Body[];
  collaborationTerms: string[];
}

export class Featurizer {
  /** Gazetteer names and aliases, matched on words. */
  private readonly bodies = new PhraseMatcher<RuleValue>();
  /** sectors.yaml keywords and organisations, matched on stems so plurals and -ing forms count. */
  private readonly rules = new PhraseMatcher<RuleValue>();
  /** Collaboration phrases, matched on stems. */
  private readonly collab = new PhraseMatcher<string>();
  /**
   * Stems that name a sector or a body (words of gazetteer names and aliases, and of
   * sectors.yaml keywords and organisations: "surrey", "fire", "servic", "council", "nhs"),
   * except words of collaboration phrases. They are sector evidence, not collaboration
   * evidence, so the relevance model never sees them (see forRelevance).
   */
  private readonly entityStems = new Set<string>();

  constructor(src: FeaturizerSources) {
    // Gazetteer first: a body's full name beats a bare keyword inside it ("Kent Fire and Rescue Service").
    for (const b of src.bodies) {
      const v: RuleValue = { kind: 'gaz', sector: b.sector, label: b.name };
      this.bodies.add(b.name, v);
      for (const a of b.aliases) this.bodies.add(a, v);
    }
    for (const s of src.sectors) {
      for (const k of s.organisations) this.bodies.add(k, { kind: 'rule', sector: s.id, label: k });
      for (const k of s.keywords) {
        // Acronyms (FE, GP, ICB) go by spelling; other keywords by stem.
        if (/^[A-Z0-9&]{2,6}s?$/.test(k)) this.bodies.add(k, { kind: 'rule', sector: s.id, label: k });
        else this.rules.add(k, { kind: 'rule', sector: s.id, label: k }, tokenize(k).stems);
      }
    }
    for (const t of src.collaborationTerms) this.collab.add(t, t, tokenize(t).stems);

    const add = (phrase: string) => {
      for (const st of tokenize(phrase).stems) if (st !== '' && st !== '#num') this.entityStems.add(st);
    };
    for (const b of src.bodies) {
      add(b.name);
      for (const a of b.aliases) add(a);
    }
    for (const s of src.sectors) for (const k of [...s.keywords, ...s.organisations]) add(k);
    // One-word collaboration terms ("joint", "takeover") stay collaboration evidence; the words
    // of longer phrases ("shared service", "hospital group") count only as the whole phrase.
    for (const t of src.collaborationTerms) {
      const st = tokenize(t).stems.filter((x) => x !== '');
      if (st.length === 1) this.entityStems.delete(st[0]!);
    }
  }

  /** Whether a stem is a word of a body's name or a sector keyword (see entityStems). */
  isEntityStem(stem: string): boolean {
    return this.entityStems.has(stem);
  }

  /**
   * The non-word features (gazetteer, rules, hint, collaboration phrases) of tokenised text,
   * each with what it matched. Word features come from forEachWordFeature.
   *
   * With `mask` (at least as long as the text), also marks the words that name a body, place
   * or sector, which the relevance model must not use: words inside a gazetteer or
   * sectors.yaml match ("Surrey Fire and Rescue Service", "fire station"), and capitalised
   * words that occur in such names ("Surrey" in "Surrey and Sussex police forces"). Lower-case
   * ordinary words stay ("combine to form", not "Sixth Form College").
   */
  special(tok: Tokens, sectorHint: SectorId | undefined, sink: Sink, mask?: Uint8Array): void {
    const { stems, words, raw } = tok;
    if (mask) {
      mask.fill(0, 0, words.length);
      for (let i = 0; i < words.length; i++) {
        const c = raw[i]!.charCodeAt(0);
        if (c >= 65 && c <= 90 && this.entityStems.has(stems[i]!)) mask[i] = 1;
      }
    }
    for (const hit of this.bodies.match(words, raw)) {
      const v = hit.value;
      if (mask) mask.fill(1, hit.start, hit.start + hit.length);
      sink((v.kind === 'gaz' ? 'gaz:' : 'rule:') + v.sector, 1, v.kind === 'gaz' ? v.label : words.slice(hit.start, hit.start + hit.length).join(' '));
    }
    for (const hit of this.rules.match(stems, raw)) {
      if (mask) mask.fill(1, hit.start, hit.start + hit.length);
      sink('rule:' + hit.value.sector, 1, words.slice(hit.start, hit.start + hit.length).join(' '));
    }
    if (sectorHint) sink('hint:' + sectorHint, 1, sectorHint);
    for (const hit of this.collab.match(stems, raw)) {
      const phrase = words.slice(hit.start, hit.start + hit.length).join(' ');
      // A collaboration phrase is collaboration evidence even inside a name ("shared service").
      if (mask) mask.fill(0, hit.start, hit.start + hit.length);
      sink('collab', 1, phrase);
      sink('c:' + hit.value, 1, phrase);
    }
  }

  /**
   * Every feature by name (training). `sink`'s fourth argument says whether the relevance
   * model uses this occurrence: not for gazetteer, rule and hint features, nor for words
   * (and word pairs) that name a body, place or sector; the sector model uses everything.
   */
  extract(input: ClassifyInput, sink: Sink): void {
    const tok = tokenize(input.title, input.summary);
    const mask = new Uint8Array(tok.words.length);
    sink('_bias', 1, undefined, true);
    this.special(tok, input.sectorHint, (f, v, surface) => sink(f, v, surface, isRelevanceFeature(f)), mask);
    forEachWordFeature(tok, (kind, a, b, i) => {
      if (kind === WORD) sink('w:' + a, 1, tok.words[i], mask[i] === 0);
      else if (kind === TITLE_WORD) sink('t:' + a, 1, tok.words[i], mask[i] === 0);
      else sink('b:' + a + '_' + b, 1, undefined, mask[i] === 0 && mask[previousWord(tok, i)] === 0);
    });
  }
}

/** Whether the relevance model uses a non-word feature (collaboration phrases, the bias). */
export function isRelevanceFeature(feature: string): boolean {
  return !(feature.startsWith('gaz:') || feature.startsWith('rule:') || feature.startsWith('hint:'));
}

/** The position of the non-stop word before word i (the first word of a bigram ending at i). */
export function previousWord(tok: Tokens, i: number): number {
  let p = i - 1;
  while (p > 0 && tok.stems[p] === '') p--;
  return p;
}
export const WORD = 0;
export const TITLE_WORD = 1;
export const BIGRAM = 2;

/**
 * Word features of tokenised text: each non-stop stem (WORD), again when in the headline
 * (TITLE_WORD), and each pair of consecutive non-stop stems within the headline or within the
 * summary (BIGRAM, a and b). `i` is the position of the (second) word.
 */
export function forEachWordFeature(tok: Tokens, fn: (kind: number, a: string, b: string, i: number) => void): void {
  const { stems, titleLength } = tok;
  let prev = '';
  for (let i = 0; i < stems.length; i++) {
    if (i === titleLength) prev = '';
    const s = stems[i]!;
    if (s === '') continue;
    fn(WORD, s, '', i);
    if (i < titleLength) fn(TITLE_WORD, s, '', i);
    if (prev !== '') fn(BIGRAM, prev, s, i);
    prev = s;
  }
}
