import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * `ssnews --help` stays quick only while registering the commands imports no implementation
 * (src/cli.ts): this builds the program in a fresh process and lists the packages it loaded.
 */
const HEAVY = [
  'mjml',
  'natural',
  'cheerio',
  'bullmq',
  'nodemailer',
  'fastify',
  'ioredis',
  'undici',
  'zod',
  'yaml',
  'sanitize-html',
  'html-to-text',
  'pino',
];

const SCRIPT = `
  import { createRequire, register } from 'node:module';
  const loaded = new Set();
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => loaded.add(url));
  port1.unref();
  register('data:text/javascript,' + encodeURIComponent(
    'let port; export function initialize(d) { port = d.port; }' +
    'export async function load(url, context, next) { port.postMessage(url); return next(url, context); }'
  ), { data: { port: port2 }, transferList: [port2] });
  const { buildProgram } = await import('./src/cli.ts');
  const { CliContext } = await import('./src/cli/context.ts');
  buildProgram(new CliContext({}), () => undefined).helpInformation();
  await new Promise((r) => setTimeout(r, 50));
  const urls = [...loaded, ...Object.keys(createRequire(import.meta.url).cache)];
  const packages = new Set(urls.map((u) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(u)?.[1]).filter(Boolean));
  console.log(JSON.stringify([...packages].sort()));
`;

describe('registering the commands', () => {
  it('loads none of the heavy libraries the commands use', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', SCRIPT], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const packages = JSON.parse(r.stdout) as string[];
    expect(packages).toContain('commander');
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });
});
