import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditorStore } from '../../src/store/editors.js';
import { registerAuth, safeNext, signedInRoutes } from '../../src/web/auth.js';
import { runCli } from '../helpers/cli.js';
import { bundledConfig } from '../helpers/digest.js';
import { useTestRedis } from '../helpers/redis.js';
import { csrfOf, signIn, TEST_SECRET } from '../helpers/web.js';

const db = useTestRedis();
const prefix = 'auth:';
const PASSWORD = 'correct horse battery';
const editor = { email: 'ed@example.org', password: PASSWORD };
const admin = { email: 'admin@example.org', password: PASSWORD, admin: true };

/** registerAuth and signedInRoutes on a bare app, with one route of each kind. */
async function authApp(baseUrl = 'http://localhost'): Promise<FastifyInstance> {
  const base = bundledConfig();
  const config = { ...base, newsletter: { ...base.newsletter, baseUrl } };
  const app = Fastify({ logger: false });
  await registerAuth(app, {
    redis: db.client,
    prefix,
    config,
    secret: TEST_SECRET,
    loginLimits: { perAccount: 5, perAddress: 8, windowMs: 60_000 },
  });
  signedInRoutes(app, {}, (scope) => {
    scope.get('/editor', async (req) => ({ editor: req.editor!.email }));
    scope.post('/editor/change', async () => ({ changed: true }));
  });
  signedInRoutes(app, { admin: true }, (scope) => {
    scope.get('/admin', async (req) => ({ admin: req.editor!.email }));
  });
  signedInRoutes(app, { admin: true, csrf: 'same-origin' }, (scope) => {
    scope.post('/admin/queues/api/retry', async () => ({ retried: true }));
  });
  await app.ready();
  return app;
}

let app: FastifyInstance;
beforeAll(async () => {
  const store = new EditorStore(db.client, prefix);
  await store.add(editor);
  await store.add(admin);
  app = await authApp();
});
afterAll(async () => app?.close());

const form = (s: { cookie: string }, fields: Record<string, string>) => ({
  method: 'POST' as const,
  headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

describe('pages behind sign-in', () => {
  it('redirect a page to /login with where to return, and answer 401 to a JSON call', async () => {
    const page = await app.inject('/editor?week=2026-W49');
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Feditor%3Fweek%3D2026-W49');
    const json = await app.inject({ url: '/editor', headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toEqual({ error: 'sign in first', login: '/login' });
  });

  it('let a signed-in editor in, not to admin pages; an admin to both', async () => {
    const ed = await signIn(app, editor.email, editor.password);
    const res = await app.inject({ url: '/editor', headers: { cookie: ed.cookie } });
    expect(res.json()).toEqual({ editor: editor.email });
    expect(res.headers['cache-control']).toBe('no-store');
    const denied = await app.inject({ url: '/admin', headers: { cookie: ed.cookie } });
    expect(denied.statusCode).toBe(403);
    expect(denied.body).toContain('Only an administrator');
    const ad = await signIn(app, admin.email, admin.password);
    expect((await app.inject({ url: '/admin', headers: { cookie: ad.cookie } })).json()).toEqual({
      admin: admin.email,
    });
  });

  it('refuse a POST without the CSRF token (403), and take one with it in a header or a field', async () => {
    const ed = await signIn(app, editor.email, editor.password);
    const bare = await app.inject({ method: 'POST', url: '/editor/change', headers: { cookie: ed.cookie } });
    expect(bare.statusCode).toBe(403);
    expect(bare.body).toContain('reload the page');
    const wrong = await app.inject({
      method: 'POST',
      url: '/editor/change',
      headers: { cookie: ed.cookie, 'x-csrf-token': 'forged' },
    });
    expect(wrong.statusCode).toBe(403);
    const header = await app.inject({
      method: 'POST',
      url: '/editor/change',
      headers: { cookie: ed.cookie, 'x-csrf-token': ed.csrf },
    });
    expect(header.json()).toEqual({ changed: true });
    const field = await app.inject({ ...form(ed, { _csrf: ed.csrf }), url: '/editor/change' });
    expect(field.json()).toEqual({ changed: true });
  });

  it('accept a same-origin POST in a same-origin scope and refuse a cross-site one', async () => {
    const ad = await signIn(app, admin.email, admin.password);
    const url = '/admin/queues/api/retry';
    const host = 'localhost:80';
    const cross = await app.inject({
      method: 'POST',
      url,
      headers: { cookie: ad.cookie, host, origin: 'https://evil.example' },
    });
    expect(cross.statusCode).toBe(403);
    const none = await app.inject({ method: 'POST', url, headers: { cookie: ad.cookie, host } });
    expect(none.statusCode).toBe(403);
    const same = await app.inject({
      method: 'POST',
      url,
      headers: { cookie: ad.cookie, host, origin: 'http://localhost:80' },
    });
    expect(same.json()).toEqual({ retried: true });
  });

  it('do not take a session cookie that was not signed with the secret', async () => {
    const ed = await signIn(app, editor.email, editor.password);
    const id = /ssnews_session=([^.;]+)/.exec(ed.cookie)![1]!;
    const res = await app.inject({ url: '/editor', headers: { cookie: `ssnews_session=${id}` } });
    expect(res.statusCode).toBe(302);
  });

  it('end when the editor signs out or the account is removed', async () => {
    const ed = await signIn(app, editor.email, editor.password);
    const noToken = await app.inject({ ...form(ed, {}), url: '/logout' });
    expect(noToken.statusCode).toBe(403);
    const out = await app.inject({ ...form(ed, { _csrf: ed.csrf }), url: '/logout' });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect((await app.inject({ url: '/editor', headers: { cookie: ed.cookie } })).statusCode).toBe(302);

    const store = new EditorStore(db.client, prefix);
    const gone = { email: 'gone@example.org', password: PASSWORD };
    await store.add(gone);
    const s = await signIn(app, gone.email, gone.password);
    expect((await app.inject({ url: '/editor', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    await store.remove(gone.email);
    expect((await app.inject({ url: '/editor', headers: { cookie: s.cookie } })).statusCode).toBe(302);
  });
});

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie, Secure only for an https address', async () => {
    const start = await csrfOf(app);
    const res = await app.inject({
      ...form(start, {
        email: editor.email,
        password: PASSWORD,
        _csrf: start.csrf,
        next: '/editor/2026-W49',
      }),
      url: '/login',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/editor/2026-W49');
    const session = [res.headers['set-cookie']].flat().find((c) => c!.startsWith('ssnews_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/Secure/);

    const https = await authApp('https://news.example.org');
    try {
      const s = await csrfOf(https);
      const r = await https.inject({
        ...form(s, { email: editor.email, password: PASSWORD, _csrf: s.csrf }),
        url: '/login',
      });
      const c = [r.headers['set-cookie']].flat().find((x) => x!.startsWith('ssnews_session='))!;
      expect(c).toMatch(/Secure/);
    } finally {
      await https.close();
    }
  });

  it('needs the CSRF token on the form', async () => {
    const start = await csrfOf(app);
    const res = await app.inject({
      ...form(start, { email: editor.email, password: PASSWORD }),
      url: '/login',
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie'] ?? '').not.toContain('ssnews_session');
  });

  it('says the same for an unknown email as for a wrong password', async () => {
    const start = await csrfOf(app);
    const wrong = await app.inject({
      ...form(start, { email: admin.email, password: 'not the password', _csrf: start.csrf }),
      url: '/login',
    });
    const unknown = await app.inject({
      ...form(start, { email: 'nobody@example.org', password: 'not the password', _csrf: start.csrf }),
      url: '/login',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const message = (body: string) => /<p role="alert">([^<]*)<\/p>/.exec(body)?.[1];
    expect(message(wrong.body)).toBe('That email and password do not match an editor account.');
    expect(message(unknown.body)).toBe(message(wrong.body));
  });

  it('refuses the sixth wrong password in a minute with a message, even when the sixth is right', async () => {
    const victim = { email: 'victim@example.org', password: PASSWORD };
    await new EditorStore(db.client, prefix).add(victim);
    const start = await csrfOf(app);
    const attempt = (password: string, ip = '203.0.113.7') =>
      app.inject({
        ...form(start, { email: victim.email, password, _csrf: start.csrf }),
        url: '/login',
        remoteAddress: ip,
      });
    for (let i = 0; i < 5; i++) expect((await attempt(`guess number ${i}`)).statusCode).toBe(401);
    const sixth = await attempt(PASSWORD);
    expect(sixth.statusCode).toBe(429);
    expect(sixth.body).toMatch(
      /Too many failed sign-ins for this account\. Wait \d+ seconds? and try again\./,
    );
    // From another address too: the limit is the account's.
    expect((await attempt(PASSWORD, '198.51.100.9')).statusCode).toBe(429);
    // Another account is not locked out by it.
    expect((await signIn(app, editor.email, editor.password)).cookie).toContain('ssnews_session=');
  });

  it('limits failures from one address across accounts', async () => {
    const start = await csrfOf(app);
    const ip = '192.0.2.44';
    for (let i = 0; i < 8; i++) {
      const res = await app.inject({
        ...form(start, { email: `user${i}@example.org`, password: 'wrong password', _csrf: start.csrf }),
        url: '/login',
        remoteAddress: ip,
      });
      expect(res.statusCode).toBe(401);
    }
    const ninth = await app.inject({
      ...form(start, { email: admin.email, password: PASSWORD, _csrf: start.csrf }),
      url: '/login',
      remoteAddress: ip,
    });
    expect(ninth.statusCode).toBe(429);
    expect(ninth.body).toContain('Too many failed sign-ins for your address.');
  });

  it('returns only to a path on this site', () => {
    expect(safeNext('/editor/2026-W49')).toBe('/editor/2026-W49');
    for (const bad of ['//evil.example/', '/\\evil.example', 'https://evil.example', '', undefined, ['/x']])
      expect(safeNext(bad)).toBe('/editor');
  });

  it('escapes what was typed when the form is shown again', async () => {
    const start = await csrfOf(app);
    const res = await app.inject({
      ...form(start, { email: '"><script>alert(1)</script>', password: 'x', _csrf: start.csrf }),
      url: '/login',
    });
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain('&quot;&gt;&lt;script&gt;');
  });
});

describe('ssnews serve', () => {
  it('exits 2 naming SESSION_SECRET when editor accounts exist and it is not set', async () => {
    const run = await runCli(['serve', '--port', '0'], {
      REDIS_URL: db.server.url,
      SSNEWS_KEY_PREFIX: prefix,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/editor accounts but no SESSION_SECRET: set SESSION_SECRET/);
  });
});
