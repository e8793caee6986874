import type { Command } from 'commander';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { EXIT, type CliContext, type GlobalOptions, type Run } from './context.js';

const CARRIED =
  'Carried: items and their indexes, sources’ state, drafts and issues, subscribers (and the erased-address hashes and their salt), ' +
  'delivery ledgers, editor labels and classifier models, editor accounts (with their password hashes). ' +
  'Not carried: editor sessions, locks, caches (robots.txt, host pacing), sign-in failure, send-rate and sign-up rate counters, ' +
  'unconfirmed sign-ups, BullMQ queues.';

/**
 * `ssnews export` / `ssnews import`: the whole data store as JSON lines, for backup and for
 * moving to another Redis or prefix (src/store/backup.ts has the format and the all-or-nothing
 * import). The store module is loaded inside each action, so other commands never load it.
 */
export function registerBackupCommands(program: Command, ctx: CliContext, run: Run): void {
  program
    .command('export')
    .description(`write every stored record as JSON lines on stdout (or --out FILE). ${CARRIED}`)
    .option('--out <file>', 'write to FILE instead of stdout')
    .action((opts: { out?: string }) =>
      run(async () => {
        const started = Date.now();
        const { exportBackup } = await import('../store/backup.js');
        const redis = await ctx.redis();
        const prefix = ctx.settings.keyPrefix;
        let summary;
        if (opts.out) {
          const file = createWriteStream(opts.out);
          summary = await exportBackup(redis, prefix, async (line) => {
            if (!file.write(line + '\n')) await once(file, 'drain');
          });
          await new Promise<void>((resolve, reject) =>
            file.end((err?: Error | null) => (err ? reject(err) : resolve())),
          );
        } else summary = await exportBackup(redis, prefix, (line) => ctx.out(line));
        if (summary.unknown.length)
          ctx.err(
            `warning: ${summary.unknown.length} keys under ${prefix} are not ssnews keys and were not exported: ` +
              summary.unknown.slice(0, 5).join(', ') +
              (summary.unknown.length > 5 ? ', …' : ''),
          );
        ctx.err(
          `exported ${summary.keys} keys from prefix ${prefix}${opts.out ? ` to ${opts.out}` : ''} in ${seconds(started)}: ${families(summary.families)}`,
        );
        return EXIT.ok;
      }),
    );

  program
    .command('import')
    .description(
      'restore a file written by `ssnews export` under this SSNEWS_KEY_PREFIX, all or nothing: the whole file is ' +
        'checked first (a newer format or a malformed line is refused, exit 2), then written. A target that ' +
        `already holds data is refused unless --replace. Stop workers and the web editor while importing. ${CARRIED}`,
    )
    .argument('<file>', 'the backup file (JSON lines)')
    .option('--replace', "replace the target's data (every key the file does not carry is removed)")
    .option('--json', 'print one JSON document')
    .action((file: string, opts: GlobalOptions & { replace?: boolean }) =>
      run(async () => {
        const started = Date.now();
        if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
        const { importBackup } = await import('../store/backup.js');
        const redis = await ctx.redis();
        const prefix = ctx.settings.keyPrefix;
        const summary = await importBackup(redis, prefix, file, { replace: opts.replace });
        if (opts.json)
          ctx.json({
            imported: summary.keys,
            families: summary.families,
            replaced: summary.replaced,
            from: summary.header,
            prefix,
          });
        else
          ctx.out(
            `imported ${summary.keys} keys from ${file} (exported ${summary.header.createdAt} from prefix ${summary.header.prefix}) ` +
              `into prefix ${prefix}${summary.replaced ? `, replacing ${summary.replaced} keys` : ''} in ${seconds(started)}: ${families(summary.families)}`,
          );
        return EXIT.ok;
      }),
    );
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function families(counts: Partial<Record<string, number>>): string {
  const parts = Object.entries(counts).map(([family, n]) => `${family} ${n}`);
  return parts.length ? parts.join(', ') : 'nothing';
}
