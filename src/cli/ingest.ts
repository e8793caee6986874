import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { clusterStories } from '../dedupe/stories.js';
import { SECTOR_IDS, type SectorId } from '../config/schema.js';
import { ingestClassifier } from '../ingest/classify-stage.js';
import { enrichItem } from '../ingest/enrich.js';
import { ingestSource, politeClient, type EnrichRequest, type SourceRun } from '../ingest/ingest-source.js';
import { sectorOf, type NewsItem } from '../types/item.js';
import { ingestDeps, startWorkers, WORKER_ROLES, type WorkerRole } from '../queue/workers.js';
import { ItemStore } from '../store/items.js';
import { LabelStore } from '../store/labels.js';
import { ModelStore } from '../store/models.js';
import { SourceStateStore } from '../store/sources.js';
import { UsageError } from '../errors.js';
import { labelItem } from '../classify/editor-label.js';
import { mapConcurrent } from '../concurrency.js';
import { EXIT, selectSources, type CliContext, type ExitCode, type GlobalOptions } from './context.js';

type Run = (fn: () => Promise<ExitCode>) => Promise<void>;

/** `ssnews fetch`, `ssnews worker`, `ssnews items list`, `ssnews sources status`. */
export function registerIngestCommands(program: Command, ctx: CliContext, run: Run): void {
  program
    .command('fetch')
    .description('fetch every enabled (or the named) source now, in this process, and store the items')
    .option('--config <dir>', 'configuration directory (default: ./config or $SSNEWS_CONFIG_DIR)')
    .option('--source <id...>', 'only these sources')
    .option('--no-enrich', 'do not fetch article pages for missing summaries')
    .option('--min-gap <ms>', 'minimum time between two requests to one host', '1000')
    .option('--json', 'print one JSON document')
    .action((opts: GlobalOptions & { source?: string[]; enrich: boolean; minGap: string }) => run(() => fetchCommand(ctx, opts)));

  program
    .command('worker')
    .description('process the queues until stopped: fetch (also keeps one schedule per source), enrich, retrain (nightly classifier), or all')
    .argument('[role]', 'fetch | enrich | retrain | all', 'all')
    .option('--config <dir>', 'configuration directory (default: ./config or $SSNEWS_CONFIG_DIR)')
    .option('--concurrency <n>', 'jobs at once in this process')
    .option('--min-gap <ms>', 'minimum time between two requests to one host', '1000')
    .option('--lock-ms <ms>', 'how long before a dead worker\'s job is taken over', '30000')
    .option('--no-schedule', 'do not manage the job schedulers (fetch role)')
    .action((role: string, opts: GlobalOptions & { concurrency?: string; minGap: string; lockMs: string; schedule: boolean }) =>
      run(async () => {
        if (role !== 'all' && !(WORKER_ROLES as readonly string[]).includes(role)) throw new UsageError(`unknown worker role "${role}": expected ${WORKER_ROLES.join(', ')} or all`);
        const roles: WorkerRole[] = role === 'all' ? [...WORKER_ROLES] : [role as WorkerRole];
        ctx.loadConfig(opts.config);
        const workers = await startWorkers({
          target: await ctx.redisTarget(),
          prefix: ctx.settings.keyPrefix,
          configDir: opts.config ?? ctx.settings.configDir,
          roles,
          concurrency: opts.concurrency ? positive(opts.concurrency, '--concurrency') : undefined,
          pace: { minGapMs: nonNegative(opts.minGap, '--min-gap') },
          lockDurationMs: positive(opts.lockMs, '--lock-ms'),
          schedule: opts.schedule,
          log: (m) => ctx.err(m),
        });
        ctx.err(`ssnews worker (${roles.join(', ')}) running, pid ${process.pid}; SIGHUP reloads the configuration, SIGTERM stops`);
        const onHup = () => void workers.reload().then((r) => r && ctx.err(`reloaded: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed`));
        process.on('SIGHUP', onHup);
        await new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        process.off('SIGHUP', onHup);
        await workers.close();
        return EXIT.ok;
      }),
    );

  const items = program.command('items').description('the stored news items');
  items
    .command('list')
    .description('list stored items, newest first')
    .option('--since <age>', 'published within this long, e.g. 7d or 12h', '7d')
    .option('--sector <id>', `only this sector (${SECTOR_IDS.join(', ')})`)
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print one JSON document')
    .action((opts: { since: string; sector?: string; limit?: string; json?: boolean }) =>
      run(async () => {
        const age = parseDuration(opts.since);
        if (age === undefined) throw new UsageError(`--since expects an age such as 7d, 12h or 30m, got "${opts.since}"`);
        if (opts.sector && !SECTOR_IDS.includes(opts.sector as SectorId)) throw new UsageError(`--sector expects one of ${SECTOR_IDS.join(', ')}, got "${opts.sector}"`);
        const store = new ItemStore(await ctx.redis(), ctx.settings.keyPrefix);
        const list = await store.list({ since: new Date(Date.now() - age), sector: opts.sector as SectorId | undefined, limit: opts.limit ? positive(opts.limit, '--limit') : undefined });
        const storyOf = clusterStories(list);
        if (opts.json) ctx.json({ items: list.map((i) => ({ ...i, storyId: storyOf.get(i.id) })) });
        else {
          ctx.out(itemsTable(list, storyOf));
          ctx.out(`${list.length} items in ${new Set(storyOf.values()).size} stories`);
        }
        return EXIT.ok;
      }),
    );

  items
    .command('label')
    .description("an editor's decision on an item: re-file it (--sector) or judge it (--relevant yes|no); stored as a training label")
    .argument('<item>', 'item id (from `items list` or `digest show`)')
    .option('--sector <id>', `the sector it belongs in (${SECTOR_IDS.join(', ')})`)
    .option('--relevant <yes|no>', 'whether it is about collaboration')
    .option('--editor <name>', 'who decided', 'cli')
    .option('--json', 'print the item as JSON')
    .action((itemId: string, opts: { sector?: string; relevant?: string; editor: string; json?: boolean }) =>
      run(async () => {
        if (opts.sector && !SECTOR_IDS.includes(opts.sector as SectorId)) throw new UsageError(`--sector expects one of ${SECTOR_IDS.join(', ')}, got "${opts.sector}"`);
        if (opts.relevant && !['yes', 'no'].includes(opts.relevant)) throw new UsageError(`--relevant expects yes or no, got "${opts.relevant}"`);
        if (!opts.sector && !opts.relevant) throw new UsageError('say what the item is: --sector ID and/or --relevant yes|no');
        const decision = { sector: opts.sector as SectorId | undefined, relevant: opts.relevant === undefined ? undefined : opts.relevant === 'yes' };
        const redis = await ctx.redis();
        const stores = { items: new ItemStore(redis, ctx.settings.keyPrefix), labels: new LabelStore(redis, ctx.settings.keyPrefix) };
        const item = await labelItem(stores, itemId, decision, opts.editor);
        if (!item) throw new UsageError(`no stored item with id ${itemId} (see \`ssnews items list\`)`);
        if (opts.json) ctx.json(item);
        else ctx.out(`${item.id} "${item.title}": filed under ${sectorOf(item)}, ${(item.editorRelevant ?? item.classification.relevant) ? 'relevant' : 'not relevant'}; label stored for the next retrain`);
        return EXIT.ok;
      }),
    );

  const sources = program.commands.find((c) => c.name() === 'sources') ?? program.command('sources').description('the configured sources');
  sources
    .command('status')
    .description('per source: last fetch, HTTP status, items in the last 7 days, failures, next fetch, last error')
    .option('--config <dir>', 'configuration directory (default: ./config or $SSNEWS_CONFIG_DIR)')
    .option('--json', 'print one JSON document')
    .action((opts: GlobalOptions) =>
      run(async () => {
        const config = ctx.loadConfig(opts.config);
        const redis = await ctx.redis();
        const states = new SourceStateStore(redis, ctx.settings.keyPrefix);
        const store = new ItemStore(redis, ctx.settings.keyPrefix);
        const ids = [...new Set([...config.sources.map((s) => s.id), ...(await states.ids())])];
        const weekAgo = new Date(Date.now() - 7 * 86_400_000);
        const rows = await Promise.all(
          (await states.getMany(ids)).map(async (s) => {
            const source = config.sources.find((c) => c.id === s.id);
            return { ...s, configured: source ? (source.enabled ? 'enabled' : 'disabled') : 'removed', itemsLast7Days: await store.countBySource(s.id, weekAgo) };
          }),
        );
        if (opts.json) ctx.json({ sources: rows });
        else {
          const table = new Table({ head: ['id', 'config', 'last fetch', 'status', 'items 7d', 'failures', 'next fetch', 'last error'], style: { head: [], border: [], compact: true } });
          for (const r of rows) {
            table.push([r.id, r.configured, r.lastFetchAt?.slice(0, 16).replace('T', ' ') ?? 'never', r.lastStatus ?? '-', r.itemsLast7Days, r.consecutiveFailures, r.nextFetchAt?.slice(0, 16).replace('T', ' ') ?? '-', (r.lastError ?? '').slice(0, 70)]);
          }
          ctx.out(table.toString());
          for (const r of rows.filter((x) => x.movedTo)) ctx.err(`moved: ${r.id} permanently redirects to ${r.movedTo}: update its url`);
        }
        return rows.some((r) => r.configured === 'enabled' && r.consecutiveFailures > 0) ? EXIT.failed : EXIT.ok;
      }),
    );
}

async function fetchCommand(ctx: CliContext, opts: GlobalOptions & { source?: string[]; enrich: boolean; minGap: string }): Promise<ExitCode> {
  const config = ctx.loadConfig(opts.config);
  const selected = selectSources(config, opts.source);
  const redis = await ctx.redis();
  const enrichQueue: EnrichRequest[] = [];
  const classifier = await ingestClassifier(config, new ModelStore(redis, ctx.settings.keyPrefix));
  const deps = {
    ...ingestDeps(redis, ctx.settings.keyPrefix, config, classifier, { minGapMs: nonNegative(opts.minGap, '--min-gap') }),
    enrich: opts.enrich ? async (r: EnrichRequest[]) => void enrichQueue.push(...r) : undefined,
  };
  try {
    const client = politeClient(deps);
    const bar = !opts.json && process.stderr.isTTY ? new SingleBar({ format: 'fetching {bar} {value}/{total} sources | {id}', stream: process.stderr, hideCursor: true }) : undefined;
    bar?.start(selected.length, 0, { id: '' });
    const runs = await mapConcurrent(selected, 8, async (source) => {
      const r = await ingestSource(deps, source, { force: true, client });
      bar?.increment(1, { id: source.id });
      return r;
    });
    bar?.stop();
    let enriched = 0;
    if (enrichQueue.length) {
      const bar2 = !opts.json && process.stderr.isTTY ? new SingleBar({ format: 'article pages {bar} {value}/{total}', stream: process.stderr, hideCursor: true }) : undefined;
      bar2?.start(enrichQueue.length, 0);
      await mapConcurrent(enrichQueue, 4, async (req) => {
        try {
          const r = await enrichItem(deps, req.itemId, config.sources.find((s) => s.id === req.sourceId), client);
          if (r.outcome === 'enriched') enriched++;
        } catch (err) {
          ctx.err(`article page for item ${req.itemId}: ${(err as Error).message}`);
        }
        bar2?.increment();
      });
      bar2?.stop();
    }
    const failed = runs.filter((r) => r.outcome === 'failed' || r.outcome === 'deferred');
    const totals = { items: sum(runs, 'items'), created: sum(runs, 'created'), skipped: sum(runs, 'skipped') };
    if (opts.json) ctx.json({ ok: failed.length === 0, ...totals, enriched, sources: runs });
    else {
      ctx.out(runsTable(runs));
      ctx.out(`${runs.length - failed.length} of ${runs.length} sources fetched: ${totals.items} items (${totals.created} new), ${totals.skipped} skipped without a usable title or link, ${enriched} article pages read`);
      for (const f of failed) ctx.err(`FAILED ${f.sourceId}: ${f.error}`);
      for (const m of runs.filter((r) => r.movedTo)) ctx.err(`moved: ${m.sourceId} permanently redirects to ${m.movedTo}: update its url`);
    }
    return failed.length ? EXIT.failed : EXIT.ok;
  } finally {
    await classifier.close();
  }
}

function runsTable(runs: SourceRun[]): string {
  const table = new Table({ head: ['id', 'outcome', 'status', 'items', 'new', 'skipped', 'error'], style: { head: [], border: [], compact: true } });
  for (const r of runs) table.push([r.sourceId, r.outcome, r.status ?? '-', r.items, r.created, r.skipped, (r.error ?? '').slice(0, 70)]);
  return table.toString();
}

function itemsTable(items: NewsItem[], storyOf: ReadonlyMap<string, string>): string {
  const table = new Table({ head: ['published', 'sector', 'title', 'sources', 'story'], style: { head: [], border: [], compact: true }, colWidths: [18, 18, 62, 30, 10], wordWrap: true });
  const storySize = new Map<string, number>();
  for (const story of storyOf.values()) storySize.set(story, (storySize.get(story) ?? 0) + 1);
  for (const i of items) {
    const story = storyOf.get(i.id)!;
    const size = storySize.get(story)!;
    table.push([i.publishedAt.slice(0, 16).replace('T', ' '), sectorOf(i) + (i.classification.relevant ? '' : ' (-)'), i.title, i.sourceIds.join(', '), size > 1 ? `${story.slice(0, 6)} ×${size}` : '']);
  }
  return table.toString();
}

function sum(runs: SourceRun[], field: 'items' | 'created' | 'skipped'): number {
  return runs.reduce((n, r) => n + r[field], 0);
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} expects a positive whole number, got "${text}"`);
  return n;
}

function nonNegative(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects a whole number of milliseconds, got "${text}"`);
  return n;
}
