import type { Config } from '../config/load.js';
import type { Issue } from '../types/issue.js';
import { defaultSubject, publicUrl } from '../digest/view.js';
import { issueWindow, longDate } from '../digest/week.js';
import { renderTemplate } from '../digest/template.js';

/** Public page of the list of sent issues, newest first. */
export function issuesPage(config: Config, issues: Issue[]): string {
  const n = config.newsletter;
  const rows = issues.map((i) =>
    renderTemplate('web/issue-row.html', {
      date: longDate(issueWindow(i.week, n).sendAt, n.language),
      href: `/issues/${i.week}`,
      subject: i.subject ?? defaultSubject(config, i),
    }),
  );
  const list = rows.length ? `<ol>${rows.join('')}</ol>` : '<p>No issues have been sent yet.</p>';
  const body = renderTemplate('web/issues.html', {
    name: n.name,
    list,
    footer: n.footer,
    register: publicUrl(config, 'subscribe'),
    feedUrl: publicUrl(config, 'issues/feed.xml'),
  });
  return renderTemplate('web/layout.html', {
    lang: n.language,
    title: `${n.name}: past issues`,
    name: n.name,
    feedUrl: publicUrl(config, 'issues/feed.xml'),
    body,
  });
}

/** Atom feed of sent issues. `introOf` gives each issue's intro as plain text. */
export function issuesFeed(
  config: Config,
  issues: Issue[],
  introOf: (issue: Issue) => string,
  now: Date = new Date(),
): string {
  const n = config.newsletter;
  const published = (i: Issue) => i.sentAt ?? issueWindow(i.week, n).sendAt.toUTC().toISO()!;
  const entries = issues.map((i) =>
    renderTemplate('web/feed-entry.xml', {
      title: i.subject ?? defaultSubject(config, i),
      url: publicUrl(config, `issues/${i.week}`),
      published: published(i),
      summary: introOf(i),
    }),
  );
  // Atom requires <updated>: the newest entry's, or, with nothing sent yet, when the feed was made.
  const updated =
    issues
      .map((i) => new Date(published(i)).toISOString())
      .sort()
      .at(-1) ?? now.toISOString();
  return renderTemplate('web/feed.xml', {
    lang: n.language,
    name: n.name,
    archiveUrl: publicUrl(config, 'issues'),
    feedUrl: publicUrl(config, 'issues/feed.xml'),
    updated,
    entries: entries.join(''),
  });
}
