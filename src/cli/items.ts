import type { Command } from 'commander';
import { SECTOR_IDS } from '../config/sector-ids.js';
import { sectorOf, type NewsItem } from '../types/item.js';
import { UsageError } from '../errors.js';
import { EXIT, type CliContext, type Run } from './context.js';
import { ageOption, countOption, sectorOption } from './options.js';
import { textTable } from './table.js';

/** `ssnews items list` and `ssnews items label`: the stored news items. */
export function registerItemsCommands(program: Command, ctx: CliContext, run: Run): void {
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
        const age = ageOption(opts.since, '--since');
        const sector = opts.sector === undefined ? undefined : sectorOption(opts.sector, '--sector');
        const limit = opts.limit === undefined ? undefined : countOption(opts.limit, '--limit');
        const list = await (
          await ctx.stores()
        ).items.list({ since: new Date(Date.now() - age), sector, limit });
        const { clusterStories } = await import('../dedupe/stories.js');
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
    .description(
      "an editor's decision on an item: re-file it (--sector) or judge it (--relevant yes|no); stored as a training label",
    )
    .argument('<item>', 'item id (from `items list` or `digest show`)')
    .option('--sector <id>', `the sector it belongs in (${SECTOR_IDS.join(', ')})`)
    .option('--relevant <yes|no>', 'whether it is about collaboration')
    .option('--editor <name>', 'who decided', 'cli')
    .option('--json', 'print the item as JSON')
    .action((itemId: string, opts: { sector?: string; relevant?: string; editor: string; json?: boolean }) =>
      run(async () => {
        const sector = opts.sector === undefined ? undefined : sectorOption(opts.sector, '--sector');
        if (opts.relevant && !['yes', 'no'].includes(opts.relevant))
          throw new UsageError(`--relevant expects yes or no, got "${opts.relevant}"`);
        if (!opts.sector && !opts.relevant)
          throw new UsageError('say what the item is: --sector ID and/or --relevant yes|no');
        const decision = {
          sector,
          relevant: opts.relevant === undefined ? undefined : opts.relevant === 'yes',
        };
        const { labelItem } = await import('../classify/editor-label.js');
        const item = await labelItem(await ctx.stores(), itemId, decision, opts.editor);
        if (!item) throw new UsageError(`no stored item with id ${itemId} (see \`ssnews items list\`)`);
        if (opts.json) ctx.json(item);
        else
          ctx.out(
            `${item.id} "${item.title}": filed under ${sectorOf(item)}, ${(item.editorRelevant ?? item.classification.relevant) ? 'relevant' : 'not relevant'}; label stored for the next retrain`,
          );
        return EXIT.ok;
      }),
    );
}

function itemsTable(items: NewsItem[], storyOf: ReadonlyMap<string, string>): string {
  const storySize = new Map<string, number>();
  for (const story of storyOf.values()) storySize.set(story, (storySize.get(story) ?? 0) + 1);
  return textTable(
    ['published', 'sector', 'title', 'sources', 'story'],
    items.map((i) => {
      const story = storyOf.get(i.id)!;
      const size = storySize.get(story)!;
      return [
        i.publishedAt.slice(0, 16).replace('T', ' '),
        sectorOf(i) + (i.classification.relevant ? '' : ' (-)'),
        i.title,
        i.sourceIds.join(', '),
        size > 1 ? `${story.slice(0, 6)} ×${size}` : '',
      ];
    }),
    { colWidths: [18, 18, 62, 30, 10], wordWrap: true },
  );
}
