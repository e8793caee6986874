import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Security headers on every response. Pages carry no script; styles are inline (email HTML
 * is inline-styled), so the CSP allows inline styles and nothing else to load but images.
 * Routes that need more can set their own `content-security-policy` and `x-frame-options`
 * (the editor's pages; its preview frame, framed by our own pages).
 */
export const DEFAULT_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src https: data:',
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers a route may set for itself; every other one is always ours. */
const ROUTE_MAY_SET = new Set(['content-security-policy', 'x-frame-options']);

/** The headers every response carries (CSP and framing: a route may set its own). */
export function securityHeaderValues(options: { https: boolean }): Record<string, string> {
  return {
    'content-security-policy': DEFAULT_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
    ...(options.https ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

/** Sets the headers on every reply that goes through Fastify's hooks: pages, 404s, errors, 429s. */
export function securityHeaders(app: FastifyInstance, options: { https: boolean }): void {
  const headers = securityHeaderValues(options);
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(headers))
      if (!ROUTE_MAY_SET.has(name) || !reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });
}

/**
 * Fastify's own router errors (a URL that does not decode, `GET /issues/%`; a parameter too
 * long) are answered before any hook runs, so they get the headers here, as plain text.
 */
export function frameworkErrors(options: {
  https: boolean;
}): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  const headers = securityHeaderValues(options);
  return (error, _request, reply) => {
    const status = error.statusCode ?? 400;
    void reply
      .code(status)
      .headers(headers)
      .type('text/plain; charset=utf-8')
      .send(status === 400 ? 'bad request: the address is not valid' : error.message);
  };
}
