/**
 * Where an ingest worker's CPU goes: the stages of storeParsed, one by one, in one process,
 * over the same 1,000 feeds × 25 items as the ingest bench (parse, normalise, classify with
 * the bundled model, store on a real redis-server; stories are clustered when a draft is made,
 * timed in the dedupe bench).
 * Each stage is timed in CPU, not wall time, as the pipeline calls it, feed by feed: the wait
 * for Redis (over 0.2 ms a round trip on these machines) is no cost when ten jobs share a
 * worker, but the Redis server's own CPU is, so it is reported too.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { classifierKit } from '../src/classify/index.js';
import { loadConfig } from '../src/config/load.js';
import { classifyItems } from '../src/ingest/classify-items.js';
import { parseFeed } from '../src/ingest/feed-parser.js';
import { normaliseItems } from '../src/ingest/normalise.js';
import { ItemStore } from '../src/store/items.js';
import { freePort, startRedisServer } from '../src/store/redis-server.js';
import { FEEDS, feedXml, PER_FEED, rawParseRate } from './feeds.js';
import type { Report } from './report.js';

/** /proc reports CPU in clock ticks. */
const clockTicks = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

export default async function (report: Report): Promise<void> {
  const bodies = Array.from({ length: FEEDS }, (_, f) => feedXml(f));
  const rawRate = await rawParseRate(bodies);
  const classifier = classifierKit({ sectors: loadConfig().sectors }).bundled();
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-stages-'));
  const redis = await startRedisServer({ dir, port: await freePort() });
  const client = new Redis(redis.connection);
  // CPU ms per stage of this process, and of the Redis server over the whole run.
  const ms = { parse: 0, normalise: 0, classify: 0, aliases: 0, 'store (client)': 0, 'Redis server': 0 };
  try {
    const items = new ItemStore(client, 'stages:');
    const serverPid = Number(/process_id:(\d+)/.exec(await client.info('server'))![1]);
    // utime, stime, and those of reaped children (an AOF rewrite runs in a fork).
    const serverCpu = () => {
      const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (
        ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / clockTicks) *
        1000
      );
    };
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const at = new Date();
    let t = 0;
    const lap = (stage: keyof typeof ms) => {
      const now = cpu();
      ms[stage] += now - t;
      t = now;
    };
    const serverBefore = serverCpu();
    // The steps of storeParsed, in its order.
    for (const [f, body] of bodies.entries()) {
      t = cpu();
      const parsed = await parseFeed(body, 'http://127.0.0.1/feed.xml');
      lap('parse');
      const normalised = normaliseItems(parsed, at);
      lap('normalise');
      await items.aliases(normalised.items.map((i) => i.id));
      lap('aliases');
      const classified = classifyItems(normalised.items, classifier);
      lap('classify');
      await items.upsertMany(classified.map((i) => ({ ...i, sourceId: `f${f}`, seenAt: at.toISOString() })));
      lap('store (client)');
    }
    ms['Redis server'] = serverCpu() - serverBefore;
  } finally {
    client.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const n = FEEDS * PER_FEED;
  const perItem = (v: number) => (v * 1000) / n;
  const rawPerItem = 1e6 / rawRate;
  for (const [stage, v] of Object.entries(ms)) {
    report({
      name: `stage: ${stage}`,
      value: perItem(v),
      unit: 'µs/item',
      baseline: { name: 'rss-parser parse', value: rawPerItem },
      higherIsBetter: false,
    });
  }
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  report({
    name: 'stages in all (this process and Redis)',
    value: perItem(total),
    unit: 'µs/item',
    baseline: { name: 'rss-parser parse', value: rawPerItem },
    higherIsBetter: false,
  });
}
