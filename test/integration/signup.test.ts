import * as cheerio from 'cheerio';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SectorId } from '../../src/config/schema.js';
import { Delivery } from '../../src/delivery/service.js';
import { signToken, verifyToken } from '../../src/delivery/tokens.js';
import { smtpMessenger, type Messenger } from '../../src/delivery/transport.js';
import { openSendQueue, type SendQueue } from '../../src/queue/send-queue.js';
import { keys } from '../../src/store/keys.js';
import { SubscriberStore } from '../../src/store/subscribers.js';
import { CHECK_INBOX } from '../../src/web/routes/signup.js';
import { buildServer } from '../../src/web/server.js';
import { startSendWorker, type RunningSendWorker } from '../../src/worker/send.js';
import { parseMail } from '../helpers/mime.js';
import { useTestRedis } from '../helpers/redis.js';
import { readyIssue, sendConfigDir, TOKEN_SECRET } from '../helpers/send.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { TEST_SECRET } from '../helpers/web.js';

const prefix = 'signup:';
const redis = useTestRedis();
const { config } = sendConfigDir();
const ALL_SECTORS = config.sectors.map((s) => s.id);
let sink: SmtpSink;
let messenger: Messenger;
let app: FastifyInstance;
let store: SubscriberStore;
let client = 0;

/** Each test its own client address, so the per-client limit only bites where a test means it to. */
const nextClient = () => `10.0.0.${++client}`;

function form(fields: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) p.append(k, one);
  return p.toString();
}

const post = (url: string, fields: Record<string, string | string[]>, extra: Partial<InjectOptions> = {}) =>
  app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(extra.headers ?? {}) },
    payload: form(fields),
    remoteAddress: extra.remoteAddress ?? nextClient(),
  });

const subscribe = (email: string, sectors: string[] = ALL_SECTORS, name = '', remoteAddress?: string) =>
  post('/subscribe', { email, name, sectors }, remoteAddress ? { remoteAddress } : {});

/** The main text of a page, without the form's echo of the values. */
const mainText = (html: string) => cheerio.load(html)('main').text().replace(/\s+/g, ' ').trim();

const mailsTo = (address: string) =>
  sink.received.filter((m) => m.to.includes(address)).map((m) => parseMail(m.raw));
const partOf = (mail: ReturnType<typeof parseMail>, type: string) =>
  mail.parts.find((p) => p.contentType === type)?.body ?? '';

async function waitForMails(address: string, count: number) {
  while (mailsTo(address).length < count) await new Promise((r) => setTimeout(r, 20));
  return mailsTo(address);
}

/** The confirmation token in the last email to an address. */
function confirmToken(address: string): string {
  const text = partOf(mailsTo(address).at(-1)!, 'text/plain');
  const token = /\/confirm\?token=([\w.-]+)/.exec(text)?.[1];
  if (!token) throw new Error(`no confirmation link in:\n${text}`);
  return token;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  messenger = smtpMessenger({ url: sink.url, maxConnections: 1 });
  store = new SubscriberStore(redis.client, prefix);
  app = await buildServer({
    config,
    redis: redis.client,
    prefix,
    logLevel: 'silent',
    rateLimit: false,
    // As `ssnews serve` builds it: sign-in too, so its form parser is there as well.
    sessionSecret: TEST_SECRET,
    tokenSecret: TOKEN_SECRET,
    messenger,
    signupLimits: { perAddress: 3, perClient: 4, windowMs: 3_600_000 },
  });
});
afterAll(async () => {
  await app?.close();
  messenger?.close();
  await sink?.close();
});

describe('the sign-up page', () => {
  it('asks for an email, an optional name and the sectors (all ticked), with labels, no script, the security headers', async () => {
    const res = await app.inject('/subscribe');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
    const $ = cheerio.load(res.body);
    expect($('script')).toHaveLength(0);
    expect($('meta[name=viewport]').attr('content')).toContain('width=device-width');
    expect($('label[for=email]').text()).toBe('Email address');
    expect($('#email').attr('type')).toBe('email');
    expect($('label[for=name]').text()).toContain('Your name');
    const boxes = $('input[name=sectors]');
    expect(boxes.map((_, b) => $(b).attr('value')).get()).toEqual(ALL_SECTORS);
    expect(boxes.filter((_, b) => $(b).attr('checked') !== undefined)).toHaveLength(ALL_SECTORS.length);
    // Each box inside its label, named by the heading subscribers see.
    expect($('label:has(input[value=private-sector])').text()).toBe('Private Sector Collaborations');
    expect($('form').attr('method')).toBe('post');
  });

  it('the archive\'s "Register here" leads to it', async () => {
    const $ = cheerio.load((await app.inject('/issues')).body);
    expect(
      $('a')
        .filter((_, a) => $(a).text() === 'Register here')
        .attr('href'),
    ).toBe('https://news.example.org/subscribe');
  });
});

describe('double opt-in', () => {
  it('sign-up → confirmation email in the sink → GET changes nothing → POST confirms with consentAt', async () => {
    const email = 'new.reader@example.org';
    const res = await subscribe(email, ['health', 'leadership'], 'Ann Reader');
    expect(res.statusCode).toBe(200);
    expect(mainText(res.body)).toContain(CHECK_INBOX);
    const [mail] = await waitForMails(email, 1);
    expect(mail!.contentType).toMatch(/^multipart\/alternative/);
    expect(mail!.headers.get('subject')?.[0]).toBe(`Confirm your subscription to ${config.newsletter.name}`);
    const html = partOf(mail!, 'text/html');
    const text = partOf(mail!, 'text/plain');
    expect(text).toContain('Hello Ann Reader,');
    expect(text.replace(/\s+/g, ' ')).toContain(
      'with news from: Health & Social Care, Collaborative Leadership.',
    );
    const token = confirmToken(email);
    const $ = cheerio.load(html);
    expect(
      $('a')
        .filter((_, a) => $(a).text().trim() === 'Confirm my subscription')
        .attr('href'),
    ).toBe(`https://news.example.org/confirm?token=${token}`);
    // Nobody is on the list before confirming.
    expect(await store.getByEmail(email)).toBeUndefined();

    // A mail scanner's GET (twice) shows the button and changes nothing.
    for (let i = 0; i < 2; i++) {
      const page = await app.inject(`/confirm?token=${encodeURIComponent(token)}`);
      expect(page.statusCode).toBe(200);
      const $p = cheerio.load(page.body);
      expect($p('form[method=post][action="/confirm"] button').text()).toBe('Confirm my subscription');
      expect($p('input[name=token]').attr('value')).toBe(token);
      expect($p('script')).toHaveLength(0);
    }
    expect(await store.getByEmail(email)).toBeUndefined();

    const before = Date.now();
    const done = await post('/confirm', { token });
    expect(done.statusCode).toBe(200);
    expect(mainText(done.body)).toContain('You are subscribed');
    const s = (await store.getByEmail(email))!;
    expect(s.status).toBe('confirmed');
    expect(s.name).toBe('Ann Reader');
    expect(s.sectors).toEqual(['health', 'leadership']);
    expect(Date.parse(s.consentAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(await store.confirmedIds()).toContain(s.id);

    // The link confirms once.
    expect((await post('/confirm', { token })).statusCode).toBe(400);
  });

  it('a confirmed address signing up again: the same page, an "already subscribed" email with the preferences link, nothing changed', async () => {
    const email = 'already@example.org';
    const fresh = await subscribe(email, ['health']);
    await waitForMails(email, 1);
    expect((await post('/confirm', { token: confirmToken(email) })).statusCode).toBe(200);
    const before = (await store.getByEmail(email))!;

    const again = await subscribe(email, ['blue-light'], 'Someone Else');
    expect(again.statusCode).toBe(fresh.statusCode);
    expect(mainText(again.body)).toBe(mainText(fresh.body));
    const mails = await waitForMails(email, 2);
    const note = mails[1]!;
    expect(note.headers.get('subject')?.[0]).toBe(`You are already subscribed to ${config.newsletter.name}`);
    expect(note.contentType).toMatch(/^multipart\/alternative/);
    const text = partOf(note, 'text/plain');
    expect(text).toContain('You are already subscribed');
    expect(text).not.toContain('Someone Else');
    const link = /https:\/\/news\.example\.org\/preferences\?token=([\w.-]+)/.exec(text);
    expect(verifyToken(TOKEN_SECRET, link![1]!, 'preferences')).toEqual({
      ok: true,
      subscriberId: before.id,
    });
    expect(partOf(note, 'text/html')).toContain(`/preferences?token=${link![1]}`);
    expect(await store.getByEmail(email)).toEqual(before);
  });

  it('an unsubscribed address gets a new confirmation, and confirming subscribes it again', async () => {
    const email = 'leaver@example.org';
    await subscribe(email);
    await waitForMails(email, 1);
    await post('/confirm', { token: confirmToken(email) });
    const s = (await store.getByEmail(email))!;
    await store.setStatus(s.id, 'unsubscribed');

    const res = await subscribe(email, ['other']);
    expect(mainText(res.body)).toContain(CHECK_INBOX);
    const mails = await waitForMails(email, 2);
    expect(mails[1]!.headers.get('subject')?.[0]).toMatch(/^Confirm your subscription/);
    expect((await store.get(s.id))!.status).toBe('unsubscribed');
    await post('/confirm', { token: confirmToken(email) });
    const back = (await store.get(s.id))!;
    expect(back.status).toBe('confirmed');
    expect(back.sectors).toEqual(['other']);
  });

  it('an unconfirmed sign-up is kept for newsletter.signup.confirmDays, then Redis forgets it and its link is refused', async () => {
    const email = 'slow@example.org';
    await subscribe(email);
    await waitForMails(email, 1);
    const token = confirmToken(email);
    const pendingKey = keys(prefix).signupPending(token.split('.')[0]!);
    const ttl = await redis.client.pttl(pendingKey);
    const days = config.newsletter.signup.confirmDays;
    expect(days).toBe(7);
    expect(ttl).toBeGreaterThan(days * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(days * 86_400_000);
    // The days pass.
    await redis.client.pexpire(pendingKey, 1);
    while ((await redis.client.exists(pendingKey)) === 1) await new Promise((r) => setTimeout(r, 5));
    expect((await app.inject(`/confirm?token=${token}`)).statusCode).toBe(400);
    const res = await post('/confirm', { token });
    expect(res.statusCode).toBe(400);
    expect(mainText(res.body)).toContain('has expired');
    expect(await store.getByEmail(email)).toBeUndefined();
  });

  it('refuses forged, expired and wrong-purpose confirmation tokens', async () => {
    const email = 'forger@example.org';
    await subscribe(email);
    await waitForMails(email, 1);
    const token = confirmToken(email);
    const id = token.split('.')[0]!;
    const bad = [
      token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'),
      signToken('another-secret-0123456789abcdef0123', id, 'confirm'),
      signToken(TOKEN_SECRET, id, 'confirm', new Date(Date.now() - 8 * 86_400_000), 86_400),
      signToken(TOKEN_SECRET, id, 'preferences'),
      'nonsense',
    ];
    for (const t of bad) {
      expect((await app.inject(`/confirm?token=${encodeURIComponent(t)}`)).statusCode, t).toBe(400);
      expect((await post('/confirm', { token: t })).statusCode, t).toBe(400);
    }
    expect(await store.getByEmail(email)).toBeUndefined();
    // The real one still works.
    expect((await post('/confirm', { token })).statusCode).toBe(200);
  });
});

describe('what the form refuses', () => {
  it('escapes hostile input in the page and in the email', async () => {
    const email = 'hostile@example.org';
    const name = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    // Re-shown with an error (no sector): the name comes back as text.
    const again = await post('/subscribe', { email, name, sectors: [] });
    expect(again.statusCode).toBe(400);
    const $ = cheerio.load(again.body);
    expect($('script')).toHaveLength(0);
    expect($('img')).toHaveLength(0);
    expect($('#name').attr('value')).toBe(name);
    expect($('[role=alert]').text()).toBe('Choose at least one sector.');

    await subscribe(email, ALL_SECTORS, name);
    const [mail] = await waitForMails(email, 1);
    const $m = cheerio.load(partOf(mail!, 'text/html'));
    expect($m('script')).toHaveLength(0);
    expect($m('img')).toHaveLength(0);
    expect($m.text()).toContain(`Hello ${name},`);
    expect(partOf(mail!, 'text/plain')).toContain(`Hello ${name},`);
  });

  it('refuses a bad address with a message, and a form posted from another site', async () => {
    const bad = await subscribe('not-an-address');
    expect(bad.statusCode).toBe(400);
    expect(cheerio.load(bad.body)('[role=alert]').text()).toMatch(/Enter an email address/);
    const cross = await post(
      '/subscribe',
      { email: 'victim@example.org', sectors: ALL_SECTORS },
      { headers: { origin: 'https://evil.example' } },
    );
    expect(cross.statusCode).toBe(403);
    expect(mailsTo('victim@example.org')).toHaveLength(0);
  });

  it('rate-limits per address and per client address with a clear 429', async () => {
    const email = 'flood@example.org';
    for (let i = 0; i < 3; i++) expect((await subscribe(email)).statusCode).toBe(200);
    const limited = await subscribe(email);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(mainText(limited.body)).toMatch(
      /Too many sign-up requests for this email address\. Please wait \d+ minutes? and try again/,
    );
    expect(mailsTo(email)).toHaveLength(3);

    const office = nextClient();
    for (let i = 0; i < 4; i++)
      expect((await subscribe(`person${i}@example.org`, ALL_SECTORS, '', office)).statusCode).toBe(200);
    const fromOffice = await subscribe('person9@example.org', ALL_SECTORS, '', office);
    expect(fromOffice.statusCode).toBe(429);
    expect(mainText(fromOffice.body)).toMatch(/Too many sign-up requests from your network/);
    expect(mailsTo('person9@example.org')).toHaveLength(0);
  });
});

describe('preferences', () => {
  let queue: SendQueue;
  let worker: RunningSendWorker;
  let delivery: Delivery;
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
  });

  async function confirmed(email: string, sectors: SectorId[]) {
    expect((await subscribe(email, sectors)).statusCode).toBe(200);
    await waitForMails(email, 1);
    await post('/confirm', { token: confirmToken(email) });
    return (await store.getByEmail(email))!;
  }

  it('refuses forged and expired preference tokens, and changes nothing', async () => {
    const s = await confirmed('prefs-forged@example.org', ['health']);
    const bad = [
      signToken('another-secret-0123456789abcdef0123', s.id, 'preferences'),
      signToken(TOKEN_SECRET, s.id, 'preferences', new Date(Date.now() - 500 * 86_400_000)),
      signToken(TOKEN_SECRET, s.id, 'unsubscribe'),
    ];
    for (const token of bad) {
      expect((await app.inject(`/preferences?token=${encodeURIComponent(token)}`)).statusCode).toBe(400);
      const res = await post('/preferences', { token, action: 'unsubscribe' });
      expect(res.statusCode).toBe(400);
      expect((await post('/preferences', { token, action: 'save', sectors: ['other'] })).statusCode).toBe(
        400,
      );
    }
    expect(await store.get(s.id)).toEqual(s);
  });

  it('the link in every email opens a page that changes sectors, and the next send uses them', async () => {
    // Every sector ticked is stored as "all" (sectors added later included).
    const s = await confirmed('prefs@example.org', ALL_SECTORS);
    expect(s.sectors).toEqual([]);
    const token = signToken(TOKEN_SECRET, s.id, 'preferences');
    const page = await app.inject(`/preferences?token=${encodeURIComponent(token)}`);
    expect(page.statusCode).toBe(200);
    const $ = cheerio.load(page.body);
    expect($('script')).toHaveLength(0);
    expect($('input[name=token]').attr('value')).toBe(token);
    expect($('input[name=sectors][checked]')).toHaveLength(ALL_SECTORS.length);
    expect($('button[value=save]').text()).toBe('Save my sectors');
    expect($('button[value=unsubscribe]').text()).toBe('Unsubscribe');

    const saved = await post('/preferences', { token, action: 'save', sectors: ['health'] });
    expect(saved.statusCode).toBe(200);
    expect(
      cheerio
        .load(saved.body)('input[name=sectors][checked]')
        .map((_, b) => b.attribs.value)
        .get(),
    ).toEqual(['health']);
    expect((await store.get(s.id))!.sectors).toEqual(['health']);
    const none = await post('/preferences', { token, action: 'save' });
    expect(none.statusCode).toBe(400);
    expect((await store.get(s.id))!.sectors).toEqual(['health']);

    // The next issue (Delivery, the send queue and worker, the SMTP sink) brings only health.
    for (const other of await store.list())
      if (other.id !== s.id) await store.setStatus(other.id, 'unsubscribed');
    queue = openSendQueue({ options: redis.server.connection, description: 'test' }, prefix);
    delivery = new Delivery({
      redis: redis.client,
      prefix,
      config,
      tokenSecret: TOKEN_SECRET,
      queue: queue.queue,
    });
    await readyIssue(delivery.digest, '2014-W22', ['local-government', 'health'], 1);
    worker = await startSendWorker({
      target: { options: redis.server.connection, description: 'test' },
      prefix,
      config,
      settings: { smtpUrl: sink.url, tokenSecret: TOKEN_SECRET, dkim: undefined },
      lockDurationMs: 5000,
      log: () => undefined,
    });
    await delivery.send('2014-W22');
    while ((await delivery.digest.get('2014-W22')).status === 'sending')
      await new Promise((r) => setTimeout(r, 50));
    const issue = (await waitForMails(s.email, 2)).find((m) => m.headers.get('list-id'))!;
    const $i = cheerio.load(partOf(issue, 'text/html'));
    expect(
      $i('h2')
        .map((_, h) => $i(h).text())
        .get(),
    ).toEqual(['Health & Social Care']);
    // Its preferences link is one this page takes.
    const link = $i('a')
      .filter((_, a) => $i(a).text() === 'Choose your sectors')
      .attr('href')!;
    expect(link).toMatch(/^https:\/\/news\.example\.org\/preferences\?token=/);
    expect((await app.inject(link.replace('https://news.example.org', ''))).statusCode).toBe(200);

    // And unsubscribing there takes them off the list.
    const gone = await post('/preferences', { token, action: 'unsubscribe' });
    expect(mainText(gone.body)).toContain('You are unsubscribed');
    expect((await store.get(s.id))!.status).toBe('unsubscribed');
    expect(await store.confirmedIds()).not.toContain(s.id);
  });
});

describe('without a way to send email', () => {
  it('says sign-up is not available yet', async () => {
    const bare = await buildServer({
      config,
      redis: redis.client,
      prefix: 'signup-bare:',
      logLevel: 'silent',
      rateLimit: false,
      tokenSecret: TOKEN_SECRET,
    });
    try {
      const res = await bare.inject('/subscribe');
      expect(mainText(res.body)).toContain('not available yet');
      const posted = await bare.inject({
        method: 'POST',
        url: '/subscribe',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=a%40example.org&sectors=health',
      });
      expect(posted.statusCode).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
