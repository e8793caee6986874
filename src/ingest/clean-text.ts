import { decodeHTML } from 'entities';

const COMMENTS = /<!--[\s\S]*?-->/g;
/** Elements whose content is code or layout, never words of the story. */
const DROPPED = /<(script|style|noscript|template|iframe|object)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
/** Block-level boundaries become spaces so "<p>a</p><p>b</p>" does not read "ab". */
const BLOCKS =
  /<\/?(p|div|li|ul|ol|h[1-6]|br|hr|tr|td|th|blockquote|section|article|header|footer|table|figure|figcaption)\b[^>]*>/gi;
const TAGS = /<\/?[a-z][^>]*>|<![^>]*>/gi;

/**
 * Markup in titles and summaries reduced to plain text, entities decoded, whitespace folded.
 * Regular expressions rather than a DOM: this runs on every item in the ingest hot path, and
 * the result is only ever used as text (every output escapes it again).
 */
export function toPlainText(value: string | undefined | null): string {
  if (!value) return '';
  let text = value;
  if (text.includes('<'))
    text = text.replace(COMMENTS, ' ').replace(DROPPED, ' ').replace(BLOCKS, ' ').replace(TAGS, '');
  if (text.includes('&')) text = decodeHTML(text);
  return cleanWhitespace(text);
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Whitespace folded to single spaces, and control characters dropped: feed text reaches
 * terminals (escape sequences) and XML (where most controls are illegal).
 */
export function cleanWhitespace(text: string): string {
  return text
    .replace(/[\s\u00a0\u200b]+/g, ' ')
    .replace(CONTROL, '')
    .trim();
}

/**
 * About two sentences, at most `max` characters, cut at a word boundary with an ellipsis.
 * Editors want the standfirst, not the article.
 */
export function truncateSummary(text: string, max = 300): string {
  const clean = cleanWhitespace(text);
  const sentences = clean.match(/[^.!?]+[.!?]+(?=\s|$)/g);
  if (sentences && sentences.length > 2) {
    const two = sentences.slice(0, 2).join('').trim();
    if (two.length <= max && two.length >= 40) return two;
  }
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}
