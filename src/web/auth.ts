import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import { EditorStore, type EditorAccount } from '../store/editors.js';
import { DEFAULT_LOGIN_LIMITS, LoginFailures, type LoginLimits } from '../store/login-failures.js';
import { DEFAULT_SESSION_TIMES, SessionStore, type SessionTimes } from '../store/sessions.js';
import { loginPage } from './login-page.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in editor, inside signedInRoutes. */
    editor?: EditorAccount;
  }
  interface FastifyInstance {
    auth: Auth;
  }
}

export const SESSION_COOKIE = 'ssnews_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthOptions {
  redis: Redis;
  prefix: string;
  config: Config;
  /** Settings.sessionSecret: signs the session and CSRF cookies. */
  secret: string;
  sessionTimes?: SessionTimes;
  loginLimits?: LoginLimits;
}

/** What signedInRoutes and the sign-in routes share, decorated on the app as `app.auth`. */
interface Auth {
  editors: EditorStore;
  sessions: SessionStore;
  https: boolean;
}

/**
 * Sign-in for the editor and admin pages: cookies, CSRF tokens, `/login` and `/logout`.
 * Routes that need an editor are registered with signedInRoutes.
 */
export async function registerAuth(app: FastifyInstance, o: AuthOptions): Promise<void> {
  const https = o.config.newsletter.baseUrl.startsWith('https:');
  const cookieOptions = { signed: true, httpOnly: true, sameSite: 'lax', secure: https, path: '/' } as const;
  await app.register(cookie, { secret: o.secret });
  await app.register(formbody);
  await app.register(csrf, { cookieOpts: cookieOptions });
  const auth: Auth = {
    editors: new EditorStore(o.redis, o.prefix),
    sessions: new SessionStore(o.redis, o.prefix, o.sessionTimes ?? DEFAULT_SESSION_TIMES),
    https,
  };
  app.decorate('auth', auth);
  app.decorateRequest('editor', undefined);
  const failures = new LoginFailures(o.redis, o.prefix);
  const limits = o.loginLimits ?? DEFAULT_LOGIN_LIMITS;

  // A CSRF refusal in words an editor can act on, instead of the plugin's error code.
  app.setErrorHandler((error: { code?: string; statusCode?: number }, req, reply) => {
    if (!error.code?.startsWith('FST_CSRF_')) return reply.send(error);
    const message =
      'This form has expired or did not come from this site: go back, reload the page and try again.';
    return wantsJson(req)
      ? reply.code(403).send({ error: message })
      : reply.code(403).type('text/plain; charset=utf-8').send(message);
  });

  const page = async (
    reply: FastifyReply,
    status: number,
    vars: { next: string; email?: string; message?: string },
  ) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(loginPage(o.config, { ...vars, csrf: reply.generateCsrf() }));

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => {
    const next = safeNext(req.query.next);
    if (await editorOf(auth, req)) return reply.redirect(next);
    return page(reply, 200, { next });
  });

  app.post<{ Body: { email?: string; password?: string; next?: string } }>(
    '/login',
    { preHandler: app.csrfProtection },
    async (req, reply) => {
      const email = String(req.body?.email ?? '')
        .trim()
        .toLowerCase();
      const password = String(req.body?.password ?? '');
      const next = safeNext(req.body?.next);
      const subject = { account: email, address: req.ip };
      const refusal = await failures.refusal(subject, limits);
      if (refusal) {
        const wait = Math.ceil(refusal.ms / 1000);
        const who = refusal.by === 'account' ? 'this account' : 'your address';
        return page(reply, 429, {
          next,
          email,
          message: `Too many failed sign-ins for ${who}. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`,
        });
      }
      const editor = await auth.editors.verify(email, password);
      if (!editor) {
        await failures.fail(subject, limits);
        return page(reply, 401, {
          next,
          email,
          message: 'That email and password do not match an editor account.',
        });
      }
      await failures.succeed(subject);
      const id = await auth.sessions.create(editor.email);
      return reply.setCookie(SESSION_COOKIE, id, cookieOptions).redirect(next, 303);
    },
  );

  app.post('/logout', { preHandler: app.csrfProtection }, async (req, reply) => {
    const id = sessionId(req);
    if (id) await auth.sessions.destroy(id);
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/login', 303);
  });
}

export interface SignedInOptions {
  /** Only admins; other editors get 403. */
  admin?: boolean;
  /**
   * How state-changing requests prove they come from our pages: the CSRF token (header
   * `x-csrf-token` or form field `_csrf`; the default), or, for a third-party UI that cannot
   * send it (bull-board), an Origin of this server.
   */
  csrf?: 'token' | 'same-origin';
}

/**
 * Registers routes that need a signed-in editor: without a session, pages redirect to
 * /login and JSON calls get 401; every POST, PUT, PATCH or DELETE must pass the CSRF check.
 * `request.editor` is the editor inside.
 */
export function signedInRoutes(
  app: FastifyInstance,
  o: SignedInOptions,
  routes: (scope: FastifyInstance) => void | Promise<void>,
): void {
  void app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      const editor = await editorOf(scope.auth, req);
      if (!editor) {
        if (wantsJson(req)) return reply.code(401).send({ error: 'sign in first', login: '/login' });
        return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`);
      }
      if (o.admin && !editor.admin) {
        const message = 'Only an administrator can open this page.';
        return wantsJson(req)
          ? reply.code(403).send({ error: message })
          : reply.code(403).type('text/plain; charset=utf-8').send(message);
      }
      req.editor = editor;
    });
    scope.addHook('preHandler', (req, reply, done) => {
      if (SAFE_METHODS.has(req.method)) return done();
      if (o.csrf !== 'same-origin') return scope.csrfProtection(req, reply, done);
      if (sameOrigin(req)) return done();
      void reply.code(403).send({ error: 'this request did not come from this site' });
    });
    // Editor pages carry unpublished text: never kept by a browser or proxy cache.
    scope.addHook('onSend', async (_req, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });
    await routes(scope);
  });
}

/** The editor whose live session the request carries, if any; a session of a removed account ends. */
async function editorOf(auth: Auth, req: FastifyRequest): Promise<EditorAccount | undefined> {
  const id = sessionId(req);
  const session = id ? await auth.sessions.get(id) : undefined;
  if (!session) return undefined;
  const editor = await auth.editors.get(session.email);
  if (!editor) await auth.sessions.destroy(session.id);
  return editor;
}

function sessionId(req: FastifyRequest): string | undefined {
  const raw = req.cookies[SESSION_COOKIE];
  if (!raw) return undefined;
  const { valid, value } = req.unsignCookie(raw);
  return valid && value ? value : undefined;
}

function wantsJson(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Browsers send Origin on POSTs; Sec-Fetch-Site where they support it. */
function sameOrigin(req: FastifyRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'same-origin') return true;
  const origin = req.headers.origin;
  return origin !== undefined && origin === `${req.protocol}://${req.host}`;
}

/** Where to go after signing in: a path on this site only (never `//elsewhere`), else the editor. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/editor';
}
