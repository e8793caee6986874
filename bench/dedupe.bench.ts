/**
 * Story clustering over one week's items, beside the plain TF-IDF clusterer on the same
 * items. The 5,000 items are the dev set's stories told again about other places: each
 * variant of a story renames its places and bodies (consistently across its reports), moves
 * to another day of the week and to other outlets, so the batch holds many stories with the
 * same wording about different places (the hard case) and realistic overlap. Also prints the
 * CPU time range and how well each clusterer did on these stories.
 */
import { fileURLToPath } from 'node:url';
import { stem } from '../src/text/tokens.js';
import { clusterScores, goldOf } from '../src/dedupe/eval.js';
import { mulberry32 } from '../src/random.js';
import { readStoryTsv, type LabelledStory } from '../src/dedupe/labelled-stories.js';
import { clusterStories } from '../src/dedupe/stories.js';
import { tfidfClusters } from '../src/dedupe/tfidf-baseline.js';
import type { Report } from './report.js';

const ITEMS = 5_000;
const RUNS = 5;
const DEV = fileURLToPath(new URL('../test/fixtures/dedupe/dev.tsv', import.meta.url));
/** The baseline's best cut-off on the dev set (`ssnews dedupe eval`). */
const BASELINE_CUTOFF = 0.4;

export default async (report: Report): Promise<void> => {
  const items = syntheticWeek(readStoryTsv(DEV), ITEMS, 7);
  const ours = timed(() => clusterStories(items));
  const base = timed(() => tfidfClusters(items, BASELINE_CUTOFF));
  report({
    name: `clusterStories, ${ITEMS.toLocaleString('en-GB')} items of one week`,
    value: ours.medianMs,
    unit: 'ms',
    baseline: { name: `TF-IDF single link at ${BASELINE_CUTOFF}`, value: base.medianMs },
    target: '<= 1000 ms on one core',
    higherIsBetter: false,
  });
  console.log(
    `  CPU per run: ssnews ${range(ours.cpuMs)} ms, baseline ${range(base.cpuMs)} ms (${RUNS} runs each)`,
  );
  const gold = goldOf(items);
  const q = clusterScores(gold, ours.result);
  const b = clusterScores(gold, base.result);
  report({
    name: 'pairwise F1 on these items',
    value: q.pairwise.f1,
    unit: '',
    baseline: { name: 'TF-IDF single link', value: b.pairwise.f1 },
    higherIsBetter: true,
  });
  console.log(
    `  pairwise precision ${q.pairwise.precision.toFixed(3)} recall ${q.pairwise.recall.toFixed(3)}; baseline ${b.pairwise.precision.toFixed(3)} / ${b.pairwise.recall.toFixed(3)}`,
  );
};

function timed<T>(fn: () => T): { medianMs: number; cpuMs: number[]; result: T } {
  let result = fn(); // warm up (JIT, stem cache)
  const wall: number[] = [];
  const cpuMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    result = fn();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  wall.sort((x, y) => x - y);
  return { medianMs: wall[Math.floor(RUNS / 2)]!, cpuMs, result };
}

const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

/**
 * `n` items: variants of the dev stories in turn, each with its own place names, outlets
 * (one of 25 of each dev outlet) and day of the week, its reports as far apart as in dev.
 */
export function syntheticWeek(rows: LabelledStory[], n: number, seed: number): LabelledStory[] {
  const random = mulberry32(seed);
  const names = namesIn(rows);
  const byStory = new Map<string, LabelledStory[]>();
  for (const r of rows) byStory.set(r.story, [...(byStory.get(r.story) ?? []), r]);
  const stories = [...byStory.values()];
  const weekStart = Date.parse('2026-11-16T00:00:00Z');
  const out: LabelledStory[] = [];
  for (let k = 0; out.length < n; k++) {
    const story = stories[k % stories.length]!;
    const variant = Math.floor(k / stories.length);
    const rename = new Map<string, string>();
    const renamed = (text: string) =>
      variant === 0
        ? text
        : text.replace(/\b[A-Z][A-Za-z]+\b/g, (w) => (names.has(w) ? placeFor(w, rename, random) : w));
    const first = Math.min(...story.map((r) => Date.parse(r.publishedAt)));
    const day = weekStart + Math.floor(random() * 6 * 86_400_000);
    for (const r of story) {
      if (out.length >= n) break;
      out.push({
        ...r,
        id: `${r.id}-${variant}`,
        story: `${r.story}-${variant}`,
        title: renamed(r.title),
        summary: r.summary && renamed(r.summary),
        sourceIds: [`${r.sourceIds[0]}-${variant % 25}`],
        publishedAt: new Date(day + Date.parse(r.publishedAt) - first).toISOString(),
      });
    }
  }
  return out;
}

/** Words (acronyms too) the dev set never writes in lower case and that are not institution words: its places and bodies. */
function namesIn(rows: LabelledStory[]): Set<string> {
  const text = rows.map((r) => `${r.title} ${r.summary ?? ''}`).join(' ');
  const lower = new Set((text.match(/\b[a-z]+\b/g) ?? []).map(stem));
  const common = new Set(
    'The A An And Of In To For On New Two Three Five Six Seven Council Councils County District Borough City NHS ICB ICBs Trust Foundation University College Police Fire Rescue Service Services Hospital Hospitals Royal North South East West Group Partnership Board HR IT ICT EPR'.split(
      ' ',
    ),
  );
  return new Set(
    (text.match(/\b[A-Z][A-Za-z]+\b/g) ?? []).filter(
      (w) => !lower.has(stem(w.toLowerCase())) && !common.has(w),
    ),
  );
}

const SYLLABLES = 'ash brook cal dun el fen gar hal ing kel lang mar nor or pen ros sel thorn wick wy'.split(
  ' ',
);
const ENDINGS = 'bury ford ham ley ton worth field mouth stead wich by dale'.split(' ');

/** A made-up place name for `word` in this variant (about 100,000 possible: few stories share one by chance). */
function placeFor(word: string, rename: Map<string, string>, random: () => number): string {
  let p = rename.get(word);
  if (!p) {
    const pick = (xs: string[]) => xs[Math.floor(random() * xs.length)]!;
    p = pick(SYLLABLES) + pick(SYLLABLES) + pick(SYLLABLES) + pick(ENDINGS);
    p = p[0]!.toUpperCase() + p.slice(1);
    rename.set(word, p);
  }
  return p;
}
