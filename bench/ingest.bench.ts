/**
 * Ingest end to end: 1,000 feeds × 25 items served from loopback (spread over 20 loopback
 * hosts so per-host politeness applies as it would on the web), fetched, parsed, classified
 * and stored by two worker processes (run from the build in dist/, as deployed); beside the
 * floor: two processes that only take the same jobs, fetch and parse (bench/floor-worker.ts),
 * the least CPU any pipeline on BullMQ, undici and rss-parser could spend on this work.
 *
 * Measured in CPU, not wall time: the user+system CPU of every process involved (the two
 * workers, redis-server, and this process, which serves the feeds and enqueues the jobs) per
 * item, over the timed passes alone. Each run starts fresh floor and ingest processes on an
 * emptied Redis, and the two take the feeds in turns, 200 at a time, so that both meet the
 * same load from whatever else the machine is running; each run's ingest figure is set
 * beside its floor's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer } from '../src/store/redis-server.js';
import { enqueueFetch, openQueues, type IngestQueues } from '../src/queue/queues.js';
import { keys } from '../src/store/keys.js';
import { cpuMeter } from './cpu.js';
import { FEEDS, feedXml, PER_FEED, ROOT } from './feeds.js';
import { rangeOf, type Report } from './report.js';

const HOSTS = 20;
/** Runs, each with fresh floor and ingest processes. */
const RUNS = 3;
/** Feeds a slice: floor and ingest take turns slice by slice. */
const SLICE = 200;
/** The aim: ingest CPU per stored item at most this many times the floor's. */
const AIM = 2.5;

async function peakRss(pid: number): Promise<number> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** One timed pass: wall seconds, items, and µs of CPU by process (workers, redis-server, this process). */
interface Pass {
  seconds: number;
  items: number;
  cpu: { workers: number; redis: number; bench: number };
  aofRewrites: number;
}
const total = (p: Pass) => p.cpu.workers + p.cpu.redis + p.cpu.bench;

export default async function (report: Report): Promise<void> {
  // Served as ready bytes: the fixture server's CPU is counted, and should be the same for floor and ingest.
  const encoded = Array.from({ length: FEEDS }, (_, f) => Buffer.from(feedXml(f)));

  const dir = mkdtempSync(join(tmpdir(), 'ssnews-bench-'));
  // AOF on, as production runs: its writes are part of storing. A rewrite runs in a fork,
  // counted in redis-server's cutime/cstime once reaped (see forksDone).
  const redis = await startRedisServer({ dir, port: await freePort() });
  const client = new Redis(redis.connection);
  const redisPid = Number(/process_id:(\d+)/.exec(await client.info('server'))![1]);
  const servers: Server[] = [];
  const port = await freePort();
  const urls = Array.from({ length: FEEDS }, (_, f) => `http://127.0.0.${(f % HOSTS) + 1}:${port}/f${f}.xml`);
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n' +
      urls
        .map(
          (url, f) =>
            `  - { id: f${f}, name: F${f}, kind: feed, url: "${url}", every: 1h, allowPrivateNetwork: true }\n`,
        )
        .join(''),
  );
  const urlsFile = join(dir, 'urls.json');
  writeFileSync(urlsFile, JSON.stringify(Object.fromEntries(urls.map((u, f) => [`f${f}`, u]))));

  // Every process started, so that however the bench ends, none is left running.
  const spawned: ChildProcess[] = [];
  const stop = async (procs: ChildProcess[]) => {
    for (const w of procs) w.kill('SIGTERM');
    await Promise.all(
      procs.map(
        (w) =>
          new Promise((r) => (w.exitCode !== null || w.signalCode !== null ? r(null) : w.once('exit', r))),
      ),
    );
  };
  // Two processes of `command`, returned once both are connected and ready (start-up is not throughput).
  const startWorkers = async (command: string[], queues: IngestQueues, prefix: string) => {
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
    for (const started = Date.now(); (await queues.fetch.getWorkersCount()) < procs.length;) {
      if (procs.some((p) => p.exitCode !== null))
        throw new Error(`a bench worker exited at start: ${command.join(' ')}`);
      if (Date.now() - started > 60_000) throw new Error('the bench workers did not start within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    return procs;
  };

  const persistence = async () =>
    Object.fromEntries(
      [...(await client.info('persistence')).matchAll(/^(\w+):(\S*)/gm)].map((m) => [m[1]!, m[2]!]),
    );
  // An AOF rewrite (or RDB save) still running is CPU not yet in redis-server's counters: wait until it is reaped.
  const forksDone = async () => {
    for (;;) {
      const p = await persistence();
      if (
        p.aof_rewrite_in_progress === '0' &&
        p.aof_rewrite_scheduled === '0' &&
        p.rdb_bgsave_in_progress === '0'
      )
        return Number(p.aof_rewrites);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // Each run starts from the same Redis: empty, its AOF rewritten, so rewrites fall at the same points.
  const emptyRedis = async () => {
    await forksDone();
    await client.flushall();
    await client.bgrewriteaof();
    await forksDone();
  };

  // Feed requests answered so far, and the passes waiting for a count: a pass waits on the
  // fixture server instead of polling Redis, whose cost would grow with the wall time.
  let served = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  const answered = () => {
    served++;
    for (const w of waiting.filter((w) => served >= w.count)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  };
  // Enqueue one job per feed of `feeds`; once each has been requested, wait until no job is
  // waiting, delayed for a retry, or running (completed counts are capped by removeOnComplete,
  // so they cannot count a pass).
  const pass = async (queues: IngestQueues, feeds: number[], batch: string) => {
    const started = performance.now();
    const allRequested = new Promise<void>((resolve) =>
      waiting.push({ count: served + feeds.length, resolve }),
    );
    await enqueueFetch(
      queues.fetch,
      feeds.map((f) => `f${f}`),
      batch,
    );
    await allRequested;
    for (;;) {
      const c = await queues.fetch.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(c).every((n) => n === 0)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const { failed = 0 } = await queues.fetch.getJobCounts('failed');
    if (failed > 0) console.warn(`  warning: ${failed} jobs failed in pass "${batch}"`);
    return seconds;
  };
  // The same pass, with the CPU of every process involved, added to `into`.
  const timedPass = async (
    into: Pass,
    procs: ChildProcess[],
    queues: IngestQueues,
    feeds: number[],
    batch: string,
  ) => {
    const rewritesBefore = await forksDone();
    const meter = cpuMeter({ w1: procs[0]!.pid!, w2: procs[1]!.pid!, redis: redisPid });
    into.seconds += await pass(queues, feeds, batch);
    into.aofRewrites += (await forksDone()) - rewritesBefore;
    const cpu = meter.since();
    into.cpu.workers += cpu.w1! + cpu.w2!;
    into.cpu.redis += cpu.redis!;
    into.cpu.bench += cpu.bench!;
  };

  const floors: Pass[] = [];
  const ingests: Pass[] = [];
  const notModified: number[] = [];
  const rss: number[] = [];
  try {
    for (let h = 1; h <= HOSTS; h++) {
      const server = createServer((req, res) => {
        const f = Number(/\/f(\d+)\.xml/.exec(req.url ?? '')?.[1]);
        if (!encoded[f]) return void res.writeHead(404).end(); // only the feeds are served
        answered();
        const etag = `"f${f}"`;
        if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag }).end(encoded[f]);
      });
      await new Promise<void>((r) => server.listen(port, `127.0.0.${h}`, r));
      servers.push(server);
    }

    for (let run = 1; run <= RUNS; run++) {
      // Fresh processes on an emptied Redis: every item is new to the ingest workers.
      await emptyRedis();
      const floorPrefix = `floor${run}:`;
      const prefix = `ingest${run}:`;
      const floorQueues = openQueues({ options: redis.connection, description: 'bench floor' }, floorPrefix);
      const queues = openQueues({ options: redis.connection, description: 'bench' }, prefix);
      try {
        // The floor: the same jobs on its own queue, fetch and rss-parser only.
        const floorProcs = await startWorkers(
          [join(ROOT, 'dist/bench/floor-worker.js'), redis.url, keys(floorPrefix).bullPrefix, urlsFile],
          floorQueues,
          floorPrefix,
        );
        // The ingest workers as deployed.
        const procs = await startWorkers(
          [
            join(ROOT, 'dist/workers/fetch.js'),
            '--config',
            dir,
            '--concurrency',
            '10',
            '--min-gap',
            '0',
            '--no-schedule',
          ],
          queues,
          prefix,
        );
        const floor: Pass = {
          seconds: 0,
          items: FEEDS * PER_FEED,
          cpu: { workers: 0, redis: 0, bench: 0 },
          aofRewrites: 0,
        };
        const ingest: Pass = { ...floor, cpu: { ...floor.cpu } };
        // The feeds in slices, floor and ingest in turn, so both meet the same load from the
        // rest of the machine; each side's processes are idle while the other's run.
        for (let from = 0; from < FEEDS; from += SLICE) {
          const feeds = Array.from({ length: Math.min(SLICE, FEEDS - from) }, (_, i) => from + i);
          await timedPass(floor, floorProcs, floorQueues, feeds, `one-${from}`);
          await timedPass(ingest, procs, queues, feeds, `one-${from}`);
        }
        ingest.items = await client.zcard(keys(prefix).itemsByTime);
        if (ingest.items !== FEEDS * PER_FEED)
          console.warn(`  warning: ${ingest.items} items stored of ${FEEDS * PER_FEED}`);
        floors.push(floor);
        ingests.push(ingest);
        await stop(floorProcs);
        // A second pass: every source answers 304 Not Modified.
        notModified.push(
          await pass(
            queues,
            Array.from({ length: FEEDS }, (_, f) => f),
            'two',
          ),
        );
        for (const p of procs) rss.push(await peakRss(p.pid!));
        await stop(procs);
      } finally {
        await Promise.all([floorQueues.close(), queues.close()]);
      }
      const [f, i] = [floors.at(-1)!, ingests.at(-1)!];
      const us = (p: Pass) =>
        `${Math.round(total(p) / p.items)} µs/item (${p.seconds.toFixed(1)} s${p.aofRewrites ? `, ${p.aofRewrites} AOF rewrite` : ''})`;
      console.log(
        `  run ${run}: floor ${us(f)}, ingest ${us(i)}, ratio ${(total(i) / i.items / (total(f) / f.items)).toFixed(2)}`,
      );
    }
  } finally {
    await stop(spawned);
    client.disconnect();
    for (const s of servers) s.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const perItem = (passes: Pass[], cpu: (p: Pass) => number) => passes.map((p) => cpu(p) / p.items);
  // Each run's ingest figure beside its floor's.
  const paired = (cpu: (p: Pass) => number) => {
    const floor = perItem(floors, cpu);
    const ingest = perItem(ingests, cpu);
    return {
      value: rangeOf(ingest),
      floor: rangeOf(floor),
      ratio: rangeOf(ingest.map((v, r) => v / floor[r]!)),
    };
  };
  const all = paired(total);
  report({
    name: `ingest end to end, CPU per stored item (${RUNS} runs)`,
    value: all.value,
    unit: 'µs CPU/item',
    baseline: { name: 'floor', value: all.floor },
    ratio: all.ratio,
    target: `ratio <= ${AIM}`,
    higherIsBetter: false,
  });
  for (const [part, cpu] of [
    ['the 2 worker processes', (p: Pass) => p.cpu.workers],
    ['redis-server', (p: Pass) => p.cpu.redis],
    ['the bench (feed server, enqueue, polling)', (p: Pass) => p.cpu.bench],
  ] as const) {
    const r = paired(cpu);
    report({
      name: `  of which ${part}`,
      value: r.value,
      unit: 'µs CPU/item',
      baseline: { name: 'floor', value: r.floor },
      ratio: r.ratio,
      higherIsBetter: false,
    });
  }
  const rate = (passes: Pass[]) => passes.map((p) => p.items / p.seconds);
  const ingestRate = rate(ingests);
  const floorRate = rate(floors);
  report({
    name: 'ingest end to end, wall time (for information)',
    value: rangeOf(ingestRate),
    unit: 'items/s',
    baseline: { name: 'floor', value: rangeOf(floorRate) },
    ratio: rangeOf(ingestRate.map((v, r) => v / floorRate[r]!)),
    higherIsBetter: true,
  });
  report({
    name: 'all-304 pass of 1,000 sources',
    value: rangeOf(notModified),
    unit: 's',
    target: '< 10 s',
    higherIsBetter: false,
  });
  report({
    name: 'peak RSS per ingest worker',
    value: rangeOf(rss),
    unit: 'MB',
    target: '< 200 MB',
    higherIsBetter: false,
  });
}
