import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import type { Config } from '../../src/config/load.js';
import { EditorStore } from '../../src/store/editors.js';
import { buildServer, type ServerOptions } from '../../src/web/server.js';
import { bundledConfig } from './digest.js';

export const TEST_SECRET = 'test-session-secret-0123456789abcdef';

export interface TestEditor {
  email: string;
  password: string;
  admin?: boolean;
  name?: string;
}

export interface WebApp {
  /** `http://localhost:PORT`, no trailing slash. */
  url: string;
  app: FastifyInstance;
  redis: Redis;
  prefix: string;
  config: Config;
  close(): Promise<void>;
}

/**
 * The real web server (buildServer) on a free loopback port with sign-in on and the given
 * editor accounts. The config's public address is plain-http localhost, so browsers keep
 * the session cookie (it is Secure only for https addresses).
 */
export async function startWebApp(o: {
  redis: Redis;
  prefix: string;
  editors?: TestEditor[];
  config?: Config;
  server?: Partial<ServerOptions>;
}): Promise<WebApp> {
  const base = o.config ?? bundledConfig();
  const config = { ...base, newsletter: { ...base.newsletter, baseUrl: 'http://localhost' } };
  const store = new EditorStore(o.redis, o.prefix);
  for (const e of o.editors ?? []) await store.add(e);
  const app = await buildServer({
    config,
    redis: o.redis,
    prefix: o.prefix,
    logLevel: 'silent',
    sessionSecret: TEST_SECRET,
    rateLimit: false,
    ...o.server,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const port = new URL(address).port;
  return {
    url: `http://localhost:${port}`,
    app,
    redis: o.redis,
    prefix: o.prefix,
    config,
    close: () => app.close(),
  };
}

/** Signs in through the real form and waits for the page it leads to. */
export async function browserLogin(
  page: Page,
  url: string,
  email: string,
  password: string,
  next = '/editor',
) {
  await page.goto(`${url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

/** A signed-in HTTP client for app.inject or fetch: its cookie header and a CSRF token. */
export interface Signin {
  cookie: string;
  csrf: string;
}

const cookiePairs = (setCookie: string | string[] | undefined): string[] =>
  [setCookie ?? []].flat().map((c) => c.split(';')[0]!);

/** The CSRF cookie and token a page hands out (GET /login), for requests made without a browser. */
export async function csrfOf(app: FastifyInstance): Promise<Signin> {
  const res = await app.inject('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on /login');
  return { cookie: cookiePairs(res.headers['set-cookie']).join('; '), csrf };
}

/** Signs in with the form; throws unless it succeeds. */
export async function signIn(app: FastifyInstance, email: string, password: string): Promise<Signin> {
  const start = await csrfOf(app);
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: start.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password, _csrf: start.csrf, next: '/editor' }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return { cookie: [start.cookie, ...cookiePairs(res.headers['set-cookie'])].join('; '), csrf: start.csrf };
}
