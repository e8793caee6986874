import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { CliContext } from '../../src/cli/context.js';
import { runCli } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
const env = () => ({ REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: 'cli-config:' });

/** A configuration directory whose sources.yaml is wrong: a command that reads it names the file. */
function brokenConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-cli-config-'));
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n  - id: x\n    name: x\n    kind: fead\n    url: https://example.org/feed\n    every: 1h\n',
  );
  return dir;
}

/** Every command that runs something, as the words that name it: `items list`, `serve`… */
function leafCommands(cmd: Command, path: string[] = []): string[][] {
  const here = cmd.commands.flatMap((c) => leafCommands(c, [...path, c.name()]));
  return cmd.commands.length === 0 || (cmd as unknown as { _actionHandler?: unknown })._actionHandler
    ? [path, ...here].filter((p) => p.length > 0)
    : here;
}

describe('--config on every command', () => {
  it('is taken after any command name, so no command refuses it as an unknown option', () => {
    const program = buildProgram(new CliContext({}), () => undefined);
    const commands = leafCommands(program);
    expect(commands).toContainEqual(['items', 'list']);
    expect(commands).toContainEqual(['editors', 'list']);
    expect(commands).toContainEqual(['dedupe', 'eval']);
    for (const path of commands) {
      const parsed = program.parseOptions([...path, '--config', 'DIR']);
      expect({ path, unknown: parsed.unknown }).toEqual({ path, unknown: [] });
      expect(program.opts().config).toBe('DIR');
    }
  });

  it('`items list --config DIR` runs', async () => {
    const run = await runCli(['items', 'list', '--config', brokenConfig(), '--json'], env());
    expect(run.stderr).not.toMatch(/unknown option/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ items: [] });
  });

  it('is the directory commands read, given before or after the command', async () => {
    const dir = brokenConfig();
    for (const args of [
      ['sources', 'status', '--config', dir],
      ['--config', dir, 'digest', 'show'],
      ['classify', 'Councils share a chief executive', '--config', dir],
    ]) {
      const run = await runCli(args, env());
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain(`configuration error:\n${join(dir, 'sources.yaml')}:4`);
    }
  });

  it("is listed in each command's help", () => {
    const program = buildProgram(new CliContext({}), () => undefined);
    const list = program.commands
      .find((c) => c.name() === 'items')!
      .commands.find((c) => c.name() === 'list')!;
    expect(list.helpInformation()).toMatch(/--config <dir>\s+configuration directory/);
  });
});
