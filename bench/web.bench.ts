/**
 * The public archive under a burst: 1,000 concurrent requests for one sent issue, first while
 * its page is not yet rendered (cold: a fresh server), then again once it is (warm: the
 * baseline, measured on the same server in the same run). Real redis-server, real HTTP on
 * loopback through undici; each burst opens its own connections, so both pay the same setup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { SECTOR_IDS } from '../src/config/schema.js';
import { compileIssue } from '../src/digest/render.js';
import { Digest } from '../src/digest/service.js';
import { freePort, startRedisServer } from '../src/store/redis-server.js';
import { buildServer } from '../src/web/server.js';
import { bundledConfig, makeItem, storeItem } from '../test/helpers/digest.js';
import { rangeOf, type Report } from './report.js';

const CONCURRENCY = 1_000;
const RUNS = 3;
const WEEK = '2014-W22';
const SECTORS = SECTOR_IDS.filter((s) => s !== 'other');

/** A sent 40-item issue with commentary, stored as the editor would leave it. */
async function storeSentIssue(digest: Digest): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const day = String(24 + (i % 6)).padStart(2, '0');
    await storeItem(
      digest.items,
      makeItem(`i${i}`, SECTORS[i % SECTORS.length]!, {
        title: `Councils and trusts share services, story ${i}`,
        publishedAt: `2014-05-${day}T10:00:00.000Z`,
      }),
    );
  }
  let issue = (await digest.draft(WEEK)).issue;
  const ops = issue.entries.map((e) => ({
    op: 'comment' as const,
    itemId: e.itemId,
    text: 'A <b>useful</b> read for anyone working on <a href="https://example.org/x">collaboration</a>.',
  }));
  issue = await digest.edit(WEEK, issue.version, [
    { op: 'subject', text: 'Shared services this week' },
    { op: 'intro', text: 'Hello readers,\n\nThis week: councils, trusts and colleges working together.' },
    ...ops,
  ]);
  issue = await digest.setStatus(WEEK, issue.version, 'sending');
  await digest.setStatus(WEEK, issue.version, 'sent');
}

/** Fires `n` requests at once on fresh connections; each one's latency in ms, sorted. */
async function burst(origin: string, n: number): Promise<number[]> {
  const pool = new Pool(origin, { connections: n, pipelining: 1 });
  try {
    const latencies = await Promise.all(
      Array.from({ length: n }, async () => {
        const t0 = performance.now();
        const res = await pool.request({ path: `/issues/${WEEK}`, method: 'GET' });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
        return performance.now() - t0;
      }),
    );
    return latencies.sort((a, b) => a - b);
  } finally {
    await pool.close();
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

export default async function webBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-bench-web-'));
  const server = await startRedisServer({ dir, port: await freePort() });
  const redis = new Redis(server.connection);
  const config = bundledConfig();
  const prefix = 'bench-web:';
  try {
    await storeSentIssue(new Digest({ redis, prefix, config }));
    const runs: { cold: number[]; warm: number[]; renders: number }[] = [];
    for (let run = 0; run <= RUNS; run++) {
      let renders = 0;
      const app = await buildServer({
        config,
        redis,
        prefix,
        logLevel: 'silent',
        rateLimit: false, // one address sends all 1,000
        compile: (view) => {
          renders++;
          return compileIssue(view);
        },
      });
      try {
        const origin = await app.listen({ host: '127.0.0.1', port: 0 });
        const cold = await burst(origin, CONCURRENCY);
        const warm = await burst(origin, CONCURRENCY);
        // Run 0 only loads mjml and JITs the path, so every counted cold run pays one render alone.
        if (run > 0) runs.push({ cold, warm, renders });
      } finally {
        await app.close();
      }
    }
    for (const [name, p] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const) {
      const cold = runs.map((r) => percentile(r.cold, p));
      const warm = runs.map((r) => percentile(r.warm, p));
      report({
        name: `${CONCURRENCY} concurrent requests, cold issue: ${name} latency`,
        value: rangeOf(cold),
        unit: 'ms',
        baseline: { name: `same issue warm, ${name}`, value: rangeOf(warm) },
        ratio: rangeOf(cold.map((c, i) => c / warm[i]!)),
      });
    }
    report({
      name: `renders per cold burst of ${CONCURRENCY} (${RUNS} runs)`,
      value: rangeOf(runs.map((r) => r.renders)),
      unit: 'renders',
      target: '1',
    });
  } finally {
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
