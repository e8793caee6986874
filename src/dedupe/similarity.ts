/**
 * Near-duplicate stories from different outlets: the same event told in other words. Pure
 * functions over titles and summaries; src/dedupe/cluster.ts looks candidates up in the
 * store and applies `sameStoryProfile`.
 */

const STOP = new Set(
  ('a an the and or but of in on at to for from by with as is are was were be been being it its this that these those ' +
    'will would could should can may might has have had do does did not no new says said say after over into out up down ' +
    'than then more most also about under their they them he she his her we our you your who which what when where why how ' +
    'all any each one two three four five six seven eight nine ten per cent year years week weeks day days today set plans ' +
    'plan amid across between while s')
    .split(' '),
);

/** Content words, lower-cased and lightly stemmed, plus money and numbers as written. */
export function storyTokens(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').match(/£?\d[\d,.]*[mkb]?n?|[a-z][a-z'-]*/g) ?? []) {
    const word = raw.replace(/['-]+$/g, '').replace(/'s$/, '');
    if (word.length < 2 || STOP.has(word)) continue;
    out.add(stem(word));
  }
  return [...out];
}

/** Enough of a stemmer to make "merge", "merger", "merges" and "merging" meet. */
export function stem(word: string): string {
  if (/^£?\d/.test(word)) return word.replace(/,/g, '');
  let w = word;
  for (const suffix of ['ational', 'ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'ers', 'ied', 'ies', 'ed', 'er', 'es', 's', 'e']) {
    if (w.length - suffix.length >= 4 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

/** Capitalised words that name no one in particular in this domain. */
const GENERIC_NAMES = new Set(
  ('council councils county district police fire nhs trust trusts hospital government minister ministers uk england britain british ' +
    'university universities college colleges service services board boards chief executive public sector new why how what opinion ' +
    'podcast review statement the a two three four five six seven eight nine ten').split(' '),
);

/**
 * Names and figures: capitalised words that are not generic in this domain, and numbers or
 * sums of money. Two outlets telling the same story share at least one of these.
 */
export function storyNames(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').match(/£?\d[\d,.]*[mkb]?n?|[A-Z][A-Za-z'-]+/g) ?? []) {
    const word = raw.replace(/['-]+$/g, '').replace(/'s$/, '').toLowerCase();
    if (/^£?\d/.test(word)) {
      if (word.replace(/\D/g, '').length >= 2 || word.startsWith('£')) out.add(stem(word));
      continue;
    }
    if (word.length < 3 || STOP.has(word) || GENERIC_NAMES.has(word)) continue;
    out.add(stem(word));
  }
  return [...out];
}

export interface StoryText {
  title: string;
  summary?: string;
}

/** Everything the comparison needs, computed once per item (comparisons are pairwise). */
export interface StoryProfile {
  all: Set<string>;
  title: Set<string>;
  names: Set<string>;
  publishedMs: number;
}

export function storyProfile(item: StoryText & { publishedAt: string }): StoryProfile {
  const title = new Set(storyTokens(item.title));
  const all = new Set(title);
  if (item.summary) for (const t of storyTokens(item.summary)) all.add(t);
  return { all, title, names: new Set(storyNames(`${item.title}. ${item.summary ?? ''}`)), publishedMs: Date.parse(item.publishedAt) };
}

/**
 * 0..1: how much two items tell the same story. The overlap coefficient of their content
 * words (so a headline-only item can match a longer one), with title words counted twice.
 */
export function profileSimilarity(a: StoryProfile, b: StoryProfile): number {
  let shared = 0;
  let weightShared = 0;
  for (const t of a.all) {
    if (!b.all.has(t)) continue;
    shared++;
    weightShared += a.title.has(t) || b.title.has(t) ? 2 : 1;
  }
  if (shared < 3) return 0;
  const weight = (p: StoryProfile) => p.all.size + p.title.size;
  return Math.min(1, weightShared / Math.min(weight(a), weight(b)));
}

/**
 * Same story: sharing at least one name or figure (checked first: it is cheap and rules out
 * most pairs), published within `windowDays` of each other, and similar enough.
 */
export function sameStoryProfile(a: StoryProfile, b: StoryProfile, threshold = 0.45, windowDays = 4): boolean {
  if (Math.abs(a.publishedMs - b.publishedMs) > windowDays * 86_400_000) return false;
  let sharesName = false;
  for (const n of a.names) if (b.names.has(n)) { sharesName = true; break; }
  return sharesName && profileSimilarity(a, b) >= threshold;
}

/** Convenience forms over raw items, for tests and one-off comparisons. */
export function storySimilarity(a: StoryText, b: StoryText): number {
  const at = new Date(0).toISOString();
  return profileSimilarity(storyProfile({ ...a, publishedAt: at }), storyProfile({ ...b, publishedAt: at }));
}

export function sameStory(a: StoryText & { publishedAt: string }, b: StoryText & { publishedAt: string }, threshold = 0.45, windowDays = 4): boolean {
  return sameStoryProfile(storyProfile(a), storyProfile(b), threshold, windowDays);
}
