import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/load.js';
import { enqueueFetch, type IngestQueues } from '../../queue/queues.js';
import { ItemStore } from '../../store/items.js';
import { sourcesHealth } from '../../store/source-health.js';
import { SourceStateStore } from '../../store/sources.js';
import { adminIndexPage, sourcesPage, type AdminPageContext } from '../admin-pages.js';

export interface AdminDeps {
  config: Config;
  redis: Redis;
  prefix: string;
  /** The ingest queues: "Fetch now" and the dashboard need them; without, neither is offered. */
  queues?: IngestQueues;
}

/**
 * `/admin` and `/admin/sources`, registered by buildServer inside an admin-only signedInRoutes
 * scope (session, admin, CSRF token on every POST). The queue dashboard has its own scope.
 */
export function adminRoutes(scope: FastifyInstance, deps: AdminDeps): void {
  const stores = {
    sources: new SourceStateStore(deps.redis, deps.prefix),
    items: new ItemStore(deps.redis, deps.prefix),
  };
  const context = (req: FastifyRequest, reply: FastifyReply): AdminPageContext => ({
    config: deps.config,
    editor: req.editor!,
    csrf: reply.generateCsrf(),
    queues: deps.queues !== undefined,
  });
  const html = (reply: FastifyReply, page: string) => reply.type('text/html; charset=utf-8').send(page);

  scope.get('/admin', async (req, reply) => html(reply, adminIndexPage(context(req, reply))));

  scope.get<{ Querystring: { queued?: string } }>('/admin/sources', async (req, reply) => {
    const health = await sourcesHealth(deps.config, stores);
    return html(reply, sourcesPage(context(req, reply), health, req.query.queued));
  });

  // The same enqueueing as `ssnews fetch` through the queue: one manual job for the source.
  scope.post<{ Params: { id: string } }>('/admin/sources/:id/fetch', async (req, reply) => {
    const source = deps.config.sources.find((s) => s.id === req.params.id && s.enabled);
    const text = (code: number, message: string) =>
      reply.code(code).type('text/plain; charset=utf-8').send(message);
    if (!source) return text(404, 'No enabled source has that id.');
    if (!deps.queues) return text(503, 'This server has no queues open: use `ssnews fetch`.');
    await enqueueFetch(deps.queues.fetch, [source.id]);
    return reply.redirect(`/admin/sources?queued=${encodeURIComponent(source.id)}`, 303);
  });
}
