import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/load.js';
import type { IngestUrl } from '../../digest/add-url.js';
import type { CompiledIssue } from '../../digest/render.js';
import { Digest, type LoadedIssue } from '../../digest/service.js';
import type { IssueView } from '../../digest/view.js';
import { issueWindow } from '../../digest/week.js';
import type { EditorAccount } from '../../store/editors.js';
import { LabelStore } from '../../store/labels.js';
import type { PageContext } from '../editor-pages.js';
import { SingleFlightCache } from '../render-cache.js';
import { SectorCounts } from '../sector-counts.js';
import type { SendActions } from '../send-actions.js';

/** What the editor's routes are built with (once per server). */
export interface EditorOptions {
  redis: Redis;
  prefix: string;
  config: Config;
  /** How "add by URL" fetches an article it has not stored (the CLI's pipelineIngestUrl). */
  ingestUrl?: IngestUrl;
  /** The send buttons' delivery; absent until delivery is set up. */
  delivery?: SendActions;
}

export interface EditorDeps extends EditorOptions {
  labels: LabelStore;
  counts: SectorCounts;
  /** Compiled issues by week@version: the preview page and its frame share one compile. */
  compiled: SingleFlightCache<{ loaded: LoadedIssue; view: IssueView; compiled: CompiledIssue }>;
}

export function editorDeps(o: EditorOptions): EditorDeps {
  const shared = new Digest({ redis: o.redis, prefix: o.prefix, config: o.config });
  return {
    ...o,
    labels: new LabelStore(o.redis, o.prefix),
    counts: new SectorCounts(shared.items, o.config),
    compiled: new SingleFlightCache(8),
  };
}

/**
 * The editor's pages: scripts only from our own /static, no inline script, nothing from
 * elsewhere; the preview frames our own origin.
 */
export const EDITOR_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The signed-in editor (signedInRoutes guarantees one). */
export function editorOf(req: FastifyRequest): EditorAccount {
  const editor = req.editor;
  if (!editor) throw Object.assign(new Error('sign in first'), { statusCode: 401 });
  return editor;
}

/** A Digest acting for the signed-in editor: cheap, one per request. */
export function digestFor(deps: EditorDeps, req: FastifyRequest): Digest {
  return new Digest({
    redis: deps.redis,
    prefix: deps.prefix,
    config: deps.config,
    editor: editorOf(req).email,
    ingestUrl: deps.ingestUrl,
  });
}

/** The ISO week in the address, normalised ("2026-w49" → "2026-W49"), or undefined for anything else. */
export function weekParam(deps: EditorDeps, text: string): string | undefined {
  if (!/^\d{4}-W\d{2}$/i.test(text)) return undefined;
  try {
    return issueWindow(text.toUpperCase(), deps.config.newsletter).week;
  } catch {
    return undefined;
  }
}

export async function pageContext(
  deps: EditorDeps,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<PageContext> {
  const editor = editorOf(req);
  const csrf = reply.generateCsrf();
  return { config: deps.config, who: editor.name || editor.email, csrf };
}

export function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return (
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', EDITOR_CSP)
      .header('cache-control', 'no-store')
      // Encoded here, once: a string would be measured (content-length) and then encoded apart.
      .send(Buffer.from(html))
  );
}

/**
 * A form's fields as single strings with LF line breaks (a repeated field gives its first value;
 * anything else is ignored).
 */
export function formFields(body: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [name, value] of Object.entries(body)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    // Browsers send a form's line breaks as CRLF; the page's own texts have LF.
    if (typeof first === 'string') out[name] = first.replace(/\r\n?/g, '\n');
  }
  return out;
}
