import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { escapeHtml } from '../../digest/escape.js';
import { verifyToken } from '../../delivery/tokens.js';
import { SubscriberStore } from '../../store/subscribers.js';

export interface UnsubscribeRouteOptions {
  redis: Redis;
  /** Settings.keyPrefix (not `prefix`: Fastify reads that option as a route prefix). */
  keyPrefix: string;
  /** Settings.tokenSecret: the secret the links in emails were signed with. */
  tokenSecret: string;
  /** The newsletter's name, on the pages. */
  name: string;
}

/**
 * One-click unsubscribe (RFC 8058). POST /unsubscribe?token=… (mail clients send the body
 * `List-Unsubscribe=One-Click`) unsubscribes at once: no cookie, login or CSRF token, the
 * signed token is the authority. GET shows a page with a button that makes that POST and never
 * unsubscribes by itself, since mail scanners fetch every link. Register it as a plugin, so its
 * form parser stays inside it: `app.register(unsubscribeRoutes, { redis, keyPrefix, tokenSecret, name })`.
 */
export async function unsubscribeRoutes(app: FastifyInstance, o: UnsubscribeRouteOptions): Promise<void> {
  const subscribers = new SubscriberStore(o.redis, o.keyPrefix);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const page = (reply: FastifyReply, status: number, title: string, body: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body style="font-family:Georgia,serif;max-width:36em;margin:3em auto;padding:0 1em"><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
      );
  const invalid = (reply: FastifyReply) =>
    page(
      reply,
      400,
      'This link does not work',
      `<p>This unsubscribe link is not valid or has expired. Use the link in a recent issue of ${escapeHtml(o.name)}, or reply to it and we will take you off the list.</p>`,
    );

  app.get<{ Querystring: { token?: string } }>('/unsubscribe', async (req, reply) => {
    const token = req.query.token ?? '';
    if (!verifyToken(o.tokenSecret, token, 'unsubscribe').ok) return invalid(reply);
    return page(
      reply,
      200,
      `Unsubscribe from ${o.name}`,
      `<form method="post" action="/unsubscribe?token=${escapeHtml(encodeURIComponent(token))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><p>You will receive no more issues.</p><button type="submit">Unsubscribe</button></form>`,
    );
  });

  app.post<{ Querystring: { token?: string } }>('/unsubscribe', async (req, reply) => {
    const check = verifyToken(o.tokenSecret, req.query.token ?? '', 'unsubscribe');
    if (!check.ok) return invalid(reply);
    // Whether they were on the list, or still are, is not said: the answer is the same.
    const current = await subscribers.get(check.subscriberId);
    if (current && current.status !== 'unsubscribed') await subscribers.setStatus(current.id, 'unsubscribed');
    return page(
      reply,
      200,
      'You are unsubscribed',
      `<p>You will receive no more issues of ${escapeHtml(o.name)}.</p>`,
    );
  });
}
