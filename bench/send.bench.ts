/**
 * Sending an issue to N subscribers (10,000 by default; BENCH_SEND_N) through the real send
 * worker process (the build in dist/, as deployed) to a real smtp-server sink on loopback,
 * beside raw nodemailer pooled sending of the same personalised messages to the same sink in
 * the same run (the baseline: no queue, no ledger, no rate limit, no per-recipient reads).
 * Peak RSS is the send worker's (VmHWM).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { SECTOR_IDS, type SectorId } from '../src/config/schema.js';
import { buildMessage } from '../src/delivery/message.js';
import { Delivery } from '../src/delivery/service.js';
import { openSendQueue } from '../src/queue/send-queue.js';
import { freePort, startRedisServer } from '../src/store/redis-server.js';
import { readyIssue, sendConfigDir, TOKEN_SECRET } from '../test/helpers/send.js';
import { startSmtpSink } from '../test/helpers/smtp-sink.js';
import type { Report } from './report.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const N = Number(process.env.BENCH_SEND_N ?? 10_000);
const CONNECTIONS = 5;
const WEEK = '2014-W22';
const WITH_ITEMS = SECTOR_IDS.filter((s) => s !== 'other');
const sectorsOf = (n: number): SectorId[] =>
  n % 4 === 0 ? [] : [WITH_ITEMS[n % WITH_ITEMS.length]!, WITH_ITEMS[(n + 2) % WITH_ITEMS.length]!];

export default async function sendBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-bench-send-'));
  const server = await startRedisServer({ dir, port: await freePort() });
  const redis = new Redis(server.connection);
  const sink = await startSmtpSink({ keep: false });
  const prefix = 'bench-send:';
  const { dir: configDir, config } = sendConfigDir({ perSecond: 10_000, perHour: 10_000_000 });
  const queue = openSendQueue({ options: server.connection, description: 'bench' }, prefix);
  try {
    const delivery = new Delivery({ redis, prefix, config, tokenSecret: TOKEN_SECRET, queue: queue.queue });
    await readyIssue(delivery.digest, WEEK, WITH_ITEMS, 7);
    const subscribers: { id: string; email: string; sectors: SectorId[] }[] = [];
    for (let n = 0; n < N; n++) {
      const r = await delivery.subscribers.add({
        email: `r${n}@example.org`,
        sectors: sectorsOf(n),
        status: 'confirmed',
        consentAt: '2014-01-01T00:00:00Z',
      });
      if ('added' in r) subscribers.push(r.added);
    }

    // Baseline: the same messages, built beforehand, through nodemailer's pool.
    const { compiled } = await delivery.digest.compile(WEEK);
    const messages = subscribers.map((s) =>
      buildMessage({ config, compiled, recipient: s, tokenSecret: TOKEN_SECRET }),
    );
    const raw = nodemailer.createTransport({
      url: sink.url,
      pool: true,
      maxConnections: CONNECTIONS,
      maxMessages: 1000,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    const b0 = performance.now();
    await Promise.all(messages.map(({ envelope, ...m }) => raw.sendMail({ ...m, envelope })));
    const baselineRate = (N / (performance.now() - b0)) * 1000;
    raw.close();
    const bytes = messages.reduce((n, m) => n + m.html.length + m.text.length, 0) / N;

    // ssnews: digest send, then the send worker process until the issue is sent.
    const before = sink.count;
    const worker = spawn(
      process.execPath,
      [
        '--max-old-space-size=1024',
        join(ROOT, 'dist/src/main.js'),
        'worker',
        'send',
        '--config',
        configDir,
        '--concurrency',
        '20',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          REDIS_URL: server.url,
          SSNEWS_KEY_PREFIX: prefix,
          SMTP_URL: sink.url,
          TOKEN_SECRET,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    await new Promise((r) => setTimeout(r, 1500)); // the worker connects
    const t0 = performance.now();
    await delivery.send(WEEK);
    while ((await delivery.digest.get(WEEK)).status === 'sending')
      await new Promise((r) => setTimeout(r, 50));
    const rate = (N / (performance.now() - t0)) * 1000;
    const hwm =
      Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    const counts = await delivery.ledger.counts(WEEK);
    if (sink.count - before !== counts.sent)
      throw new Error(`sink got ${sink.count - before}, ledger says ${counts.sent} sent`);

    report({
      name: `send ${N.toLocaleString('en-GB')} messages (${Math.round(bytes / 1024)} KB each, worker process)`,
      value: rate,
      unit: 'msg/s',
      baseline: { name: 'nodemailer pool, same messages', value: baselineRate },
      target: '>= 200 msg/s and >= 0.5 x baseline',
      higherIsBetter: true,
    });
    report({ name: 'send worker peak RSS', value: hwm, unit: 'MB', target: '< 200 MB' });
  } finally {
    await queue.close();
    await sink.close();
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
