import type { Config } from '../config/load.js';
import { renderTemplate } from '../digest/template.js';
import type { EditorAccount } from '../store/editors.js';
import { failingFirst, isFailing, type SourceHealth } from '../store/source-health.js';

/** What every admin page needs besides its own content. */
export interface AdminPageContext {
  config: Config;
  editor: EditorAccount;
  /** The session's CSRF token, for the page's forms (Fetch now, Sign out). */
  csrf: string;
  /** Whether the queues are open here: without them there is no Fetch now and no dashboard. */
  queues: boolean;
}

function layout(ctx: AdminPageContext, title: string, body: string): string {
  return renderTemplate('web/admin-layout.html', {
    lang: ctx.config.newsletter.language,
    title: `${title}: ${ctx.config.newsletter.name}`,
    csrf: ctx.csrf,
    queuesLink: ctx.queues ? '<a href="/admin/queues">Queues</a>' : '',
    body,
  });
}

/** `/admin`: where the administration pages are. */
export function adminIndexPage(ctx: AdminPageContext): string {
  const e = ctx.editor;
  return layout(
    ctx,
    'Administration',
    renderTemplate('web/admin-index.html', {
      who: e.name ? `${e.name} (${e.email})` : e.email,
      queuesItem: ctx.queues
        ? '<li><a href="/admin/queues">Queues</a>: the BullMQ dashboard of the fetch and enrich queues.</li>'
        : '',
    }),
  );
}

/** `2026-12-03T10:15:00.000Z` as `2026-12-03 10:15`, as `ssnews sources status` shows it. */
const minute = (iso: string | undefined, none: string) => iso?.slice(0, 16).replace('T', ' ') ?? none;

/**
 * `/admin/sources`: the `sources status` figures, failing sources first. `queued` names the
 * source a Fetch now just queued (shown as a notice when it is a configured source).
 */
export function sourcesPage(ctx: AdminPageContext, health: SourceHealth[], queued?: string): string {
  const rows = failingFirst(health).map((s) => {
    const failing = isFailing(s);
    const canFetch = ctx.queues && s.configured === 'enabled';
    return renderTemplate('web/admin-source-row.html', {
      rowClass: failing ? 'is-failing' : '',
      name: s.name,
      id: s.id,
      configured: s.configured,
      lastFetch: minute(s.lastFetchAt, 'never'),
      status: s.lastStatus ?? '-',
      items: s.itemsLast7Days,
      failuresClass: failing ? ' class="failing"' : '',
      failures: s.consecutiveFailures,
      nextFetch: minute(s.nextFetchAt, '-'),
      error: [s.lastError, s.lastWarning && `warning: ${s.lastWarning}`, s.movedTo && `moved to ${s.movedTo}`]
        .filter(Boolean)
        .join('; '),
      action: canFetch ? renderTemplate('web/admin-fetch-button.html', { id: s.id, csrf: ctx.csrf }) : '',
    });
  });
  const failing = health.filter(isFailing).length;
  const source = queued ? health.find((s) => s.id === queued && s.configured === 'enabled') : undefined;
  return layout(
    ctx,
    'Sources',
    renderTemplate('web/admin-sources.html', {
      notice: source
        ? renderTemplate('web/admin-notice.html', {
            text: `Fetch queued for ${source.name}: a worker fetches it next; reload this page to see the result.`,
          })
        : '',
      summary: `${health.length} sources, ${failing} failing.`,
      fetchNote: ctx.queues
        ? ''
        : '<p class="notice">This server has no queues open, so sources cannot be fetched from here: use <code>ssnews fetch</code>.</p>',
      rows: rows.join('\n'),
    }),
  );
}
