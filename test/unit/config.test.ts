import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { loadSettings } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';

function configDir(sourcesYaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-config-'));
  writeFileSync(join(dir, 'sources.yaml'), sourcesYaml);
  return dir;
}

const feed = (fields: string) => `sources:\n  - id: lgc\n    name: LGC\n${fields}`;

// "Billion laughs": nine levels of nine aliases each, a billion strings once expanded.
const aliasBomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => {
    const p = 'abcdefghi'[i]!;
    return `${c}: &${c} [${Array(9).fill(`*${p}`).join(',')}]`;
  }),
  '',
].join('\n');

// Each broken configuration, the line the message must point at, the field, and words it must say.
const broken: { name: string; yaml: string; line: number; field?: string; says: RegExp }[] = [
  {
    name: 'kind: fead',
    yaml: feed('    kind: fead\n    url: https://example.org/feed\n    every: 1h\n'),
    line: 4,
    field: 'sources[0].kind',
    says: /"feed" or "page".*"fead"/,
  },
  {
    name: 'duplicate id',
    yaml: feed(
      '    kind: feed\n    url: https://example.org/a\n    every: 1h\n  - id: lgc\n    name: Other\n    kind: feed\n    url: https://example.org/b\n    every: 1h\n',
    ),
    line: 7,
    field: 'sources[1].id',
    says: /duplicate id "lgc".*line 2/,
  },
  {
    name: 'page without selectors',
    yaml: feed('    kind: page\n    url: https://example.org/news\n    every: 1h\n'),
    line: 2,
    field: 'sources[0].selectors',
    says: /needs "selectors:"/,
  },
  {
    name: 'every: 1m',
    yaml: feed('    kind: feed\n    url: https://example.org/feed\n    every: 1m\n'),
    line: 6,
    field: 'sources[0].every',
    says: /too frequent: at least 15m/,
  },
  {
    name: 'every: soon',
    yaml: feed('    kind: feed\n    url: https://example.org/feed\n    every: soon\n'),
    line: 6,
    field: 'sources[0].every',
    says: /"30m", "6h".*"soon"/,
  },
  {
    name: 'maxItems: 0',
    yaml: feed('    kind: feed\n    url: https://example.org/feed\n    every: 1h\n    maxItems: 0\n'),
    line: 7,
    field: 'sources[0].maxItems',
    says: /at least 1 item/,
  },
  {
    name: 'ftp URL',
    yaml: feed('    kind: feed\n    url: ftp://example.org/feed\n    every: 1h\n'),
    line: 5,
    field: 'sources[0].url',
    says: /http:\/\/ or https:\/\/.*ftp:/,
  },
  {
    name: 'YAML syntax error',
    yaml: feed('     kind: feed\n    url: https://example.org/feed\n'),
    line: 3,
    says: /YAML syntax error \(lines 3-4\)/,
  },
  {
    name: 'unknown field',
    yaml: feed('    kind: feed\n    url: https://example.org/feed\n    every: 1h\n    evry: 2h\n'),
    line: 7,
    field: 'sources[0]',
    says: /unknown field "evry"/,
  },
  {
    name: 'selectors on a feed',
    yaml: feed(
      '    kind: feed\n    url: https://example.org/feed\n    every: 1h\n    selectors: {item: li}\n',
    ),
    line: 7,
    field: 'sources[0]',
    says: /unknown field "selectors"/,
  },
  {
    name: 'unknown sector hint',
    yaml: feed('    kind: feed\n    url: https://example.org/feed\n    every: 1h\n    sector: nhs\n'),
    line: 7,
    field: 'sources[0].sector',
    says: /one of local-government.*"nhs"/,
  },
  {
    name: 'missing url',
    yaml: feed('    kind: feed\n    every: 1h\n'),
    line: 2,
    field: 'sources[0].url',
    says: /is required/,
  },
  {
    name: 'alias bomb',
    yaml: aliasBomb + feed('    kind: feed\n    url: https://example.org/feed\n    every: 1h\n'),
    line: 2,
    says: /too many YAML aliases.*"billion laughs"/,
  },
];

describe('configuration errors', () => {
  it.each(broken)('$name: one message naming file, line and field', ({ yaml, line, field, says }) => {
    const dir = configDir(yaml);
    let error: unknown;
    try {
      loadConfig(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe(join(dir, 'sources.yaml'));
    expect(problems[0]!.line).toBe(line);
    if (field) expect(problems[0]!.field).toBe(field);
    expect(problems[0]!.message).toMatch(says);
  });

  it.each(broken)('$name: `sources check` exits 2 with the message on stderr', async ({ yaml, line }) => {
    const dir = configDir(yaml);
    const run = await runCli(['sources', 'check', '--config', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(dir, 'sources.yaml')}:${line}:`);
    expect(run.stdout).toBe('');
  });

  it('an alias bomb in any configuration file is a clear message and exit 2, not a stack trace', async () => {
    const dir = configDir(feed('    kind: feed\n    url: https://example.org/feed\n    every: 1h\n'));
    writeFileSync(join(dir, 'newsletter.yaml'), aliasBomb);
    const run = await runCli(['sources', 'check', '--config', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(dir, 'newsletter.yaml')}:2: too many YAML aliases`);
    expect(run.stderr).not.toMatch(/ReferenceError|\n\s+at /);
  });

  it('a good configuration loads with defaults applied and borrows bundled sectors and newsletter', () => {
    const config = loadConfig(
      configDir(feed('    kind: feed\n    url: https://example.org/feed\n    every: 30m\n')),
    );
    expect(config.sources).toEqual([
      {
        id: 'lgc',
        name: 'LGC',
        kind: 'feed',
        url: 'https://example.org/feed',
        every: 30 * 60_000,
        enabled: true,
        enrich: false,
        maxItems: 500,
        allowPrivateNetwork: false,
      },
    ]);
    expect(config.sectors.map((s) => s.id)).toEqual([
      'local-government',
      'health',
      'higher-education',
      'blue-light',
      'private-sector',
      'leadership',
      'other',
    ]);
    expect(config.newsletter.send.weekday).toBe('friday');
  });

  it('newsletter signup.confirmDays: 7 when left out; a bad value names the file, line and field', () => {
    const dir = configDir(feed('    kind: feed\n    url: https://example.org/feed\n    every: 30m\n'));
    const bundled = readFileSync('config/newsletter.yaml', 'utf8').replace(/^signup:\n(?: .*\n)*/m, '');
    writeFileSync(join(dir, 'newsletter.yaml'), bundled);
    expect(loadConfig(dir).newsletter.signup.confirmDays).toBe(7);
    writeFileSync(join(dir, 'newsletter.yaml'), `signup:\n  confirmDays: 0\n${bundled}`);
    let error: unknown;
    try {
      loadConfig(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const [problem] = (error as ConfigError).problems;
    expect(problem).toMatchObject({
      file: join(dir, 'newsletter.yaml'),
      line: 2,
      field: 'signup.confirmDays',
    });
    expect(problem!.message).toMatch(/at least 1 day/);
  });

  it('the bundled configuration is valid and has at least 25 sources across every sector', () => {
    const config = loadConfig();
    expect(config.sources.length).toBeGreaterThanOrEqual(25);
    const sectors = new Set(config.sources.map((s) => s.sector));
    for (const id of [
      'local-government',
      'health',
      'higher-education',
      'blue-light',
      'private-sector',
      'leadership',
    ])
      expect(sectors).toContain(id);
    expect(config.sources.some((s) => s.kind === 'page')).toBe(true);
  });
});

describe('environment settings', () => {
  it('applies defaults', () => {
    const s = loadSettings({});
    expect(s.keyPrefix).toBe('ssnews:');
    expect(s.port).toBe(8080);
    expect(s.redisUrl).toBeUndefined();
  });

  it('names the variable and what was expected', () => {
    expect(() => loadSettings({ REDIS_URL: 'http://x', PORT: 'eighty' })).toThrowError(
      /environment: REDIS_URL: expected redis:\/\/[\s\S]*environment: PORT/,
    );
  });
});
