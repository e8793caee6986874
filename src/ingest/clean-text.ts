import { decodeHTML } from 'entities';

/**
 * Feed and page text is untrusted and unbounded (a 10 MiB body may be one summary). Every step
 * here is linear in its input, and callers that want a short result cut the input first
 * (`boundInput`), so a hostile item costs what its useful part costs.
 */

/** Elements whose content is code or layout, never words of the story. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object']);
/** Block-level boundaries become spaces so "<p>a</p><p>b</p>" does not read "ab". */
const BLOCK =
  /^\/?(p|div|li|ul|ol|h[1-6]|br|hr|t[rdh]|blockquote|section|article|header|footer|table|figure|figcaption)$/;

/**
 * Markup in titles and summaries reduced to plain text, entities decoded, whitespace folded.
 * A single left-to-right scan rather than a DOM (this runs on every item in the ingest hot
 * path, and the result is only ever used as text: every output escapes it again) and rather
 * than regular expressions, whose lazy "find the closing part" searches rescan the rest of
 * the text from every unclosed "<" and so take quadratic time on hostile input.
 */
export function toPlainText(value: string | undefined | null): string {
  if (!value) return '';
  let text = value.includes('<') ? stripMarkup(value) : value;
  if (text.includes('&')) text = decodeHTML(text);
  return cleanWhitespace(text);
}

function stripMarkup(html: string): string {
  // Searched in an ASCII-lower-cased copy (same length, so indices carry over to `html`).
  const low = html.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  // Where a search for a closing string failed: any later search from further on fails too,
  // so all the unclosed openers in a text cost one scan together, not one scan each.
  const failedFrom = new Map<string, number>();
  const find = (needle: string, from: number): number => {
    if ((failedFrom.get(needle) ?? Infinity) <= from) return -1;
    const at = low.indexOf(needle, from);
    if (at < 0) failedFrom.set(needle, from);
    return at;
  };
  const out: string[] = [];
  let textFrom = 0; // start of the text not yet copied out
  for (let lt = low.indexOf('<'); lt >= 0; lt = low.indexOf('<', lt + 1)) {
    if (lt < textFrom) continue;
    if (low.startsWith('<!--', lt)) {
      const end = find('-->', lt + 4);
      if (end >= 0) {
        out.push(html.slice(textFrom, lt), ' ');
        textFrom = end + 3;
        continue;
      }
    }
    const tag = tagAt(low, lt);
    const gt = tag === undefined ? -1 : find('>', lt + 1);
    if (tag === undefined || gt < 0) continue; // "a < b", or a tag never closed: text, as written
    out.push(html.slice(textFrom, lt));
    textFrom = gt + 1;
    if (DROPPED.has(tag)) {
      const close = find(`</${tag}`, textFrom);
      const closeEnd = close < 0 ? -1 : find('>', close);
      out.push(' ');
      // Unclosed, it runs to the end, as in a browser.
      textFrom = closeEnd < 0 ? html.length : closeEnd + 1;
    } else if (BLOCK.test(tag)) out.push(' ');
  }
  out.push(html.slice(textFrom));
  return out.join('');
}

const isLetter = (c: number) => c >= 97 && c <= 122;
const isNameChar = (c: number) => isLetter(c) || (c >= 48 && c <= 57) || c === 45;

/**
 * The tag starting at `lt` in lower-cased text: its name ("p"), "/p" for a closing tag, "!" for
 * a declaration; undefined when the "<" opens no tag.
 */
function tagAt(low: string, lt: number): string | undefined {
  let i = lt + 1;
  if (low.charCodeAt(i) === 33) return '!';
  const closing = low.charCodeAt(i) === 47;
  if (closing) i++;
  if (!isLetter(low.charCodeAt(i))) return undefined;
  const start = i;
  while (i < start + 40 && isNameChar(low.charCodeAt(i))) i++;
  return (closing ? '/' : '') + low.slice(start, i);
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/**
 * Bidirectional controls: embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069),
 * the LRM/RLM marks and the Arabic letter mark. In a headline they can reorder what a reader
 * sees ("Trojan Source"), make one link text pass for another, and leak direction into the text
 * around it in the digest.
 */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Whitespace folded to single spaces, and control and bidirectional-control characters dropped:
 * feed text reaches terminals (escape sequences), XML (where most controls are illegal) and
 * readers' eyes (where bidi controls disguise text). Every title and summary, from feeds, pages
 * and article pages, passes through here.
 */
export function cleanWhitespace(text: string): string {
  return text
    .replace(/[\s\u00a0\u200b]+/g, ' ')
    .replace(CONTROL, '')
    .replace(BIDI, '')
    .trim();
}

/**
 * The first `limit` characters of untrusted text, for steps whose output is shorter than that:
 * what lies past it cannot change their result, and bounding it bounds their cost. A split
 * surrogate pair at the cut is dropped rather than left half.
 */
export function boundInput(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}

/**
 * A whole run of sentence-ending punctuation followed by whitespace or the end. The lookbehind
 * keeps a long run ("!!!!…x") from being retried from each of its characters.
 */
const SENTENCE_END = /(?<![.!?])[.!?]+(?=\s|$)/g;
/** Punctuation left dangling at a cut, again only from the start of its run. */
const DANGLING = /(?<![\s,.:;-])[\s,.:;-]+$/;

/**
 * About two sentences, at most `max` characters, cut at a word boundary with an ellipsis.
 * Editors want the standfirst, not the article.
 */
export function truncateSummary(text: string, max = 300): string {
  // Whitespace folding can only shorten text, so a few times `max` of raw input is plenty.
  const bound = max * 4;
  const clean = cleanWhitespace(boundInput(text, bound));
  const two = firstTwoSentences(clean, max);
  if (two && two.length >= 40) return two;
  if (clean.length <= max && text.length <= bound) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(DANGLING, '')}…`;
}

/**
 * The text up to the end of its second sentence, when more follows and that fits in `max`.
 * One pass of a regex that can only start at punctuation: linear in the text.
 */
function firstTwoSentences(clean: string, max: number): string | undefined {
  SENTENCE_END.lastIndex = 0;
  let ends = 0;
  for (let m = SENTENCE_END.exec(clean); m; m = SENTENCE_END.exec(clean)) {
    const end = m.index + m[0].length;
    if (end > max) return undefined;
    if (++ends === 2) return end < clean.length ? clean.slice(0, end) : undefined;
  }
  return undefined;
}
