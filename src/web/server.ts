import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { Settings } from '../config/env.js';
import { Digest } from '../digest/service.js';
import { archiveRoutes } from './routes/archive.js';
import { securityHeaders } from './security.js';

export interface ServerOptions {
  config: Config;
  redis: Redis;
  prefix: string;
  logLevel?: Settings['logLevel'];
}

/**
 * The HTTP server (`ssnews serve`): public archive now; the editor, login and subscriber
 * pages are later route files registered here beside archiveRoutes.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    trustProxy: true,
  });
  securityHeaders(app, { https: options.config.newsletter.baseUrl.startsWith('https:') });
  const digest = new Digest({ redis: options.redis, prefix: options.prefix, config: options.config });
  app.get('/', async (_req, reply) => reply.redirect('/issues'));
  app.get('/health', async () => ({ ok: true }));
  archiveRoutes(app, digest);
  await app.ready();
  return app;
}
