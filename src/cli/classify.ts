import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { LabelledItem } from '../classify/data.js';
import type { EvalReport } from '../classify/eval.js';
import type { ClassifierKit } from '../classify/index.js';
import type { Classifier } from '../classify/types.js';
import type { Classification } from '../types/item.js';
import { UsageError } from '../errors.js';
import { EXIT, type CliContext, type GlobalOptions, type Run, subcommand } from './context.js';
import { daysOption, sectorOption } from './options.js';
import { textTable } from './table.js';

export function registerClassifyCommands(program: Command, ctx: CliContext, run: Run): void {
  const classify = subcommand(
    program,
    'classify',
    'classify a headline by sector and relevance; evaluate, retrain and re-classify (see subcommands)',
  )
    .argument('[title]', 'the headline')
    .argument('[summary]', 'the summary or standfirst')
    .option('--hint <sector>', "the source's sector, as the ingest worker passes it")
    .option(
      '--stored',
      "use the current model stored in Redis (the workers' model, with editor labels) instead of the bundled one",
    )
    .action(
      (
        title: string | undefined,
        summary: string | undefined,
        opts: GlobalOptions & { hint?: string; stored?: boolean },
      ) =>
        run(async () => {
          if (!title)
            throw new UsageError(
              'usage: ssnews classify "TITLE" ["SUMMARY"] [--json]  (or: classify eval|retrain|reclassify, see --help)',
            );
          const hint = opts.hint === undefined ? undefined : sectorOption(opts.hint, '--hint');
          const kit = await makeKit(ctx);
          const classifier = opts.stored ? await storedClassifier(ctx, kit) : kit.bundled();
          const result = classifier.classify({ title, summary, sectorHint: hint });
          if (opts.json) ctx.json(result);
          else ctx.out(describe(result));
          return EXIT.ok;
        }),
    );

  subcommand(
    classify,
    'eval',
    'evaluate on labelled TSV (columns by name: title, summary, sector, relevant) beside the keyword baseline',
  )
    .requiredOption('--file <tsv>', 'labelled TSV with a header row')
    .option('--predictions <tsv>', 'also write one prediction row per input row here')
    .option('--with-labels', 'train on editor labels from Redis too, as `classify retrain` does')
    .action((_opts: unknown, cmd: Command) =>
      run(async () => {
        const opts = cmd.optsWithGlobals<
          GlobalOptions & { file: string; predictions?: string; withLabels?: boolean }
        >();
        const { readLabelledTsv } = await import('../classify/data.js');
        const { evaluate, rowKey } = await import('../classify/eval.js');
        const { keywordBaseline } = await import('../classify/keyword-baseline.js');
        const { editorLabelRows } = await import('../classify/retrain.js');
        const items = readLabelledTsv(opts.file, { requireLabels: true });
        const kit = await makeKit(ctx);
        const labels = opts.withLabels ? await editorLabelRows(kit, (await ctx.stores()).labels) : [];
        // Never train on the file being evaluated: drop any training row it contains.
        const evaluated = new Set(items.map(rowKey));
        const all = [...kit.trainingRows(), ...labels];
        const training = all.filter((r) => !evaluated.has(rowKey(r)));
        const { report, predictions } = evaluate(
          kit.fromModel(kit.train(training, { version: 'eval' })),
          items,
        );
        const baseline = evaluate(keywordBaseline(kit.sectors), items).report;
        if (opts.predictions) writePredictions(opts.predictions, items, predictions);
        const trainingInfo = {
          rows: training.length,
          excludedBecauseEvaluated: all.length - training.length,
        };
        if (opts.json) ctx.json({ file: opts.file, training: trainingInfo, model: report, baseline });
        else {
          ctx.out(evalText(report, baseline));
          ctx.out(
            `trained on ${training.length} rows${trainingInfo.excludedBecauseEvaluated ? ` (${trainingInfo.excludedBecauseEvaluated} left out because they are in ${opts.file})` : ''}`,
          );
          if (opts.predictions) ctx.out(`predictions written to ${opts.predictions}`);
        }
        return EXIT.ok;
      }),
    );

  subcommand(
    classify,
    'retrain',
    'train a new model version from config/training/ plus editor labels; running workers switch to it',
  ).action((_opts: unknown, cmd: Command) =>
    run(async () => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { retrain } = await import('../classify/retrain.js');
      const kit = await makeKit(ctx);
      const result = await retrain(kit, await ctx.stores());
      if (opts.json) ctx.json(result);
      else
        ctx.out(
          `model ${result.version}: ${result.trainingRows} training rows + ${result.editorLabels} editor labels, ` +
            `${result.features} features, ${(result.bytes / 1024).toFixed(0)} KB, trained in ${result.trainMs} ms; now current`,
        );
      return EXIT.ok;
    }),
  );

  subcommand(
    classify,
    'reclassify',
    're-classify stored items of the last N days with the current model (editor choices are kept)',
  )
    .requiredOption('--days <n>', 'how many days back')
    .action((_opts: unknown, cmd: Command) =>
      run(async () => {
        const opts = cmd.optsWithGlobals<GlobalOptions & { days: string }>();
        const days = daysOption(opts.days, '--days');
        const { ingestClassifier } = await import('../worker/ingest-deps.js');
        const { reclassify, sectorHintOf } = await import('../classify/reclassify.js');
        const config = await ctx.loadConfig();
        const stores = await ctx.stores();
        const handle = await ingestClassifier(config, stores.models);
        try {
          const result = await reclassify(stores.items, handle, days, sectorHintOf(config.sources));
          if (opts.json) ctx.json(result);
          else
            ctx.out(
              `re-classified ${result.checked} items of the last ${days} days with model ${result.version}: ${result.updated} changed, ${result.moved} moved to another sector`,
            );
        } finally {
          await handle.close();
        }
        return EXIT.ok;
      }),
    );
}

async function makeKit(ctx: CliContext): Promise<ClassifierKit> {
  const { classifierKit } = await import('../classify/index.js');
  const config = await ctx.loadConfig();
  return classifierKit({ sectors: config.sectors, configDir: config.dir });
}

async function storedClassifier(ctx: CliContext, kit: ClassifierKit): Promise<Classifier> {
  const model = await (await ctx.stores()).models.loadCurrent();
  if (!model)
    throw new UsageError(
      'no stored model yet: run `ssnews classify retrain` first (or leave out --stored to use the bundled model)',
    );
  return kit.fromModel(model);
}

function describe(c: Classification): string {
  return [
    `sector      ${c.sector} (confidence ${c.confidence.toFixed(2)})${c.needsReview ? ' — needs review' : ''}`,
    `relevance   ${c.relevance.toFixed(2)} (${c.relevant ? 'relevant' : 'not relevant'})`,
    `why         ${c.explanation}`,
    `model       ${c.modelVersion}`,
  ].join('\n');
}

const f3 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));

function evalText(model: EvalReport, baseline: EvalReport): string {
  const out: string[] = [`${model.rows} rows`];
  const s = model.sector;
  const b = baseline.sector;
  if (s && b) {
    out.push(
      textTable(
        ['sector', 'model', 'keyword baseline'],
        [
          ['accuracy', f3(s.accuracy), f3(b.accuracy)],
          ['macro-F1', f3(s.macroF1), f3(b.macroF1)],
          ['macro-F1, 4 core sectors', f3(s.coreMacroF1), f3(b.coreMacroF1)],
          ['flagged for review', String(s.flagged), String(b.flagged)],
          ['accuracy when not flagged', f3(s.accuracyUnflagged), f3(b.accuracyUnflagged)],
        ],
      ),
      textTable(
        ['sector', 'precision', 'recall', 'F1', 'support', 'baseline F1'],
        s.labels.map((id) => {
          const p = s.perSector[id]!;
          return [
            id,
            ...[p.precision, p.recall, p.f1].map(f3),
            String(p.support),
            f3(b.perSector[id]?.f1 ?? 0),
          ];
        }),
      ),
      'confusion matrix (rows: labelled sector, columns: predicted)',
      textTable(
        ['gold \\ predicted', ...s.labels.map(short)],
        s.labels.map((g) => [g, ...s.labels.map((p) => String(s.confusion[g]![p] ?? 0))]),
      ),
    );
  }
  const r = model.relevance;
  const rb = baseline.relevance;
  if (r && rb)
    out.push(
      textTable(
        ['relevance', 'model', 'keyword baseline'],
        [
          ['precision', f3(r.precision), f3(rb.precision)],
          ['recall', f3(r.recall), f3(rb.recall)],
          ['F1', f3(r.f1), f3(rb.f1)],
          ['accuracy', f3(r.accuracy), f3(rb.accuracy)],
        ],
      ),
    );
  return out.join('\n');
}

function short(id: string): string {
  return (
    { 'local-government': 'local-gov', 'higher-education': 'higher-ed', 'private-sector': 'private' }[id] ??
    id
  );
}

function writePredictions(path: string, items: LabelledItem[], predictions: Classification[]): void {
  const hasId = items.some((i) => i.id !== undefined);
  const clean = (s: string) => s.replace(/[\t\r\n]+/g, ' ');
  const rows = items.map((item, i) => {
    const p = predictions[i]!;
    const cells = [clean(item.title), p.sector, p.confidence.toFixed(3), p.relevance.toFixed(3)];
    return [...(hasId ? [clean(item.id ?? '')] : []), ...cells, p.relevant ? 'yes' : 'no'];
  });
  const header = [...(hasId ? ['id'] : []), 'title', 'sector', 'confidence', 'relevance', 'relevant'];
  writeFileSync(path, [header, ...rows].map((r) => r.join('\t') + '\n').join(''));
}
