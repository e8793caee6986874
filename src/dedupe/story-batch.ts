/**
 * A batch of items read once for clustering: put in one fixed order, their words turned into
 * term ids, with what only the whole batch can tell: how rare each term is (IDF) and which
 * words are names (written with a capital nearly everywhere they appear).
 */
import { stem } from '../text/tokens.js';
import { readStoryText, type Polarity } from './story-text.js';

export interface StoryInput {
  id: string;
  title: string;
  summary?: string;
  /** ISO date or date-time. */
  publishedAt: string;
  sourceIds: string[];
}

/** An item as the scorer sees it; term lists are sorted ids into the batch's vocabulary. */
export interface BatchItem extends StoryInput {
  ms: number;
  titleTerms: Int32Array;
  /** Summary terms that are not in the title. */
  bodyTerms: Int32Array;
  money: Int32Array;
  numbers: Int32Array;
  /** Title and body terms that are names. */
  names: Int32Array;
  polarity: Polarity;
}

export interface Batch {
  /** In (publishedAt, id) order. */
  items: BatchItem[];
  /** Per term id: in how many items it appears. */
  df: Int32Array;
  /** Per term id: ln((n + 1) / df). */
  idf: Float64Array;
  /** Per term id: 1 when it is a name. */
  isName: Uint8Array;
}

/** An item's term lists in one fixed order: title, body, money, numbers (a term is in one list only). */
export const termLists = (i: Pick<BatchItem, 'titleTerms' | 'bodyTerms' | 'money' | 'numbers'>) => [
  i.titleTerms,
  i.bodyTerms,
  i.money,
  i.numbers,
];

/** Capitalised words that name no particular place or body (general English and public-sector words). */
const NOT_NAMES = new Set(
  (
    'council councils county district borough city town parish authority authorities combined unitary metropolitan police constabulary force forces fire rescue ' +
    'ambulance service services nhs trust trusts foundation hospital hospitals health healthcare care integrated board boards icb icbs university universities ' +
    'college colleges school schools academy academies group partnership government minister ministers department office secretary state mayor chief executive ' +
    'director chair leader cabinet member members local national public sector new news statement royal north south east west northern southern eastern western ' +
    'central mid greater upper lower england english wales welsh scotland scottish britain british uk great united kingdom ireland irish monday tuesday ' +
    'wednesday thursday friday saturday sunday january february march april may june july august september october november december mr mrs ms dr sir ' +
    'lord lady hr ict digital it'
  )
    .split(' ')
    .map(stem),
);

/** A word is a name when the batch writes it with a capital at least this many times as often as without. */
const NAME_CAPITALS_PER_LOWER = 4;

export function readBatch(input: readonly StoryInput[]): Batch {
  const ids = new Map<string, number>();
  const id = (t: string) => ids.get(t) ?? ids.set(t, ids.size).get(t)!;
  const items = canonicalOrder(input);
  const texts = items.map((i) => readStoryText(i.title, i.summary));
  // Money ("£…") and figures ("#…") cannot meet a stem: stems start with a letter.
  const terms = (xs: string[]) => Int32Array.from(xs, id).sort();
  const read = items.map((item, i) => ({
    ...item,
    titleTerms: terms(texts[i]!.title),
    bodyTerms: terms(texts[i]!.body),
    money: terms(texts[i]!.money),
    numbers: terms(texts[i]!.numbers),
    polarity: texts[i]!.polarity,
  }));
  const df = new Int32Array(ids.size);
  const capitalised = new Int32Array(ids.size);
  const lower = new Int32Array(ids.size);
  read.forEach((item, i) => {
    for (const list of termLists(item)) for (const v of list) df[v]!++;
    for (const s of texts[i]!.capitalised) capitalised[id(s)]!++;
    for (const s of texts[i]!.lower) lower[id(s)]!++;
  });
  const isName = new Uint8Array(ids.size);
  for (const [t, v] of ids) {
    if (
      /^[a-z]/.test(t) &&
      capitalised[v]! > 0 &&
      lower[v]! * NAME_CAPITALS_PER_LOWER <= capitalised[v]! &&
      !NOT_NAMES.has(t)
    )
      isName[v] = 1;
  }
  return {
    items: read.map((item) => ({
      ...item,
      names: Int32Array.from([...item.titleTerms, ...item.bodyTerms].filter((v) => isName[v])).sort(),
    })),
    df,
    idf: Float64Array.from(df, (d) => Math.log((items.length + 1) / d)),
    isName,
  };
}

/** Sorted by (publishedAt, id), then by content, so that even duplicate ids sort one way. */
function canonicalOrder(items: readonly StoryInput[]): (StoryInput & { ms: number })[] {
  const key = (i: StoryInput) =>
    `${i.title}\u0000${i.summary ?? ''}\u0000${[...i.sourceIds].sort().join('\u0000')}`;
  return items
    .map((item) => ({ ...item, ms: publishedMs(item) }))
    .sort((a, b) => a.ms - b.ms || compare(a.id, b.id) || compare(key(a), key(b)));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function publishedMs(item: StoryInput): number {
  const ms = Date.parse(item.publishedAt);
  if (Number.isNaN(ms))
    throw new RangeError(`story ${item.id}: publishedAt is not a date: "${item.publishedAt}"`);
  return ms;
}
