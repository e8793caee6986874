import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SectorId } from '../../src/config/schema.js';
import { importSubscribers } from '../../src/delivery/import.js';
import { Delivery } from '../../src/delivery/service.js';
import { openSendQueue, type SendQueue } from '../../src/queue/send-queue.js';
import { sendJobId } from '../../src/queue/names.js';
import { SubscriberStore } from '../../src/store/subscribers.js';
import { buildServer } from '../../src/web/server.js';
import { TEST_SECRET } from '../helpers/web.js';
import { startSendWorker, type RunningSendWorker } from '../../src/worker/send.js';
import { runCli } from '../helpers/cli.js';
import { parseMail } from '../helpers/mime.js';
import { useTestRedis } from '../helpers/redis.js';
import { readyIssue, sendConfigDir, TOKEN_SECRET } from '../helpers/send.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const prefix = 'sendrules:';
const SECTORS: SectorId[] = ['local-government', 'health', 'leadership'];
const redis = useTestRedis();
const { dir, config } = sendConfigDir();
let sink: SmtpSink;
let queue: SendQueue;
let worker: RunningSendWorker;
let delivery: Delivery;
let store: SubscriberStore;
let app: FastifyInstance;
const log: string[] = [];

const people = {
  all: { sectors: [] as SectorId[] },
  health: { sectors: ['health'] as SectorId[] },
  refused: { sectors: [] as SectorId[] }, // 550 every time
  busy: { sectors: ['leadership'] as SectorId[] }, // 421 on its first try of each issue
  leaver: { sectors: [] as SectorId[] }, // unsubscribes in one click after the first issue
  removed: { sectors: ['health'] as SectorId[] }, // erased after the first issue
  otherOnly: { sectors: ['other'] as SectorId[] }, // nothing in their sectors
};
type Who = keyof typeof people;
const email = (who: Who) => `${who.toLowerCase()}@example.org`;
const ids = {} as Record<Who, string>;

const received = (who: Who, week?: string) =>
  sink.received.filter(
    (m) =>
      m.to.includes(email(who)) && (!week || parseMail(m.raw).headers.get('subject')?.[0]?.endsWith(week)),
  );

async function sendAndWait(week: string) {
  const started = await delivery.send(week);
  while ((await delivery.digest.get(week)).status === 'sending') await new Promise((r) => setTimeout(r, 50));
  return started;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  const tries = new Map<string, number>();
  sink.rcpt = (address) => {
    if (address === email('refused')) return { code: 550, message: '5.1.1 mailbox unavailable' };
    const n = (tries.get(address) ?? 0) + 1;
    tries.set(address, n);
    if (address === email('busy') && n % 2 === 1) return { code: 421, message: '4.7.0 try again later' };
    return undefined;
  };
  queue = openSendQueue({ options: redis.server.connection, description: 'test' }, prefix);
  delivery = new Delivery({
    redis: redis.client,
    prefix,
    config,
    tokenSecret: TOKEN_SECRET,
    queue: queue.queue,
  });
  store = delivery.subscribers;
  for (const week of ['2014-W22', '2014-W23', '2014-W24'])
    await readyIssue(delivery.digest, week, SECTORS, 1);
  for (const [who, p] of Object.entries(people)) {
    const r = await store.add({
      email: email(who as Who),
      sectors: p.sectors,
      status: 'confirmed',
      consentAt: '2014-01-01T00:00:00Z',
    });
    if (!('added' in r)) throw new Error('not added');
    ids[who as Who] = r.added.id;
  }
  worker = await startSendWorker({
    target: { options: redis.server.connection, description: 'test' },
    prefix,
    config,
    settings: { smtpUrl: sink.url, tokenSecret: TOKEN_SECRET, dkim: undefined },
    lockDurationMs: 5000,
    log: (m) => log.push(m),
  });
  // The server as `ssnews serve` builds it: sign-in on too, so its form parser is there as well.
  app = await buildServer({
    config,
    redis: redis.client,
    prefix,
    logLevel: 'silent',
    rateLimit: false,
    sessionSecret: TEST_SECRET,
    tokenSecret: TOKEN_SECRET,
  });
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await app?.close();
  await sink?.close();
});

describe('sending rules', () => {
  it('records a 550 as failed while the others go on, retries a 421 until delivered, skips those with nothing this week', async () => {
    await sendAndWait('2014-W22');
    const status = await delivery.status('2014-W22');
    expect(status.status).toBe('sent');
    expect(status.counts).toMatchObject({ total: 7, sent: 5, failed: 1, skipped: 1, remaining: 0 });
    for (const who of ['all', 'health', 'busy', 'leaver', 'removed'] as Who[])
      expect(
        received(who),
        `${who}: ${JSON.stringify(await delivery.ledger.info('2014-W22', ids[who]))} ${log.join('; ')}`,
      ).toHaveLength(1);
    expect(received('refused')).toHaveLength(0);
    expect(received('otherOnly')).toHaveLength(0);
    expect(status.failures).toEqual([
      expect.objectContaining({
        email: email('refused'),
        info: expect.objectContaining({ reply: expect.stringMatching(/^550\b/) }),
      }),
    ]);
    expect(await delivery.ledger.info('2014-W22', ids.busy)).toMatchObject({
      attempts: 2,
      reply: expect.stringMatching(/^250\b/),
    });
    expect(await delivery.ledger.info('2014-W22', ids.otherOnly)).toMatchObject({
      reason: 'no items in your sectors this week',
    });
    expect((await store.get(ids.refused))!).toMatchObject({ status: 'confirmed', hardFailures: 1 });
    // Only their sections: the health reader's message has just the health section.
    const html = parseMail(received('health')[0]!.raw).parts.find((p) => p.contentType === 'text/html')!.body;
    expect([...html.matchAll(/<h2 id="([a-z-]+)"/g)].map((m) => m[1])).toEqual(['health']);
  });

  it('sends nothing on a second send of a sent issue', async () => {
    const before = sink.received.length;
    const again = await delivery.send('2014-W22');
    expect(again).toMatchObject({ alreadySent: true, queued: 0 });
    const cli = await runCli(['digest', 'send', '--week', '2014-W22', '--config', dir, '--json'], env());
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ alreadySent: true, queued: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.received.length).toBe(before);
  });

  it('one-click unsubscribes on POST only; the next issue skips the unsubscribed, the removed and the bouncing', async () => {
    const unsubscribe = parseMail(received('leaver')[0]!.raw).headers.get('list-unsubscribe')![0]!;
    const url = new URL(/^<([^>]+)>/.exec(unsubscribe)![1]!);
    const path = `${url.pathname}${url.search}`;
    // A GET (a mail scanner following the link) shows a button and changes nothing.
    const page = await app.inject(path);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post"');
    expect((await store.get(ids.leaver))!.status).toBe('confirmed');
    // Forged and tampered tokens are refused.
    const forged = path.replace(/.{4}$/, 'AAAA');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: forged,
          payload: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).statusCode,
    ).toBe(400);
    expect((await store.get(ids.leaver))!.status).toBe('confirmed');
    // RFC 8058: the POST alone, no cookie and no CSRF token.
    const post = await app.inject({
      method: 'POST',
      url: path,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(post.statusCode).toBe(200);
    expect((await store.get(ids.leaver))!.status).toBe('unsubscribed');

    expect(await store.remove(email('removed'))).toBe(true);
    expect(await store.get(ids.removed)).toBeUndefined();
    const reimport = await importSubscribers(store, `email,consent date\n${email('removed')},2014-01-01\n`);
    expect(reimport.skipped).toEqual([
      { line: 2, message: `${email('removed')} was removed earlier at their request` },
    ]);

    await sendAndWait('2014-W23');
    const status = await delivery.status('2014-W23');
    expect(status.counts).toMatchObject({ total: 5, sent: 3, failed: 1, skipped: 1 });
    expect(received('leaver', '2014-W23')).toHaveLength(0);
    expect(received('removed', '2014-W23')).toHaveLength(0);
    for (const who of ['all', 'health', 'busy'] as Who[])
      expect(
        received(who, '2014-W23'),
        `${who}: ${JSON.stringify(await delivery.ledger.info('2014-W23', ids[who]))} ${log.join('; ')}`,
      ).toHaveLength(1);
    // A second issue in a row refused: the address is bouncing and out of the next send.
    expect((await store.get(ids.refused))!).toMatchObject({ status: 'bouncing', hardFailures: 2 });

    await sendAndWait('2014-W24');
    expect((await delivery.status('2014-W24')).counts).toMatchObject({
      total: 4,
      sent: 3,
      failed: 0,
      skipped: 1,
    });
    expect(received('refused')).toHaveLength(0);
  });

  it('resumes on a second send while sending: a recipient whose job ended unsettled gets another, nobody gets two', async () => {
    await worker.worker.pause();
    await readyIssue(delivery.digest, '2014-W26', SECTORS, 1);
    const first = await delivery.send('2014-W26');
    expect(first).toMatchObject({ resumed: false, total: 4, queued: 4 });
    // The job of one recipient is replaced by one that ends without settling them (as a job
    // that lost its claim does): the issue cannot finish on its own.
    const jobId = sendJobId('2014-W26', ids.all);
    await (await queue.queue.getJob(jobId))!.remove();
    await queue.queue.add('send', { week: '2014-W26', subscriberId: 'nobody' }, { jobId });
    worker.worker.resume();
    while ((await delivery.ledger.counts('2014-W26')).remaining > 1)
      await new Promise((r) => setTimeout(r, 50));
    while ((await (await queue.queue.getJob(jobId))!.getState()) !== 'completed')
      await new Promise((r) => setTimeout(r, 50));
    expect((await delivery.digest.get('2014-W26')).status).toBe('sending');
    expect(received('all', '2014-W26')).toHaveLength(0);

    const again = await delivery.send('2014-W26');
    expect(again).toMatchObject({ resumed: true, total: 4, queued: 1 });
    while ((await delivery.digest.get('2014-W26')).status === 'sending')
      await new Promise((r) => setTimeout(r, 50));
    for (const who of ['all', 'health', 'busy'] as Who[])
      expect(received(who, '2014-W26'), who).toHaveLength(1);
    expect((await delivery.status('2014-W26')).counts).toMatchObject({ sent: 3, skipped: 1, remaining: 0 });
  });

  it('marks an issue nobody could be sent failed, and sending it again retries only the failed', async () => {
    await readyIssue(delivery.digest, '2014-W27', SECTORS, 1);
    const normal = sink.rcpt;
    sink.rcpt = () => ({ code: 451, message: '4.3.0 mail system down' });
    await sendAndWait('2014-W27');
    const failed = await delivery.status('2014-W27');
    expect(failed.status).toBe('failed');
    expect(failed.counts).toMatchObject({ total: 4, sent: 0, failed: 3, skipped: 1 });
    expect(await delivery.ledger.info('2014-W27', ids.all)).toMatchObject({
      attempts: 3,
      reason: 'gave up after 3 attempts',
    });
    // A passing trouble is not a bounce.
    expect((await store.get(ids.all))!).toMatchObject({ status: 'confirmed', hardFailures: 0 });

    sink.rcpt = normal;
    const again = await sendAndWait('2014-W27');
    expect(again).toMatchObject({ resumed: true, queued: 3 });
    const sent = await delivery.status('2014-W27');
    expect(sent.status).toBe('sent');
    expect(sent.counts).toMatchObject({ sent: 3, failed: 0, skipped: 1, remaining: 0 });
    for (const who of ['all', 'health', 'busy'] as Who[])
      expect(received(who, '2014-W27'), who).toHaveLength(1);
  });

  it('refuses to send while a blocking check stands, and sends a [TEST] copy that touches no ledger', async () => {
    const { issue } = await delivery.digest.draft('2014-W30');
    expect(issue.status).toBe('draft');
    const refused = await runCli(['digest', 'send', '--week', '2014-W30', '--config', dir], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no-subject/);
    expect((await delivery.digest.get('2014-W30')).status).toBe('draft');

    await readyIssue(delivery.digest, '2014-W31', SECTORS, 1);
    const test = await runCli(
      ['digest', 'send', '--week', '2014-W31', '--config', dir, '--test', 'Tester@Example.org'],
      env(),
    );
    expect(test.code).toBe(0);
    const copies = sink.received.filter((m) => m.to.includes('tester@example.org'));
    expect(copies).toHaveLength(1);
    expect(parseMail(copies[0]!.raw).headers.get('subject')).toEqual([
      '[TEST] Shared services news for 2014-W31',
    ]);
    expect(await delivery.ledger.run('2014-W31')).toBeUndefined();
    expect((await delivery.digest.get('2014-W31')).status).toBe('draft');

    const status = await runCli(['digest', 'status', '--week', '2014-W22', '--config', dir, '--json'], env());
    expect(status.code).toBe(1); // one recipient failed, listed
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'sent',
      counts: { sent: 5, failed: 1, skipped: 1, remaining: 0 },
    });
  });
});

function env(): NodeJS.ProcessEnv {
  return { REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: prefix, SMTP_URL: sink.url, TOKEN_SECRET };
}
