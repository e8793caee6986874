import { LineCounter, parseDocument, isAlias, isNode, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { displayPath, readConfigText } from './files.js';

/** How many alias expansions a file may need (the yaml package's default, stated). */
export const MAX_ALIAS_COUNT = 100;

/** A parsed YAML file that can say on which line any field sits. */
export class YamlFile {
  private constructor(
    readonly path: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Named in messages relative to the working directory. */
  static read(path: string): YamlFile {
    const shown = displayPath(path);
    return YamlFile.parse(readConfigText(path, shown), shown);
  }

  static parse(text: string, displayPath: string): YamlFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      // The first syntax error is the real one; the rest usually follow from it.
      const first = doc.errors[0]!;
      const { line, col } = lines.linePos(first.pos[0]);
      const lastLine = Math.max(...doc.errors.map((e) => lines.linePos(e.pos[1]).line));
      const span = lastLine > line ? `lines ${line}-${lastLine}` : `column ${col}`;
      throw new ConfigError([
        { file: displayPath, line, message: `YAML syntax error (${span}): ${first.message.split('\n')[0]}; check the indentation and quoting` },
      ]);
    }
    return new YamlFile(displayPath, doc, lines);
  }

  /** Line of the deepest node that exists along `path` (1-based). */
  lineOf(path: readonly PropertyKey[]): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.doc.getIn(path.slice(0, depth) as (string | number)[], true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
      // A key whose value is missing: point at the parent mapping instead.
    }
    return undefined;
  }

  /**
   * The document as plain data. An alias bomb ("billion laughs") is refused by the yaml
   * package (MAX_ALIAS_COUNT) with a bare ReferenceError; it becomes a ConfigError here.
   */
  toJS(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (err) {
      if (!(err instanceof ReferenceError)) throw err;
      throw new ConfigError([
        {
          file: this.path,
          line: this.firstAliasLine(),
          message: `too many YAML aliases: expanding them would make an enormous document (a "billion laughs" attack); at most ${MAX_ALIAS_COUNT} expansions are allowed, write the values out instead`,
        },
      ]);
    }
  }

  private firstAliasLine(): number | undefined {
    let line: number | undefined;
    visit(this.doc, {
      Alias: (_key, node) => {
        if (isAlias(node) && node.range) line = this.lines.linePos(node.range[0]).line;
        return visit.BREAK;
      },
    });
    return line;
  }

  /** Validates the whole document; every issue names file, line and field. */
  validate<S extends z.ZodType>(schema: S): z.output<S> {
    const data = this.toJS() ?? {};
    const result = schema.safeParse(data);
    if (result.success) return result.data;
    throw new ConfigError(result.error.issues.map((issue) => this.problem(issue, data)));
  }

  problem(issue: z.core.$ZodIssue, data: unknown): ConfigProblem {
    const path = issue.path;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return { file: this.path, line: this.lineOf([...path, issue.keys[0]!]), field: fieldName(path), message };
    }
    const got = valueAt(data, path);
    if (got === undefined && issue.code === 'invalid_type') {
      message = message.startsWith('Invalid input') ? `is required (expected ${issue.expected})` : `is required: ${message}`;
    }
    else if (got !== undefined && typeof got !== 'object' && !message.includes(String(got))) {
      message += `, got ${JSON.stringify(got)}`;
    }
    return { file: this.path, line: this.lineOf(path), field: fieldName(path), message };
  }
}

/** `sources[3].kind`, the way an administrator reads a path. */
export function fieldName(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
