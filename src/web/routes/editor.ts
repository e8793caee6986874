import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ranBefore } from '../../digest/draft.js';
import { ConflictError, EditError, IssueLockedError } from '../../digest/errors.js';
import type { Issue } from '../../types/issue.js';
import type { NewsItem } from '../../types/item.js';
import type { Digest } from '../../digest/service.js';
import { issueWindow } from '../../digest/week.js';
import { isSectorId, type SectorId } from '../../config/schema.js';
import { messagePage, noDraftPage, weekPage, type Flash } from '../editor-pages.js';
import type { WebOp } from '../editor-ops.js';
import { applyWebOps } from './apply-ops.js';
import { buildWeekView } from '../editor-view.js';
import { sectorChart } from '../sector-chart.js';
import { editorApiRoutes } from './editor-api.js';
import {
  digestFor,
  editorDeps,
  editorOf,
  formFields,
  pageContext,
  sendPage,
  weekParam,
  type EditorDeps,
  type EditorOptions,
} from './editor-deps.js';
import { previewRoutes } from './preview.js';

type WeekRequest = FastifyRequest<{ Params: { week: string } }>;
type WeekPageRequest = FastifyRequest<{ Params: { week: string }; Querystring: { added?: string } }>;
type FormRequest = FastifyRequest<{ Params: { week: string }; Body: Record<string, string | undefined> }>;

/**
 * The web editor: the week page and its forms (they work without the script), the JSON API
 * the script uses, and the preview with checks and send. Register on a signed-in scope.
 */
export function editorRoutes(scope: FastifyInstance, options: EditorOptions): void {
  const deps = editorDeps(options);

  scope.get('/editor', async (req, reply) => reply.redirect(`/editor/${digestFor(deps, req).nextWeek()}`));

  scope.get('/editor/:week', async (req: WeekPageRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return notFound(reply);
    if (week !== req.params.week) return reply.redirect(`/editor/${week}`);
    // After drafting: what it found (only a number comes through the address).
    const added = /^\d{1,5}$/.test(req.query.added ?? '') ? Number(req.query.added) : undefined;
    const flash: Flash | undefined =
      added === undefined
        ? undefined
        : { kind: 'ok', message: `Candidates refreshed: ${added} new ${added === 1 ? 'story' : 'stories'}.` };
    return showWeek(deps, req, reply, week, flash);
  });

  // Creates the week's draft, or refreshes its candidates keeping every edit.
  scope.post('/editor/:week/draft', async (req: WeekRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return notFound(reply);
    const { added } = await digestFor(deps, req).draft(week);
    return reply.redirect(`/editor/${week}?added=${added.length}`, 303);
  });

  // The subject and intro form (without the script).
  scope.post('/editor/:week/edit', async (req: FormRequest, reply) => {
    const b = formFields(req.body);
    const ops: WebOp[] = [
      { op: 'subject', text: b.subject ?? '' },
      { op: 'intro', text: b.intro ?? '' },
    ];
    const base = { subject: b.baseSubject ?? '', intro: b.baseIntro ?? '' };
    return formEdit(deps, req, reply, ops, base, '#subject');
  });

  // One item's form (without the script): the button pressed says what to do.
  scope.post('/editor/:week/item', async (req: FormRequest, reply) => {
    const b = formFields(req.body);
    const itemId = b.itemId ?? '';
    const ops: WebOp[] = [];
    switch (b.action) {
      case 'up':
      case 'down':
        ops.push({ op: 'step', itemId, by: b.action === 'up' ? -1 : 1 });
        break;
      case 'move': {
        // The page's select sends the sector's heading; an id is taken too.
        const sector = isSectorId(b.sector ?? '')
          ? (b.sector as SectorId)
          : deps.config.sectors.find((s) => s.heading === b.sector)?.id;
        if (!sector) return badForm(deps, req, reply, `unknown sector "${b.sector ?? ''}"`);
        ops.push({ op: 'move', itemId, sector });
        break;
      }
      case 'not-relevant':
        ops.push({ op: 'not-relevant', itemId });
        break;
      default: // "save": the Include box and the commentary
        ops.push({ op: 'include', itemId, included: b.included === '1' });
        ops.push({ op: 'comment', itemId, text: b.comment ?? '', noComment: b.noComment === '1' });
    }
    // Ticking "No comment" is a change to the commentary even when its text stays the same.
    const touched = (b.noComment ?? '') === (b.baseNoComment ?? '') ? [] : [`comment:${itemId}`];
    return formEdit(
      deps,
      req,
      reply,
      ops,
      { [`comment:${itemId}`]: b.baseComment ?? '' },
      `#item-${itemId}`,
      touched,
    );
  });

  scope.post('/editor/:week/add', async (req: FormRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return notFound(reply);
    const digest = digestFor(deps, req);
    const url = (formFields(req.body).url ?? '').trim();
    try {
      // Adding has no text to lose: it goes onto whatever the draft is now.
      const { item } = await digest.addByUrl(week, (await digest.get(week)).version, url);
      return reply.redirect(`/editor/${week}#item-${item.id}`, 303);
    } catch (err) {
      if (err instanceof EditError || err instanceof ConflictError || err instanceof IssueLockedError)
        return showWeek(
          deps,
          req,
          reply,
          week,
          { kind: 'error', message: err.message, texts: [{ label: 'The address you gave', text: url }] },
          400,
        );
      throw err;
    }
  });

  editorApiRoutes(scope, deps);
  previewRoutes(scope, deps);
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).type('text/plain; charset=utf-8').send('no such week: weeks look like 2026-W49');
}

async function showWeek(
  deps: EditorDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  week: string,
  flash?: Flash,
  status = 200,
): Promise<FastifyReply> {
  const digest = digestFor(deps, req);
  const window = issueWindow(week, deps.config.newsletter);
  // The week's items are read once: the chart counts them, and the draft's entries are
  // mostly among them (only the others are fetched apart).
  const [issue, inWindow, earlier, ctx] = await Promise.all([
    digest.issues.get(week),
    digest.items.list({ since: window.since, until: window.until }),
    digest.issues.before(week),
    pageContext(deps, req, reply),
  ]);
  const [chartInput, items] = await Promise.all([
    deps.counts.chartInput(week, inWindow),
    issue ? itemsOf(digest, issue, inWindow) : undefined,
  ]);
  const chart = sectorChart(chartInput);
  if (!issue || !items) return sendPage(reply, noDraftPage(ctx, week, { chart, flash }), status);
  const view = buildWeekView(issue, items, deps.config, ranBefore(earlier));
  return sendPage(reply, weekPage(ctx, view, { chart, flash }), status);
}

/** The draft's items (entries and "also reported by"), taking those already read from `have`. */
async function itemsOf(digest: Digest, issue: Issue, have: NewsItem[]): Promise<Map<string, NewsItem>> {
  const byId = new Map(have.map((i) => [i.id, i]));
  const items = new Map<string, NewsItem>();
  const missing: string[] = [];
  for (const e of issue.entries)
    for (const id of [e.itemId, ...e.alsoIds]) {
      const item = byId.get(id);
      if (item) items.set(id, item);
      else missing.push(id);
    }
  for (const item of await digest.items.getMany(missing)) items.set(item.id, item);
  return items;
}

async function badForm(
  deps: EditorDeps,
  req: FormRequest,
  reply: FastifyReply,
  message: string,
): Promise<FastifyReply> {
  const ctx = await pageContext(deps, req, reply);
  return sendPage(
    reply,
    messagePage(ctx, {
      title: 'Not saved',
      flash: { kind: 'error', message },
      back: `/editor/${req.params.week}`,
    }),
    400,
  );
}

/** The issue's text for a field the page edits. */
function textOf(issue: Issue, field: string): string {
  if (field === 'subject') return issue.subject ?? '';
  if (field === 'intro') return issue.intro ?? '';
  return issue.entries.find((e) => `comment:${e.itemId}` === field)?.comment ?? '';
}

/** Same text, as the digest stores it: trimmed; a subject also on one line. Line breaks in commentary matter. */
const same = (field: string, a: string, b: string) => {
  const norm = (t: string) => (field === 'subject' ? t.trim().replace(/\s+/g, ' ') : t.trim());
  return norm(a) === norm(b);
};

/**
 * A form's change, made against the draft as it is now. The form says what its text fields
 * held when the page was loaded (`base`): when someone else has changed one of them since, and
 * this form would change it too, nothing is saved and the page shows both texts.
 */
async function formEdit(
  deps: EditorDeps,
  req: FormRequest,
  reply: FastifyReply,
  ops: WebOp[],
  base: Record<string, string>,
  anchor: string,
  touched: string[] = [],
): Promise<FastifyReply> {
  const week = weekParam(deps, req.params.week);
  if (!week) return notFound(reply);
  const digest = digestFor(deps, req);
  const mine = (field: string) => {
    const op = ops.find((o) => ('itemId' in o ? `${o.op}:${o.itemId}` : o.op) === field);
    return op && 'text' in op ? (op.text ?? '') : undefined;
  };
  try {
    const issue = await digest.get(week);
    // A text this editor left as it was is not sent: it would put back an older text.
    const untouched = new Set(
      Object.keys(base).filter(
        (field) =>
          mine(field) !== undefined && same(field, mine(field)!, base[field]!) && !touched.includes(field),
      ),
    );
    const clashes = Object.keys(base).filter((field) => {
      const text = mine(field);
      const theirs = textOf(issue, field);
      return (
        text !== undefined &&
        !untouched.has(field) &&
        !same(field, theirs, base[field]!) &&
        !same(field, theirs, text)
      );
    });
    if (clashes.length) {
      const texts = clashes.flatMap((field) => [
        { label: `Your ${label(field)}`, text: mine(field)! },
        { label: `The ${label(field)} someone else saved (now on the page)`, text: textOf(issue, field) },
      ]);
      const message = `Not saved: someone else changed the ${clashes.map(label).join(' and ')} while you were editing. Both texts are below; copy yours back in if it should win.`;
      return showWeek(deps, req, reply, week, { kind: 'error', message, texts }, 409);
    }
    const changed = ops.filter((o) => !untouched.has('itemId' in o ? `${o.op}:${o.itemId}` : o.op));
    await applyWebOps(deps, digest, week, issue, changed, editorOf(req).email);
    return reply.redirect(`/editor/${week}${anchor}`, 303);
  } catch (err) {
    if (err instanceof EditError || err instanceof ConflictError || err instanceof IssueLockedError) {
      const texts = Object.keys(base).flatMap((f) =>
        mine(f) ? [{ label: `Your ${label(f)}`, text: mine(f)! }] : [],
      );
      return showWeek(
        deps,
        req,
        reply,
        week,
        { kind: 'error', message: `Not saved: ${err.message}`, texts },
        err instanceof EditError ? 400 : 409,
      );
    }
    throw err;
  }
}

function label(field: string): string {
  return field.startsWith('comment:') ? 'commentary' : field;
}
