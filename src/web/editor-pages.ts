import type { Config } from '../config/load.js';
import { TEXT_LIMITS } from '../digest/edit.js';
import { escapeHtml } from '../digest/escape.js';
import type { Finding } from '../digest/pre-send-checks.js';
import { renderTemplate, templateRenderer } from '../digest/template.js';
import { issueWindow, shortDate, weekOf } from '../digest/week.js';
import type { EditorItemView, EditorSectionView, WeekView } from './editor-view.js';
import { assetUrl } from './static-files.js';

/** What every editor page needs besides its body. */
export interface PageContext {
  config: Config;
  /** The signed-in editor, as shown in the top bar. */
  who: string;
  csrf: string;
}

/** A message above a page's content; `texts` are what the editor wrote, shown so nothing is lost. */
export interface Flash {
  kind: 'ok' | 'error';
  message: string;
  texts?: { label: string; text: string }[];
}

export function flashHtml(flash: Flash | undefined): string {
  if (!flash) return '';
  const texts = (flash.texts ?? [])
    .filter((t) => t.text.trim())
    .map((t) => `<p>${escapeHtml(t.label)}:</p><pre class="kept">${escapeHtml(t.text)}</pre>`)
    .join('');
  const role = flash.kind === 'error' ? 'alert' : 'status';
  return `<div class="flash ${flash.kind}" role="${role}"><p>${escapeHtml(flash.message)}</p>${texts}</div>`;
}

function layout(
  ctx: PageContext,
  o: { title: string; week?: string; version?: number; body: string },
): string {
  return renderTemplate('web/editor-layout.html', {
    lang: ctx.config.newsletter.language,
    title: o.title,
    name: ctx.config.newsletter.name,
    who: ctx.who,
    csrf: ctx.csrf,
    css: assetUrl('editor.css'),
    js: assetUrl('editor.js'),
    week: o.week ?? '',
    version: o.version ?? '',
    body: o.body,
  });
}

/** Only http(s) links are followed from the editor: a feed's `javascript:` link becomes inert. */
export function safeHref(url: string): string {
  return /^https?:\/\//i.test(url) ? url : '#';
}

/** The weeks either side, for the page's navigation. */
function around(config: Config, week: string): { prev: string; next: string; coverLine: string } {
  const w = issueWindow(week, config.newsletter);
  const lang = config.newsletter.language;
  const day = 86_400_000;
  const mid = w.sendAt.toMillis();
  return {
    prev: weekOf(new Date(mid - 7 * day)),
    next: weekOf(new Date(mid + 7 * day)),
    coverLine: `It covers ${shortDate(w.since, lang)} to ${shortDate(new Date(w.until.getTime() - 1), lang)}`,
  };
}

const renderItem = templateRenderer('web/editor-item.html');

/** The sector select's options with each sector selected, made once per page. */
function sectorOptions(config: Config): Map<string, string> {
  return new Map(
    config.sectors.map((selected) => [
      selected.id,
      config.sectors
        .map(
          (s) =>
            // No value: the heading is the option's value (the form route and the script map it
            // back), which spares ~170 bytes in each of hundreds of items.
            `<option${s.id === selected.id ? ' selected' : ''}>${escapeHtml(s.heading)}</option>`,
        )
        .join(''),
    ]),
  );
}

function itemHtml(
  ctx: PageContext,
  view: WeekView,
  item: EditorItemView,
  low: boolean,
  options: Map<string, string>,
): string {
  const also = item.also.length
    ? `<p class="also">Also reported by ${item.also
        .map(
          (a) =>
            `<a href="${escapeHtml(safeHref(a.url))}" target="_blank" rel="noopener noreferrer" title="${escapeHtml(a.title)}">${escapeHtml(a.source)}</a>`,
        )
        .join(', ')}</p>`
    : '';
  const ran = item.ranIn ? ` · <strong class="ran">ran in ${escapeHtml(item.ranIn)}</strong>` : '';
  // What the form's texts held when the page was drawn: an absent field reads as empty.
  let base = '';
  if (item.comment) base += `<input type="hidden" name="baseComment" value="${escapeHtml(item.comment)}">`;
  if (item.noComment) base += '<input type="hidden" name="baseNoComment" value="1">';
  return renderItem({
    id: item.id,
    week: view.week,
    csrf: ctx.csrf,
    sector: item.sector,
    low: low ? '1' : '',
    included: item.included ? '1' : '',
    base,
    comment: item.comment,
    href: safeHref(item.url),
    title: item.title,
    sources: item.sources.join(', ') || 'unknown source',
    date: item.date,
    ran,
    summary: item.summary,
    also,
    classifiedAs: item.classifiedAs,
    confidence: Math.round(item.confidence * 100),
    explanation: item.explanation,
    relevance: item.relevance.toFixed(2),
    checked: item.included ? ' checked' : '',
    noCommentChecked: item.noComment ? ' checked' : '',
    sectorOptions: options.get(item.sector) ?? '',
    commentMax: TEXT_LIMITS.comment,
  });
}

function sectionHtml(
  ctx: PageContext,
  view: WeekView,
  s: EditorSectionView,
  options: Map<string, string>,
): string {
  // Concatenated, not joined: the rows are linked, and copied once when the page is sent.
  const items = (list: EditorItemView[], low: boolean) => {
    let html = '';
    for (const i of list) html += itemHtml(ctx, view, i, low, options);
    return html;
  };
  return renderTemplate('web/editor-section.html', {
    sector: s.sector,
    heading: s.heading,
    included: items(s.included, false),
    excluded: items(s.excluded, false),
    low: items(s.low, true),
    lowCount: s.low.length,
  });
}

/** The week page with its draft: text fields, the chart, and every candidate by sector. */
export function weekPage(ctx: PageContext, view: WeekView, o: { chart: string; flash?: Flash }): string {
  const options = sectorOptions(ctx.config);
  const body = renderTemplate('web/editor-week.html', {
    ...around(ctx.config, view.week),
    week: view.week,
    status: view.status === 'draft' ? 'draft' : `${view.status}: read only`,
    version: view.version,
    csrf: ctx.csrf,
    flash: flashHtml(o.flash),
    included: view.includedCount,
    candidates: view.candidateCount,
    subject: view.subject,
    intro: view.intro,
    subjectMax: TEXT_LIMITS.subject,
    introMax: TEXT_LIMITS.intro,
    chart: o.chart,
    sections: view.sections.reduce((html, s) => html + sectionHtml(ctx, view, s, options), ''),
  });
  return layout(ctx, {
    title: `${view.week}: ${ctx.config.newsletter.name}`,
    week: view.week,
    version: view.version,
    body,
  });
}

/** A week with no draft yet: the button that makes one. */
export function noDraftPage(ctx: PageContext, week: string, o: { chart: string; flash?: Flash }): string {
  const body = renderTemplate('web/editor-nodraft.html', {
    ...around(ctx.config, week),
    week,
    csrf: ctx.csrf,
    flash: flashHtml(o.flash),
    chart: o.chart,
  });
  return layout(ctx, { title: `${week}: ${ctx.config.newsletter.name}`, week, body });
}

/** One version the preview can show: everything, one sector's subscribers, or the text part. */
export interface PreviewVersion {
  key: string;
  label: string;
}

export interface PreviewPageData {
  week: string;
  versions: PreviewVersion[];
  shown: string;
  /** The iframe's address for HTML versions; the text itself for the text part. */
  frameSrc?: string;
  text?: string;
  sizeLine: string;
  findings: Finding[];
  me: string;
  /** "to 120 subscribers", or why sending is not possible. */
  sendTo: string;
  deliveryReady: boolean;
  flash?: Flash;
}

function findingsHtml(week: string, findings: Finding[]): string {
  if (findings.length === 0) return '<p class="ok">No problems found: ready to send.</p>';
  const order = [...findings].sort(
    (a, b) => Number(b.severity === 'blocking') - Number(a.severity === 'blocking'),
  );
  const rows = order.map((f) => {
    const label = f.severity === 'blocking' ? 'Must fix' : 'Warning';
    const text = escapeHtml(f.message);
    const target = f.itemId
      ? `/editor/${week}#item-${f.itemId}`
      : f.code === 'no-subject'
        ? `/editor/${week}#subject`
        : f.code === 'no-intro'
          ? `/editor/${week}#intro`
          : '';
    const link = target ? `<a href="${escapeHtml(target)}">${text}</a>` : text;
    return `<li class="${f.severity}"><strong>${label}:</strong> ${link}</li>`;
  });
  return `<ul class="findings">${rows.join('')}</ul>`;
}

export function previewPage(ctx: PageContext, d: PreviewPageData): string {
  const versions = d.versions
    .map((v) =>
      v.key === d.shown
        ? `<a href="?v=${encodeURIComponent(v.key)}" aria-current="page">${escapeHtml(v.label)}</a>`
        : `<a href="?v=${encodeURIComponent(v.key)}">${escapeHtml(v.label)}</a>`,
    )
    .join('');
  const shown =
    d.text !== undefined
      ? `<pre class="text-part" tabindex="0" aria-label="Text part">${escapeHtml(d.text)}</pre>`
      : `<iframe class="email" sandbox="" src="${escapeHtml(d.frameSrc ?? '')}" title="The email as a subscriber gets it"></iframe>`;
  const body = renderTemplate('web/editor-preview.html', {
    week: d.week,
    flash: flashHtml(d.flash),
    versions,
    sizeLine: d.sizeLine,
    shown,
    checks: findingsHtml(d.week, d.findings),
    sendNote: d.deliveryReady
      ? ''
      : '<p class="note">Delivery is not set up yet: these buttons send nothing.</p>',
    csrf: ctx.csrf,
    me: d.me,
    sendTo: d.sendTo,
  });
  return layout(ctx, { title: `Preview ${d.week}: ${ctx.config.newsletter.name}`, week: d.week, body });
}

/** The confirmation before sending: how many people, in which sectors. */
export function confirmPage(
  ctx: PageContext,
  d: { week: string; subject: string; count: number; bySector: Record<string, number> },
): string {
  const people = (n: number) => `${n.toLocaleString('en-GB')} subscriber${n === 1 ? '' : 's'}`;
  const rows = ctx.config.sectors
    .map((s) => `<li>${escapeHtml(s.heading)}: ${people(d.bySector[s.id] ?? 0)}</li>`)
    .join('');
  const body = renderTemplate('web/editor-confirm.html', {
    week: d.week,
    subject: d.subject,
    count: people(d.count),
    bySector: rows,
    csrf: ctx.csrf,
  });
  return layout(ctx, { title: `Send ${d.week}?`, week: d.week, body });
}

/** A short page with a message and a way back (errors, results). */
export function messagePage(ctx: PageContext, o: { title: string; flash: Flash; back: string }): string {
  const body = `<h1>${escapeHtml(o.title)}</h1>${flashHtml(o.flash)}<p><a href="${escapeHtml(o.back)}">Back</a></p>`;
  return layout(ctx, { title: o.title, body });
}
