/** Typed errors that the CLI maps to exit codes (DESIGN.md: 2 = bad usage or bad config). */

export interface ConfigProblem {
  file: string;
  line?: number;
  field?: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Wrong command-line usage, or an environment that cannot work (e.g. no Redis to be had). */
export class UsageError extends Error {
  override name = 'UsageError';
}
