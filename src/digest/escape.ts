import { createRequire } from 'node:module';
import type sanitizeHtml from 'sanitize-html';
import type { convert as Convert } from 'html-to-text';

// Loaded on first use: the CLI module graph reaches this file, and ingest workers, which never
// render, would otherwise carry sanitize-html, html-to-text and their parsers (about 15 MB).
const require = createRequire(import.meta.url);
let sanitizer: typeof sanitizeHtml | undefined;
let converter: typeof Convert | undefined;
const sanitize = (html: string, options: sanitizeHtml.IOptions) =>
  (sanitizer ??= require('sanitize-html') as typeof sanitizeHtml)(html, options);
const convert: typeof Convert = (html, options) =>
  (converter ??= (require('html-to-text') as { convert: typeof Convert }).convert)(html, options);

// `%` too: our per-recipient placeholders are `%%ss:…%%`, and untrusted text must not spell one.
const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '%': '&#37;',
};

/** Escapes text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'%]/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Breaks our own marker syntax (`%%ss:…%%`, `<!--ss:…-->`) in plain text, so feed or editor
 * text cannot forge a recipient placeholder (and be handed readers' unsubscribe links) or a
 * section boundary. Only templates place those. In HTML, escapeHtml does the same by encoding `%`.
 */
export function inertText(text: string): string {
  return text.replace(/%%/g, '%\u200b%').replace(/<!--/g, '<\u200b!--');
}

/**
 * The markup commentary may use: bold, italic and http(s) links, nothing else. Other tags are
 * dropped (their text kept; script/style content dropped), attributes other than href dropped.
 */
const COMMENTARY: sanitizeHtml.IOptions = {
  allowedTags: ['b', 'strong', 'i', 'em', 'a'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Only absolute http(s) links: relative ones would point at the reader's mail client.
  transformTags: {
    a: (tagName, attribs): sanitizeHtml.Tag => ({
      tagName,
      attribs: /^https?:\/\/[^\s]/i.test(attribs.href ?? '') ? { href: attribs.href! } : {},
    }),
  },
};

// A link whose href was removed (javascript:, relative…) is kept as its bare text.

export interface RichText {
  /** Safe HTML: paragraphs of text with bold, italic and links. */
  html: string;
  /** The same as plain text, links written as `text <url>`, paragraphs separated by blank lines. */
  text: string;
}

/**
 * Editor commentary (or the intro) → safe HTML paragraphs and a plain-text twin.
 * Blank lines separate paragraphs; single line breaks are kept.
 */
export function renderRichText(source: string, paragraphStyle = ''): RichText {
  const paragraphs = source
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  const style = paragraphStyle ? ` style="${escapeHtml(paragraphStyle)}"` : '';
  const safe = paragraphs.map((p) =>
    sanitize(p, COMMENTARY)
      .replace(/<a>([\s\S]*?)<\/a>/g, '$1')
      .replace(/\n/g, '<br>'),
  );
  // `%` encoded after sanitising (which decodes entities): editor text, like feed text, must
  // not spell a recipient placeholder, in text or inside an href.
  const html = safe.map((p) => `<p${style}>${p.replace(/%/g, HTML_ESCAPES['%']!)}</p>`).join('');
  const text = inertText(safe.map((p) => htmlToText(p)).join('\n\n'));
  return { html, text };
}

/** Inline safe HTML → plain text, links as `text <url>`, no wrapping (the caller wraps). */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { linkBrackets: ['<', '>'], hideLinkIfSameAsText: true } },
      { selector: 'b', format: 'inline' },
      { selector: 'strong', format: 'inline' },
    ],
  }).trim();
}

/**
 * Word-wraps plain text at `width` columns; words longer than the line (URLs) sit on a line
 * of their own rather than being broken. Existing line breaks are kept.
 */
export function wrapText(text: string, width = 72, indent = ''): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      out.push('');
      continue;
    }
    let current = indent;
    for (const word of line.split(/\s+/).filter(Boolean)) {
      if (current.length > indent.length && current.length + 1 + word.length > width) {
        out.push(current);
        current = indent + word;
      } else current = current.length > indent.length ? `${current} ${word}` : indent + word;
    }
    out.push(current);
  }
  return out.join('\n');
}
