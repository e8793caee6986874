import type { SectorConfig, SectorId } from '../config/schema.js';
import type { Body } from './data.js';
import { PhraseMatcher } from './matcher.js';
import { tokenize, type Tokens } from '../text/tokens.js';
import type { ClassifyInput } from './types.js';

/**
 * Turns an item into named features for the linear models:
 *   w:STEM / b:STEM_STEM   words and adjacent word pairs (stop words skipped), title and summary
 *   t:STEM                 words of the headline again (the headline says most about the sector)
 *   gaz:SECTOR             a public body of that sector is named (config/gazetteer/bodies.tsv)
 *   rule:SECTOR            a keyword or organisation of that sector (config/sectors.yaml)
 *   hint:SECTOR            the source's sector
 *   place                  a council's place named on its own ("Croydon", "Stockton-on-Tees"),
 *                          not inside a longer name: headlines name councils that way
 *   collab / c:PHRASE      collaboration phrases (config/classify.yaml relevance.terms)
 * Every hit also records what it was (body name, phrase, word as written) for explanations.
 */
export type Sink = (feature: string, value: number, surface: string | undefined, relevance?: boolean) => void;

interface RuleValue {
  kind: 'gaz' | 'rule' | 'place';
  sector: SectorId;
  /** The name to show: the body's official name, the keyword as configured, or the place. */
  label: string;
}

/**
 * A phrase matched on stems, with its words as configured. Porter stems conflate words that
 * have nothing to do with each other ("universities" and "universal", "detectives" and
 * "detection", "integration" and "integrity"), so a stem match only counts when each word is
 * the configured word or its plural or possessive (see sameWord).
 */
interface StemPhrase<T> {
  value: T;
  words: string[];
}

/** Whether `w` (as written, lower case) is the configured word `k`, its plural or its possessive. */
function sameWord(w: string, k: string): boolean {
  return w === k || plural(w, k) || plural(k, w);
}

/** Whether `w` is `k` plus s, es or possessive s, or k's y turned into ies. */
function plural(w: string, k: string): boolean {
  const d = w.length - k.length;
  if (d === 1) return w.endsWith('s') && w.startsWith(k);
  if (d === 2)
    return w.startsWith(k)
      ? w.endsWith('es')
      : k.endsWith('y') && w.endsWith('ies') && w.startsWith(k.slice(0, -1));
  return false;
}

/** Phrases matched on stems but checked against their configured spellings. */
class StemPhrases<T> {
  /** Per stem sequence, every phrase with those stems ("doctors" and "doctoral" share one). */
  private readonly matcher = new PhraseMatcher<StemPhrase<T>[]>();
  private readonly byStems = new Map<string, StemPhrase<T>[]>();

  add(phrase: string, value: T): void {
    const tok = tokenize(phrase);
    const key = tok.stems.join(' ');
    let entry = this.byStems.get(key);
    if (!entry) {
      entry = [];
      this.byStems.set(key, entry);
      this.matcher.add(phrase, entry, tok.stems);
    }
    entry.push({ value, words: tok.words });
  }

  /**
   * Calls `fn` for each match spelt as a configured phrase (the first such phrase's value),
   * longest first, left to right: a longer stem match spelt otherwise leaves room for a
   * shorter one ("police" in "police forced to", not "police force").
   */
  match(tok: Tokens, fn: (value: T, start: number, length: number) => void): void {
    const spelt = (p: StemPhrase<T>, start: number) =>
      p.words.every((k, j) => sameWord(tok.words[start + j]!, k));
    const hits = this.matcher.match(tok.stems, tok.raw, (phrases, start) =>
      phrases.some((p) => spelt(p, start)),
    );
    for (const hit of hits) fn(hit.value.find((p) => spelt(p, hit.start))!.value, hit.start, hit.length);
  }
}

export interface FeaturizerSources {
  sectors: SectorConfig[];
  bodies: Body[];
  collaborationTerms: string[];
}

export class Featurizer {
  /**
   * Gazetteer names and aliases, organisations and acronyms of sectors.yaml, and bare council
   * places (see placesOf), matched on words; the longest match wins, so a place inside a body's
   * name ("Croydon" in "Croydon Health Services NHS Trust") is not a place.
   */
  private readonly bodies = new PhraseMatcher<RuleValue>();
  /** sectors.yaml keywords, matched on stems and checked against their spellings (plurals count). */
  private readonly rules = new StemPhrases<RuleValue>();
  /** Collaboration phrases, matched the same way. */
  private readonly collab = new StemPhrases<string>();
  /**
   * Stems that name a sector or a body (words of gazetteer names and aliases, and of
   * sectors.yaml keywords and organisations: "surrey", "fire", "servic", "council", "nhs"),
   * except words of collaboration phrases. They are sector evidence, not collaboration
   * evidence, so the relevance model never sees them (see forRelevance).
   */
  private readonly entityStems = new Set<string>();

  constructor(src: FeaturizerSources) {
    const entity = (phrase: string) => {
      for (const st of tokenize(phrase).stems) if (st !== '' && st !== '#num') this.entityStems.add(st);
    };
    // Gazetteer first: a body's full name beats a bare keyword inside it ("Kent Fire and Rescue Service").
    for (const b of src.bodies) {
      const v: RuleValue = { kind: 'gaz', sector: b.sector, label: b.name };
      for (const name of [b.name, ...b.aliases]) {
        this.bodies.add(name, v);
        entity(name);
      }
    }
    for (const s of src.sectors) {
      for (const k of s.organisations) this.bodies.add(k, { kind: 'rule', sector: s.id, label: k });
      for (const k of s.keywords) {
        // Acronyms (FE, GP, ICB) and phrases with a number ("section 114") go by spelling;
        // other keywords by stem.
        if (/^[A-Z0-9&]{2,6}s?$/.test(k) || /\d/.test(k))
          this.bodies.add(k, { kind: 'rule', sector: s.id, label: k });
        else this.rules.add(k, { kind: 'rule', sector: s.id, label: k });
      }
      for (const k of [...s.keywords, ...s.organisations]) entity(k);
    }
    for (const t of src.collaborationTerms) this.collab.add(t, t);
    // Places last: a body, organisation or acronym spelt the same wins.
    for (const b of src.bodies)
      for (const p of placesOf(b)) this.bodies.add(p, { kind: 'place', sector: b.sector, label: p });
    // One-word collaboration terms ("joint", "takeover") stay collaboration evidence; the words
    // of longer phrases ("shared service", "hospital group") count only as the whole phrase.
    for (const t of src.collaborationTerms) {
      const st = tokenize(t).stems.filter((x) => x !== '');
      if (st.length === 1) this.entityStems.delete(st[0]!);
    }
  }

  /**
   * The non-word features (gazetteer, rules, hint, collaboration phrases) of tokenised text,
   * each with what it matched. Word features come from forEachWord.
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
      for (let i = 0; i < words.length; i++)
        if (isCapitalised(raw[i]!) && this.entityStems.has(stems[i]!)) mask[i] = 1;
    }
    for (const { value: v, start, length } of this.bodies.match(words, raw)) {
      // Only a capitalised place counts: place names are proper nouns.
      if (v.kind === 'place' && !isCapitalised(raw[start]!)) continue;
      if (mask) mask.fill(1, start, start + length);
      if (v.kind === 'place') sink('place', 1, v.label);
      else if (v.kind === 'gaz') sink('gaz:' + v.sector, 1, v.label);
      else sink('rule:' + v.sector, 1, words.slice(start, start + length).join(' '));
    }
    this.rules.match(tok, (v, start, length) => {
      if (mask) mask.fill(1, start, start + length);
      sink('rule:' + v.sector, 1, words.slice(start, start + length).join(' '));
    });
    if (sectorHint) sink('hint:' + sectorHint, 1, sectorHint);
    this.collab.match(tok, (term, start, length) => {
      const phrase = words.slice(start, start + length).join(' ');
      // A collaboration phrase is collaboration evidence even inside a name ("shared service").
      if (mask) mask.fill(0, start, start + length);
      sink('collab', 1, phrase);
      sink('c:' + term, 1, phrase);
    });
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
    forEachWord(tok, (stem, i, prev) => {
      const rel = mask[i] === 0;
      sink('w:' + stem, 1, tok.words[i], rel);
      if (i < tok.titleLength) sink('t:' + stem, 1, tok.words[i], rel);
      if (prev >= 0) sink('b:' + tok.stems[prev] + '_' + stem, 1, undefined, rel && mask[prev] === 0);
    });
  }
}

/** Whether a word as written starts with a capital letter (A to Z). */
function isCapitalised(word: string): boolean {
  const c = word.charCodeAt(0);
  return c >= 65 && c <= 90;
}

/** Whether the relevance model uses a non-word feature (collaboration phrases, the bias). */
export function isRelevanceFeature(feature: string): boolean {
  return !/^(gaz:|rule:|hint:|place$)/.test(feature);
}

/**
 * Bare place names that stand for a council in headlines: "Croydon" from Croydon Council,
 * "Stockton-on-Tees" from Stockton-on-Tees Borough Council, "Hammersmith and Fulham" from London
 * Borough of Hammersmith and Fulham, "Tees Valley" from Tees Valley Combined Authority. Places
 * that are ordinary words or regions of several kinds of body are left out.
 */
function placesOf(body: Body): string[] {
  if (body.sector !== 'local-government' || (body.kind !== 'council' && body.kind !== 'combined-authority'))
    return [];
  const out = new Set<string>();
  for (const name of [body.name, ...body.aliases]) {
    const m =
      /^(?:London Borough|Royal Borough) of (.+)$/.exec(name) ??
      /^City of (.+?) Council$/.exec(name) ??
      /^(.+?) (?:Metropolitan Borough|County Borough|City and District|Borough|District|County|City|Islands|Mayoral Combined|Combined County|Combined)? ?(?:Council|council|Authority)$/.exec(
        name,
      );
    const place = m?.[1]?.trim();
    if (place && /^[A-Z]/.test(place) && /[a-z]/.test(place) && !NOT_PLACES.has(place.toLowerCase()))
      out.add(place);
  }
  return [...out];
}

/** Council places that are also ordinary words, names or regions. */
const NOT_PLACES = new Set([
  ...'reading rugby hart angus boston bury eden craven westminster highland'.split(' '),
  ...['the highland', 'north east', 'east midlands', 'west midlands', 'greater london'],
]);

/**
 * The one walk over the words behind the word features, for training (extract) and for the
 * classifier alike: each non-stop stem with its position and that of the previous non-stop
 * stem in the same part (headline or summary), else -1. Each word gives w:STEM, again t:STEM
 * in the headline, and b:PREVIOUS_STEM when it has a previous stem.
 */
export function forEachWord(tok: Tokens, fn: (stem: string, pos: number, prev: number) => void): void {
  const { stems, titleLength } = tok;
  let prev = -1;
  for (let pos = 0; pos < stems.length; pos++) {
    if (pos === titleLength) prev = -1;
    if (stems[pos] === '') continue;
    fn(stems[pos]!, pos, prev);
    prev = pos;
  }
}
