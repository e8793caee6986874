/**
 * Ingest end to end: 1,000 feeds × 25 items served from loopback (spread over 20 loopback
 * hosts so per-host politeness applies as it would on the web), fetched, parsed, classified
 * and stored by two worker processes (run from the build in dist/, as deployed); beside
 * rss-parser's raw parse of the same bodies, and beside the floor: two processes that only
 * take the same jobs, fetch and parse (bench/floor-worker.ts), the most any pipeline on
 * BullMQ, undici and rss-parser could reach on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer } from '../src/store/redis-server.js';
import { enqueueFetch, openQueues, type IngestQueues } from '../src/queue/queues.js';
import { keys } from '../src/store/keys.js';
import { FEEDS, feedXml, PER_FEED, rawParseRate, ROOT } from './feeds.js';
import type { Report } from './report.js';

const HOSTS = 20;

async function peakRss(pid: number): Promise<number> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

export default async function (report: Report): Promise<void> {
  const bodies = Array.from({ length: FEEDS }, (_, f) => feedXml(f));
  // Served as ready bytes: the fixture server shares the machine with what is measured.
  const encoded = bodies.map((b) => Buffer.from(b));

  // Baseline: rss-parser alone over the same bodies; the best of three runs, so a noisy
  // moment cannot flatter the ratio.
  const rawRate = await rawParseRate(bodies);

  const dir = mkdtempSync(join(tmpdir(), 'ssnews-bench-'));
  const redis = await startRedisServer({ dir, port: await freePort() });
  const servers: Server[] = [];
  const port = await freePort();
  const urls = Array.from({ length: FEEDS }, (_, f) => `http://127.0.0.${(f % HOSTS) + 1}:${port}/f${f}.xml`);
  writeFileSync(join(dir, 'sources.yaml'), 'sources:\n' + urls.map((url, f) => `  - { id: f${f}, name: F${f}, kind: feed, url: "${url}", every: 1h, allowPrivateNetwork: true }\n`).join(''));
  // Every process started, so that however the bench ends, none is left running.
  const spawned: ChildProcess[] = [];
  const stop = async (procs: ChildProcess[]) => {
    for (const w of procs) w.kill('SIGTERM');
    await Promise.all(procs.map((w) => new Promise((r) => (w.exitCode !== null || w.signalCode !== null ? r(null) : w.once('exit', r)))));
  };
  // Two processes of `command`, timed once both are connected and ready (start-up is not throughput).
  const startWorkers = async (command: string[], queues: IngestQueues) => {
    // As deployed (Dockerfile, npm start): the build in dist/ (npm run bench builds it first)
    // with an explicit heap limit.
    const procs = [0, 1].map(() =>
      spawn(process.execPath, ['--max-old-space-size=1024', ...command], {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL: redis.url, SSNEWS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      }),
    );
    spawned.push(...procs);
    for (const started = Date.now(); (await queues.fetch.getWorkersCount()) < procs.length; ) {
      if (Date.now() - started > 60_000) throw new Error('the bench workers did not start within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    return procs;
  };

  // Done when nothing is waiting, delayed for a retry, or running (completed counts are
  // capped by removeOnComplete, so they cannot be used to count a pass).
  const pass = async (queues: IngestQueues, batch: string) => {
    const started = performance.now();
    await enqueueFetch(queues.fetch, Array.from({ length: FEEDS }, (_, f) => `f${f}`), batch);
    for (;;) {
      const c = await queues.fetch.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(c).every((n) => n === 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return (performance.now() - started) / 1000;
  };

  const prefix = 'bench:';
  const floorPrefix = 'floor:';
  const queues = openQueues({ options: redis.connection, description: 'bench' }, prefix);
  const floorQueues = openQueues({ options: redis.connection, description: 'bench floor' }, floorPrefix);
  try {
    for (let h = 1; h <= HOSTS; h++) {
      const server = createServer((req, res) => {
        const f = Number(/\/f(\d+)\.xml/.exec(req.url ?? '')?.[1]);
        const etag = `"f${f}"`;
        if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag }).end(encoded[f]);
      });
      await new Promise<void>((r) => server.listen(port, `127.0.0.${h}`, r));
      servers.push(server);
    }

    // The floor first, on its own queue: the same jobs, fetch and rss-parser only.
    const urlsFile = join(dir, 'urls.json');
    writeFileSync(urlsFile, JSON.stringify(Object.fromEntries(urls.map((u, f) => [`f${f}`, u]))));
    const floorWorkers = await startWorkers([join(ROOT, 'dist/bench/floor-worker.js'), redis.url, keys(floorPrefix).bullPrefix, urlsFile], floorQueues);
    const floor = (FEEDS * PER_FEED) / (await pass(floorQueues, 'floor'));
    await stop(floorWorkers);

    const workers = await startWorkers([join(ROOT, 'dist/workers/fetch.js'), '--config', dir, '--concurrency', '10', '--min-gap', '0', '--no-schedule'], queues);
    const rate = (FEEDS * PER_FEED) / (await pass(queues, 'one'));
    report({ name: 'ingest end to end (2 workers, 1,000 feeds x 25)', value: rate, unit: 'items/s', baseline: { name: 'rss-parser parseString, best of 3', value: rawRate }, target: '>= 1/3 of raw parse', higherIsBetter: true });
    report({ name: 'floor: BullMQ + fetch + rss-parser, nothing else', value: floor, unit: 'items/s', baseline: { name: 'rss-parser parseString, best of 3', value: rawRate }, higherIsBetter: true });
    report({ name: 'ingest end to end, beside the floor', value: rate, unit: 'items/s', baseline: { name: 'floor', value: floor }, higherIsBetter: true });
    const second = await pass(queues, 'two');
    report({ name: 'all-304 pass of 1,000 sources', value: second, unit: 's', target: '< 10 s', higherIsBetter: false });
    for (const [i, w] of workers.entries()) report({ name: `peak RSS, worker ${i + 1}`, value: await peakRss(w.pid!), unit: 'MB', target: '< 200 MB', higherIsBetter: false });
  } finally {
    await stop(spawned);
    await Promise.all([queues.close(), floorQueues.close()]);
    for (const s of servers) s.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
