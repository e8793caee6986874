import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { CliContext, EXIT, type ExitCode } from '../../src/cli/context.js';
import {
  ageOption,
  countOption,
  millisOption,
  numberOption,
  portOption,
  secondsOption,
  sectorOption,
} from '../../src/cli/options.js';
import type { Config } from '../../src/config/load.js';
import type { RedisTarget } from '../../src/store/connection.js';
import { UsageError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';

// Nothing listens here: a command that reached Redis before checking its flags would wait on it
// (and never start a local redis-server), instead of exiting 2 at once.
const env = { REDIS_URL: 'redis://127.0.0.1:9' };

/** A context that records, and refuses, any attempt to load the configuration or reach Redis. */
class UntouchedContext extends CliContext {
  readonly opened: string[] = [];
  override async loadConfig(): Promise<Config> {
    this.opened.push('config');
    throw new Error('loaded the configuration before checking the flags');
  }
  override async redisTarget(): Promise<RedisTarget> {
    this.opened.push('redis');
    throw new Error('reached for Redis before checking the flags');
  }
  override async redis(): Promise<never> {
    this.opened.push('redis');
    throw new Error('reached for Redis before checking the flags');
  }
}

async function runUntouched(args: string[]): Promise<{ code: ExitCode; stderr: string; opened: string[] }> {
  const err: string[] = [];
  const ctx = new UntouchedContext(
    env,
    () => undefined,
    (t) => err.push(t),
  );
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(ctx, (c) => (code = c));
  program.configureOutput({ writeOut: () => undefined, writeErr: (t) => err.push(t) });
  try {
    await program.parseAsync(['node', 'ssnews', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return { code, stderr: err.join('\n'), opened: ctx.opened };
}

describe('a Redis that does not answer', () => {
  it('is one clear line and exit 2, not a stream of reconnect errors', async () => {
    const run = await runCli(['items', 'list'], env);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(
      /^cannot reach Redis at redis:\/\/127\.0\.0\.1:9 \(connect ECONNREFUSED 127\.0\.0\.1:9\): start it, or set REDIS_URL$/,
    );
  });
});

describe('numeric flags: a bad value exits 2 at once, naming the flag', () => {
  it('fetch --min-gap abc exits 2 promptly, before opening the classifier or Redis', async () => {
    const run = await runCli(['fetch', '--min-gap', 'abc'], env);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('--min-gap expects a whole number of milliseconds');
    expect(run.stderr).toContain('"abc"');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('serve --port 99999 exits 2 (not a RangeError from listen, exit 1)', async () => {
    const run = await runCli(['serve', '--port', '99999'], env);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe('--port expects a whole number from 0 to 65535, got "99999"');
  });

  it('sources check --timeout abc exits 2', async () => {
    const run = await runCli(['sources', 'check', '--timeout', 'abc'], env);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('--timeout expects a number of seconds');
    expect(run.stderr).toContain('"abc"');
  });

  const out = mkdtempSync(join(tmpdir(), 'ssnews-flags-'));
  // [arguments, the words stderr must contain]
  const bad: [string[], string][] = [
    [
      ['fetch', '--min-gap', '-5'],
      '--min-gap expects a whole number of milliseconds from 0 to 2147483647, got "-5"',
    ],
    [
      ['worker', 'fetch', '--concurrency', '0'],
      '--concurrency expects a whole number from 1 to 1000, got "0"',
    ],
    [['worker', '--concurrency', 'lots'], '--concurrency expects'],
    [['worker', '--min-gap', '1.5'], '--min-gap expects a whole number'],
    [
      ['worker', '--lock-ms', '1e12'],
      '--lock-ms expects a whole number of milliseconds from 1 to 2147483647, got "1e12"',
    ],
    [['worker', 'nope'], 'unknown worker role "nope"'],
    [['serve', '--port', 'http'], '--port expects'],
    [['serve', '--port', '-1'], '--port expects'],
    [
      ['sources', 'check', '--timeout', '1e9'],
      '--timeout expects a number of seconds more than 0 and at most 3600, got "1e9"',
    ],
    [['sources', 'check', '--timeout', '0'], '--timeout expects'],
    [['items', 'list', '--limit', '0'], '--limit expects a whole number of at least 1, got "0"'],
    [['items', 'list', '--limit', 'ten'], '--limit expects'],
    [['items', 'list', '--since', 'last week'], '--since expects an age such as 7d'],
    [['items', 'list', '--since', '99999999d'], '--since expects an age of at most 3650d'],
    [['items', 'list', '--sector', 'nhs'], '--sector expects one of local-government,'],
    [['items', 'label', 'x1', '--sector', 'nhs'], '--sector expects one of'],
    [['classify', 'A headline', '--hint', 'nhs'], '--hint expects one of'],
    [
      ['classify', 'reclassify', '--days', 'abc'],
      '--days expects a number of days more than 0 and at most 3650, got "abc"',
    ],
    [['classify', 'reclassify', '--days', '-1'], '--days expects'],
    [
      ['digest', 'move', 'lg1', '--position', '0'],
      '--position expects a whole number of at least 1, got "0"',
    ],
    [['digest', 'move', 'lg1', '--sector', 'nhs'], 'unknown sector "nhs": expected one of local-government,'],
    [['digest', 'add', 'https://example.org/a', '--position', 'first'], '--position expects'],
    [
      ['digest', 'comment', 'lg1', 'x', '--if-version', 'two'],
      '--if-version expects a whole number of at least 1, got "two"',
    ],
    [['digest', 'include', 'lg1', '--if-version', '0'], '--if-version expects'],
    [
      ['digest', 'render', '--out', out, '--sectors', 'health,nhs'],
      'unknown sector(s): nhs: expected one of',
    ],
  ];
  it.each(bad)('ssnews %j exits 2 without loading config or reaching Redis', async (args, says) => {
    const run = await runUntouched(args);
    expect(run.stderr).toContain(says);
    expect(run.code).toBe(2);
    expect(run.opened).toEqual([]);
  });
});

describe('the option parsers', () => {
  it('take decimal numbers within the range and nothing else', () => {
    expect(portOption('0', '--port')).toBe(0);
    expect(portOption('65535', '--port')).toBe(65535);
    expect(countOption('1e3', '--limit')).toBe(1000);
    expect(millisOption('0', '--min-gap')).toBe(0);
    for (const text of ['', ' ', '65536', '80.5', '0x50', 'Infinity', 'NaN', '1e400'])
      expect(() => portOption(text, '--port')).toThrow(UsageError);
    expect(() => countOption('9007199254740993', '--limit')).toThrow(
      '--limit expects a whole number of at least 1',
    );
    expect(() => numberOption('11', '--x', { min: 1, max: 10 })).toThrow(
      '--x expects a whole number from 1 to 10, got "11"',
    );
  });

  it('read seconds and ages as milliseconds, and sectors as sector ids', () => {
    expect(secondsOption('20', '--timeout')).toBe(20_000);
    expect(secondsOption('0.5', '--timeout')).toBe(500);
    expect(ageOption('7d', '--since')).toBe(7 * 86_400_000);
    expect(ageOption('12h', '--since')).toBe(12 * 3_600_000);
    expect(sectorOption('health', '--sector')).toBe('health');
    expect(() => sectorOption('Health', '--sector')).toThrow(UsageError);
  });
});

describe('the program', () => {
  it('has each command group once, each creating its own parent command', () => {
    const program = buildProgram(
      new CliContext(
        env,
        () => undefined,
        () => undefined,
      ),
      () => undefined,
    );
    const names = program.commands.map((c) => c.name());
    expect(names).toEqual([
      'sources',
      'fetch',
      'worker',
      'items',
      'classify',
      'dedupe',
      'digest',
      'serve',
      'editors',
      'subscribers',
      'export',
      'import',
    ]);
    const sub = (name: string) =>
      program.commands.find((c) => c.name() === name)!.commands.map((c) => c.name());
    expect(sub('sources')).toEqual(['check', 'status']);
    expect(sub('items')).toEqual(['list', 'label']);
    expect(sub('editors')).toEqual(['add', 'list', 'remove', 'passwd']);
    expect(sub('subscribers')).toEqual(['import', 'export', 'list', 'remove', 'count']);
    expect(sub('digest')).toEqual(expect.arrayContaining(['check', 'send', 'status']));
  });
});
