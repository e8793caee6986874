/**
 * Near-duplicate stories from different outlets: the same event told in other words. Pure
 * functions over titles and summaries; src/dedupe/cluster.ts finds candidates in its
 * in-memory StoryIndex and scores them with `storyMatch`.
 */

/** Near-duplicates are looked for among items published this close to each other. */
export const STORY_WINDOW_MS = 4 * 86_400_000;
/** How similar two items must be (profileSimilarity) to count as one story. */
const SAME_STORY_THRESHOLD = 0.45;

const STOP = new Set(
  (
    'a an the and or but of in on at to for from by with as is are was were be been being it its this that these those ' +
    'will would could should can may might has have had do does did not no new says said say after over into out up down ' +
    'than then more most also about under their they them he she his her we our you your who which what when where why how ' +
    'all any each one two three four five six seven eight nine ten per cent year years week weeks day days today set plans ' +
    'plan amid across between while s'
  ).split(' '),
);

/** Enough of a stemmer to make "merge", "merger", "merges" and "merging" meet. */
export function stem(word: string): string {
  if (/^£?\d/.test(word)) return word.replace(/,/g, '');
  let w = word;
  for (const suffix of [
    'ational',
    'ations',
    'ation',
    'ments',
    'ment',
    'ings',
    'ing',
    'ers',
    'ied',
    'ies',
    'ed',
    'er',
    'es',
    's',
    'e',
  ]) {
    if (w.length - suffix.length >= 4 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

/** Capitalised words that name no one in particular in this domain. */
const GENERIC_NAMES = new Set(
  (
    'council councils county district police fire nhs trust trusts hospital government minister ministers uk england britain british ' +
    'university universities college colleges service services board boards chief executive public sector new why how what opinion ' +
    'podcast review statement the a two three four five six seven eight nine ten'
  ).split(' '),
);

const WORD = /£?\d[\d,.]*[mkb]?n?|[A-Za-z][A-Za-z'-]*/g;
const CAPITAL = /^[A-Z][A-Za-z'-]/;

/**
 * One pass over a text: content words (lower-cased, lightly stemmed; money and numbers as
 * written) into `words`, and names and figures into `names`: capitalised words that are not
 * generic in this domain, and numbers or sums of money. Two outlets telling the same story
 * share at least one name or figure.
 */
function scan(text: string, words: Set<number>, names: Set<number>): void {
  // Accents off (NFKD, then drop the marks), only when there are any: most text is ASCII.
  const plain = /[\u0080-\uffff]/.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : text;
  for (const raw of plain.match(WORD) ?? []) {
    const w = readWord(raw);
    if (!w) continue;
    words.add(w.hash);
    if (w.name) names.add(w.hash);
  }
}

interface Word {
  /** 31-bit hash of the stem. */
  hash: number;
  name: boolean;
}

/** Words as written → what they count as: the vocabulary repeats, so this saves most of the work. */
const wordCache = new Map<string, Word | null>();

function readWord(raw: string): Word | null {
  let w = wordCache.get(raw);
  if (w !== undefined) return w;
  const word = raw
    .toLowerCase()
    .replace(/['-]+$/g, '')
    .replace(/'s$/, '');
  // Figures are read afresh each time: they rarely repeat, and would only churn the cache.
  if (/^£?\d/.test(word))
    return {
      hash: storyWordHash(stem(word)),
      name: word.replace(/\D/g, '').length >= 2 || word.startsWith('£'),
    };
  if (word.length < 2 || STOP.has(word)) w = null;
  else
    w = {
      hash: storyWordHash(stem(word)),
      name: word.length >= 3 && CAPITAL.test(raw) && !GENERIC_NAMES.has(word),
    };
  if (wordCache.size >= 50_000) wordCache.clear();
  wordCache.set(raw, w);
  return w;
}

export interface StoryText {
  title: string;
  summary?: string;
}

/** An item's story words as 31-bit hashes of their stems; `body` holds the summary's words that are not in the title. */
interface StoryTokens {
  title: number[];
  body: number[];
  names: number[];
}

function storyTokenSet(item: StoryText): StoryTokens {
  const title = new Set<number>();
  const names = new Set<number>();
  scan(item.title, title, names);
  const all = new Set(title);
  if (item.summary) scan(item.summary, all, names);
  return { title: [...title], body: [...all].slice(title.size), names: [...names] };
}

/**
 * Everything the comparison needs, computed once per item (comparisons are pairwise). Words
 * are hashes in a sorted array, as a process keeps days of profiles in memory; a collision
 * between two different words of two similar stories is vanishingly rare. A profile may be a
 * stretch of a larger array (the story index keeps every profile in one).
 */
export interface StoryProfile {
  /**
   * [start, namesAt): content words, each `hash << 1 | 1 when in the title`, sorted;
   * [namesAt, end): names and figures, `hash << 1`, sorted.
   */
  words: Uint32Array;
  start: number;
  namesAt: number;
  end: number;
  titleCount: number;
  publishedMs: number;
}

function profileOf(tokens: StoryTokens, publishedMs: number): StoryProfile {
  const n = tokens.title.length + tokens.body.length;
  const words = new Uint32Array(n + tokens.names.length);
  tokens.title.forEach((h, i) => (words[i] = h * 2 + 1));
  tokens.body.forEach((h, i) => (words[tokens.title.length + i] = h * 2));
  tokens.names.forEach((h, i) => (words[n + i] = h * 2));
  words.subarray(0, n).sort();
  words.subarray(n).sort();
  return { words, start: 0, namesAt: n, end: words.length, titleCount: tokens.title.length, publishedMs };
}

export function storyProfile(item: StoryText & { publishedAt: string }): StoryProfile {
  return profileOf(storyTokenSet(item), Date.parse(item.publishedAt));
}

/** FNV-1a, kept to 31 bits (the low bit of a stored word is its title flag). */
export function storyWordHash(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return h >>> 1;
}

/** Whether two profiles share a name or figure. */
function sharesName(a: StoryProfile, b: StoryProfile): boolean {
  let i = a.namesAt;
  let j = b.namesAt;
  while (i < a.end && j < b.end) {
    const x = a.words[i]!;
    const y = b.words[j]!;
    if (x === y) return true;
    if (x < y) i++;
    else j++;
  }
  return false;
}

/**
 * 0..1: how much two items tell the same story. The overlap coefficient of their content
 * words (so a headline-only item can match a longer one), with title words counted twice.
 */
function profileSimilarity(a: StoryProfile, b: StoryProfile): number {
  let shared = 0;
  let weightShared = 0;
  let i = a.start;
  let j = b.start;
  while (i < a.namesAt && j < b.namesAt) {
    const x = a.words[i]!;
    const y = b.words[j]!;
    const hx = x >>> 1;
    const hy = y >>> 1;
    if (hx < hy) i++;
    else if (hx > hy) j++;
    else {
      shared++;
      weightShared += (x | y) & 1 ? 2 : 1;
      i++;
      j++;
    }
  }
  if (shared < 3) return 0;
  return Math.min(
    1,
    weightShared / Math.min(a.namesAt - a.start + a.titleCount, b.namesAt - b.start + b.titleCount),
  );
}

/**
 * How much two items are the same story: their similarity when they are (published within
 * STORY_WINDOW_MS of each other, sharing at least one name or figure, similar enough), else
 * 0. The cheap checks come first: they rule out most pairs.
 */
export function storyMatch(a: StoryProfile, b: StoryProfile): number {
  if (Math.abs(a.publishedMs - b.publishedMs) > STORY_WINDOW_MS || !sharesName(a, b)) return 0;
  const score = profileSimilarity(a, b);
  return score >= SAME_STORY_THRESHOLD ? score : 0;
}

/** Convenience forms over raw items, for tests and one-off comparisons. */
export function storySimilarity(a: StoryText, b: StoryText): number {
  const at = new Date(0).toISOString();
  return profileSimilarity(storyProfile({ ...a, publishedAt: at }), storyProfile({ ...b, publishedAt: at }));
}

export function sameStory(
  a: StoryText & { publishedAt: string },
  b: StoryText & { publishedAt: string },
): boolean {
  return storyMatch(storyProfile(a), storyProfile(b)) > 0;
}
