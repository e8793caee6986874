import type { Command } from 'commander';
import type { ClusterScores, DedupeEvalReport } from '../dedupe/eval.js';
import { EXIT, type CliContext, type GlobalOptions, type Run } from './context.js';
import { textTable } from './table.js';

export function registerDedupeCommands(program: Command, ctx: CliContext, run: Run): void {
  const dedupe = program
    .command('dedupe')
    .description('story clustering: evaluate it on labelled stories (see subcommands)');

  dedupe
    .command('eval')
    .description(
      'evaluate story clustering on labelled TSV (columns by name: story, title, summary, source, published, optional id) beside a TF-IDF baseline',
    )
    .requiredOption('--file <tsv>', 'labelled TSV with a header row')
    .option('--json', 'print one JSON document')
    .action((_opts: unknown, cmd: Command) =>
      run(async () => {
        const opts = cmd.optsWithGlobals<GlobalOptions & { file: string }>();
        const { evaluateStoryClustering } = await import('../dedupe/eval.js');
        const { readStoryTsv } = await import('../dedupe/labelled-stories.js');
        const report = evaluateStoryClustering(readStoryTsv(opts.file));
        if (opts.json) ctx.json({ file: opts.file, ...report });
        else ctx.out(dedupeEvalText(report));
        return EXIT.ok;
      }),
    );
}

const f3 = (x: number) => x.toFixed(3);

function dedupeEvalText(r: DedupeEvalReport): string {
  const rows = (
    name: string,
    pick: (s: ClusterScores) => { precision: number; recall: number; f1: number },
  ) => {
    const ours = pick(r.ssnews);
    const base = pick(r.baseline.scores);
    return [
      [`${name} precision`, f3(ours.precision), f3(base.precision)],
      [`${name} recall`, f3(ours.recall), f3(base.recall)],
      [`${name} F1`, f3(ours.f1), f3(base.f1)],
    ];
  };
  const p = r.ssnews.pairwise;
  return [
    `${r.rows} rows, ${r.stories} stories, ${p.goldPairs} same-story pairs (ssnews joined ${p.predictedPairs}, ${p.truePairs} rightly)`,
    textTable(
      ['', 'ssnews', `TF-IDF baseline (cut-off ${r.baseline.cutoff})`],
      [...rows('pairwise', (s) => s.pairwise), ...rows('B-cubed', (s) => s.bcubed)],
    ),
    `deterministic: ${r.determinism.deterministic ? 'yes' : 'no'} (${r.determinism.runs} shuffled orders)`,
  ].join('\n');
}
