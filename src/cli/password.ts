import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { Input } from './context.js';

/**
 * A new password for `editors add` and `editors passwd`: typed twice at a hidden prompt when
 * stdin is a terminal, else the first line of stdin (for scripts: `printf '%s\n' "$PW" | ssnews …`).
 * Its strength is the store's to judge.
 */
export async function readNewPassword(
  input: Input,
  prompts: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) {
    const line = await firstLine(input);
    if (line === undefined) throw new UsageError('no password on stdin: give it as the first line');
    return line;
  }
  const password = await hiddenPrompt(input, prompts, 'new password: ');
  if ((await hiddenPrompt(input, prompts, 'again: ')) !== password)
    throw new UsageError('the two passwords differ');
  return password;
}

/** The first line of a stream without its line break; undefined if the stream is empty. */
export async function firstLine(input: Input): Promise<string | undefined> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}

/** Reads a line from a terminal without echoing it; Ctrl-C gives up. */
async function hiddenPrompt(input: Input, prompts: NodeJS.WritableStream, prompt: string): Promise<string> {
  // readline echoes what is typed to its output: a sink that drops it keeps the password off the screen.
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: muted, terminal: true });
  const abort = new AbortController();
  rl.on('SIGINT', () => abort.abort());
  prompts.write(prompt);
  try {
    return await rl.question('', { signal: abort.signal });
  } catch (err) {
    if (abort.signal.aborted) throw new UsageError('no password given (interrupted)');
    throw err;
  } finally {
    rl.close();
    prompts.write('\n');
  }
}
