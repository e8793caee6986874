import Table from 'cli-table3';
import type { Command } from 'commander';
import { checkSources, type SourceCheck } from '../ingest/check.js';
import { userAgent } from '../ingest/user-agent.js';
import { EXIT, selectSources, type CliContext, type ExitCode, type GlobalOptions } from './context.js';

export function registerSourcesCommands(program: Command, ctx: CliContext, run: (fn: () => Promise<ExitCode>) => Promise<void>): void {
  const sources = program.command('sources').description('check and inspect the configured sources');

  sources
    .command('check')
    .description('validate the configuration, then fetch each enabled source once (storing nothing)')
    .option('--config <dir>', 'configuration directory (default: ./config or $SSNEWS_CONFIG_DIR)')
    .option('--json', 'print one JSON document')
    .option('--source <id...>', 'only these sources')
    .option('--timeout <seconds>', 'per-source timeout', '20')
    .action((opts: GlobalOptions & { source?: string[]; timeout: string }) =>
      run(async () => {
        const config = ctx.loadConfig(opts.config);
        const selected = selectSources(config, opts.source);
        const results = await checkSources(selected, { userAgent: userAgent(config.newsletter), timeoutMs: Number(opts.timeout) * 1000 });
        const failed = results.filter((r) => !r.ok);
        if (opts.json) ctx.json({ ok: failed.length === 0, sources: results });
        else {
          ctx.out(checkTable(results));
          ctx.out(`${results.length - failed.length} of ${results.length} sources healthy`);
          for (const f of failed) ctx.err(`FAILED ${f.id} (${f.url}): ${f.error}`);
          for (const m of results.filter((r) => r.movedTo)) ctx.err(`moved: ${m.id} permanently redirects to ${m.movedTo}: update its url`);
        }
        return failed.length > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}

function checkTable(results: SourceCheck[]): string {
  const table = new Table({
    head: ['id', 'kind', 'status', 'items', 'newest', 'time', 'error'],
    style: { head: [], border: [], compact: true },
    ...(results.some((r) => r.error) ? { colWidths: [null, null, null, null, null, null, 60] as unknown as number[], wordWrap: true } : {}),
  });
  for (const r of results) {
    table.push([r.id, r.kind, r.status ?? '-', r.ok ? r.items : '-', r.newest?.slice(0, 10) ?? '-', `${(r.ms / 1000).toFixed(2)}s`, r.error ?? '']);
  }
  return table.toString();
}
