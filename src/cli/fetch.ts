import type { Command } from 'commander';
import type { EnrichRequest, SourceRun } from '../ingest/ingest-source.js';
import type { WorkerRole } from '../worker/start.js';
import { UsageError } from '../errors.js';
import {
  EXIT,
  selectSources,
  type CliContext,
  type ExitCode,
  type GlobalOptions,
  type Run,
  subcommand,
  untilStopped,
} from './context.js';
import { countOption, millisOption } from './options.js';
import { textTable } from './table.js';

/** Jobs at once in one worker process: more only queues requests behind the per-host pace. */
const MAX_CONCURRENCY = 1000;

/** `ssnews fetch` (one run in this process) and `ssnews worker` (the queues until stopped). */
export function registerFetchCommands(program: Command, ctx: CliContext, run: Run): void {
  subcommand(
    program,
    'fetch',
    'fetch every enabled (or the named) source now, in this process, and store the items',
  )
    .option('--source <id...>', 'only these sources')
    .option('--no-enrich', 'do not fetch article pages for missing summaries')
    .option('--min-gap <ms>', 'minimum time between two requests to one host', '1000')
    .action((opts: GlobalOptions & { source?: string[]; enrich: boolean; minGap: string }) =>
      run(() => fetchCommand(ctx, opts)),
    );

  program
    .command('worker')
    .description(
      'process the queues until stopped: fetch (also keeps one schedule per source), enrich, retrain (nightly classifier), or all; send (the digest to subscribers) runs on its own',
    )
    .argument('[role]', 'fetch | enrich | retrain | all | send', 'all')
    .option('--concurrency <n>', 'jobs at once in this process')
    .option('--min-gap <ms>', 'minimum time between two requests to one host', '1000')
    .option('--lock-ms <ms>', "how long before a dead worker's job is taken over", '30000')
    .option('--no-schedule', 'do not manage the job schedulers (fetch role)')
    .action(
      (
        role: string,
        opts: GlobalOptions & { concurrency?: string; minGap: string; lockMs: string; schedule: boolean },
      ) =>
        run(async () => {
          // Not part of `all`: sending needs SMTP_URL and TOKEN_SECRET, and runs where mail may leave.
          if (role === 'send') return (await import('./delivery.js')).runSendWorker(ctx, opts);
          const { startWorkers, WORKER_ROLES } = await import('../worker/start.js');
          if (role !== 'all' && !(WORKER_ROLES as readonly string[]).includes(role))
            throw new UsageError(
              `unknown worker role "${role}": expected ${WORKER_ROLES.join(', ')}, all or send`,
            );
          const roles: WorkerRole[] = role === 'all' ? [...WORKER_ROLES] : [role as WorkerRole];
          const concurrency =
            opts.concurrency === undefined
              ? undefined
              : countOption(opts.concurrency, '--concurrency', MAX_CONCURRENCY);
          const minGapMs = millisOption(opts.minGap, '--min-gap');
          const lockDurationMs = millisOption(opts.lockMs, '--lock-ms', 1);
          await ctx.loadConfig();
          const workers = await startWorkers({
            target: await ctx.redisTarget(),
            prefix: ctx.settings.keyPrefix,
            configDir: ctx.configDir,
            roles,
            concurrency,
            pace: { minGapMs },
            lockDurationMs,
            schedule: opts.schedule,
            log: (m) => ctx.err(m),
          });
          ctx.err(
            `ssnews worker (${roles.join(', ')}) running, pid ${process.pid}; SIGHUP reloads the configuration, SIGTERM stops`,
          );
          const onHup = () =>
            void workers
              .reload()
              .then(
                (r) =>
                  r &&
                  ctx.err(
                    `reloaded: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed`,
                  ),
              );
          process.on('SIGHUP', onHup);
          await untilStopped();
          process.off('SIGHUP', onHup);
          await workers.close();
          return EXIT.ok;
        }),
    );
}

async function fetchCommand(
  ctx: CliContext,
  opts: GlobalOptions & { source?: string[]; enrich: boolean; minGap: string },
): Promise<ExitCode> {
  const minGapMs = millisOption(opts.minGap, '--min-gap');
  const { ModelStore } = await import('../store/model-versions.js');
  const { enrichItem } = await import('../ingest/enrich.js');
  const { describeUnexpected, ingestSource, politeClient } = await import('../ingest/ingest-source.js');
  const { ingestClassifier, ingestDeps } = await import('../worker/ingest-deps.js');
  const { mapConcurrent } = await import('../concurrency.js');
  const { SingleBar } = await import('cli-progress');
  const progressBar = (format: string) =>
    !opts.json && process.stderr.isTTY
      ? new SingleBar({ format, stream: process.stderr, hideCursor: true })
      : undefined;
  const config = await ctx.loadConfig();
  const selected = selectSources(config, opts.source);
  const redis = await ctx.redis();
  const enrichQueue: EnrichRequest[] = [];
  const classifier = await ingestClassifier(config, new ModelStore(redis, ctx.settings.keyPrefix));
  const deps = {
    ...ingestDeps(redis, ctx.settings.keyPrefix, config, classifier, { minGapMs }),
    enrich: opts.enrich ? async (r: EnrichRequest[]) => void enrichQueue.push(...r) : undefined,
  };
  try {
    const client = politeClient(deps);
    const bar = progressBar('fetching {bar} {value}/{total} sources | {id}');
    bar?.start(selected.length, 0, { id: '' });
    const runs = await mapConcurrent(selected, 8, async (source): Promise<SourceRun> => {
      // ingestSource throws only when it cannot even record the failure (Redis refusing its
      // state): that source fails, the others' results are still reported.
      const r = await ingestSource(deps, source, { force: true, client }).catch(
        (err: unknown): SourceRun => ({
          sourceId: source.id,
          outcome: 'failed',
          items: 0,
          created: 0,
          skipped: 0,
          error: `unexpected, not recorded: ${describeUnexpected(err)}`,
        }),
      );
      bar?.increment(1, { id: source.id });
      return r;
    });
    bar?.stop();
    let enriched = 0;
    if (enrichQueue.length) {
      const bar2 = progressBar('article pages {bar} {value}/{total}');
      bar2?.start(enrichQueue.length, 0);
      await mapConcurrent(enrichQueue, 4, async (req) => {
        try {
          const r = await enrichItem(
            deps,
            req.itemId,
            config.sources.find((s) => s.id === req.sourceId),
            client,
          );
          if (r.outcome === 'enriched') enriched++;
        } catch (err) {
          ctx.err(`article page for item ${req.itemId}: ${(err as Error).message}`);
        }
        bar2?.increment();
      });
      bar2?.stop();
    }
    const failed = runs.filter((r) => r.outcome === 'failed' || r.outcome === 'deferred');
    const totals = {
      items: sum(runs, 'items'),
      created: sum(runs, 'created'),
      skipped: sum(runs, 'skipped'),
    };
    if (opts.json) ctx.json({ ok: failed.length === 0, ...totals, enriched, sources: runs });
    else {
      ctx.out(runsTable(runs));
      ctx.out(
        `${runs.length - failed.length} of ${runs.length} sources fetched: ${totals.items} items (${totals.created} new), ${totals.skipped} skipped without a usable title or link, ${enriched} article pages read`,
      );
      for (const f of failed) ctx.err(`FAILED ${f.sourceId}: ${f.error}`);
      for (const w of runs.filter((r) => r.warning)) ctx.err(`warning: ${w.sourceId} ${w.warning}`);
      for (const m of runs) ctx.moved(m.sourceId, m.movedTo);
    }
    return failed.length ? EXIT.failed : EXIT.ok;
  } finally {
    await classifier.close();
  }
}

function runsTable(runs: SourceRun[]): string {
  return textTable(
    ['id', 'outcome', 'status', 'items', 'new', 'skipped', 'error'],
    runs.map((r) => [
      r.sourceId,
      r.outcome,
      r.status ?? '-',
      r.items,
      r.created,
      r.skipped,
      (r.error ?? '').slice(0, 70),
    ]),
  );
}

function sum(runs: SourceRun[], field: 'items' | 'created' | 'skipped'): number {
  return runs.reduce((n, r) => n + r[field], 0);
}
