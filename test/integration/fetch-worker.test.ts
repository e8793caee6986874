import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRun } from '../../src/ingest/ingest-source.js';
import type { FetchJob } from '../../src/queue/names.js';
import { enqueueFetch, FETCH_JOB_OPTIONS, openQueues, type IngestQueues } from '../../src/queue/queues.js';
import { keys } from '../../src/store/keys.js';
import { SourceStateStore } from '../../src/store/sources.js';
import { startWorkers, type RunningWorkers } from '../../src/worker/start.js';
import { runCli } from '../helpers/cli.js';
import { serve, startHttpServer, type TestHttpServer } from '../helpers/http.js';
import { useTestRedis } from '../helpers/redis.js';

const RSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Councils agree shared service</title><link>https://example.org/news/1</link></item></channel></rss>`;
const SOURCES = ['down', 'down-then-ok', 'crash', 'held'];

const redis = useTestRedis();
const prefix = 'fw:';
let http: TestHttpServer;
let workers: RunningWorkers;
let queues: IngestQueues;
let dir: string;
let states: SourceStateStore;
const logs: string[] = [];
/** Every job this file adds, so that any job the workers add themselves shows up. */
const added: string[] = [];

beforeAll(async () => {
  let downThenOk = 0;
  http = await startHttpServer({
    '/down.xml': serve('oops', {}, 500),
    '/down-then-ok.xml': (_req, res) =>
      void (++downThenOk === 1
        ? res.writeHead(500).end('oops')
        : res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(RSS)),
    '/crash.xml': serve(RSS, { 'content-type': 'application/rss+xml' }),
    '/held.xml': serve(RSS, { 'content-type': 'application/rss+xml' }),
  });
  dir = mkdtempSync(join(tmpdir(), 'ssnews-fetch-worker-'));
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n' +
      SOURCES.map(
        (id) =>
          `  - { id: ${id}, name: ${id}, kind: feed, url: "${http.origin}/${id}.xml", every: 1h, allowPrivateNetwork: true }\n`,
      ).join(''),
  );
  const target = { options: redis.server.connection, description: 'test' };
  workers = await startWorkers({
    target,
    prefix,
    configDir: dir,
    roles: ['fetch'],
    schedule: false,
    watchConfig: false,
    pace: { minGapMs: 0 },
    log: (m) => logs.push(m),
  });
  queues = openQueues(target, prefix);
  states = new SourceStateStore(redis.client, prefix);
});
afterAll(async () => {
  await workers?.close();
  await queues?.close();
  await http?.close();
});

/** `ssnews fetch` through the queue: one manual job, run to its end. */
async function manual(sourceId: string, batch: string) {
  await enqueueFetch(queues.fetch, [sourceId], batch);
  return finished(`manual.${sourceId}.${batch}`);
}

/** What the source's job scheduler adds at each tick. */
async function scheduled(sourceId: string, tick: string) {
  const data: FetchJob = { sourceId, reason: 'schedule' };
  await queues.fetch.add('fetch', data, { ...FETCH_JOB_OPTIONS, jobId: `tick.${sourceId}.${tick}` });
  return finished(`tick.${sourceId}.${tick}`);
}

async function finished(id: string): Promise<{ state: string; run: SourceRun }> {
  added.push(id);
  for (;;) {
    const state = await (await queues.fetch.getJob(id))?.getState();
    // Read the job again once it has finished: a copy read while it ran has no return value yet.
    if (state === 'completed' || state === 'failed')
      return { state, run: (await queues.fetch.getJob(id))!.returnvalue as SourceRun };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The fetch queue holds only the jobs this file added, all finished. */
async function expectNoOtherJobs(): Promise<void> {
  const jobs = await queues.fetch.getJobs([
    'active',
    'waiting',
    'delayed',
    'prioritized',
    'waiting-children',
    'completed',
    'failed',
  ]);
  expect(jobs.map((j) => j.id).sort()).toEqual([...added].sort());
  expect(await queues.fetch.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'failed')).toEqual({
    active: 0,
    waiting: 0,
    delayed: 0,
    prioritized: 0,
    failed: 0,
  });
}

const requestsTo = (path: string) => http.requests.filter((r) => r.path === path).length;

describe('the fetch worker: one retry path for a failing source', () => {
  it("records a failing source's failure in its state, completes the job and adds no other job", async () => {
    const { state, run } = await manual('down', '1');
    expect(state).toBe('completed');
    expect(run).toMatchObject({ outcome: 'failed', status: 500, consecutiveFailures: 1 });
    const source = await states.get('down');
    expect(source).toMatchObject({ consecutiveFailures: 1, lastStatus: 500, lastError: run.error });
    expect(Date.parse(source.backoffUntil!)).toBeGreaterThan(Date.now());
    await expectNoOtherJobs();
    // What happened, then when the worker tries again (the backoff, in whole minutes).
    expect(logs).toContain(
      `down: failed: ${run.error}; trying again in ${Math.ceil(run.retryInMs! / 60_000)} min at the earliest`,
    );
  });

  it("skips a backing-off source's scheduled job; a manual one fetches past the backoff", async () => {
    expect((await manual('down-then-ok', '1')).run.outcome).toBe('failed');
    const skipped = await scheduled('down-then-ok', '1');
    expect(skipped).toMatchObject({ state: 'completed', run: { outcome: 'backing-off' } });
    expect(requestsTo('/down-then-ok.xml')).toBe(1);
    expect((await manual('down-then-ok', '2')).run).toMatchObject({ outcome: 'fetched', created: 1 });
    expect(await states.get('down-then-ok')).toMatchObject({
      consecutiveFailures: 0,
      lastError: undefined,
      backoffUntil: undefined,
    });
    await expectNoOtherJobs();
  });

  it('records an unexpected exception inside ingestSource in the source state, and the job does not throw', async () => {
    // A Redis error while storing: the source's item index is not the sorted set it should be.
    await redis.client.set(keys(prefix).itemsBySource('crash'), 'not a sorted set');
    try {
      const { state, run } = await manual('crash', '1');
      expect(state).toBe('completed');
      expect(run).toMatchObject({ outcome: 'failed', consecutiveFailures: 1 });
      expect(run.error).toMatch(/^unexpected: .*WRONGTYPE/);
      expect(await states.get('crash')).toMatchObject({ consecutiveFailures: 1, lastError: run.error });
      await expectNoOtherJobs();
    } finally {
      await redis.client.del(keys(prefix).itemsBySource('crash'));
    }
    // What the administrator sees.
    const status = await runCli(['sources', 'status', '--config', dir, '--json'], {
      REDIS_URL: redis.server.url,
      SSNEWS_KEY_PREFIX: prefix,
    });
    const rows = (
      JSON.parse(status.stdout) as {
        sources: { id: string; lastFetchAt?: string; consecutiveFailures: number; lastError?: string }[];
      }
    ).sources;
    expect(rows.find((r) => r.id === 'crash')).toMatchObject({
      consecutiveFailures: 1,
      lastError: expect.stringMatching(/^unexpected: .*WRONGTYPE/),
      lastFetchAt: expect.any(String),
    });
  });

  it('reports a source another job is fetching as busy, without fetching it or retrying', async () => {
    // Another job (a scheduled one, say) holds the source.
    const release = (await states.lock('held', 60_000, 'job-other'))!;
    try {
      const { state, run } = await manual('held', '1');
      expect(state).toBe('completed');
      expect(run.outcome).toBe('busy');
      expect(requestsTo('/held.xml')).toBe(0);
      expect(await states.get('held')).toMatchObject({ consecutiveFailures: 0, lastFetchAt: undefined });
      await expectNoOtherJobs();
    } finally {
      await release();
    }
  });
});
