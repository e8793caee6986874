import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { Settings } from '../config/env.js';
import { compileIssue } from '../digest/render.js';
import { Digest } from '../digest/service.js';
import { archiveRoutes, type CompileIssue } from './routes/archive.js';
import type { IngestQueues } from '../queue/queues.js';
import { frameworkErrors, securityHeaders } from './security.js';

/** Requests one address may make in a window: far above a person reading, even many behind one NAT. */
export const DEFAULT_RATE_LIMIT = { max: 300, windowMs: 60_000 };

export interface ServerOptions {
  config: Config;
  redis: Redis;
  prefix: string;
  logLevel?: Settings['logLevel'];
  /** Settings.trustProxy: which proxies may name the client (rate limits count per client address). */
  trustProxy?: string;
  /** Per client address on the public routes; false turns it off (benchmarks). */
  rateLimit?: { max: number; windowMs: number } | false;
  /** The ingest queues, for the admin's "Fetch now" and queue dashboard (`ssnews serve` opens them). */
  queues?: IngestQueues;
  /** Compiles an issue for the archive (tests count the calls); compileIssue by default. */
  compile?: CompileIssue;
}

/**
 * The HTTP server (`ssnews serve`): public archive now; the editor, login and subscriber
 * pages are later route files registered here beside archiveRoutes.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const https = { https: options.config.newsletter.baseUrl.startsWith('https:') };
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    trustProxy: options.trustProxy ?? false,
    frameworkErrors: frameworkErrors(https),
  });
  securityHeaders(app, https);
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit) {
    await app.register(rateLimit, {
      max: limit.max,
      timeWindow: limit.windowMs,
      errorResponseBuilder: (_req, context) => ({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `too many requests from your address (at most ${context.max} in ${context.after === '1 minute' ? 'a minute' : 'the window'}); try again in ${context.after}`,
      }),
    });
  }
  const digest = new Digest({ redis: options.redis, prefix: options.prefix, config: options.config });
  app.get('/', async (_req, reply) => reply.redirect('/issues'));
  // Monitors poll this: never limited.
  app.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }));
  archiveRoutes(app, digest, options.compile ?? compileIssue);
  await app.ready();
  return app;
}
