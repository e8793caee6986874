/**
 * `npm run bench [NAME…]`: runs bench/*.bench.ts (each default-exports `(report) => Promise<void>`)
 * and prints every figure beside its baseline. NAME filters by file name.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatFigure, type Figure, type Report } from './report.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const all: Figure[] = [];
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  const mod = (await import(new URL(file, import.meta.url).href)) as {
    default: (report: Report) => Promise<void>;
  };
  await mod.default((figure) => {
    all.push(figure);
    console.log(formatFigure(figure));
  });
}
if (files.length === 0) console.log('no benchmarks matched');
process.exit(0);
