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
export type Sink = (feature: string, value: number, surface: string | undefined) => void;

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
  }

  get ruleCount(): number {
    return this.bodies.size + this.rules.size;
  }

  /**
   * The non-word features (gazetteer, rules, hint, collaboration phrases) of tokenised text,
   * each with what it matched. Word features come from forEachWordFeature.
   */
  special(tok: Tokens, sectorHint: SectorId | undefined, sink: Sink): void {
    const { stems, words, raw } = tok;
    for (const hit of this.bodies.match(words, raw)) {
      const v = hit.value;
      sink((v.kind === 'gaz' ? 'gaz:' : 'rule:') + v.sector, 1, v.kind === 'gaz' ? v.label : words.slice(hit.start, hit.start + hit.length).join(' '));
    }
    for (const hit of this.rules.match(stems, raw)) {
      sink('rule:' + hit.value.sector, 1, words.slice(hit.start, hit.start + hit.length).join(' '));
    }
    if (sectorHint) sink('hint:' + sectorHint, 1, sectorHint);
    for (const hit of this.collab.match(stems, raw)) {
      const phrase = words.slice(hit.start, hit.start + hit.length).join(' ');
      sink('collab', 1, phrase);
      sink('c:' + hit.value, 1, phrase);
    }
  }

  /** Every feature by name (training, and anything that wants names). */
  extract(input: ClassifyInput, sink: Sink): void {
    const tok = tokenize(input.title, input.summary);
    sink('_bias', 1, undefined);
    forEachWordFeature(tok, (kind, a, b, i) => {
      if (kind === WORD) sink('w:' + a, 1, tok.words[i]);
      else if (kind === TITLE_WORD) sink('t:' + a, 1, tok.words[i]);
      else sink('b:' + a + '_' + b, 1, undefined);
    });
    this.special(tok, input.sectorHint, sink);
  }
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
