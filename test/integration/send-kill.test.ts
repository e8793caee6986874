import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTOR_IDS, type SectorId } from '../../src/config/schema.js';
import { Delivery } from '../../src/delivery/service.js';
import { verifyToken } from '../../src/delivery/tokens.js';
import { openSendQueue, type SendQueue } from '../../src/queue/send-queue.js';
import { SubscriberStore } from '../../src/store/subscribers.js';
import { parseMail } from '../helpers/mime.js';
import { useTestRedis } from '../helpers/redis.js';
import { readyIssue, sendConfigDir, TOKEN_SECRET } from '../helpers/send.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUBSCRIBERS = 1000;
const WEEK = '2014-W22';
/** Sectors with items this week; `other` has none. */
const WITH_ITEMS: SectorId[] = [
  'local-government',
  'health',
  'higher-education',
  'blue-light',
  'private-sector',
  'leadership',
];
const prefix = 'sendkill:';

const redis = useTestRedis();
let sink: SmtpSink;
let queue: SendQueue;
let configDir: string;
const children: ChildProcess[] = [];

/** Subscriber n's choice: all (empty), one sector, two sectors, or only `other` (nothing this week). */
function sectorsOf(n: number): SectorId[] {
  if (n % 10 === 0) return [];
  if (n % 97 === 1) return ['other'];
  const a = SECTOR_IDS[n % SECTOR_IDS.length]!;
  const b = SECTOR_IDS[(n * 7 + 3) % SECTOR_IDS.length]!;
  return n % 3 === 0 ? [a] : [...new Set([a, b])];
}

function startWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'workers/send.ts'),
      '--config',
      configDir,
      '--concurrency',
      '8',
      '--lock-ms',
      '2000',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: redis.server.url,
        SSNEWS_KEY_PREFIX: prefix,
        SMTP_URL: sink.url,
        TOKEN_SECRET,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(child);
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  sink = await startSmtpSink();
  const { dir, config } = sendConfigDir();
  configDir = dir;
  queue = openSendQueue({ options: redis.server.connection, description: 'test' }, prefix);
  const delivery = new Delivery({
    redis: redis.client,
    prefix,
    config,
    tokenSecret: TOKEN_SECRET,
    queue: queue.queue,
  });
  await readyIssue(delivery.digest, WEEK, WITH_ITEMS);
  const store = new SubscriberStore(redis.client, prefix);
  for (let n = 0; n < SUBSCRIBERS; n++) {
    const r = await store.add({
      email: `Reader${n}@Example.org`,
      name: `Reader ${n}`,
      sectors: sectorsOf(n),
      status: 'confirmed',
      consentAt: '2014-01-01T00:00:00.000Z',
    });
    expect('added' in r).toBe(true);
  }
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await queue?.close();
  await sink?.close();
});

describe('sending an issue to 1,000 subscribers', () => {
  it('delivers each their own sections exactly once, though the worker is killed halfway', async () => {
    const { config } = sendConfigDir();
    const delivery = new Delivery({
      redis: redis.client,
      prefix,
      config,
      tokenSecret: TOKEN_SECRET,
      queue: queue.queue,
    });
    const started = await delivery.send(WEEK);
    expect(started).toMatchObject({ total: SUBSCRIBERS, queued: SUBSCRIBERS, resumed: false });
    expect((await delivery.digest.get(WEEK)).status).toBe('sending');

    const first = startWorker();
    while (sink.received.length < SUBSCRIBERS * 0.4) await sleep(10);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = sink.received.length;
    expect(atKill).toBeLessThan(SUBSCRIBERS - 20);

    const second = startWorker();
    while ((await delivery.digest.get(WEEK)).status === 'sending') await sleep(100);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    const status = await delivery.status(WEEK);
    expect(status.status).toBe('sent');
    const onlyOther = Array.from({ length: SUBSCRIBERS }, (_, n) => n).filter(
      (n) => sectorsOf(n).join() === 'other',
    );
    expect(status.counts).toMatchObject({
      total: SUBSCRIBERS,
      sent: SUBSCRIBERS - onlyOther.length,
      skipped: onlyOther.length,
      failed: 0,
      remaining: 0,
    });

    // Exactly one message per subscriber who has sections this week, none for the others.
    const byRecipient = new Map<string, string[]>();
    for (const m of sink.received)
      for (const to of m.to) byRecipient.set(to, [...(byRecipient.get(to) ?? []), m.raw]);
    expect([...byRecipient.values()].filter((l) => l.length > 1)).toEqual([]);
    const subscribers = new Map(
      (await new SubscriberStore(redis.client, prefix).list()).map((s) => [s.email, s]),
    );
    const missing = [...subscribers.values()].filter(
      (s) => s.sectors.join() !== 'other' && !byRecipient.has(s.email),
    );
    const ledger = await Promise.all(missing.map((s) => delivery.ledger.info(WEEK, s.id)));
    expect(ledger).toEqual([]);
    expect(byRecipient.size).toBe(SUBSCRIBERS - onlyOther.length);
    for (const n of onlyOther) expect(byRecipient.has(`reader${n}@example.org`)).toBe(false);

    for (let n = 0; n < SUBSCRIBERS; n++) {
      if (onlyOther.includes(n)) continue;
      const email = `reader${n}@example.org`;
      const mail = parseMail(byRecipient.get(email)![0]!);
      const chosen = sectorsOf(n);
      const expected = WITH_ITEMS.filter((s) => chosen.length === 0 || chosen.includes(s));
      expect(mail.contentType).toMatch(/^multipart\/alternative/);
      const html = mail.parts.find((p) => p.contentType === 'text/html')!.body;
      const text = mail.parts.find((p) => p.contentType === 'text/plain')!.body;
      expect(
        [...html.matchAll(/<h2 id="([a-z-]+)"/g)].map((m) => m[1]),
        email,
      ).toEqual(expected);
      for (const sector of WITH_ITEMS)
        expect(text.includes(`${sector} story 0 of ${WEEK}`), `${email} ${sector}`).toBe(
          expected.includes(sector),
        );
      // Headers of the message, and a link that unsubscribes this subscriber and no one else.
      const h = (name: string) => mail.headers.get(name)?.[0] ?? '';
      const id = subscribers.get(email)!.id;
      expect(h('message-id')).toBe(`<ssnews.${WEEK}.${id}@example.org>`);
      expect(h('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      const unsub =
        /^<(https:\/\/news\.example\.org\/unsubscribe\?token=([^>]+))>, <mailto:unsubscribe@example\.org\?subject=unsubscribe>$/.exec(
          h('list-unsubscribe'),
        );
      expect(unsub, h('list-unsubscribe')).not.toBeNull();
      expect(verifyToken(TOKEN_SECRET, decodeURIComponent(unsub![2]!), 'unsubscribe')).toEqual({
        ok: true,
        subscriberId: id,
      });
      if (n % 50 === 0) {
        const $ = cheerio.load(html);
        expect(
          $('a')
            .filter((_, a) => $(a).text() === 'Unsubscribe')
            .attr('href'),
        ).toBe(unsub![1]);
      } else expect(html).toContain(`href="${unsub![1]!.replace(/&/g, '&amp;')}"`);
      expect(h('list-id')).toMatch(/<weekly\.news\.example\.org>$/);
      expect(h('subject')).toBe(`Shared services news for ${WEEK}`);
      expect(h('from')).toContain('news@example.org');
      expect(h('reply-to')).toBe('editor@example.org');
      expect(h('date')).not.toBe('');
    }

    // The ledger names each settled message, and a second send sends nothing.
    const again = await delivery.send(WEEK);
    expect(again).toMatchObject({ alreadySent: true, queued: 0 });
    await sleep(300);
    expect(sink.received.length).toBe(SUBSCRIBERS - onlyOther.length);
    expect(status.failures).toEqual([]);
  }, 300_000);
});
