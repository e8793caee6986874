import type { FastifyInstance } from 'fastify';
import { renderRichText } from '../../digest/escape.js';
import { genericRecipient } from '../../digest/recipients.js';
import { compileIssue, personalise, type CompiledIssue } from '../../digest/render.js';
import type { Digest } from '../../digest/service.js';
import { buildIssueView } from '../../digest/view.js';
import { issuesFeed, issuesPage } from '../pages.js';

/**
 * The public archive: only sent issues are visible. `/issues/2014-W22` is the issue as it
 * went out, with generic preference and unsubscribe links (the "view in browser" page).
 */
export function archiveRoutes(app: FastifyInstance, digest: Digest): void {
  const config = digest.config;
  // Compiled pages by week@version: a sent issue does not change, so this is compiled once.
  const cache = new Map<string, CompiledIssue>();

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
    const key = `${issue.week}@${issue.version}`;
    let compiled = cache.get(key);
    if (!compiled) {
      const items = await digest.itemsOf(issue);
      compiled = await compileIssue(buildIssueView(issue, items, config));
      if (cache.size > 50) cache.clear();
      cache.set(key, compiled);
    }
    const page = personalise(compiled, genericRecipient(config));
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(page.html);
  });
}
