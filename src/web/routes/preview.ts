import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSectorId } from '../../config/schema.js';
import { ranBefore } from '../../digest/draft.js';
import { checkIssue } from '../../digest/pre-send-checks.js';
import { genericRecipient } from '../../digest/recipients.js';
import { byteSize, kb, personalise, sizeVerdict, HTML_SIZE_LIMIT } from '../../digest/render.js';
import type { Digest } from '../../digest/service.js';
import { confirmPage, messagePage, previewPage, type Flash, type PreviewVersion } from '../editor-pages.js';
import { DEFAULT_CSP } from '../security.js';
import { NO_DELIVERY } from '../send-actions.js';
import { digestFor, editorOf, pageContext, sendPage, weekParam, type EditorDeps } from './editor-deps.js';

type PreviewRequest = FastifyRequest<{ Params: { week: string }; Querystring: { v?: string } }>;
type SendRequest = FastifyRequest<{ Params: { week: string }; Body: Record<string, string | undefined> }>;

/**
 * The preview frame is the email itself, as a subscriber's mail client gets it: the archive's
 * policy (inline styles, https images, no script), framed only by our own pages.
 */
const FRAME_CSP = DEFAULT_CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'");

/** The preview (exact subscriber HTML per sector version, and the text part), the checks and sending. */
/**
 * A send action's answer as a notice: delivery refuses (blocking checks, no TOKEN_SECRET) or
 * the mail server fails with a message the editor can act on, shown rather than a bare 500.
 */
async function attempt(action: () => Promise<string>): Promise<Flash> {
  try {
    return { kind: 'ok', message: await action() };
  } catch (err) {
    return { kind: 'error', message: `Not sent: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function previewRoutes(scope: FastifyInstance, deps: EditorDeps): void {
  const compiled = async (digest: Digest, week: string) => {
    const issue = await digest.get(week);
    return deps.compiled.get(`${week}@${issue.version}`, () => digest.compile(week));
  };
  /** The version asked for: "all", a sector id, or "text". */
  const versionOf = (v: string | undefined) => (v === 'text' || (v && isSectorId(v)) ? v : 'all');
  const messageFor = async (digest: Digest, week: string, v: string) => {
    const c = await compiled(digest, week);
    const sectors = isSectorId(v) ? [v] : undefined;
    return { ...c, message: personalise(c.compiled, genericRecipient(deps.config, sectors)) };
  };

  scope.get('/editor/:week/preview', async (req: PreviewRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return reply.code(404).type('text/plain; charset=utf-8').send('no such week');
    const digest = digestFor(deps, req);
    if (!(await digest.issues.get(week))) return reply.redirect(`/editor/${week}`);
    return showPreview(digest, req, reply, week, versionOf(req.query.v));
  });

  scope.get('/editor/:week/preview/frame', async (req: PreviewRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return reply.code(404).type('text/plain; charset=utf-8').send('no such week');
    const digest = digestFor(deps, req);
    if (!(await digest.issues.get(week)))
      return reply.code(404).type('text/plain; charset=utf-8').send('no draft');
    const { message } = await messageFor(digest, week, versionOf(req.query.v));
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', FRAME_CSP)
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .send(message.html);
  });

  async function showPreview(
    digest: Digest,
    req: FastifyRequest,
    reply: FastifyReply,
    week: string,
    v: string,
    flash?: Flash,
  ): Promise<FastifyReply> {
    const [{ loaded, view, compiled: c, message }, earlier, ctx, recipients] = await Promise.all([
      messageFor(digest, week, v),
      digest.issues.before(week),
      pageContext(deps, req, reply),
      deps.delivery?.recipients(week),
    ]);
    const check = checkIssue(loaded.issue, loaded.items, c, deps.config, ranBefore(earlier));
    const versions: PreviewVersion[] = [
      { key: 'all', label: 'All sectors' },
      ...view.sections.map((s) => ({ key: s.sector, label: s.heading })),
      { key: 'text', label: 'Text part' },
    ];
    const bytes = byteSize(message.html);
    const verdict = sizeVerdict(bytes)?.message ?? `within the ${kb(HTML_SIZE_LIMIT)} aim`;
    const shownLabel = versions.find((x) => x.key === v)?.label ?? 'All sectors';
    const html = previewPage(ctx, {
      week,
      versions,
      shown: v,
      frameSrc: v === 'text' ? undefined : `/editor/${week}/preview/frame?v=${encodeURIComponent(v)}`,
      text: v === 'text' ? message.text : undefined,
      sizeLine: `${shownLabel}: HTML ${kb(bytes)}, ${verdict}. For sending, with a subscriber's links: ${kb(check.htmlBytes)}.`,
      findings: check.findings,
      me: editorOf(req).email,
      sendTo: recipients
        ? `to ${recipients.count.toLocaleString('en-GB')} subscriber${recipients.count === 1 ? '' : 's'}`
        : 'to subscribers, once delivery is set up',
      deliveryReady: Boolean(deps.delivery),
      flash,
    });
    return sendPage(reply, html);
  }

  const done = async (req: FastifyRequest, reply: FastifyReply, week: string, flash: Flash, status = 200) => {
    const ctx = await pageContext(deps, req, reply);
    const title = flash.kind === 'ok' ? 'Done' : 'Not sent';
    return sendPage(reply, messagePage(ctx, { title, flash, back: `/editor/${week}/preview` }), status);
  };

  scope.post('/editor/:week/send-test', async (req: SendRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return reply.code(404).type('text/plain; charset=utf-8').send('no such week');
    if (!deps.delivery) return done(req, reply, week, { kind: 'error', message: NO_DELIVERY });
    const sent = await attempt(() => deps.delivery!.sendTest(week, editorOf(req).email));
    return done(req, reply, week, sent, sent.kind === 'ok' ? 200 : 502);
  });

  // Without `confirm=yes` this only asks: the count and the sectors, and a button to go ahead.
  scope.post('/editor/:week/send', async (req: SendRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return reply.code(404).type('text/plain; charset=utf-8').send('no such week');
    if (!deps.delivery) return done(req, reply, week, { kind: 'error', message: NO_DELIVERY });
    const digest = digestFor(deps, req);
    const { loaded, compiled: c } = await compiled(digest, week);
    const check = checkIssue(
      loaded.issue,
      loaded.items,
      c,
      deps.config,
      ranBefore(await digest.issues.before(week)),
    );
    const blocking = check.findings.filter((f) => f.severity === 'blocking');
    if (blocking.length)
      return done(
        req,
        reply,
        week,
        {
          kind: 'error',
          message: `Not sent: ${blocking.length} problem${blocking.length === 1 ? '' : 's'} must be fixed first (see the checks).`,
        },
        409,
      );
    if (req.body?.confirm !== 'yes') {
      const { count, bySector } = await deps.delivery.recipients(week);
      const ctx = await pageContext(deps, req, reply);
      return sendPage(reply, confirmPage(ctx, { week, subject: c.subject, count, bySector }));
    }
    const started = await attempt(() => deps.delivery!.send(week));
    return done(req, reply, week, started, started.kind === 'ok' ? 200 : 409);
  });
}
