import { join, relative, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { DEFAULT_CONFIG_DIR } from '../paths.js';
import { configFile } from './files.js';
import { YamlFile } from './yaml-file.js';
import {
  newsletterFileSchema,
  sectorsFileSchema,
  sourcesFileSchema,
  type NewsletterConfig,
  type SectorConfig,
  type Source,
} from './schema.js';

export interface Config {
  dir: string;
  sources: Source[];
  /** In digest order. */
  sectors: SectorConfig[];
  newsletter: NewsletterConfig;
  /** Which file each part came from (a config dir may hold only sources.yaml). */
  files: { sources: string; sectors: string; newsletter: string };
}

/**
 * Loads and validates config/{sources,sectors,newsletter}.yaml. A directory that lacks
 * sectors.yaml or newsletter.yaml borrows the bundled ones, so a test or demo directory
 * needs only its own sources.yaml. Throws ConfigError listing every problem found.
 */
export function loadConfig(dir: string = DEFAULT_CONFIG_DIR): Config {
  const abs = resolve(dir);
  const files = { sources: join(abs, 'sources.yaml'), sectors: configFile(abs, 'sectors.yaml'), newsletter: configFile(abs, 'newsletter.yaml') };
  const problems: ConfigProblem[] = [];

  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
      return undefined;
    }
  };

  const sectors = attempt(() => loadSectors(files.sectors));
  const sources = attempt(() => loadSources(files.sources));
  const newsletter = attempt(() => YamlFile.read(files.newsletter, display(files.newsletter)).validate(newsletterFileSchema));
  if (problems.length > 0 || !sectors || !sources || !newsletter) throw new ConfigError(problems);
  return { dir: abs, sources, sectors, newsletter, files };
}

export function loadSources(path: string): Source[] {
  const file = YamlFile.read(path, display(path));
  const { sources } = file.validate(sourcesFileSchema);
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  sources.forEach((source, i) => {
    const first = seen.get(source.id);
    if (first !== undefined) {
      problems.push({
        file: file.path,
        line: file.lineOf(['sources', i, 'id']),
        field: `sources[${i}].id`,
        message: `duplicate id "${source.id}": already used by sources[${first}] on line ${file.lineOf(['sources', first, 'id'])}; ids must be unique`,
      });
    } else seen.set(source.id, i);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return sources;
}

function loadSectors(path: string): SectorConfig[] {
  const file = YamlFile.read(path, display(path));
  const { sectors } = file.validate(sectorsFileSchema);
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  sectors.forEach((sector, i) => {
    if (seen.has(sector.id)) {
      problems.push({ file: file.path, line: file.lineOf(['sectors', i, 'id']), field: `sectors[${i}].id`, message: `duplicate sector id "${sector.id}"` });
    }
    seen.add(sector.id);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return sectors;
}

/** Paths in messages are relative to where the administrator stands. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
