import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { EXIT, subcommand, type CliContext, type GlobalOptions, type Run } from './context.js';
import { textTable } from './table.js';

/**
 * `ssnews subscribers import|export|list|remove|count`: the mailing list. A file that cannot be
 * read as a list, or an unknown address, exits 2; an import with invalid rows adds the good
 * rows, lists the bad ones with their line numbers and exits 1.
 */
export function registerSubscribersCommands(program: Command, ctx: CliContext, run: Run): void {
  const subscribers = program
    .command('subscribers')
    .description('the mailing list: import, export, list, remove, count');
  const store = async () => {
    const { SubscriberStore } = await import('../store/subscribers.js');
    return new SubscriberStore(await ctx.redis(), ctx.settings.keyPrefix);
  };

  subcommand(
    subscribers,
    'import',
    'add subscribers from a CSV file (columns email, name, sectors, consent date)',
  )
    .argument('<file>', 'CSV with a header row; sectors separated by ";"; empty sectors = all')
    .option('--dry-run', 'check every row and report, add nothing')
    .action((file: string, opts: GlobalOptions & { dryRun?: boolean }) =>
      run(async () => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
        }
        const { ImportFileError, importSubscribers } = await import('../delivery/import.js');
        let result;
        try {
          result = await importSubscribers(await store(), text, { dryRun: opts.dryRun });
        } catch (err) {
          if (err instanceof ImportFileError) throw new UsageError(`${file}: ${err.message}`);
          throw err;
        }
        if (opts.json) ctx.json(result);
        else {
          const confirmed = result.added.filter((a) => a.status === 'confirmed').length;
          ctx.out(
            `${opts.dryRun ? 'would add' : 'added'} ${result.added.length} subscriber(s) (${confirmed} confirmed with recorded consent, ${result.added.length - confirmed} not); skipped ${result.skipped.length}; ${result.invalid.length} invalid row(s)`,
          );
          for (const s of result.skipped) ctx.out(`  skipped line ${s.line}: ${s.message}`);
          for (const i of result.invalid) ctx.err(`  INVALID line ${i.line}: ${i.message}`);
        }
        return result.invalid.length ? EXIT.failed : EXIT.ok;
      }),
    );

  subscribers
    .command('export')
    .description('every subscriber as CSV on stdout (the columns import reads)')
    .action(() =>
      run(async () => {
        const { subscribersCsv } = await import('../delivery/import.js');
        ctx.out(subscribersCsv(await (await store()).list()).trimEnd());
        return EXIT.ok;
      }),
    );

  subcommand(subscribers, 'list', 'every subscriber: email, name, status, sectors, consent').action(
    (opts: GlobalOptions) =>
      run(async () => {
        const list = await (await store()).list();
        if (opts.json) ctx.json({ subscribers: list });
        else if (list.length === 0)
          ctx.out('no subscribers yet: add some with `ssnews subscribers import FILE.csv`');
        else
          ctx.out(
            textTable(
              ['email', 'name', 'status', 'sectors', 'consent'],
              list.map((s) => [
                s.email,
                s.name || '-',
                s.status,
                s.sectors.join(', ') || 'all',
                s.consentAt?.slice(0, 10) ?? '-',
              ]),
            ),
          );
        return EXIT.ok;
      }),
  );

  subcommand(
    subscribers,
    'remove',
    'erase a subscriber (a salted hash of the address is kept so it is not imported again)',
  )
    .argument('<email>', 'their address')
    .action((email: string, opts: GlobalOptions) =>
      run(async () => {
        const { SubscriberError, subscriberEmail } = await import('../store/subscribers.js');
        const key = subscriberEmail(email);
        if (!(await (await store()).remove(key)))
          throw new SubscriberError(`no subscriber with email ${key} (see \`ssnews subscribers list\`)`);
        if (opts.json) ctx.json({ removed: key });
        else ctx.out(`removed ${key}: their data is erased; the address will not be imported again`);
        return EXIT.ok;
      }),
    );

  subcommand(subscribers, 'count', 'confirmed subscribers, and how many receive each sector').action(
    (opts: GlobalOptions) =>
      run(async () => {
        const { Delivery } = await import('../delivery/service.js');
        const delivery = new Delivery({
          redis: await ctx.redis(),
          prefix: ctx.settings.keyPrefix,
          config: await ctx.loadConfig(),
        });
        const r = await delivery.recipients();
        if (opts.json) ctx.json(r);
        else {
          ctx.out(`${r.count} confirmed subscriber(s); by sector (those who chose none receive all):`);
          ctx.out(
            textTable(
              ['sector', 'subscribers'],
              Object.entries(r.bySector).map(([s, n]) => [s, String(n)]),
            ),
          );
        }
        return EXIT.ok;
      }),
  );
}
