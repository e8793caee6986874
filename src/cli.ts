import { Command, CommanderError } from 'commander';
import { EXIT, CliContext, CONFIG_OPTION, type ExitCode, type Run } from './cli/context.js';
import { registerSourcesCommands } from './cli/sources.js';
import { registerFetchCommands } from './cli/fetch.js';
import { registerItemsCommands } from './cli/items.js';
import { registerClassifyCommands } from './cli/classify.js';
import { registerDedupeCommands } from './cli/dedupe.js';
import { registerDigestCommands } from './cli/digest.js';
import { registerServeCommands } from './cli/serve.js';
import { registerEditorsCommands } from './cli/editors.js';
import { registerSubscribersCommands } from './cli/subscribers.js';
import { registerBackupCommands } from './cli/backup.js';
import { ConfigError, UsageError } from './errors.js';
import { VERSION } from './ingest/user-agent.js';

/**
 * Builds the `ssnews` program. Each command group lives in its own src/cli/<group>.ts, creates
 * its own parent command and is registered here with one line, in the order `--help` lists
 * them; the behaviour lives in src/. Registering a command (its name, options and help) loads
 * nothing heavy: a group's file imports only commander's types, ./cli/context, ./cli/options,
 * ./cli/table, the error classes and config/schema at top level, and each action
 * `await import()`s the modules that do its work, so `ssnews --help` and a quick command stay quick
 * (`npm run bench cli`).
 */
export function buildProgram(ctx: CliContext, setExit: (code: ExitCode) => void): Command {
  const program = new Command('ssnews')
    .description('Gathers UK public-sector shared services news and turns it into a weekly email digest.')
    .version(VERSION)
    // Every command reads its configuration from one place: this option, before or after the
    // command's name (`ssnews items list --config DIR`), handed to the context before it runs.
    .option(...CONFIG_OPTION)
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride();
  program.hook('preAction', async () => {
    ctx.useConfigDir(program.opts<{ config?: string }>().config);
    await ctx.prepare();
  });

  const run: Run = async (fn) => {
    try {
      setExit(await fn());
    } catch (err) {
      setExit(await reportError(ctx, err));
    } finally {
      await ctx.close();
    }
  };
  registerSourcesCommands(program, ctx, run); // sources check, sources status
  registerFetchCommands(program, ctx, run); // fetch, worker
  registerItemsCommands(program, ctx, run); // items list, items label
  registerClassifyCommands(program, ctx, run); // classify, classify eval|retrain|reclassify
  registerDedupeCommands(program, ctx, run); // dedupe eval
  registerDigestCommands(program, ctx, run); // digest draft|show|export|import|edits|render|check|send|status
  registerServeCommands(program, ctx, run); // serve
  registerEditorsCommands(program, ctx, run); // editors add|list|remove|passwd
  registerSubscribersCommands(program, ctx, run); // subscribers import|export|list|remove|count
  registerBackupCommands(program, ctx, run); // export, import
  return program;
}

async function reportError(ctx: CliContext, err: unknown): Promise<ExitCode> {
  // The error classes of the layers below, loaded only when a command fails.
  const [
    { SubscriberError },
    { SendRefused },
    { AccountError },
    { ConflictError, EditError, IssueLockedError },
  ] = await Promise.all([
    import('./store/subscribers.js'),
    import('./delivery/errors.js'),
    import('./store/editors.js'),
    import('./digest/errors.js'),
  ]);
  if (err instanceof ConfigError) {
    ctx.err(`configuration error:\n${err.message}`);
    return EXIT.usage;
  }
  // An editing error is the editor's to fix: bad input exits 2, a conflict or a locked issue exits 1.
  // So is an account refused (bad or duplicate email, short password, no such editor): nothing ran.
  if (
    err instanceof UsageError ||
    err instanceof EditError ||
    err instanceof AccountError ||
    err instanceof SubscriberError
  ) {
    ctx.err(err.message);
    return EXIT.usage;
  }
  // Sending refused while blocking checks stand: the work ran (the checks) and found them, listed.
  if (err instanceof SendRefused) {
    ctx.err(err.message);
    return EXIT.failed;
  }
  if (err instanceof ConflictError || err instanceof IssueLockedError) {
    ctx.err(`conflict: ${err.message}`);
    return EXIT.failed;
  }
  ctx.err(`error: ${(err as Error).stack ?? String(err)}`);
  return EXIT.failed;
}

export async function main(argv: string[]): Promise<ExitCode> {
  const ctx = new CliContext(process.env);
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(ctx, (c) => (code = c));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
        ? EXIT.ok
        : EXIT.usage;
    }
    // The environment's settings are checked before any command's action (CliContext.prepare).
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  return code;
}
