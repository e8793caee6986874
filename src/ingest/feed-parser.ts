import { Parser as XmlParser } from 'xml2js';
import { FetchError } from './errors.js';
import { parseDate } from './dates.js';
import { boundInput, toPlainText } from './clean-text.js';
import type { ParseResult, RawItem } from './types.js';

/**
 * RSS 0.9x / 1.0 (RDF) / 2.0 and Atom, read from xml2js's tree (the XML parser rss-parser uses)
 * by our own mapping: rss-parser's mapping throws TypeErrors on feeds of an unexpected shape
 * (no <channel>, an <entry> with only text, a <link> without href), a RangeError on one
 * unreadable Atom date, matches unprefixed names only, and runs quadratic regular expressions
 * over every description. Here every shape check is explicit and every failure a FetchError.
 */

const ATOM_NS = 'http://www.w3.org/2005/Atom';
/** RSS 1.0 and the Netscape RSS 0.90 vocabulary: their element names are RSS's. */
const RSS_NS = new Set(['http://purl.org/rss/1.0/', 'http://my.netscape.com/rdf/simple/0.9/']);
/** Raw summary markup read per item: a summary needs its start, not a whole article. */
const SUMMARY_SOURCE_LIMIT = 32_768;
/** Nesting followed when gathering an element's text (Atom xhtml content). */
const MAX_TEXT_DEPTH = 32;

/** Looks like a web page, not a feed: the commonest misconfiguration. */
export function looksLikeHtml(text: string): boolean {
  const head = skipComments(text.slice(0, 2048)).slice(0, 32).toLowerCase();
  return head.startsWith('<!doctype html') || /^<html[\s>]/.test(head);
}

/** The text after leading whitespace and comments; one forward scan. */
function skipComments(text: string): string {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (!text.startsWith('<!--', i)) return text.slice(i);
    const end = text.indexOf('-->', i + 4);
    if (end < 0) return '';
    i = end + 3;
  }
}

/**
 * Parses feed XML into raw items. `baseUrl` (where the feed was fetched from) resolves
 * relative links. Throws FetchError('not-a-feed' | 'parse') saying what was expected.
 */
export async function parseFeed(xml: string, baseUrl: string): Promise<ParseResult> {
  if (looksLikeHtml(xml)) {
    throw new FetchError('not-a-feed', 'got an HTML page where a feed (RSS/Atom XML) was expected');
  }
  const text = xml.replace(/^\uFEFF/, '');
  const root = await parseXml(text, feedPrefixes(text));
  const [name, node] = Object.entries(root ?? {})[0] ?? [];
  if (name === undefined)
    throw new FetchError('parse', 'not a readable RSS/Atom feed: the document is empty');
  const feed =
    name === 'feed' ? readAtom(node) : name === 'rss' || name === 'rdf:RDF' ? readRss(name, node) : undefined;
  if (!feed) {
    throw new FetchError(
      'not-a-feed',
      `expected an RSS (<rss>, <rdf:RDF>) or Atom (<feed>) document, found <${name.slice(0, 60)}>`,
    );
  }
  const base = absolute(feed.link, baseUrl) ?? baseUrl;
  const items: RawItem[] = [];
  let skipped = 0;
  for (const entry of feed.entries) {
    const item = feed.read(entry, base);
    if (item) items.push(item);
    else skipped++;
  }
  return { items, skipped };
}

async function parseXml(text: string, prefixes: Set<string>): Promise<Record<string, unknown> | null> {
  // Elements in the Atom or RSS namespace under a prefix (<a:feed xmlns:a="…Atom">) read as
  // unprefixed; other prefixes (dc:, content:, rdf:) keep theirs.
  const local = (qname: string) => {
    const colon = qname.indexOf(':');
    return colon > 0 && prefixes.has(qname.slice(0, colon)) ? qname.slice(colon + 1) : qname;
  };
  const parser = new XmlParser(prefixes.size ? { tagNameProcessors: [local] } : {});
  try {
    return (await parser.parseStringPromise(text)) as Record<string, unknown> | null;
  } catch (err) {
    const reason = String((err as Error)?.message ?? err)
      .split('\n')
      .slice(0, 2)
      .join(' ');
    throw new FetchError('parse', `not a readable RSS/Atom feed: ${reason.slice(0, 200)}`);
  }
}

/** Prefixes the root element binds to the Atom or RSS namespaces. */
function feedPrefixes(text: string): Set<string> {
  const prefixes = new Set<string>();
  const start = skipProlog(text);
  const end = text.indexOf('>', start);
  const tag = text.slice(start, end < 0 ? start + 4096 : Math.min(end, start + 4096));
  for (const m of tag.matchAll(/\sxmlns:([\w.-]+)\s*=\s*["']([^"']*)["']/g)) {
    if (m[2] === ATOM_NS || RSS_NS.has(m[2]!)) prefixes.add(m[1]!);
  }
  return prefixes;
}

/** Where the root element starts: past the XML declaration, comments, the DOCTYPE, PIs. */
function skipProlog(text: string): number {
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0 || /[\w:]/.test(text[lt + 1] ?? '')) return Math.max(lt, 0);
    // A DOCTYPE's internal subset holds '>' of its own; scanning on to the next '<' that opens
    // an element is enough here, this only finds the root's namespace declarations.
    const close = text.startsWith('<!--', lt) ? text.indexOf('-->', lt + 4) : text.indexOf('>', lt);
    if (close < 0) return lt;
    i = close + 1;
  }
}

interface FeedShape {
  link: string | undefined;
  entries: unknown[];
  read: (entry: unknown, base: string) => RawItem | undefined;
}

function readRss(name: string, node: unknown): FeedShape {
  const channel = first(node, 'channel');
  // RSS 1.0 puts items beside the channel; some RSS 2.0 feeds put them straight under <rss>.
  const entries = [...children(channel, 'item'), ...children(node, 'item')];
  if (!isElement(channel) && !entries.length) {
    throw new FetchError(
      'parse',
      `not a readable RSS/Atom feed: expected a <channel> element (with its <item>s) in <${name}>, found none`,
    );
  }
  return { link: textOf(first(channel, 'link')), entries, read: readRssItem };
}

function readRssItem(entry: unknown, base: string): RawItem | undefined {
  const title = toPlainText(textOf(first(entry, 'title')) || textOf(first(entry, 'dc:title')));
  const guid = textOf(first(entry, 'guid'));
  const link = absolute(firstText(children(entry, 'link')) || (/^https?:\/\//i.test(guid) ? guid : ''), base);
  if (!title || !link) return undefined;
  return {
    title,
    link,
    summary: firstOf(entry, summaryText, ['description', 'summary', 'content:encoded', 'content']),
    publishedAt: firstOf(entry, parseDate, ['pubDate', 'dc:date', 'published', 'updated']),
  };
}

function readAtom(node: unknown): FeedShape {
  if (node !== '' && !isElement(node)) {
    throw new FetchError(
      'parse',
      'not a readable RSS/Atom feed: expected elements inside <feed>, found text',
    );
  }
  return { link: atomLink(children(node, 'link')), entries: children(node, 'entry'), read: readAtomEntry };
}

function readAtomEntry(entry: unknown, base: string): RawItem | undefined {
  const title = toPlainText(textOf(first(entry, 'title')));
  const id = textOf(first(entry, 'id'));
  const link = absolute(atomLink(children(entry, 'link')) || (/^https?:\/\//i.test(id) ? id : ''), base);
  if (!title || !link) return undefined;
  return {
    title,
    link,
    summary: firstOf(entry, summaryText, ['summary', 'content', 'content:encoded']),
    publishedAt: firstOf(entry, parseDate, ['published', 'updated', 'dc:date', 'issued', 'modified']),
  };
}

/** rel="alternate" (or no rel) first, then any href; a bare-text <link> is a common slip. */
function atomLink(links: unknown[]): string {
  const href = (l: unknown) => attr(l, 'href');
  const alternate = links.find((l) => href(l) && (attr(l, 'rel') ?? 'alternate') === 'alternate');
  return href(alternate) ?? href(links.find(href)) ?? firstText(links);
}

/** The first non-empty `read` of the entry's elements called `names`, in that order. */
function firstOf(entry: unknown, read: (text: string) => string | undefined, names: string[]) {
  for (const name of names) {
    const value = read(textOf(first(entry, name)));
    if (value) return value;
  }
  return undefined;
}

const summaryText = (text: string) => toPlainText(boundInput(text, SUMMARY_SOURCE_LIMIT));

/** An element as xml2js gives it (explicitArray): children by name, `$` attributes, `_` text. */
function isElement(node: unknown): node is { [name: string]: unknown } {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** The child elements called `name` (xml2js keeps each name's elements in an array). */
function children(node: unknown, name: string): unknown[] {
  if (!isElement(node)) return [];
  const list = node[name];
  return name !== '$' && name !== '_' && Array.isArray(list) ? list : [];
}

function first(node: unknown, name: string): unknown {
  return children(node, name)[0];
}

function attr(node: unknown, name: string): string | undefined {
  const attrs = isElement(node) ? node.$ : undefined;
  const value = isElement(attrs) ? attrs[name] : undefined;
  return typeof value === 'string' && value.trim() ? value : undefined;
}

function firstText(nodes: unknown[]): string {
  for (const node of nodes) {
    const text = textOf(node).trim();
    if (text) return text;
  }
  return '';
}

/**
 * An element's text: its own, or for structured content (Atom xhtml) its descendants' in turn.
 * Depth is bounded: a hostile feed can nest as deep as it likes.
 */
function textOf(node: unknown, depth = 0): string {
  if (typeof node === 'string') return node;
  if (!isElement(node) || depth > MAX_TEXT_DEPTH) return '';
  const parts = typeof node._ === 'string' ? [node._] : [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$' || key === '_' || !Array.isArray(value)) continue;
    for (const child of value) parts.push(textOf(child, depth + 1));
  }
  return parts.join(' ');
}

/** Resolves `href` against `base`; only http(s) results count. */
export function absolute(href: string | undefined, base: string): string | undefined {
  if (!href?.trim()) return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
