/**
 * `npm run demo`: the whole product on bundled offline data. Starts the demo news site and a
 * private redis-server on loopback, points a copy of demo/config at the site, and runs the
 * real `ssnews` commands: check the sources, fetch and classify them, list the week's items,
 * draft the issue, add commentary through the text-editor workflow, render it and check it,
 * add a demo editor; then serves the editor and the archive on that data until Ctrl-C.
 * `--no-serve` ends after the commands (tests and CI); `--out DIR` puts the rendered issue there.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../src/cli.js';
import { findRedisServer, freePort, startRedisServer } from '../src/store/redis-server.js';
import { startDemoServer } from './server.js';
import {
  addDemoEditor,
  DEMO_EDITOR,
  demoPassword,
  fillDemoDraft,
  shellWords,
  writeDemoConfig,
} from './setup.js';

async function step(title: string, args: string[]): Promise<number> {
  process.stdout.write(`\n=== ${title}\n$ ssnews ${shellWords(args)}\n\n`);
  return main(['node', 'ssnews', ...args]);
}

const dataDir = resolve(process.env.SSNEWS_DATA_DIR ?? 'data');
// `npm run demo -- --out DIR` puts the rendered issue elsewhere (default ./out).
const outArg = process.argv.indexOf('--out');
const outDir = resolve(outArg > 0 && process.argv[outArg + 1] ? process.argv[outArg + 1]! : 'out');
const serve = !process.argv.includes('--no-serve');
const redisDir = join(dataDir, 'demo-redis');
rmSync(redisDir, { recursive: true, force: true }); // a fresh start each run
if (!findRedisServer()) {
  process.stderr.write(
    'The demo runs its own redis-server, and none is installed.\nDebian/Ubuntu: sudo apt-get install redis-server   macOS: brew install redis\n',
  );
  process.exit(2);
}
const redis = await startRedisServer({ dir: redisDir, port: await freePort() });
const site = await startDemoServer();
// The demo keeps to its own Redis and key prefix: never a developer's own data.
process.env.REDIS_URL = redis.url;
process.env.SSNEWS_KEY_PREFIX = 'ssnews-demo:';
// Signs the demo's session cookies; a fresh one each run, as nothing outlives the demo's Redis.
process.env.SESSION_SECRET = randomBytes(32).toString('hex');
// The server's log of every request would bury the demo's own lines.
process.env.LOG_LEVEL ??= 'warn';
const configDir = writeDemoConfig(site.origin, dataDir);
process.stdout.write(
  `Demo news site: ${site.origin} (demo/site)\nDemo Redis: ${redis.url} (data in ${redisDir})\n`,
);

const failures: string[] = [];
const expect = async (title: string, args: string[], ok: number[] = [0]) => {
  const code = await step(title, args);
  if (!ok.includes(code)) failures.push(`${args.slice(0, 2).join(' ')} exited ${code}`);
};
const draftFile = join(outDir, 'draft.yaml');
try {
  mkdirSync(outDir, { recursive: true });
  await expect('Check every demo source once (nothing stored)', ['sources', 'check', '--config', configDir]);
  await expect('Fetch, parse, classify, merge duplicates and store every source', [
    'fetch',
    '--config',
    configDir,
    '--min-gap',
    '0',
  ]);
  await expect('Fetching again is idempotent: the same items, no doubles', [
    'fetch',
    '--config',
    configDir,
    '--min-gap',
    '0',
    '--no-enrich',
  ]);
  await expect('Source health', ['sources', 'status', '--config', configDir]);
  await expect("This week's items, newest first", ['items', 'list', '--since', '7d']);
  await expect('Classify a headline and see why', [
    'classify',
    'Surrey and Sussex police forces to share a joint control room',
    'The two forces say the collaboration will save £4m a year.',
  ]);
  await expect("Draft the next issue from this week's items", ['digest', 'draft', '--config', configDir]);
  await expect('Export the draft for a text editor', [
    'digest',
    'export',
    '--config',
    configDir,
    '--out',
    draftFile,
  ]);
  writeFileSync(draftFile, fillDemoDraft(readFileSync(draftFile, 'utf8')));
  process.stdout.write(`\n(the demo wrote an intro, a subject and three comments into ${draftFile})\n`);
  await expect('Apply the edited draft', ['digest', 'import', '--config', configDir, draftFile]);
  await expect('Show the edited draft', ['digest', 'show', '--config', configDir]);
  await expect('Render it: HTML email and plain text', [
    'digest',
    'render',
    '--config',
    configDir,
    '--out',
    outDir,
  ]);
  await expect('Pre-send checks (loopback demo links are warnings)', [
    'digest',
    'check',
    '--config',
    configDir,
  ]);
  process.stdout.write(
    `\n=== Add a demo editor (an admin) for the web editor\n$ ssnews editors add ${DEMO_EDITOR.email} --name '${DEMO_EDITOR.name}' --admin   (password on stdin)\n\n`,
  );
  const password = demoPassword();
  if ((await addDemoEditor(password)) !== 0) failures.push('editors add failed');
  report();
  if (serve && failures.length === 0) {
    const port = await freePort();
    const address = `http://127.0.0.1:${port}`;
    process.stdout.write(
      [
        '',
        `The editor: ${address}/editor   (administration: ${address}/admin, archive: ${address}/issues)`,
        `Log in as ${DEMO_EDITOR.email} with password ${password}`,
        'Press Ctrl-C to stop the server, the fetch worker, the demo news site and the demo Redis.',
        '',
      ].join('\n'),
    );
    // A fetch worker beside the server takes the admin's "Fetch now" jobs (no schedules: the
    // demo's sources were fetched above).
    const worker = ['worker', 'fetch', '--config', configDir, '--min-gap', '0', '--no-schedule'];
    process.stdout.write(`\n=== Run a fetch worker for "Fetch now"\n$ ssnews ${shellWords(worker)}\n`);
    const codes = await Promise.all([
      step('Serve the editor and the archive on the demo data', [
        'serve',
        '--config',
        configDir,
        '--port',
        String(port),
      ]),
      main(['node', 'ssnews', ...worker]),
    ]);
    const code = codes.find((c) => c !== 0) ?? 0;
    if (code !== 0) process.exitCode = code;
  }
} finally {
  await site.close();
  await redis.stop();
}

/** What the demo did, before it serves (or at its end with --no-serve). */
function report(): void {
  if (failures.length) {
    process.stdout.write(`\nDemo finished with failures:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `\nDemo done. Open ${join(outDir, 'issue.html')} in a browser; the text part is ${join(outDir, 'issue.txt')}.\n`,
    );
  }
}
