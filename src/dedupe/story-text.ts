import { stem } from '../text/tokens.js';

/**
 * What one headline and summary say, for telling stories apart: content stems (classify's
 * Porter stems and stop words, so both sides agree on what a word is), how each was written
 * (capitalised or not, for spotting names), sums of money and other figures, and which way
 * the news goes. The word scan is our own rather than classify's `tokenize` because that one
 * drops what matters here: sentence starts, "£1.2m" (it reads "1" and "2m") and numbers
 * (all folded into "#num").
 */
export interface StoryText {
  /** Distinct content stems of the headline. */
  title: string[];
  /** Distinct content stems of the summary that are not in the headline. */
  body: string[];
  /** Stems written with a capital somewhere in this item. */
  capitalised: string[];
  /** Stems written in lower case somewhere in this item. */
  lower: string[];
  /** Sums of money, normalised ("£1200000"), distinct. */
  money: string[];
  /** Other figures of two or more digits that are not years ("#150"), distinct. */
  numbers: string[];
  polarity: Polarity;
}

/** -1: something ends, collapses or is withdrawn; 1: something is agreed, shared, launched; 0: neither. */
export type Polarity = -1 | 0 | 1;

const MONEY = /£\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(bn|billion|m|million|k|thousand)?\b/gi;
const SCALE: Record<string, number> = { bn: 1e9, billion: 1e9, m: 1e6, million: 1e6, k: 1e3, thousand: 1e3 };
const NUMBER = /\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?\b/g;
const WORD = /[A-Za-z][A-Za-z0-9]*|[.!?;:]/g;
const APOSTROPHE_S = /['’‘`]s\b/g;
const APOSTROPHES = /['’‘`]/g;

export function readStoryText(title: string, summary = ''): StoryText {
  const capitalised = new Set<string>();
  const lower = new Set<string>();
  const titleStems = scanWords(title, capitalised, lower);
  const bodyStems = scanWords(summary, capitalised, lower).filter((s) => !titleStems.includes(s));
  const money = new Set<string>();
  const numbers = new Set<string>();
  for (const text of [title, summary]) readFigures(text, money, numbers);
  return {
    title: titleStems,
    body: bodyStems,
    capitalised: [...capitalised],
    lower: [...lower],
    money: [...money],
    numbers: [...numbers],
    polarity: polarityOf(lowerWords(title)) || polarityOf(lowerWords(summary)),
  };
}

/** Distinct content stems in order of appearance; notes how each stem was written. */
function scanWords(text: string, capitalised: Set<string>, lower: Set<string>): string[] {
  const out = new Set<string>();
  const plain = text.replace(/&/g, ' and ').replace(APOSTROPHE_S, '').replace(APOSTROPHES, '');
  for (const w of plain.match(WORD) ?? []) {
    if (w.length < 2 || /\d/.test(w)) continue;
    const s = stem(w.toLowerCase());
    if (s.length < 2) continue;
    out.add(s);
    (w[0] !== w[0]!.toLowerCase() ? capitalised : lower).add(s);
  }
  return [...out];
}

function readFigures(text: string, money: Set<string>, numbers: Set<string>): void {
  if (!/\d/.test(text)) return;
  for (const m of text.matchAll(MONEY)) {
    const value = Number(m[1]!.replace(/,/g, '')) * (m[2] ? SCALE[m[2].toLowerCase()]! : 1);
    // Two significant figures: "£180k" and "£180,000" are one sum; pence and rounding are not news.
    money.add('£' + Number(value.toPrecision(2)));
  }
  const rest = text.replace(MONEY, ' ');
  for (const m of rest.matchAll(NUMBER)) {
    const value = Number(m[0].replace(/,/g, ''));
    const isYear = Number.isInteger(value) && value >= 1990 && value <= 2040;
    if (value >= 10 && !isYear) numbers.add('#' + value);
  }
}

function lowerWords(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(APOSTROPHES, '')
      .match(/[a-z]+/g) ?? []
  );
}

// General English for a collaboration ending or starting: no story's own words.
const ENDING = new Set(
  (
    'end ends ended ending scrap scraps scrapped scrapping withdraw withdraws withdrew withdrawn withdrawing withdrawal collapse collapses collapsed ' +
    'dissolve dissolves dissolved dissolving quit quits quitting exit exits exited exiting split splits splitting axe axes axed abandon abandons abandoned ' +
    'terminate terminates terminated termination cancel cancels cancelled halt halts halted reject rejects rejected unwind unwinds disband disbands disbanded ' +
    'disaggregate disaggregates disaggregated disaggregation leave leaves leaving scrapping demerge demerger breakup'
  ).split(' '),
);
const ENDING_PHRASES = [
  ['pull', 'out'],
  ['pulls', 'out'],
  ['pulled', 'out'],
  ['pulling', 'out'],
  ['called', 'off'],
  ['call', 'off'],
  ['calls', 'off'],
  ['break', 'up'],
  ['go', 'it', 'alone'],
  ['in', 'house'],
  ['back', 'out'],
];
const STARTING = new Set(
  (
    'agree agrees agreed agreement share shares shared sharing launch launches launched merge merges merged merger merging join joins joined joint jointly ' +
    'form forms formed create creates created sign signs signed approve approves approved extend extends extended expand expands expanded appoint appoints ' +
    'pool pools pooled combine combines combined partner partnership collaborate collaboration unite unites united renew renews renewed team'
  ).split(' '),
);
/** "End" in these senses says nothing about the news: "by the end of March", "end-to-end". */
const NOT_ENDING_AFTER = new Set(['of', 'to']);

export function polarityOf(words: readonly string[]): Polarity {
  let starting = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (ENDING.has(w) && !(w === 'end' && NOT_ENDING_AFTER.has(words[i + 1] ?? ''))) return -1;
    if (ENDING_PHRASES.some((p) => p.every((x, k) => words[i + k] === x))) return -1;
    if (STARTING.has(w)) starting = true;
  }
  return starting ? 1 : 0;
}
