import type { SectorId } from '../config/schema.js';
import { escapeHtml, inertText as inert, wrapText } from './escape.js';
import { renderTemplate } from './template.js';
import type { IssueView, ItemView, SectionView } from './view.js';

/** Gmail clips messages at about 102 KB; we keep issues under this. */
export const HTML_SIZE_LIMIT = 90 * 1024;
export const GMAIL_CLIP_BYTES = 102 * 1024;
export const TEXT_WIDTH = 72;

/** Per-recipient values, filled into the compiled issue without running MJML again. */
export interface Recipient {
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** Only these sectors' sections (all when absent). */
  sectors?: readonly SectorId[];
}

export const RECIPIENT_VARS = ['unsubscribeUrl', 'preferencesUrl'] as const;
type VarName = (typeof RECIPIENT_VARS)[number];

/** A compiled part: fixed text, a sector's section (kept or dropped per recipient), or a per-recipient value. */
export type Part =
  | { kind: 'text'; value: string }
  | { kind: 'section'; sector: SectorId; value: string }
  | { kind: 'var'; name: VarName };

export interface CompiledIssue {
  week: string;
  version: number;
  subject: string;
  html: Part[];
  text: Part[];
  /** Time spent in mjml2html, ms. */
  mjmlMs: number;
  /** Total compile time (templates + MJML + splitting), ms. */
  compileMs: number;
}

export class MjmlValidationError extends Error {
  override name = 'MjmlValidationError';
  constructor(readonly errors: { line: number; message: string; tagName: string }[]) {
    super(`MJML validation failed:\n${errors.map((e) => `line ${e.line}: ${e.message}`).join('\n')}`);
  }
}

const placeholder = (name: VarName) => `%%ss:${name}%%`;

function itemHtml(item: ItemView): string {
  const also = item.also.length
    ? renderTemplate('email/also.html', {
        links: item.also
          .map(
            (a) =>
              `<a href="${escapeHtml(a.url)}" title="${escapeHtml(a.title)}">${escapeHtml(a.source)}</a>`,
          )
          .join(', '),
      })
    : '';
  return renderTemplate('email/item.html', {
    id: item.id,
    url: item.url,
    title: item.title,
    summary: item.summary ?? '',
    // The editor's voice: italic, behind a side rule, so it never reads as the source's words.
    comment: item.comment ? renderTemplate('email/comment.html', { comment: item.comment.html }).trim() : '',
    also,
  }).trim();
}

function sectionMjml(section: SectionView): string {
  return renderTemplate('email/section.mjml', {
    sector: section.sector,
    heading: section.heading,
    items: section.items.map(itemHtml).join(''),
  });
}

/** The issue as one MJML document, recipient values left as placeholders. */
export function issueMjml(view: IssueView): string {
  return renderTemplate('email/issue.mjml', {
    lang: view.language,
    subject: view.subject,
    preheader: view.preheader,
    name: view.name,
    dateLine: view.dateLine,
    coverLine: view.coverLine,
    intro: view.intro ? renderTemplate('email/intro.mjml', { intro: view.intro.html }) : '',
    sections: view.sections.map(sectionMjml).join('\n'),
    footer: view.footer,
    register: view.links.register,
    viewInBrowser: view.links.viewInBrowser,
    archive: view.links.archive,
    preferencesUrl: placeholder('preferencesUrl'),
    unsubscribeUrl: placeholder('unsubscribeUrl'),
  });
}

const SPLIT = /<!--ss:section:([a-z0-9-]+)-->([\s\S]*?)<!--\/ss:section:\1-->|%%ss:(\w+)%%/g;

/** Cuts compiled output at section markers and placeholders, once, so personalising is a join. */
export function splitParts(compiled: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of compiled.matchAll(SPLIT)) {
    if (m.index > last) parts.push({ kind: 'text', value: compiled.slice(last, m.index) });
    if (m[1]) parts.push({ kind: 'section', sector: m[1] as SectorId, value: m[2]! });
    else {
      const name = m[3] as VarName;
      if (!RECIPIENT_VARS.includes(name)) throw new Error(`unknown placeholder %%ss:${name}%%`);
      parts.push({ kind: 'var', name });
    }
    last = m.index + m[0].length;
  }
  if (last < compiled.length) parts.push({ kind: 'text', value: compiled.slice(last) });
  return parts;
}

/**
 * htmlnano's minifying, without its CSS and SVG steps: cssnano loads its whole default preset
 * (browserslist and caniuse-lite, about 1,100 files) and svgo on first use, which made a
 * process's first render take seconds (2 s of CPU against 0.15 s for the next). Our emails carry
 * no SVG, and unminified CSS costs about 0.5 KB an issue (the <style> blocks' whitespace).
 */
export const MINIFY = { minifyCss: false, minifySvg: false } as const;

/** Compiles an issue once: MJML (strict validation, minified) for HTML, and the text part. */
export async function compileIssue(view: IssueView): Promise<CompiledIssue> {
  const started = performance.now();
  const mjml = issueMjml(view);
  const t0 = performance.now();
  let html: string;
  try {
    // Loaded on first use: mjml and its CSS tools are heavy, and most processes never render.
    const { default: mjml2html } = await import('mjml');
    html = (
      await mjml2html(mjml, {
        validationLevel: 'strict',
        minify: true,
        keepComments: true,
        minifyOptions: MINIFY,
      })
    ).html;
  } catch (err) {
    const errors = (err as { errors?: { line: number; message: string; tagName: string }[] }).errors;
    if (errors) throw new MjmlValidationError(errors);
    throw err;
  }
  const mjmlMs = performance.now() - t0;
  const parts = splitParts(html);
  return {
    week: view.week,
    version: view.version,
    subject: view.subject,
    html: parts,
    text: splitParts(issueText(view)),
    mjmlMs,
    compileMs: performance.now() - started,
  };
}

/** Whether a recipient's copy carries this sector's section: theirs, or every one when they picked none. */
export function recipientGets(recipient: Pick<Recipient, 'sectors'>, sector: SectorId): boolean {
  return !recipient.sectors || recipient.sectors.includes(sector);
}

function join(parts: Part[], recipient: Recipient, escape: boolean): string {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') out += p.value;
    else if (p.kind === 'section') {
      if (recipientGets(recipient, p.sector)) out += p.value;
    } else out += escape ? escapeHtml(recipient[p.name]) : recipient[p.name];
  }
  return out;
}

/** One recipient's message from the compiled issue: no MJML, just joining strings. */
export function personalise(compiled: CompiledIssue, recipient: Recipient): { html: string; text: string } {
  return { html: join(compiled.html, recipient, true), text: join(compiled.text, recipient, false) };
}

// ---------------------------------------------------------------------------------------
// The text part: made from the same view, wrapped at 72 columns.

const RULE = '='.repeat(TEXT_WIDTH);
const THIN = '-'.repeat(TEXT_WIDTH);

function itemText(item: ItemView): string {
  const lines: string[] = [];
  if (item.comment) lines.push(wrapText(item.comment.text, TEXT_WIDTH), '');
  lines.push(wrapText(item.title, TEXT_WIDTH));
  if (item.summary) lines.push(wrapText(item.summary, TEXT_WIDTH));
  lines.push(`Read more >>> ${item.url}`);
  if (item.also.length) {
    lines.push(
      wrapText(`Also reported by: ${item.also.map((a) => `${a.source} <${a.url}>`).join(', ')}`, TEXT_WIDTH),
    );
  }
  return lines.join('\n');
}

/** The text part with section markers and placeholders, as compiled HTML has them. */
export function issueText(view: IssueView): string {
  const head = [wrapText(view.name, TEXT_WIDTH), view.dateLine, view.coverLine, ''];
  if (view.intro) head.push(wrapText(view.intro.text, TEXT_WIDTH), '');
  const sections = view.sections.map(
    (s) =>
      `<!--ss:section:${s.sector}-->${inert(`${RULE}\n${s.heading.toUpperCase()}\n${RULE}\n\n${s.items.map(itemText).join(`\n\n${THIN}\n\n`)}`)}\n\n<!--/ss:section:${s.sector}-->`,
  );
  const foot = [
    RULE,
    inert(wrapText(`${view.footer} Register: ${view.links.register}`, TEXT_WIDTH)),
    '',
    `Choose your sectors: ${placeholder('preferencesUrl')}`,
    `Unsubscribe: ${placeholder('unsubscribeUrl')}`,
    inert(`View in your browser: ${view.links.viewInBrowser}`),
    inert(`Past issues: ${view.links.archive}`),
    '',
  ];
  return `${inert(head.join('\n'))}\n${sections.join('')}${foot.join('\n')}`;
}

/** What an HTML part of this size means for sending: too big to send, worth a warning, or fine. */
export function sizeVerdict(
  htmlBytes: number,
): { severity: 'blocking' | 'warning'; message: string } | undefined {
  if (htmlBytes >= GMAIL_CLIP_BYTES)
    return {
      severity: 'blocking',
      message: `HTML is ${kb(htmlBytes)}: Gmail clips messages above about 102 KB; leave some items out or shorten commentary`,
    };
  if (htmlBytes > HTML_SIZE_LIMIT)
    return {
      severity: 'warning',
      message: `HTML is ${kb(htmlBytes)}, over the ${kb(HTML_SIZE_LIMIT)} aim (Gmail clips at about 102 KB)`,
    };
  return undefined;
}

export function byteSize(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A human size: "78.4 KB". */
export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
