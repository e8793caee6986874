import { buildProgram } from '../../src/cli.js';
import { CliContext, EXIT, type ExitCode } from '../../src/cli/context.js';
import { CommanderError } from 'commander';
import { Readable } from 'node:stream';

export interface CliRun {
  code: ExitCode;
  stdout: string;
  stderr: string;
}

/** Runs `ssnews ARGS` in-process with the given environment and stdin (not a TTY; empty by default), capturing its output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, stdin = ''): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx = new CliContext(
    env,
    (t) => out.push(t),
    (t) => err.push(t),
    Readable.from([stdin]),
  );
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(ctx, (c) => (code = c));
  program.configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
  try {
    await program.parseAsync(['node', 'ssnews', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
