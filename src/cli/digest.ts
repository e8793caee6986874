import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isSectorId, SECTOR_IDS, SECTOR_IDS_EXPECTED } from '../config/sector-ids.js';
import type { EditOp } from '../digest/edit.js';
import type { Digest } from '../digest/service.js';
import { EditError } from '../digest/errors.js';
import type { Issue } from '../types/issue.js';
import type { NewsItem } from '../types/item.js';
import { EXIT, type CliContext, type GlobalOptions, type Run } from './context.js';
import { countOption } from './options.js';
import { registerDeliveryCommands } from './delivery.js';
interface WeekOptions extends GlobalOptions {
  week?: string;
  ifVersion?: string;
  editor?: string;
}

/** `ssnews digest …`: drafting, editing, export/import, rendering and checks of the weekly issue. */
export function registerDigestCommands(program: Command, ctx: CliContext, run: Run): void {
  const digest = program.command('digest').description('draft, edit, render and check the weekly digest');

  const open = async (opts: WeekOptions) => {
    const { Digest } = await import('../digest/service.js');
    const { pipelineIngestUrl } = await import('../worker/ingest-deps.js');
    const { issueWindow } = await import('../digest/week.js');
    const config = await ctx.loadConfig();
    const redis = await ctx.redis();
    const d = new Digest({
      redis,
      prefix: ctx.settings.keyPrefix,
      config,
      editor: opts.editor ?? 'cli',
      ingestUrl: pipelineIngestUrl({ redis, prefix: ctx.settings.keyPrefix, config }),
    });
    const week = issueWindow(opts.week ?? d.nextWeek(), config.newsletter).week;
    return { d, week };
  };
  /** A digest command with --week; `kind` adds --json, or the flags of an edit. */
  const common = (name: string, description: string, kind: 'json' | 'edit' | 'plain' = 'json') => {
    const cmd = digest
      .command(name)
      .description(description)
      .option('--week <week>', 'ISO week, e.g. 2014-W22 (default: the next issue)');
    if (kind === 'json') cmd.option('--json', 'print one JSON document');
    if (kind === 'edit')
      cmd
        .option(
          '--if-version <n>',
          'apply only if the draft is still at this version (else a conflict, exit 1)',
        )
        .option('--editor <name>', 'who is editing (recorded on the issue and on classifier labels)', 'cli')
        .option('--json', 'print the changed issue as JSON');
    return cmd;
  };
  const ifVersionOf = (opts: WeekOptions) =>
    opts.ifVersion === undefined ? undefined : countOption(opts.ifVersion, '--if-version');
  /** One editing change against --if-version, or against the version just read; the flags and `ops` are checked before the draft is opened. */
  const editCommand = (opts: WeekOptions, ops: () => EditOp[]) =>
    run(async () => {
      const ifVersion = ifVersionOf(opts);
      const edits = ops();
      const { d, week } = await open(opts);
      const issue = await d.edit(week, ifVersion ?? (await d.get(week)).version, edits);
      if (opts.json) ctx.json(issue);
      else ctx.out(`${issue.week} is now at version ${issue.version}`);
      return EXIT.ok;
    });

  common('draft', "create the week's draft from the stored items, or refresh it keeping every edit").action(
    (opts: WeekOptions) =>
      run(async () => {
        const { d, week } = await open(opts);
        const { issue, ...result } = await d.draft(week);
        const included = issue.entries.filter((e) => e.included).length;
        if (result.storedInWindow === 0) {
          const { issueWindow, shortDate } = await import('../digest/week.js');
          const window = issueWindow(issue.week, d.config.newsletter);
          ctx.err(
            `warning: no items are stored for ${issue.week} (news from ${shortDate(window.since)} to ${shortDate(new Date(window.until.getTime() - 1))}): fetch the sources first with \`ssnews fetch\` (or keep \`ssnews worker\` running), then run \`ssnews digest draft --week ${issue.week}\` again`,
          );
        }
        if (opts.json)
          ctx.json({
            week: issue.week,
            version: issue.version,
            ...result,
            entries: issue.entries.length,
            included,
          });
        else {
          ctx.out(
            `${result.created ? 'Created' : 'Refreshed'} the draft for ${issue.week} (version ${issue.version}): ${result.added.length} new ${result.added.length === 1 ? 'story' : 'stories'}, ${result.attached.length} more outlet(s) of known stories; ${included} of ${issue.entries.length} included.`,
          );
          ctx.out(
            `Next: ssnews digest show --week ${issue.week}   or   ssnews digest export --week ${issue.week} > draft.yaml`,
          );
        }
        return EXIT.ok;
      }),
  );

  common('show', 'print the draft: sections, items, commentary, version').action((opts: WeekOptions) =>
    run(async () => {
      const { d, week } = await open(opts);
      const { issue, items } = await d.load(week);
      if (opts.json) ctx.json({ issue, items: Object.fromEntries(items) });
      else ctx.out(await showIssue(issue, items, d));
      return EXIT.ok;
    }),
  );

  common('export', 'write the draft as YAML for a text editor (commentary slots under each item)', 'plain')
    .option('--out <file>', 'write to a file instead of stdout')
    .action((opts: WeekOptions & { out?: string }) =>
      run(async () => {
        const { d, week } = await open(opts);
        const yaml = await d.export(week);
        if (opts.out) {
          writeFileSync(opts.out, yaml);
          ctx.err(`wrote ${opts.out}; edit it, then: ssnews digest import --week ${week} ${opts.out}`);
        } else ctx.out(yaml.trimEnd());
        return EXIT.ok;
      }),
    );

  common('import', 'apply an edited export (refused if the draft changed since the export)', 'edit')
    .argument('<file>', 'the edited YAML file')
    .action((file: string, opts: WeekOptions) =>
      run(async () => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new EditError(`cannot read ${file}: ${(err as Error).message}`);
        }
        const weekInFile = /^week:\s*["']?([0-9]{4}-W[0-9]{2})/m.exec(text)?.[1];
        const { d, week } = await open({ ...opts, week: opts.week ?? weekInFile });
        const issue = await d.import(week, text);
        if (opts.json) ctx.json(issue);
        else ctx.out(`Imported ${file} into ${issue.week}: now at version ${issue.version}`);
        return EXIT.ok;
      }),
    );

  common('include', 'include items in the issue', 'edit')
    .argument('<item...>', 'item ids')
    .action((ids: string[], opts: WeekOptions) =>
      editCommand(opts, () => ids.map((itemId) => ({ op: 'include', itemId, included: true }))),
    );
  common('exclude', 'leave items out of the issue', 'edit')
    .argument('<item...>', 'item ids')
    .action((ids: string[], opts: WeekOptions) =>
      editCommand(opts, () => ids.map((itemId) => ({ op: 'include', itemId, included: false }))),
    );

  common(
    'move',
    'move an item within its section or to another sector (records a label for the classifier)',
    'edit',
  )
    .argument('<item>', 'item id')
    .option('--sector <id>', `new sector: ${SECTOR_IDS.join(', ')}`)
    .option('--position <n>', 'place in the section, 1 = first (default: last)')
    .action((itemId: string, opts: WeekOptions & { sector?: string; position?: string }) =>
      editCommand(opts, () => {
        const sector = opts.sector || undefined;
        if (sector !== undefined && !isSectorId(sector))
          throw new EditError(`unknown sector "${sector}": ${SECTOR_IDS_EXPECTED}`);
        if (!sector && !opts.position) throw new EditError('give --sector, --position or both');
        return [{ op: 'move', itemId, sector, position: positionOf(opts.position) }];
      }),
    );

  const textArg = (text: string | undefined, file: string | undefined) => {
    if (file) return readFileSync(file === '-' ? 0 : file, 'utf8');
    if (text === undefined)
      throw new EditError('give the text as an argument or with --file FILE (- for stdin)');
    return text;
  };
  common('intro', "set the editor's intro (may use <b>, <i>, <a href>; blank line = new paragraph)", 'edit')
    .argument('[text]', 'the intro; empty to clear')
    .option('--file <file>', 'read the text from a file (- for stdin)')
    .action((text: string | undefined, opts: WeekOptions & { file?: string }) =>
      editCommand(opts, () => [{ op: 'intro', text: textArg(text, opts.file) }]),
    );
  common('subject', 'set the subject line', 'edit')
    .argument('<text>', 'the subject')
    .action((text: string, opts: WeekOptions) => editCommand(opts, () => [{ op: 'subject', text }]));
  common('comment', "set an item's commentary, or mark it as going out without (--none)", 'edit')
    .argument('<item>', 'item id')
    .argument('[text]', 'the commentary (may use <b>, <i>, <a href>)')
    .option('--file <file>', 'read the text from a file (- for stdin)')
    .option('--none', 'send this item without commentary')
    .action(
      (itemId: string, text: string | undefined, opts: WeekOptions & { file?: string; none?: boolean }) =>
        editCommand(opts, () => [
          opts.none
            ? { op: 'comment', itemId, noComment: true }
            : { op: 'comment', itemId, text: textArg(text, opts.file) },
        ]),
    );

  common('add', 'add an article by URL (the stored item, or fetched through the pipeline)', 'edit')
    .argument('<url>', 'article URL')
    .option('--position <n>', 'place in its section, 1 = first (default: last)')
    .action((url: string, opts: WeekOptions & { position?: string }) =>
      run(async () => {
        const ifVersion = ifVersionOf(opts);
        const position = positionOf(opts.position);
        const { d, week } = await open(opts);
        const version = ifVersion ?? (await d.get(week)).version;
        const { issue, item } = await d.addByUrl(week, version, url, position);
        if (opts.json) ctx.json(issue);
        else ctx.out(`Added ${item.id} "${item.title}" to ${issue.week} (version ${issue.version})`);
        return EXIT.ok;
      }),
    );

  common('render', 'write issue.html and issue.txt (compiled once, then personalised)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--sectors <ids>', 'only these sectors, comma-separated (as a subscriber who picked them)')
    .action((opts: WeekOptions & { out: string; sectors?: string }) =>
      run(async () => {
        const sectors = opts.sectors
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = sectors?.filter((s) => !isSectorId(s)) ?? [];
        if (unknown.length)
          throw new EditError(`unknown sector(s): ${unknown.join(', ')}: ${SECTOR_IDS_EXPECTED}`);
        const { genericRecipient } = await import('../digest/recipients.js');
        const { byteSize, kb, personalise, recipientGets, sizeVerdict } = await import('../digest/render.js');
        const { d, week } = await open(opts);
        const { compiled, view } = await d.compile(week);
        const recipient = genericRecipient(d.config, sectors?.filter(isSectorId));
        const message = personalise(compiled, recipient);
        // What this copy carries: with --sectors, only those sections, as a subscriber who picked them gets.
        const rendered = view.sections.filter((s) => recipientGets(recipient, s.sector));
        const countItems = (list: typeof view.sections) => list.reduce((n, s) => n + s.items.length, 0);
        const dir = resolve(opts.out);
        mkdirSync(dir, { recursive: true });
        const files = { html: join(dir, 'issue.html'), text: join(dir, 'issue.txt') };
        writeFileSync(files.html, message.html);
        writeFileSync(files.text, message.text);
        const htmlBytes = byteSize(message.html);
        const result = {
          week: view.week,
          version: view.version,
          subject: view.subject,
          sections: rendered.map((s) => s.sector),
          items: countItems(rendered),
          issue: { sections: view.sections.length, items: countItems(view.sections) },
          htmlBytes,
          textBytes: byteSize(message.text),
          compileMs: Math.round(compiled.compileMs),
          mjmlMs: Math.round(compiled.mjmlMs),
          files,
        };
        if (opts.json) ctx.json(result);
        else
          ctx.out(
            `Rendered ${view.week} v${view.version}: ${counted(result.items, 'item')} in ${counted(result.sections.length, 'section')}${sectors ? ` (--sectors ${sectors.join(',')}; the whole issue has ${counted(result.issue.items, 'item')} in ${counted(result.issue.sections, 'section')})` : ''}; HTML ${kb(htmlBytes)}, text ${kb(result.textBytes)}; compiled in ${result.compileMs} ms (MJML ${result.mjmlMs} ms)\n  ${files.html}\n  ${files.text}`,
          );
        const size = sizeVerdict(htmlBytes);
        if (size)
          ctx.err(`${size.severity === 'blocking' ? 'too large to send' : 'warning'}: ${size.message}`);
        return EXIT.ok;
      }),
    );

  common('check', 'pre-send checks: blocking findings stop sending (exit 1)').action((opts: WeekOptions) =>
    run(async () => {
      const { kb } = await import('../digest/render.js');
      const { d, week } = await open(opts);
      const result = await d.check(week);
      if (opts.json) ctx.json(result);
      else {
        for (const f of result.findings)
          ctx.out(`${f.severity === 'blocking' ? 'BLOCKING' : 'warning '} ${f.code.padEnd(14)} ${f.message}`);
        const blocking = result.findings.filter((f) => f.severity === 'blocking').length;
        ctx.out(
          `${result.week} v${result.version}: HTML ${kb(result.htmlBytes)}; ${blocking} blocking, ${result.findings.length - blocking} warning(s): ${result.ok ? 'ready to send' : 'not ready to send'}`,
        );
      }
      return result.ok ? EXIT.ok : EXIT.failed;
    }),
  );

  registerDeliveryCommands(digest, ctx, run); // digest send, digest status
}

/** `1 item`, `3 items`. */
function counted(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `--position N`, 1 = first, as the 0-based place the edit takes. */
function positionOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : countOption(text, '--position') - 1;
}

function clip(text: string, n: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

/** The draft as the editor reads it in a terminal. */
export async function showIssue(issue: Issue, items: Map<string, NewsItem>, d: Digest): Promise<string> {
  const { sourceName } = await import('../digest/view.js');
  const { issueWindow, longDate, shortDate } = await import('../digest/week.js');
  const config = d.config;
  const window = issueWindow(issue.week, config.newsletter);
  const lines = [
    `${issue.week} · ${issue.status} · version ${issue.version} · goes out ${longDate(window.sendAt, config.newsletter.language)} ${config.newsletter.send.time} · news from ${shortDate(window.since)} to ${shortDate(new Date(window.until.getTime() - 1))}`,
    `Subject: ${issue.subject ?? '(not set)'}`,
    `Intro:   ${issue.intro ? clip(issue.intro, 200) : '(not set)'}`,
  ];
  for (const sector of config.sectors) {
    const entries = issue.entries.filter((e) => e.sector === sector.id);
    if (!entries.length) continue;
    const included = entries.filter((e) => e.included);
    lines.push(
      '',
      `${sector.heading} [${sector.id}]: ${included.length} included, ${entries.length - included.length} left out`,
    );
    let n = 0;
    for (const e of [...included, ...entries.filter((x) => !x.included)]) {
      const item = items.get(e.itemId);
      const mark = e.included ? `${String(++n).padStart(2)}.` : ' - ';
      lines.push(
        `  ${mark} ${e.itemId}  ${clip(item?.title ?? '(item no longer stored)', 80)}${item ? `  (${sourceName(config, item)})` : ''}`,
      );
      if (e.included)
        lines.push(
          `       ${e.comment ? `comment: ${clip(e.comment, 90)}` : e.noComment ? 'no comment (by choice)' : 'NO COMMENT YET'}`,
        );
      const also = e.alsoIds.map((id) => items.get(id)).filter((i): i is NewsItem => !!i);
      if (also.length)
        lines.push(`       also reported by: ${also.map((i) => sourceName(config, i)).join(', ')}`);
    }
  }
  if (issue.entries.length === 0)
    lines.push(
      '',
      'No candidates: nothing was stored for this window (run the fetch workers, or check the week).',
    );
  return lines.join('\n');
}
