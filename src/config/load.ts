import { join, resolve } from 'node:path';
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
  const newsletter = attempt(() => YamlFile.read(files.newsletter).validate(newsletterFileSchema));
  if (problems.length > 0 || !sectors || !sources || !newsletter) throw new ConfigError(problems);
  return { dir: abs, sources, sectors, newsletter, files };
}

export function loadSources(path: string): Source[] {
  const file = YamlFile.read(path);
  return uniqueIds(file, 'sources', file.validate(sourcesFileSchema).sources);
}

function loadSectors(path: string): SectorConfig[] {
  const file = YamlFile.read(path);
  return uniqueIds(file, 'sectors', file.validate(sectorsFileSchema).sectors);
}

/** The list as it is, or a ConfigError naming each id used twice and where it was first. */
function uniqueIds<T extends { id: string }>(file: YamlFile, field: string, list: T[]): T[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  list.forEach(({ id }, i) => {
    const first = seen.get(id);
    if (first === undefined) return void seen.set(id, i);
    problems.push({
      file: file.path,
      line: file.lineOf([field, i, 'id']),
      field: `${field}[${i}].id`,
      message: `duplicate id "${id}": already used by ${field}[${first}] on line ${file.lineOf([field, first, 'id'])}; ids must be unique`,
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return list;
}
