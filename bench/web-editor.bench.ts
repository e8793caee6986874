/**
 * The editor's web app with 300 candidates in the week: the week page (`GET /editor/:week`)
 * and an edit's round trip (`POST /editor/api/:week/ops`, one comment), each beside `GET
 * /health` on the same server in the same run, the requests of the two taking turns so both
 * meet the same load from the rest of the machine. Real redis-server, real HTTP on loopback
 * through undici (one keep-alive connection, one request at a time), signed in as an editor
 * through the `/login` form like a browser. Wall time per request, and the CPU this process
 * (server and client) spends per request, which holds up better on a shared machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import type { Config } from '../src/config/load.js';
import { SECTOR_IDS } from '../src/config/schema.js';
import { Digest } from '../src/digest/service.js';
import { issueWindow } from '../src/digest/week.js';
import { EditorStore } from '../src/store/editors.js';
import { freePort, startRedisServer } from '../src/store/redis-server.js';
import { buildServer } from '../src/web/server.js';
import { bundledConfig, makeItem, storeItem } from '../test/helpers/digest.js';
import { ownCpuUs } from './cpu.js';
import { rangeOf, type Report } from './report.js';

const CANDIDATES = 300;
const RUNS = 3;
const PAGE_REQUESTS = 100;
const EDIT_REQUESTS = 200;
const WARMUP = 20;
const WEEK = '2014-W22';
const EMAIL = 'bench@example.org';
const PASSWORD = 'bench password, long enough';
const SESSION_SECRET = 'bench-session-secret-0123456789abcdef0123456789';
const SECTORS = SECTOR_IDS.filter((s) => s !== 'other');

// Words enough for 300 headlines that story clustering keeps apart.
const PLACES = [
  'Kent',
  'Leeds',
  'Bristol',
  'Norfolk',
  'Cumbria',
  'Devon',
  'Camden',
  'Wirral',
  'Fife',
  'Powys',
];
const BODIES = ['council', 'hospital trust', 'police force', 'college', 'fire service', 'university'];
const DEALS = [
  'shares legal team',
  'merges payroll',
  'joins procurement hub',
  'pools IT support',
  'signs estates deal',
];

/** 300 distinct candidates spread over the week's window and its sectors. */
async function seedWeek(digest: Digest, config: Config): Promise<number> {
  const window = issueWindow(WEEK, config.newsletter);
  const span = window.until.getTime() - window.since.getTime();
  for (let i = 0; i < CANDIDATES; i++) {
    const place = PLACES[i % PLACES.length]!;
    const body = BODIES[Math.floor(i / PLACES.length) % BODIES.length]!;
    const deal = DEALS[Math.floor(i / (PLACES.length * BODIES.length)) % DEALS.length]!;
    await storeItem(
      digest.items,
      makeItem(`b${i}`, SECTORS[i % SECTORS.length]!, {
        title: `${place} ${body} ${deal} (${i})`,
        summary: `${place} ${body} says the arrangement, number ${i}, saves money from next year.`,
        url: `https://news.example.com/${i}/${place.toLowerCase()}`,
        publishedAt: new Date(window.since.getTime() + ((i + 0.5) / CANDIDATES) * span).toISOString(),
      }),
    );
  }
  const issue = (await digest.draft(WEEK)).issue;
  return issue.entries.length;
}

/** Cookies a response sets, as `name=value` by name. */
function cookiesOf(headers: Record<string, string | string[] | undefined>): Map<string, string> {
  const set = headers['set-cookie'];
  const list = Array.isArray(set) ? set : set ? [set] : [];
  return new Map(list.map((c) => c.split(';')[0]!).map((nv) => [nv.slice(0, nv.indexOf('=')), nv]));
}

const cookieHeader = (jar: Map<string, string>) => [...jar.values()].join('; ');

/** The page's CSRF token: its `<meta name="csrf-token">` or a hidden `_csrf` field. */
function csrfOf(html: string): string | undefined {
  return (
    /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ??
    /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  )?.replaceAll('&#37;', '%');
}

interface Session {
  jar: Map<string, string>;
  csrf: string;
}

/** Signs in through the `/login` form as a browser does; undefined when this build has no /login. */
async function signIn(pool: Pool): Promise<Session | undefined> {
  const form = await pool.request({ path: '/login', method: 'GET' });
  const html = await form.body.text();
  if (form.statusCode !== 200) return undefined;
  const jar = cookiesOf(form.headers);
  const body = new URLSearchParams({
    email: EMAIL,
    password: PASSWORD,
    next: '/editor',
    _csrf: csrfOf(html) ?? '',
  });
  const res = await pool.request({
    path: '/login',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: body.toString(),
  });
  await res.body.text();
  if (res.statusCode !== 303) throw new Error(`signing in answered ${res.statusCode}`);
  for (const [name, value] of cookiesOf(res.headers)) jar.set(name, value);
  return { jar, csrf: '' };
}

/** One request's wall time in ms; throws unless it answered `status`. */
async function timed(
  pool: Pool,
  options: Parameters<Pool['request']>[0],
  status = 200,
): Promise<{ ms: number; text: string }> {
  const t0 = performance.now();
  const res = await pool.request(options);
  const text = await res.body.text();
  const ms = performance.now() - t0;
  if (res.statusCode !== status)
    throw new Error(`${options.method} ${options.path}: ${res.statusCode} ${text.slice(0, 200)}`);
  return { ms, text };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

/** Latencies and CPU of one kind of request, measured in turns with /health. */
interface Sample {
  ms: number[];
  cpuUs: number;
}
const sample = (): Sample => ({ ms: [], cpuUs: 0 });

/** Runs `n` rounds of [request, health] (order alternating), timing each and its CPU. */
async function inTurns(
  n: number,
  request: () => Promise<number>,
  health: () => Promise<number>,
): Promise<{ subject: Sample; health: Sample }> {
  const out = { subject: sample(), health: sample() };
  for (let i = 0; i < n; i++) {
    const pair: [Sample, () => Promise<number>][] = [
      [out.subject, request],
      [out.health, health],
    ];
    if (i % 2) pair.reverse();
    for (const [s, fn] of pair) {
      const c0 = ownCpuUs();
      s.ms.push(await fn());
      s.cpuUs += ownCpuUs() - c0;
    }
  }
  out.subject.ms.sort((a, b) => a - b);
  out.health.ms.sort((a, b) => a - b);
  return out;
}

export default async function webEditorBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-bench-editor-'));
  const server = await startRedisServer({ dir, port: await freePort() });
  const redis = new Redis(server.connection);
  const config = bundledConfig();
  const prefix = 'bench-editor:';
  try {
    const digest = new Digest({ redis, prefix, config });
    const drafted = await seedWeek(digest, config);
    await new EditorStore(redis, prefix).add({ email: EMAIL, password: PASSWORD });
    const itemIds = (await digest.issues.get(WEEK))!.entries.map((e) => e.itemId);
    const runs: { page: Sample; pageHealth: Sample; edit: Sample; editHealth: Sample }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const app = await buildServer({
        config,
        redis,
        prefix,
        logLevel: 'silent',
        rateLimit: false,
        sessionSecret: SESSION_SECRET,
      });
      const origin = await app.listen({ host: '127.0.0.1', port: 0 });
      const pool = new Pool(origin, { connections: 1, pipelining: 1 });
      try {
        const session = await signIn(pool);
        const probe = session
          ? await pool.request({
              path: `/editor/${WEEK}`,
              method: 'GET',
              headers: { cookie: cookieHeader(session.jar) },
            })
          : undefined;
        const probeHtml = probe ? await probe.body.text() : '';
        if (!session || probe?.statusCode !== 200) {
          console.log(
            `skipped: this build has no ${session ? `editor week page (GET /editor/${WEEK} answered ${probe?.statusCode})` : 'sign-in (/login)'}: the week page and edit figures need the editor's routes`,
          );
          return;
        }
        session.csrf = csrfOf(probeHtml) ?? '';
        const cookie = cookieHeader(session.jar);
        const health = async () => (await timed(pool, { path: '/health', method: 'GET' })).ms;
        const page = async () =>
          (await timed(pool, { path: `/editor/${WEEK}`, method: 'GET', headers: { cookie } })).ms;
        let version = (await digest.issues.get(WEEK))!.version;
        let n = 0;
        const edit = async () => {
          const itemId = itemIds[n % itemIds.length]!;
          const { ms, text } = await timed(pool, {
            path: `/editor/api/${WEEK}/ops`,
            method: 'POST',
            headers: {
              cookie,
              'content-type': 'application/json',
              accept: 'application/json',
              'x-csrf-token': session.csrf,
            },
            body: JSON.stringify({
              version,
              ops: [
                {
                  op: 'comment',
                  itemId,
                  text: `A useful read for collaboration, edit ${n++} of run ${run}.`,
                },
              ],
            }),
          });
          version = (JSON.parse(text) as { version: number }).version;
          return ms;
        };
        await inTurns(WARMUP, page, health);
        await inTurns(WARMUP, edit, health);
        const pageRun = await inTurns(PAGE_REQUESTS, page, health);
        const editRun = await inTurns(EDIT_REQUESTS, edit, health);
        runs.push({
          page: pageRun.subject,
          pageHealth: pageRun.health,
          edit: editRun.subject,
          editHealth: editRun.health,
        });
      } finally {
        await pool.close();
        await app.close();
      }
    }
    const figures = [
      ['week page GET /editor/:week, round trip', 'page', 'pageHealth', 150],
      ['edit POST /editor/api/:week/ops (a comment), round trip', 'edit', 'editHealth', 30],
    ] as const;
    console.log(`(${drafted} candidates drafted in ${WEEK}; ${RUNS} runs, each a fresh server)`);
    for (const [name, subject, base, aimMs] of figures) {
      for (const [label, p] of [
        ['p50', 0.5],
        ['p95', 0.95],
      ] as const) {
        const value = runs.map((r) => percentile(r[subject].ms, p));
        const baseline = runs.map((r) => percentile(r[base].ms, p));
        report({
          name: `${name}: ${label}`,
          value: rangeOf(value),
          unit: 'ms',
          baseline: { name: `GET /health ${label}`, value: rangeOf(baseline) },
          ratio: rangeOf(value.map((v, i) => v / baseline[i]!)),
          target: label === 'p95' ? `< ${aimMs} ms and ratio <= 20` : undefined,
        });
      }
      const cpu = runs.map((r) => r[subject].cpuUs / r[subject].ms.length / 1000);
      const healthCpu = runs.map((r) => r[base].cpuUs / r[base].ms.length / 1000);
      report({
        name: `${name.replace(', round trip', '')}: CPU per request (server and client)`,
        value: rangeOf(cpu),
        unit: 'ms',
        baseline: { name: 'GET /health', value: rangeOf(healthCpu) },
        ratio: rangeOf(cpu.map((c, i) => c / healthCpu[i]!)),
      });
    }
  } finally {
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
