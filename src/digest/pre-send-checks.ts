import * as cheerio from 'cheerio';
import type { Config } from '../config/load.js';
import { isPublicAddress } from '../ingest/address-guard.js';
import type { NewsItem } from '../types/item.js';
import { sampleRecipient } from './recipients.js';
import { byteSize, personalise, sizeVerdict, type CompiledIssue } from './render.js';
import type { Issue } from '../types/issue.js';

export type Severity = 'blocking' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable code for scripts: `no-subject`, `no-comment`, `size`, `bad-link`, `already-sent`… */
  code: string;
  message: string;
  itemId?: string;
}

export interface CheckResult {
  week: string;
  version: number;
  /** True when no blocking finding stands: sending may go ahead. */
  ok: boolean;
  htmlBytes: number;
  findings: Finding[];
}

/** Why a link may not go out, or undefined when it is fine. */
export function linkProblem(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return `not an absolute URL: "${href}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `not http(s): "${href}"`;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (/^[\d.]+$/.test(host) || host.includes(':')) {
    if (!isPublicAddress(host)) return `points at a private address: "${href}"`;
  } else if (
    host === 'localhost' ||
    /\.(localhost|local|internal|lan|home\.arpa)$/.test(host) ||
    !host.includes('.')
  ) {
    return `points at a private host name: "${href}"`;
  }
  return undefined;
}

// Markup left in a headline by a careless feed or a page's selectors. Each pattern is linear:
// headlines are feed text (eslint-plugin-regexp checks).
const DEBRIS: [RegExp, string][] = [
  [/[<>]/, 'a stray "<" or ">"'],
  [/\bon[a-z]{2,20}\s*=/i, 'an event handler attribute'],
  [/=\\?["']/, 'an attribute value'],
  [/&(?:#\d{1,7}|#x[\da-f]{1,6}|[a-z][a-z\d]{1,31});/i, 'an HTML entity left encoded'],
];

/** What markup debris a headline carries (`" onmouseover="…`, a stray `<`, `&amp;amp;`), or undefined. */
export function headlineDebris(title: string): string | undefined {
  for (const [pattern, what] of DEBRIS) {
    const m = pattern.exec(title);
    if (m) return `${what} ${JSON.stringify(m[0])}`;
  }
  return undefined;
}

/** Navigation verbs a link's text starts with ("Read the judges' comments", "View the full list"). */
const NAV_START = /^(?:read|click|tap|view|see|find out|learn|download|watch|listen|visit|go to)\b/i;
/** Whole texts that are a link or a button, not a headline. */
const BOILERPLATE = new Set([
  'more',
  'read more',
  'full story',
  'continue reading',
  'click here',
  'here',
  'learn more',
  'find out more',
  'back to top',
  'sign up',
  'subscribe',
  'register',
  'next',
  'previous',
  'share',
  'print',
  'home',
]);
const TRAILING = new Set([' ', '.', '!', ':', '…', '>', '»', '›', '→']);

/**
 * Whether a headline is link text or boilerplate rather than a story's title: short
 * imperative navigation ("Read more", "Click here", "Read the judges' comments", "View the
 * full list"), as a page's selectors pick up when they catch the wrong link.
 */
export function isLinkText(title: string): boolean {
  let text = title.trim();
  while (text && TRAILING.has(text.at(-1)!)) text = text.slice(0, -1);
  const words = text.split(/\s+/).filter(Boolean);
  const plain = words.join(' ').toLowerCase();
  return BOILERPLATE.has(plain) || (words.length <= 6 && NAV_START.test(plain));
}

/**
 * Pre-send checks. Blocking findings stop sending (a later issue); warnings are for the
 * editor to judge. `alreadySent` maps item id → week of the earlier issue it went out in.
 */
export function checkIssue(
  issue: Issue,
  items: Map<string, NewsItem>,
  compiled: CompiledIssue,
  config: Config,
  alreadySent: Map<string, string>,
): CheckResult {
  const findings: Finding[] = [];
  const add = (severity: Severity, code: string, message: string, itemId?: string) =>
    findings.push({ severity, code, message, ...(itemId ? { itemId } : {}) });

  if (issue.status !== 'draft') add('warning', 'status', `issue is ${issue.status}, not a draft`);
  if (!issue.subject?.trim())
    add('blocking', 'no-subject', 'no subject line: set one with `ssnews digest subject`');
  if (!issue.intro?.trim())
    add('blocking', 'no-intro', "no editor's intro: set one with `ssnews digest intro`");

  const included = issue.entries.filter((e) => e.included);
  if (included.length === 0) add('blocking', 'empty', 'no items are included');
  const privateOk = new Set(config.sources.filter((s) => s.allowPrivateNetwork).map((s) => s.id));
  const itemOfUrl = new Map<string, NewsItem>();
  for (const entry of included) {
    const item = items.get(entry.itemId);
    if (!item) {
      add('blocking', 'missing-item', `item ${entry.itemId} is no longer in the store`, entry.itemId);
      continue;
    }
    if (!entry.comment?.trim() && !entry.noComment) {
      add(
        'blocking',
        'no-comment',
        `"${item.title}" has no commentary (write one, or mark it "no comment")`,
        entry.itemId,
      );
    }
    const debris = headlineDebris(item.title);
    if (debris)
      add(
        'warning',
        'markup-debris',
        `"${item.title}" (${entry.itemId}) carries markup debris (${debris}): correct it at the source, or leave the item out`,
        entry.itemId,
      );
    if (isLinkText(item.title))
      add(
        'warning',
        'link-text',
        `"${item.title}" (${entry.itemId}) reads like a link's text, not a headline: check the item at its source (a page's selectors may have caught the wrong link), or leave it out`,
        entry.itemId,
      );
    for (const id of [entry.itemId, ...entry.alsoIds]) {
      const other = items.get(id);
      if (other) itemOfUrl.set(other.url, other);
      const week = alreadySent.get(id);
      if (week) add('blocking', 'already-sent', `"${other?.title ?? id}" already went out in ${week}`, id);
    }
  }

  const message = personalise(compiled, sampleRecipient(config));
  const htmlBytes = byteSize(message.html);
  const size = sizeVerdict(htmlBytes);
  if (size) add(size.severity, 'size', size.message);

  const $ = cheerio.load(message.html);
  const seen = new Set<string>();
  const allowedPrivate: string[] = [];
  $('a').each((_, el) => {
    const href = $(el).attr('href') ?? '';
    if (seen.has(href)) return;
    seen.add(href);
    const problem = linkProblem(href);
    if (!problem) return;
    const item = itemOfUrl.get(href);
    if (item?.sourceIds.some((s) => privateOk.has(s))) allowedPrivate.push(href);
    else add('blocking', 'bad-link', problem, item?.id);
  });
  // Demo and test sources live on loopback by design: one line, not one per link.
  if (allowedPrivate.length > 0) {
    add(
      'warning',
      'private-link',
      `${allowedPrivate.length} link(s) point at private addresses, from sources that allow it (demo or test data), e.g. ${allowedPrivate[0]}`,
    );
  }

  const hasUnsub = (parts: CompiledIssue['html']) =>
    parts.some((p) => p.kind === 'var' && p.name === 'unsubscribeUrl');
  if (!hasUnsub(compiled.html)) add('blocking', 'no-unsubscribe', 'the HTML part has no unsubscribe link');
  if (!hasUnsub(compiled.text)) add('blocking', 'no-unsubscribe', 'the text part has no unsubscribe link');

  return {
    week: issue.week,
    version: issue.version,
    ok: !findings.some((f) => f.severity === 'blocking'),
    htmlBytes,
    findings,
  };
}
