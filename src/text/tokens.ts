import { createRequire } from 'node:module';
import type stemmers from 'natural/lib/natural/stemmers/index.js';

/**
 * Text → tokens for the classifier. One fast pass: lower-case words (apostrophes dropped,
 * `&` read as "and"), plus the original spelling so short acronyms (FE, HE, GP) can be matched
 * case-sensitively, plus Porter stems (natural's stemmer, memoised) for the statistical model.
 */
export interface Tokens {
  /** Lower-case words in order, e.g. ["kent", "police", "and", "essex", ...]. */
  words: string[];
  /** The same words as written (for acronym rules). */
  raw: string[];
  /** Porter stems of `words`; stop words map to "" (kept so positions line up). */
  stems: string[];
  /** How many of the words came from the title (the rest are the summary). */
  titleLength: number;
}

// The English Porter stemmer alone: natural's stemmers index loads every language's stemmer
// and dictionary (about 13 MB in every process that classifies).
const PorterStemmer = createRequire(import.meta.url)(
  'natural/lib/natural/stemmers/porter_stemmer.js',
) as (typeof stemmers)['PorterStemmer'];

/**
 * Function words only: our own list, because general-purpose lists (natural's included) drop
 * words that matter here, such as "further" (further education), "together", "between", "joint".
 */
const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for from with as into onto about after before than then so that this these those ' +
    "it its it's is are was were be been being am do does did has have had having will would can could should may might must shall " +
    'he she they them their theirs his her hers we our ours you your i me my mine us who whom whose which what when where why how ' +
    'not no nor all any some such very just also too more most other own same here there s t says said say new'
  ).split(' '),
);

const WORD = /[a-z0-9]+/g;
const RAW_WORD = /[A-Za-z0-9]+/g;
const APOSTROPHES = /['’‘`]/g;

const stemCache = new Map<string, string>();
const STEM_CACHE_MAX = 200_000;

export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = STOP_WORDS.has(word) ? '' : /^\d+$/.test(word) ? '#num' : PorterStemmer.stem(word);
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Lower-case words of one piece of text (also used to normalise gazetteer names and rules). */
export function words(text: string): string[] {
  return normalise(text).toLowerCase().match(WORD) ?? [];
}

function normalise(text: string): string {
  if (text.indexOf('&') >= 0) text = text.replace(/&/g, ' and ');
  return /['’‘`]/.test(text) ? text.replace(APOSTROPHES, '') : text;
}

export function tokenize(title: string, summary?: string): Tokens {
  const t = normalise(title);
  const raw: string[] = t.match(RAW_WORD) ?? [];
  const titleLength = raw.length;
  let text = t;
  if (summary) {
    const s = normalise(summary);
    const more = s.match(RAW_WORD);
    if (more) for (const w of more) raw.push(w);
    text = t + ' \n ' + s;
  }
  // One regex pass over the lower-cased text is cheaper than lower-casing word by word; the
  // two lists line up unless lower-casing changed the words (rare non-ASCII letters).
  let lower: string[] = text.toLowerCase().match(WORD) ?? [];
  if (lower.length !== raw.length) lower = raw.map((w) => w.toLowerCase());
  const stems = new Array<string>(lower.length);
  for (let i = 0; i < lower.length; i++) stems[i] = stem(lower[i]!);
  return { words: lower, raw, stems, titleLength };
}
