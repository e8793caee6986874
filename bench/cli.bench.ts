/**
 * How quickly the `ssnews` command starts, as a user runs it (bin/ssnews.js, which runs the
 * build in dist/ that `npm run bench` has just made): `ssnews --help`, and `ssnews items list`
 * against a local redis-server holding a week of items, each beside `node -e 0` measured in
 * the same run, run by run. Figures are the CPU (user + system) of the child process, read from
 * this process's cutime + cstime once the child is reaped (/proc, clock ticks): a process
 * waiting for a core on a shared machine costs no CPU. Also the first render of a process
 * (loading mjml and compiling an issue), beside the second render in that same process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { SECTOR_IDS } from '../src/config/schema.js';
import { buildIssueView } from '../src/digest/view.js';
import { ItemStore } from '../src/store/items.js';
import { freePort, startRedisServer } from '../src/store/redis-server.js';
import { bundledConfig, makeItem, sampleIssue, storeItem } from '../test/helpers/digest.js';
import { rangeOf, type Range, type Report } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ssnews.js');
/** Runs of each pair (command, then `node -e 0`); each run's figure is the mean of CALLS calls. */
const RUNS = 7;
const CALLS = 3;
const AIM = { help: 3, itemsList: 6 };
const PREFIX = 'bench-cli:';
const ITEMS = 60;

const TICK_MS = 1000 / (Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

/** ms of CPU used so far by this process's reaped children (cutime + cstime, fields 16 and 17). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

/** Mean ms of CPU of one call of `args` (node's own), over CALLS calls; fails on a non-zero exit. */
function cpuOf(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const before = childrenCpuMs();
  for (let i = 0; i < CALLS; i++) {
    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return (childrenCpuMs() - before) / CALLS;
}

/** RUNS pairs of (command, baseline), interleaved so both see the same machine. */
function paired(command: () => number, baseline: () => number) {
  const values: number[] = [];
  const bases: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    values.push(command());
    bases.push(baseline());
  }
  const ratios = values.map((v, i) => v / bases[i]!);
  return { value: rangeOf(values), baseline: rangeOf(bases), ratio: rangeOf(ratios) };
}

const met = (ratio: Range, aim: number) =>
  ratio.max <= aim ? 'met' : ratio.min <= aim ? 'met in some runs' : 'not met';

export default async function cliBench(report: Report): Promise<void> {
  // bin/ssnews.js falls back to tsx when a source is newer than the build: measure the build.
  const builtAt = statSync(join(ROOT, 'dist/src/main.js')).mtimeMs;
  const newer = readdirSync(join(ROOT, 'src'), { recursive: true }).filter(
    (f) => statSync(join(ROOT, 'src', String(f))).mtimeMs > builtAt,
  );
  if (newer.length) throw new Error(`dist/ is older than src/${String(newer[0])}: run npm run build`);
  const nodeBare = () => cpuOf(['-e', '0']);

  const help = paired(() => cpuOf([BIN, '--help']), nodeBare);
  report({
    name: 'ssnews --help (dist/)',
    unit: 'ms CPU',
    ...help,
    baseline: { name: 'node -e 0', value: help.baseline },
    target: `<= ${AIM.help}x node -e 0: ${met(help.ratio, AIM.help)}`,
  });

  const dir = mkdtempSync(join(tmpdir(), 'ssnews-bench-cli-'));
  const redis = await startRedisServer({ dir, port: await freePort() });
  try {
    const client = new Redis(redis.connection);
    const store = new ItemStore(client, PREFIX);
    const sectors = SECTOR_IDS.filter((s) => s !== 'other');
    for (let i = 0; i < ITEMS; i++)
      await storeItem(
        store,
        makeItem(`c${i}`, sectors[i % sectors.length]!, {
          title: `Councils share services, story ${i}`,
          publishedAt: new Date(Date.now() - (i + 1) * 3_600_000).toISOString(),
        }),
      );
    await client.quit();
    const env = { ...process.env, REDIS_URL: redis.url, SSNEWS_KEY_PREFIX: PREFIX };
    const list = paired(() => cpuOf([BIN, 'items', 'list'], env), nodeBare);
    report({
      name: `ssnews items list (${ITEMS} items, local redis-server)`,
      unit: 'ms CPU',
      ...list,
      baseline: { name: 'node -e 0', value: list.baseline },
      target: `<= ${AIM.itemsList}x node -e 0: ${met(list.ratio, AIM.itemsList)}`,
    });
  } finally {
    await redis.stop();
  }

  // The first render of a process: a 40-item issue compiled in a fresh node running the build,
  // beside the second compile of the same issue in that process.
  const { issue, items } = sampleIssue(40);
  const viewFile = join(dir, 'view.json');
  writeFileSync(viewFile, JSON.stringify(buildIssueView(issue, items, bundledConfig())));
  const script = `
    import { readFileSync } from 'node:fs';
    const view = JSON.parse(readFileSync(${JSON.stringify(viewFile)}, 'utf8'));
    const { compileIssue } = await import(${JSON.stringify(join(ROOT, 'dist/src/digest/render.js'))});
    const cpu = async () => { const c = process.cpuUsage(); await compileIssue(view); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
    const first = await cpu();
    console.log(JSON.stringify({ first, second: await cpu() }));`;
  const renders = Array.from({ length: 3 }, () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`first render: ${r.stderr}`);
    return JSON.parse(r.stdout) as { first: number; second: number };
  });
  rmSync(dir, { recursive: true, force: true });
  const first = rangeOf(renders.map((r) => r.first));
  report({
    name: 'first compileIssue of a process (loads mjml), 40 items',
    value: first,
    unit: 'ms CPU',
    baseline: { name: 'second compileIssue', value: rangeOf(renders.map((r) => r.second)) },
    ratio: rangeOf(renders.map((r) => r.first / r.second)),
    target: `< 1000 ms: ${first.max < 1000 ? 'met' : first.min < 1000 ? 'met in some runs' : 'not met'}`,
  });
}
