#!/usr/bin/env node
// The `ssnews` command. It runs the compiled build (dist/, made by `npm ci` through the `prepare`
// script, or `npm run build`) when that is at least as new as every file under src/: starting
// it costs about twice `node -e 0`, where compiling TypeScript through tsx on every run costs
// seconds. When dist/ is missing or older than a source (an edit, a `git pull` without a
// build), it runs the sources through tsx, so the command never runs stale code.
// `npm run ssnews -- …` always runs the sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}dist/src/main.js`;

/** Whether dist/src/main.js exists and no source under src/ was changed after it was written. */
function buildIsCurrent() {
  if (!existsSync(built)) return false;
  if (!existsSync(`${root}src`)) return true;
  const builtAt = statSync(built).mtimeMs;
  for (const file of readdirSync(`${root}src`, { recursive: true })) {
    if (statSync(`${root}src/${file}`).mtimeMs > builtAt) return false;
  }
  return true;
}

if (buildIsCurrent()) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
