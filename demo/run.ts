/**
 * `npm run demo`: the whole product on bundled offline data. Starts the demo news site on
 * loopback, points a copy of demo/config at it, and runs the real `ssnews` commands.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli.js';
import { DEMO_CONFIG_ORIGIN, startDemoServer } from './server.js';

const DEMO_CONFIG_DIR = fileURLToPath(new URL('./config', import.meta.url));

/** Copies demo/config/sources.yaml with the demo origin replaced; lines stay where they were. */
export function writeDemoConfig(origin: string, dataDir: string): string {
  const dir = join(dataDir, 'demo-config');
  mkdirSync(dir, { recursive: true });
  const yaml = readFileSync(join(DEMO_CONFIG_DIR, 'sources.yaml'), 'utf8').replaceAll(DEMO_CONFIG_ORIGIN, origin);
  writeFileSync(join(dir, 'sources.yaml'), yaml);
  return dir;
}

async function step(title: string, args: string[]): Promise<number> {
  process.stdout.write(`\n=== ${title}\n$ ssnews ${args.join(' ')}\n\n`);
  return main(['node', 'ssnews', ...args]);
}

const site = await startDemoServer();
const configDir = writeDemoConfig(site.origin, resolve(process.env.SSNEWS_DATA_DIR ?? 'data'));
process.stdout.write(`Demo news site serving demo/site at ${site.origin}\n`);
let failed = 0;
try {
  failed += (await step('Check every demo source once (nothing stored)', ['sources', 'check', '--config', configDir])) === 0 ? 0 : 1;
} finally {
  await site.close();
}
process.exitCode = failed ? 1 : 0;
