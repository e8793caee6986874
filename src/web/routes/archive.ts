import type { FastifyInstance } from 'fastify';
import { renderRichText } from '../../digest/escape.js';
import { genericRecipient } from '../../digest/recipients.js';
import { personalise, type CompiledIssue } from '../../digest/render.js';
import type { Digest } from '../../digest/service.js';
import { buildIssueView, type IssueView } from '../../digest/view.js';
import { issuesFeed, issuesPage } from '../pages.js';
import { SingleFlightCache } from '../render-cache.js';

export type CompileIssue = (view: IssueView) => Promise<CompiledIssue>;

/** Issue pages kept (about 50 KB each): a year of issues. */
export const ISSUE_PAGES_KEPT = 52;

/**
 * The public archive: only sent issues are visible. `/issues/2014-W22` is the issue as it
 * went out, with generic preference and unsubscribe links (the "view in browser" page).
 */
export function archiveRoutes(app: FastifyInstance, digest: Digest, compile: CompileIssue): void {
  const config = digest.config;
  // Pages by week@version: a sent issue does not change, so each is rendered once, and
  // requests that arrive while it renders wait for that one render.
  const pages = new SingleFlightCache<string>(ISSUE_PAGES_KEPT);

  app.get('/issues', async (_req, reply) => {
    const issues = await digest.issues.listSent();
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(issuesPage(config, issues));
  });

  app.get('/issues/feed.xml', async (_req, reply) => {
    const issues = await digest.issues.listSent(50);
    const xml = issuesFeed(config, issues, (i) => (i.intro ? renderRichText(i.intro).text : ''));
    return reply
      .type('application/atom+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(xml);
  });

  app.get<{ Params: { week: string } }>('/issues/:week', async (req, reply) => {
    const week = req.params.week.toUpperCase();
    if (!/^\d{4}-W\d{2}$/.test(week))
      return reply.code(404).type('text/plain; charset=utf-8').send('no such issue');
    const issue = await digest.issues.get(week);
    if (!issue || issue.status !== 'sent')
      return reply.code(404).type('text/plain; charset=utf-8').send('no such issue');
    const page = await pages.get(`${issue.week}@${issue.version}`, async () => {
      const compiled = await compile(buildIssueView(issue, await digest.itemsOf(issue), config));
      return personalise(compiled, genericRecipient(config)).html;
    });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=300').send(page);
  });
}
