import type { Config } from '../config/load.js';
import { publicUrl } from '../digest/view.js';
import { escapeHtml } from '../digest/escape.js';
import { renderTemplate } from '../digest/template.js';

/** The sign-in page; `message` is plain text (shown escaped, announced to screen readers). */
export function loginPage(
  config: Config,
  v: { next: string; csrf: string; email?: string; message?: string },
): string {
  const n = config.newsletter;
  const body = renderTemplate('web/login.html', {
    name: n.name,
    next: v.next,
    csrf: v.csrf,
    email: v.email ?? '',
    message: v.message ? `<p role="alert">${escapeHtml(v.message)}</p>` : '',
  });
  return renderTemplate('web/layout.html', {
    lang: n.language,
    title: `Sign in: ${n.name}`,
    name: n.name,
    feedUrl: publicUrl(config, 'issues/feed.xml'),
    body,
  });
}
