import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { escapeHtml } from './escape.js';

/** The bundled templates directory (`templates/` at the repository root). */
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');

const cache = new Map<string, string>();

/** Reads `templates/NAME` once per process. */
export function template(name: string): string {
  if (!cache.has(name)) cache.set(name, readFileSync(join(TEMPLATES_DIR, name), 'utf8'));
  return cache.get(name)!;
}

export type TemplateVars = Record<string, string | number>;

/**
 * Fills a template. `{{name}}` inserts the value HTML-escaped (the default, so feed text is
 * always escaped); `{{{name}}}` inserts HTML the caller already built safely. A name missing
 * from `vars` is a programming error and throws.
 */
export function fill(text: string, vars: TemplateVars): string {
  return compile(text)(vars);
}

const PLACEHOLDER = /\{\{(\{?)\s*([\w.-]+)\s*\}?\}\}/g;
const NEEDS_ESCAPE = /[&<>"'%]/;
/** escapeHtml, without its regex replace for the usual text that has nothing to escape. */
const escaped = (text: string) => (NEEDS_ESCAPE.test(text) ? escapeHtml(text) : text);

const byText = new Map<string, (vars: TemplateVars) => string>();

/**
 * A template cut at its placeholders once: each fill only joins its parts. String#replace
 * copied a large raw value (a page of rows) again at every level, which showed in the week
 * page's profile.
 */
function compile(text: string): (vars: TemplateVars) => string {
  let render = byText.get(text);
  if (render) return render;
  const fixed: string[] = [];
  const names: string[] = [];
  const raw: boolean[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    fixed.push(text.slice(last, m.index));
    names.push(m[2]!);
    raw.push(Boolean(m[1]));
    last = m.index + m[0].length;
  }
  fixed.push(text.slice(last));
  // Joined with `+`, not Array#join or String#replace: V8 then links the parts (a rope) instead
  // of copying them, and a page of rows is copied once, when it is written out, not at each level.
  render = (vars) => {
    let out = fixed[0]!;
    for (let i = 0; i < names.length; i++) {
      const value = vars[names[i]!];
      if (value === undefined) throw new Error(`template variable "${names[i]!}" has no value`);
      const s = typeof value === 'string' ? value : String(value);
      out += (raw[i] ? s : escaped(s)) + fixed[i + 1]!;
    }
    return out;
  };
  // Templates are files and a few literals: a handful of entries.
  if (byText.size < 256) byText.set(text, render);
  return render;
}

export function renderTemplate(name: string, vars: TemplateVars): string {
  return fill(template(name), vars);
}

/**
 * renderTemplate for a template filled many times over (a row per item): the template is cut
 * at its placeholders once, so each fill only joins. Same syntax and escaping as `fill`.
 */
export function templateRenderer(name: string): (vars: TemplateVars) => string {
  return compile(template(name));
}
