import type { Command } from 'commander';
import type { SourceCheck } from '../ingest/check-sources.js';
import { EXIT, selectSources, type CliContext, type GlobalOptions, type Run, subcommand } from './context.js';
import { secondsOption } from './options.js';
import { textTable } from './table.js';

/** `ssnews sources check` (the configuration, live) and `ssnews sources status` (what the workers recorded). */
export function registerSourcesCommands(program: Command, ctx: CliContext, run: Run): void {
  const sources = program.command('sources').description('check and inspect the configured sources');

  subcommand(
    sources,
    'check',
    'validate the configuration, then fetch each enabled source once (storing nothing)',
  )
    .option('--source <id...>', 'only these sources')
    .option('--timeout <seconds>', 'per-source timeout', '20')
    .action((opts: GlobalOptions & { source?: string[]; timeout: string }) =>
      run(async () => {
        const timeoutMs = secondsOption(opts.timeout, '--timeout');
        const config = await ctx.loadConfig();
        const selected = selectSources(config, opts.source);
        const { checkSources } = await import('../ingest/check-sources.js');
        const { userAgent } = await import('../ingest/user-agent.js');
        const results = await checkSources(selected, { userAgent: userAgent(config.newsletter), timeoutMs });
        const failed = results.filter((r) => !r.ok);
        if (opts.json) ctx.json({ ok: failed.length === 0, sources: results });
        else {
          ctx.out(checkTable(results));
          ctx.out(`${results.length - failed.length} of ${results.length} sources healthy`);
          for (const f of failed) ctx.err(`FAILED ${f.id} (${f.url}): ${f.error}`);
          for (const m of results) ctx.moved(m.id, m.movedTo);
        }
        return failed.length > 0 ? EXIT.failed : EXIT.ok;
      }),
    );

  subcommand(
    sources,
    'status',
    'per source: last fetch, HTTP status, items in the last 7 days, failures, next fetch, last error',
  ).action((opts: GlobalOptions) =>
    run(async () => {
      const { isFailing, sourcesHealth } = await import('../store/source-health.js');
      const config = await ctx.loadConfig();
      const rows = await sourcesHealth(config, await ctx.stores());
      if (opts.json) ctx.json({ sources: rows });
      else {
        ctx.out(
          textTable(
            ['id', 'config', 'last fetch', 'status', 'items 7d', 'failures', 'next fetch', 'last error'],
            rows.map((r) => [
              r.id,
              r.configured,
              r.lastFetchAt?.slice(0, 16).replace('T', ' ') ?? 'never',
              r.lastStatus ?? '-',
              r.itemsLast7Days,
              r.consecutiveFailures,
              r.nextFetchAt?.slice(0, 16).replace('T', ' ') ?? '-',
              (r.lastError ?? '').slice(0, 70),
            ]),
          ),
        );
        for (const r of rows) ctx.moved(r.id, r.movedTo);
        for (const r of rows.filter((x) => x.lastWarning)) ctx.err(`warning: ${r.id} ${r.lastWarning}`);
      }
      return rows.some(isFailing) ? EXIT.failed : EXIT.ok;
    }),
  );
}

function checkTable(results: SourceCheck[]): string {
  return textTable(
    ['id', 'kind', 'status', 'items', 'newest', 'time', 'error'],
    results.map((r) => [
      r.id,
      r.kind,
      r.status ?? '-',
      r.ok ? r.items : '-',
      r.newest?.slice(0, 10) ?? '-',
      `${(r.ms / 1000).toFixed(2)}s`,
      r.error ?? '',
    ]),
    results.some((r) => r.error)
      ? { colWidths: [null, null, null, null, null, null, 60] as unknown as number[], wordWrap: true }
      : {},
  );
}
