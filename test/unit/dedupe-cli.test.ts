import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DedupeEvalReport } from '../../src/dedupe/eval.js';
import { runCli } from '../helpers/cli.js';

const DEV = 'test/fixtures/dedupe/dev.tsv';

describe('ssnews dedupe eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-dedupe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: ssnews and the TF-IDF baseline on the dev set, meeting the dev aims', async () => {
    const run = await runCli(['dedupe', 'eval', '--file', DEV, '--json']);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout) as DedupeEvalReport & { file: string };
    expect(r).toMatchObject({ file: DEV, determinism: { deterministic: true } });
    expect(r.rows).toBeGreaterThanOrEqual(150);
    expect(r.stories).toBeGreaterThanOrEqual(60);
    for (const scores of [r.ssnews, r.baseline.scores]) {
      for (const m of [scores.pairwise, scores.bcubed])
        for (const k of ['precision', 'recall', 'f1'] as const) expect(m[k]).toBeGreaterThanOrEqual(0);
    }
    expect(r.baseline.cutoff).toBeGreaterThan(0);
    // Dev aims: a wrong join is worse than a missed one.
    expect(r.ssnews.pairwise.precision).toBeGreaterThanOrEqual(0.98);
    expect(r.ssnews.pairwise.f1).toBeGreaterThanOrEqual(0.93);
    expect(r.ssnews.pairwise.f1).toBeGreaterThan(r.baseline.scores.pairwise.f1);
  });

  it('prints a table beside the baseline and its cut-off', async () => {
    const run = await runCli(['dedupe', 'eval', '--file', DEV]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\d+ rows, \d+ stories/);
    expect(run.stdout).toMatch(/TF-IDF baseline \(cut-off 0\.\d+\)/);
    for (const row of [
      'pairwise precision',
      'pairwise recall',
      'pairwise F1',
      'B-cubed precision',
      'B-cubed recall',
      'B-cubed F1',
    ])
      expect(run.stdout).toContain(row);
    expect(run.stdout).toContain('deterministic: yes');
  });

  it.each([
    [
      'a bad date',
      'story\ttitle\tsummary\tsource\tpublished\ns1\tA\t\tlgc\t2026-11-20\ns1\tB\t\tbbc\tyesterday\n',
      /bad\.tsv:3: published: expected an ISO date/,
    ],
    [
      'a missing column',
      'story\ttitle\tsource\tpublished\ns1\tA\tlgc\t2026-11-20\n',
      /bad\.tsv:1: header: .*missing summary/,
    ],
  ])('exits 2 on %s, naming the file, line and column', async (_name, text, message) => {
    const file = join(dir, 'bad.tsv');
    writeFileSync(file, text);
    const run = await runCli(['dedupe', 'eval', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
