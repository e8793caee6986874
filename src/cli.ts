import { Command, CommanderError } from 'commander';
import { EXIT, CliContext, type ExitCode } from './cli/context.js';
import { registerSourcesCommands } from './cli/sources.js';
import { registerClassifyCommands } from './cli/classify.js';
import { registerDedupeCommands } from './cli/dedupe.js';
import { registerIngestCommands } from './cli/ingest.js';
import { registerDigestCommands } from './cli/digest.js';
import { registerServeCommand } from './cli/serve.js';
import { ConfigError, UsageError } from './errors.js';
import { VERSION } from './ingest/user-agent.js';

/** Builds the `ssnews` program; commands live in src/cli/*, the behaviour in src/. */
export function buildProgram(ctx: CliContext, setExit: (code: ExitCode) => void): Command {
  const program = new Command('ssnews')
    .description('Gathers UK public-sector shared services news and turns it into a weekly email digest.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();

  const run = async (fn: () => Promise<ExitCode>) => {
    try {
      setExit(await fn());
    } catch (err) {
      setExit(reportError(ctx, err));
    } finally {
      await ctx.close();
    }
  };
  registerSourcesCommands(program, ctx, run);
  registerClassifyCommands(program, ctx, run);
  registerDedupeCommands(program, ctx, run);
  registerIngestCommands(program, ctx, run);
  registerDigestCommands(program, ctx, run);
  registerServeCommand(program, ctx, run);
  return program;
}

function reportError(ctx: CliContext, err: unknown): ExitCode {
  if (err instanceof ConfigError) {
    ctx.err(`configuration error:\n${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    ctx.err(err.message);
    return EXIT.usage;
  }
  ctx.err(`error: ${(err as Error).stack ?? String(err)}`);
  return EXIT.failed;
}

export async function main(argv: string[]): Promise<ExitCode> {
  let ctx: CliContext;
  try {
    ctx = new CliContext(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return EXIT.usage;
  }
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(ctx, (c) => (code = c));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  return code;
}

