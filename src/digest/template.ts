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
  return text.replace(/\{\{(\{?)\s*([\w.-]+)\s*\}?\}\}/g, (_m, raw: string, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable "${name}" has no value`);
    return raw ? String(value) : escapeHtml(String(value));
  });
}

export function renderTemplate(name: string, vars: TemplateVars): string {
  return fill(template(name), vars);
}

const compiled = new Map<string, (vars: TemplateVars) => string>();

/**
 * renderTemplate for a template filled many times over (a row per item): the template is cut
 * at its placeholders once, so each fill only joins. Same syntax and escaping as `fill`.
 */
export function templateRenderer(name: string): (vars: TemplateVars) => string {
  let render = compiled.get(name);
  if (!render) {
    const text = template(name);
    const fixed: string[] = [];
    const slots: { name: string; raw: boolean }[] = [];
    let last = 0;
    for (const m of text.matchAll(/\{\{(\{?)\s*([\w.-]+)\s*\}?\}\}/g)) {
      fixed.push(text.slice(last, m.index));
      slots.push({ name: m[2]!, raw: Boolean(m[1]) });
      last = m.index + m[0].length;
    }
    fixed.push(text.slice(last));
    render = (vars) => {
      let out = fixed[0]!;
      slots.forEach((slot, i) => {
        const value = vars[slot.name];
        if (value === undefined) throw new Error(`template variable "${slot.name}" has no value`);
        out += (slot.raw ? String(value) : escapeHtml(String(value))) + fixed[i + 1]!;
      });
      return out;
    };
    compiled.set(name, render);
  }
  return render;
}
