import { load } from 'cheerio';

/** Markup in titles and summaries reduced to plain text, entities decoded, whitespace folded. */
export function toPlainText(value: string | undefined | null): string {
  if (!value) return '';
  let text = value;
  if (/[<&]/.test(text)) {
    // Block-level ends become spaces so "<p>a</p><p>b</p>" does not read "ab".
    text = load(text.replace(/<\/(p|div|li|h\d|br)\s*>|<br\s*\/?>/gi, ' $&'), null, false).text();
  }
  return cleanWhitespace(text);
}

export function cleanWhitespace(text: string): string {
  return text.replace(/[\s\u00a0\u200b]+/g, ' ').trim();
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
