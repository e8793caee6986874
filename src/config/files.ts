import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../errors.js';
import { DEFAULT_CONFIG_DIR } from '../paths.js';

/** `name` in the configuration directory `dir` when it has one, else the bundled file. */
export function configFile(dir: string, name: string): string {
  const own = join(dir, name);
  return existsSync(own) ? own : join(DEFAULT_CONFIG_DIR, name);
}

/** A configuration file's text; a missing or unreadable file is a ConfigError naming it. */
export function readConfigText(path: string, displayPath = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError([{ file: displayPath, message: reason }]);
  }
}

/** Paths in messages are relative to where the administrator stands. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
