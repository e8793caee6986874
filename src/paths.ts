import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, which holds config/ and templates/: found by walking up to package.json,
 * so it is the same whether this runs from src/ (tsx) or from the build in dist/src/.
 */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The bundled configuration (config/ in the package). */
export const DEFAULT_CONFIG_DIR = join(PACKAGE_ROOT, 'config');

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}
