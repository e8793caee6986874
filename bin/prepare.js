// `npm ci` / `npm install` run this (package.json "prepare"): it builds dist/ so `ssnews` starts
// quickly (see bin/ssnews.js). An install without devDependencies (`npm ci --omit=dev`) has no
// TypeScript compiler: it skips the build, and bin/ssnews.js runs dist/ if one was copied in,
// else the sources through tsx.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import process from 'node:process';

try {
  createRequire(import.meta.url).resolve('typescript');
} catch {
  process.stderr.write('ssnews: no TypeScript compiler installed (production install): not building dist/\n');
  process.exit(0);
}
const npm = process.env.npm_execpath;
const build = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
