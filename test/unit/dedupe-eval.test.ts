import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { checkDeterminism, clusterScores, sweepBaseline } from '../../src/dedupe/eval.js';
import { parseStoryTsv, readStoryTsv } from '../../src/dedupe/labelled-stories.js';
import { clusterStories, type StoryInput } from '../../src/dedupe/stories.js';

const map = (groups: string[][]) =>
  new Map(groups.flatMap((g) => g.map((id) => [id, g[0]!] as [string, string])));

describe('clusterScores', () => {
  // Gold: {a b c} {d e} {f}.
  const gold = map([['a', 'b', 'c'], ['d', 'e'], ['f']]);
  it.each([
    // Pairwise: 4 gold pairs (ab ac bc de). B-cubed per item: precision |cluster ∩ story| / |cluster|, recall / |story|.
    // {a b} {c d e} {f}: predicted pairs ab cd ce de, right ab de → P 2/4, R 2/4. B-cubed P (1+1+1/3+2/3+2/3+1)/6 = 7/9, R (2/3+2/3+1/3+1+1+1)/6 = 7/9.
    [
      'one split, one wrong join',
      [['a', 'b'], ['c', 'd', 'e'], ['f']],
      { p: 0.5, r: 0.5, f: 0.5 },
      { p: 7 / 9, r: 7 / 9, f: 7 / 9 },
    ],
    // {a b c d e} {f}: 10 predicted pairs, 4 right → P 0.4, R 1, F1 4/7. B-cubed P (3·3/5 + 2·2/5 + 1)/6 = 0.6, R 1, F1 0.75.
    [
      'everything joined',
      [['a', 'b', 'c', 'd', 'e'], ['f']],
      { p: 0.4, r: 1, f: 4 / 7 },
      { p: 0.6, r: 1, f: 0.75 },
    ],
    // Nothing joined: no predicted pair is wrong (P 1), none found (R 0). B-cubed R (3·1/3 + 2·1/2 + 1)/6 = 0.5, F1 2/3.
    [
      'nothing joined',
      [['a'], ['b'], ['c'], ['d'], ['e'], ['f']],
      { p: 1, r: 0, f: 0 },
      { p: 1, r: 0.5, f: 2 / 3 },
    ],
    ['perfect', [['a', 'b', 'c'], ['d', 'e'], ['f']], { p: 1, r: 1, f: 1 }, { p: 1, r: 1, f: 1 }],
  ])('%s', (_name, predicted, pw, b3) => {
    const s = clusterScores(gold, map(predicted));
    expect([s.pairwise.precision, s.pairwise.recall, s.pairwise.f1]).toEqual(
      [pw.p, pw.r, pw.f].map((x) => expect.closeTo(x, 10)),
    );
    expect([s.bcubed.precision, s.bcubed.recall, s.bcubed.f1]).toEqual(
      [b3.p, b3.r, b3.f].map((x) => expect.closeTo(x, 10)),
    );
    expect(s.pairwise.goldPairs).toBe(4);
  });

  it('counts an item the prediction left out as alone', () => {
    const s = clusterScores(
      gold,
      map([
        ['a', 'b', 'c'],
        ['d', 'e'],
      ]),
    );
    expect(s.pairwise).toMatchObject({ precision: 1, recall: 1 });
  });
});

describe('sweepBaseline', () => {
  it('picks the cut-off with the best pairwise F1 (the lowest on a tie), and reports its scores', () => {
    const rows = readStoryTsv('test/fixtures/dedupe/dev.tsv');
    const best = sweepBaseline(rows);
    const top = Math.max(...best.sweep.map((s) => s.f1));
    expect(best.scores.pairwise.f1).toBe(top);
    expect(best.cutoff).toBe(best.sweep.find((s) => s.f1 === top)!.cutoff);
    // Sweeping matters: the lowest and highest cut-offs do worse.
    expect(best.sweep[0]!.f1).toBeLessThan(top);
    expect(best.sweep.at(-1)!.f1).toBeLessThan(top);
  });
});

describe('checkDeterminism', () => {
  const items: StoryInput[] = ['a', 'b', 'c', 'd'].map((id, i) => ({
    id,
    title: `Kelbridge story ${i}`,
    publishedAt: '2026-11-16T09:00:00Z',
    sourceIds: [id],
  }));
  it('says no for a clusterer that depends on arrival order, yes for clusterStories', () => {
    const firstComesFirst = (xs: readonly StoryInput[]) => new Map(xs.map((x) => [x.id, xs[0]!.id]));
    expect(checkDeterminism(items, firstComesFirst)).toEqual({ runs: 5, deterministic: false });
    expect(checkDeterminism(items, (xs) => clusterStories(xs))).toEqual({ runs: 5, deterministic: true });
  });
});

describe('parseStoryTsv', () => {
  const header = 'story\ttitle\tsummary\tsource\tpublished\textra';
  it('finds columns by name, ignores others, numbers rows by line when there is no id, reads dates as UTC', () => {
    const rows = parseStoryTsv(
      `${header}\ns1\tA headline\t\tlgc\t2026-11-20\tx\n\ns1\tAnother\tSome words\tbbc\t2026-11-20T10:30\ty\n`,
      'f.tsv',
    );
    expect(rows).toEqual([
      {
        id: '2',
        story: 's1',
        title: 'A headline',
        summary: undefined,
        sourceIds: ['lgc'],
        publishedAt: '2026-11-20T00:00:00.000Z',
      },
      {
        id: '4',
        story: 's1',
        title: 'Another',
        summary: 'Some words',
        sourceIds: ['bbc'],
        publishedAt: '2026-11-20T10:30:00.000Z',
      },
    ]);
  });

  it.each([
    [
      'a missing column',
      'story\ttitle\tsource\tpublished\ns1\tA\tlgc\t2026-11-20\n',
      /^f\.tsv:1: header: .*missing summary/,
    ],
    [
      'a date that is not ISO',
      `${header}\ns1\tA\t\tlgc\t20/11/2026\t\n`,
      /^f\.tsv:2: published: expected an ISO date/,
    ],
    [
      'a day the month lacks',
      `${header}\ns1\tA\t\tlgc\t2026-11-31\t\n`,
      /^f\.tsv:2: published: .*"2026-11-31"/,
    ],
    [
      'an empty story label',
      `${header}\ns1\tA\t\tlgc\t2026-11-20\t\n\tB\t\tbbc\t2026-11-20\t\n`,
      /^f\.tsv:3: story: expected a story label/,
    ],
    [
      'an id used twice',
      'id\tstory\ttitle\tsummary\tsource\tpublished\nx\ts1\tA\t\tlgc\t2026-11-20\nx\ts1\tB\t\tbbc\t2026-11-20\n',
      /^f\.tsv:3: id: id "x" is used on an earlier line/,
    ],
  ])('rejects %s, naming the file, line and column', (_name, text, message) => {
    expect(() => parseStoryTsv(text, 'f.tsv')).toThrow(ConfigError);
    expect(() => parseStoryTsv(text, 'f.tsv')).toThrow(message);
  });
});
