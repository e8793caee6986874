import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { IngestQueues } from '../../queue/queues.js';

export const QUEUES_PATH = '/admin/queues';

/**
 * The dashboard's own CSP, on its routes only: its page loads its scripts, styles, images and
 * JSON from its own path (`<base href>` points there), sets inline styles, and nothing else.
 */
export const QUEUES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** bull-board's page asks Google for its font: the dashboard makes no outside request (system fonts do). */
const OUTSIDE_FONT = /<link[^>]*href="https:\/\/fonts\.googleapis\.com[^>]*>/g;

/**
 * Mounts the BullMQ dashboard (bull-board) at /admin/queues on `scope`, which buildServer
 * makes admin-only; bull-board's own script cannot send our CSRF token, so that scope checks
 * the Origin of its state-changing requests instead.
 */
export async function queuesBoard(scope: FastifyInstance, queues: IngestQueues): Promise<void> {
  const adapter = new FastifyAdapter();
  createBullBoard({
    queues: [new BullMQAdapter(queues.fetch), new BullMQAdapter(queues.enrich)],
    // @bull-board/fastify 9.10.1 pins its own @bull-board/api 9.10.1 beside our 9.10.2: the same
    // interface declared twice. Pinning @bull-board/api to 9.10.1 in package.json ends this cast.
    serverAdapter: adapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'ssnews queues' } },
  });
  adapter.setBasePath(QUEUES_PATH);
  await scope.register(async (board) => {
    board.addHook('onSend', async (_req, reply, payload) => {
      reply.header('content-security-policy', QUEUES_CSP);
      const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
      return html && typeof payload === 'string' ? payload.replace(OUTSIDE_FONT, '') : payload;
    });
    await board.register(adapter.registerPlugin(), { prefix: QUEUES_PATH });
  });
}
