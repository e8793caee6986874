import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Digest } from '../../src/digest/service.js';
import { ItemStore } from '../../src/store/items.js';
import { LabelStore } from '../../src/store/labels.js';
import { Delivery } from '../../src/delivery/service.js';
import { smtpMessenger, type Messenger } from '../../src/delivery/transport.js';
import { openSendQueue, type SendQueue } from '../../src/queue/send-queue.js';
import { SubscriberStore } from '../../src/store/subscribers.js';
import { deliveryActions } from '../../src/web/delivery-actions.js';
import { TOKEN_SECRET } from '../helpers/send.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { HOSTILE_TITLE, seedWeek, WEEK } from '../helpers/editor.js';
import { useTestRedis } from '../helpers/redis.js';
import { signIn, startWebApp, TEST_SECRET, type Signin, type WebApp } from '../helpers/web.js';
import { bundledConfig, makeItem, storeItem } from '../helpers/digest.js';
import { issueWindow } from '../../src/digest/week.js';
import { EditorStore } from '../../src/store/editors.js';
import { buildServer } from '../../src/web/server.js';
import type { FastifyInstance } from 'fastify';

const db = useTestRedis();
const PASSWORD = 'correct horse battery';
const editor = { email: 'ed@example.org', password: PASSWORD, name: 'Ed' };
let web: WebApp;
let me: Signin;
let ids: string[];

const get = (url: string, accept = 'text/html') =>
  web.app.inject({ method: 'GET', url, headers: { cookie: me.cookie, accept } });
const postForm = (url: string, form: Record<string, string>, csrf = true) =>
  web.app.inject({
    method: 'POST',
    url,
    headers: { cookie: me.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...(csrf ? { _csrf: me.csrf } : {}), ...form }).toString(),
  });
const postOps = (body: unknown) =>
  web.app.inject({
    method: 'POST',
    url: `/editor/api/${WEEK}/ops`,
    headers: { cookie: me.cookie, 'x-csrf-token': me.csrf, accept: 'application/json' },
    payload: body as object,
  });
const digest = () => new Digest({ redis: db.client, prefix: web.prefix, config: web.config });

beforeAll(async () => {
  web = await startWebApp({ redis: db.client, prefix: 'editor-web:', editors: [editor] });
  ids = (await seedWeek(db.client, web.prefix, web.config)).map((i) => i.id);
  me = await signIn(web.app, editor.email, PASSWORD);
});
afterAll(async () => web?.close());

describe('the week page', () => {
  it('offers "Draft this week" when there is no draft, and makes one from a form', async () => {
    const before = await get(`/editor/${WEEK}`);
    expect(before.statusCode).toBe(200);
    const $ = cheerio.load(before.body);
    expect($('button').filter((_, b) => $(b).text() === 'Draft this week')).toHaveLength(1);
    expect(before.headers['content-security-policy']).toContain("script-src 'self'");

    expect((await postForm(`/editor/${WEEK}/draft`, {}, false)).statusCode).toBe(403);
    const made = await postForm(`/editor/${WEEK}/draft`, {});
    expect(made.statusCode).toBe(303);
    expect(made.headers.location).toBe(`/editor/${WEEK}?added=${ids.length}`);
    const after = cheerio.load((await get(String(made.headers.location))).body);
    expect(after('.flash').text()).toBe(`Candidates refreshed: ${ids.length} new stories.`);
    expect((await digest().get(WEEK)).entries).toHaveLength(ids.length);
  });

  it('shows sections in sectors.yaml order, feed text escaped, links in a new tab, no inline script', async () => {
    const res = await get(`/editor/${WEEK}`);
    expect(res.statusCode).toBe(200);
    const $ = cheerio.load(res.body);
    expect(
      $('section.sector h2')
        .map((_, h) => $(h).text())
        .get(),
    ).toEqual(web.config.sectors.map((s) => s.heading));
    const hostile = $(`#item-${ids[0]} h3 a`);
    expect(hostile.text()).toBe(HOSTILE_TITLE);
    expect(res.body).not.toContain('<img src=x');
    expect(hostile.attr('target')).toBe('_blank');
    expect(hostile.attr('rel')).toBe('noopener noreferrer');
    // One script, from /static; no inline script or handlers anywhere.
    expect(
      $('script')
        .map((_, s) => $(s).attr('src'))
        .get(),
    ).toEqual([expect.stringMatching(/^\/static\/editor\.js\?v=/)]);
    expect($('script:not([src])')).toHaveLength(0);
    expect(
      $('*').filter((_, el) =>
        Object.keys((el as { attribs?: object }).attribs ?? {}).some((a) => a.startsWith('on')),
      ),
    ).toHaveLength(0);
    expect($('meta[name="csrf-token"]').attr('content')).toBeTruthy();
    // Every item shows its sources, date, summary, classification and relevance.
    const first = $(`#item-${ids[1]}`);
    expect(first.find('.meta').text()).toMatch(/news\.example\.com · \d+ \w+ 2026/);
    expect(first.find('.why').text()).toMatch(/80% sure: matched "health" keywords · relevance 0\.80/);
    // Items judged not relevant are folded away.
    const low = $('details.low [data-list="low"] li')
      .map((_, li) => $(li).attr('data-id'))
      .get();
    expect(low.sort()).toEqual(ids.filter((_, i) => i % 5 === 4).sort());
  });

  it("draws the sector chart with this week's counts", async () => {
    const $ = cheerio.load((await get(`/editor/${WEEK}`)).body);
    const bars = $('svg.sector-chart rect.this-week')
      .map((_, r) => Number($(r).attr('data-count')))
      .get();
    expect(bars).toHaveLength(web.config.sectors.length);
    expect(bars.reduce((a, b) => a + b, 0)).toBe(ids.length);
  });

  it('takes only form fields that are text', async () => {
    const { version } = await digest().get(WEEK);
    const res = await web.app.inject({
      method: 'POST',
      url: `/editor/${WEEK}/edit`,
      headers: { cookie: me.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(me.csrf)}&version=${version}&subject=One&subject=Two&intro=`,
    });
    expect(res.statusCode).toBe(303);
    expect((await digest().get(WEEK)).subject).toBe('One');
    const undo = await digest().edit(WEEK, (await digest().get(WEEK)).version, [{ op: 'subject', text: '' }]);
    expect(undo.subject).toBeUndefined();
  });

  it('answers 404 for a week that is not one, and /editor opens the next issue', async () => {
    expect((await get('/editor/2026-W99')).statusCode).toBe(404);
    expect((await get('/editor/nonsense')).statusCode).toBe(404);
    const res = await get('/editor');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/editor/${digest().nextWeek()}`);
  });
});

describe('what the week page says about each item', () => {
  it('marks an item that ran in an earlier issue, shows "also reported by", and charts earlier weeks', async () => {
    const d = digest();
    const [old] = await seedWeek(db.client, web.prefix, web.config, {
      week: '2026-W44',
      count: 1,
      idPrefix: 'old',
    });
    const w44 = await d.draft('2026-W44');
    const sending = await d.setStatus('2026-W44', w44.issue.version, 'sending');
    await d.setStatus('2026-W44', sending.version, 'sent');
    const window = issueWindow('2026-W45', web.config.newsletter);
    const at = new Date(window.since.getTime() + 3_600_000).toISOString();
    const story = {
      title: 'Two boroughs merge their waste teams',
      summary: 'A joint waste service starts in April.',
      publishedAt: at,
      firstSeenAt: at,
    };
    await storeItem(
      d.items,
      makeItem('twin1', 'local-government', { ...story, url: 'https://a.example.com/waste' }),
    );
    await storeItem(
      d.items,
      makeItem('twin2', 'local-government', {
        ...story,
        url: 'https://b.example.net/waste',
        sourceIds: ['other-news'],
      }),
    );
    const { issue } = await d.draft('2026-W45');
    await d.addByUrl('2026-W45', issue.version, old!.url);

    const $ = cheerio.load((await get('/editor/2026-W45')).body);
    expect($(`#item-${old!.id} .ran`).text()).toBe('ran in 2026-W44');
    expect($('.also').text()).toMatch(/^Also reported by (a\.example\.com|b\.example\.net)$/);
    const titles = $('svg.sector-chart rect title')
      .map((_, t) => $(t).text())
      .get();
    expect(titles).toContain('Local Government, 2026-W44: 1 item');
    expect(titles).toContain('Local Government, 2026-W45: 2 items');
  });
});

describe('the editing API', () => {
  it('applies operations against the version and returns the new one', async () => {
    const { version } = await digest().get(WEEK);
    const res = await postOps({
      version,
      ops: [
        { op: 'include', itemId: ids[0], included: true },
        { op: 'comment', itemId: ids[0], text: 'A first comment' },
        { op: 'subject', text: 'This week' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.version).toBe(version + 1);
    expect(body.state.comments[ids[0]!]).toBe('A first comment');
    expect(body.state.subject).toBe('This week');
  });

  it('refuses a stale version with 409 and the current text, and bad input with 400', async () => {
    const { version } = await digest().get(WEEK);
    const stale = await postOps({
      version: version - 1,
      ops: [{ op: 'comment', itemId: ids[0], text: 'late' }],
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({
      error: 'conflict',
      version,
      state: { comments: { [ids[0]!]: 'A first comment' } },
    });
    const unknown = await postOps({ version, ops: [{ op: 'include', itemId: 'nope', included: true }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/item nope is not in the 2026-W49 draft/);
    const long = await postOps({ version, ops: [{ op: 'subject', text: 'x'.repeat(300) }] });
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toMatch(/the limit is 200/);
    const raw = await postOps({ version, ops: [{ op: 'add', entry: {} }] });
    expect(raw.statusCode).toBe(400);
    const noToken = await web.app.inject({
      method: 'POST',
      url: `/editor/api/${WEEK}/ops`,
      headers: { cookie: me.cookie, accept: 'application/json' },
      payload: { version, ops: [{ op: 'subject', text: 'x' }] },
    });
    expect(noToken.statusCode).toBe(403);
    expect((await digest().get(WEEK)).version).toBe(version);
  });

  it('steps an included item up and down among the included ones of its sector', async () => {
    const d = digest();
    const lg = (await d.get(WEEK)).entries
      .filter((e) => e.sector === 'local-government')
      .map((e) => e.itemId);
    const [a, b] = [lg[0]!, lg[1]!];
    let version = (await d.get(WEEK)).version;
    const inc = await postOps({ version, ops: [{ op: 'include', itemId: b, included: true }] });
    version = inc.json().version;
    const included = (s: { entries: { itemId: string; sector: string; included: boolean }[] }) =>
      s.entries.filter((e) => e.sector === 'local-government' && e.included).map((e) => e.itemId);
    const down = await postOps({ version, ops: [{ op: 'step', itemId: a, by: 1 }] });
    expect(included(down.json().state)).toEqual([b, a]);
    const up = await postOps({ version: down.json().version, ops: [{ op: 'step', itemId: a, by: -1 }] });
    expect(included(up.json().state)).toEqual([a, b]);
    // At the top, up changes nothing.
    const top = await postOps({ version: up.json().version, ops: [{ op: 'step', itemId: a, by: -1 }] });
    expect(included(top.json().state)).toEqual([a, b]);
  });

  it('"not relevant" leaves the item out and records a training label', async () => {
    const id = ids[6]!;
    const { version } = await digest().get(WEEK);
    const res = await postOps({
      version,
      ops: [
        { op: 'include', itemId: id, included: true },
        { op: 'not-relevant', itemId: id },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().state.entries.find((e: { itemId: string }) => e.itemId === id).included).toBe(false);
    expect((await new ItemStore(db.client, web.prefix).get(id))?.editorRelevant).toBe(false);
    const labels = await new LabelStore(db.client, web.prefix).list();
    expect(labels).toContainEqual(
      expect.objectContaining({ itemId: id, relevant: false, editor: editor.email }),
    );
  });
});

describe('the forms without the script', () => {
  it("saves an item's Include box and commentary, and shows both texts when someone else changed it first", async () => {
    const id = ids[2]!;
    const { version } = await digest().get(WEEK);
    const form = {
      version: String(version),
      itemId: id,
      action: 'save',
      included: '1',
      comment: 'Mine',
      baseComment: '',
    };
    const ok = await postForm(`/editor/${WEEK}/item`, form);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/editor/${WEEK}#item-${id}`);
    const entry = (await digest().get(WEEK)).entries.find((e) => e.itemId === id)!;
    expect(entry).toMatchObject({ included: true, comment: 'Mine' });

    // A second editor's page still thought the comment was empty.
    const clash = await postForm(`/editor/${WEEK}/item`, { ...form, comment: 'Theirs' });
    expect(clash.statusCode).toBe(409);
    const $ = cheerio.load(clash.body);
    expect(
      $('.flash pre.kept')
        .map((_, p) => $(p).text())
        .get(),
    ).toEqual(['Theirs', 'Mine']);
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)!.comment).toBe('Mine');
  });

  it('saves the Include box without putting back a comment it did not change', async () => {
    const id = ids[2]!;
    // The page was loaded when the comment was empty; since then someone wrote "Mine".
    const res = await postForm(`/editor/${WEEK}/item`, {
      version: '1',
      itemId: id,
      action: 'save',
      comment: '',
      baseComment: '',
    });
    expect(res.statusCode).toBe(303);
    const entry = (await digest().get(WEEK)).entries.find((e) => e.itemId === id)!;
    expect(entry).toMatchObject({ included: false, comment: 'Mine' });
    const back = await postForm(`/editor/${WEEK}/item`, {
      version: '1',
      itemId: id,
      action: 'save',
      included: '1',
      comment: '',
      baseComment: '',
    });
    expect(back.statusCode).toBe(303);
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)).toMatchObject({
      included: true,
      comment: 'Mine',
    });
  });

  it('marks an item "No comment" from its form, with no text', async () => {
    const id = ids[7]!;
    const form = { version: '1', itemId: id, action: 'save', included: '1', comment: '', baseComment: '' };
    expect(
      (await postForm(`/editor/${WEEK}/item`, { ...form, noComment: '1', baseNoComment: '' })).statusCode,
    ).toBe(303);
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)).toMatchObject({
      noComment: true,
    });
    const $ = cheerio.load((await get(`/editor/${WEEK}`)).body);
    expect($(`#item-${id} input[name="noComment"]`).attr('checked')).toBeDefined();
    await postForm(`/editor/${WEEK}/item`, { ...form, baseNoComment: '1' });
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)?.noComment).toBeUndefined();
  });

  it("keeps line breaks: a new paragraph is a change, and a browser's CRLF is the same text", async () => {
    const id = ids[9]!;
    const form = { version: '1', itemId: id, action: 'save', included: '1' };
    await postForm(`/editor/${WEEK}/item`, { ...form, comment: 'One\r\ntwo', baseComment: '' });
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)?.comment).toBe('One\ntwo');
    await postForm(`/editor/${WEEK}/item`, { ...form, comment: 'One\r\n\r\ntwo', baseComment: 'One\r\ntwo' });
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)?.comment).toBe('One\n\ntwo');
  });

  it('saves subject and intro, applying on the current version when nobody else changed them', async () => {
    const { version, subject } = await digest().get(WEEK);
    const res = await postForm(`/editor/${WEEK}/edit`, {
      version: String(version - 3),
      subject: 'New subject',
      intro: 'Hello all',
      baseSubject: subject ?? '',
      baseIntro: '',
    });
    expect(res.statusCode).toBe(303);
    const issue = await digest().get(WEEK);
    expect(issue).toMatchObject({ subject: 'New subject', intro: 'Hello all' });
  });

  it('moves an item to another sector from the form', async () => {
    const id = ids[3]!;
    const res = await postForm(`/editor/${WEEK}/item`, {
      itemId: id,
      action: 'move',
      sector: 'leadership',
      version: '0',
    });
    expect(res.statusCode).toBe(303);
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)!.sector).toBe('leadership');
  });

  it('refuses to add a URL that is not http(s), keeping what was typed', async () => {
    const res = await postForm(`/editor/${WEEK}/add`, { url: 'ftp://example.org/x', version: '0' });
    expect(res.statusCode).toBe(400);
    expect(cheerio.load(res.body)('.flash').text()).toContain('ftp://example.org/x');
  });

  it('adds a stored item by its URL', async () => {
    const [extra] = await seedWeek(db.client, web.prefix, web.config, { count: 1, idPrefix: 'late' });
    const res = await postForm(`/editor/${WEEK}/add`, { url: extra!.url, version: '0' });
    expect(res.statusCode).toBe(303);
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === extra!.id)).toMatchObject({
      included: true,
      origin: 'editor',
    });
  });
});

describe('preview, checks and send', () => {
  it('shows the subscriber HTML in a sandboxed frame, a version per sector, the text part and the size', async () => {
    const res = await get(`/editor/${WEEK}/preview`);
    expect(res.statusCode).toBe(200);
    const $ = cheerio.load(res.body);
    const frame = $('iframe.email');
    expect(frame.attr('sandbox')).toBe('');
    expect(
      $('.switcher a')
        .map((_, a) => $(a).text())
        .get(),
    ).toEqual(expect.arrayContaining(['All sectors', 'Local Government', 'Text part']));
    expect($('.size').text()).toMatch(/HTML \d+\.\d KB, within the 90\.0 KB aim/);

    const inFrame = await get(frame.attr('src')!);
    expect(inFrame.statusCode).toBe(200);
    expect(inFrame.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(inFrame.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(inFrame.headers['content-security-policy']).not.toContain('script-src');
    expect(inFrame.body).toContain('Mine');
    expect(inFrame.body).not.toContain('<img src=x');

    const text = cheerio
      .load((await get(`/editor/${WEEK}/preview?v=text`)).body)('pre.text-part')
      .text();
    expect(text).toContain('Mine');
    const health = await get(`/editor/${WEEK}/preview/frame?v=health`);
    expect(health.body).not.toContain('Local Government');
  });

  it('lists the checks, blocking first, each linking to its item', async () => {
    const $ = cheerio.load((await get(`/editor/${WEEK}/preview`)).body);
    const rows = $('.findings li')
      .map((_, li) => $(li).attr('class'))
      .get();
    expect(rows[0]).toBe('blocking');
    expect(rows.indexOf('warning') === -1 || rows.lastIndexOf('blocking') < rows.indexOf('warning')).toBe(
      true,
    );
    const link = $('.findings li.blocking a[href*="#item-"]').first().attr('href');
    expect(link).toMatch(new RegExp(`^/editor/${WEEK}#item-`));
  });

  it('says delivery is not set up, and sends nothing, without a delivery service', async () => {
    const res = await postForm(`/editor/${WEEK}/send`, {});
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Delivery is not set up yet');
    expect((await postForm(`/editor/${WEEK}/send-test`, {})).body).toContain('Delivery is not set up yet');
    expect((await digest().get(WEEK)).status).toBe('draft');
  });
});

describe('sending through the real delivery service', () => {
  let other: FastifyInstance;
  let signin: Signin;
  let sink: SmtpSink;
  let sendQueue: SendQueue;
  let messenger: Messenger;
  const prefix = 'editor-send:';
  // A public address, so the issue's own links pass the checks.
  const base = bundledConfig();
  const config = { ...base, newsletter: { ...base.newsletter, baseUrl: 'http://news.example.org' } };
  const d = () => new Digest({ redis: db.client, prefix, config });
  beforeAll(async () => {
    await new EditorStore(db.client, prefix).add(editor);
    const subscribers = new SubscriberStore(db.client, prefix);
    const consentAt = '2026-01-01T00:00:00.000Z';
    await subscribers.add({ email: 'h@example.org', sectors: ['health'], status: 'confirmed', consentAt });
    await subscribers.add({ email: 'a@example.org', sectors: [], status: 'confirmed', consentAt });
    await subscribers.add({ email: 'p@example.org', sectors: ['health'], status: 'pending' });
    sink = await startSmtpSink();
    sendQueue = openSendQueue({ options: db.server.connection, description: 'test' }, prefix);
    messenger = smtpMessenger({ url: sink.url, maxConnections: 1 });
    const delivery = new Delivery({
      redis: db.client,
      prefix,
      config,
      tokenSecret: TOKEN_SECRET,
      queue: sendQueue.queue,
      messenger,
    });
    other = await buildServer({
      config,
      redis: db.client,
      prefix,
      logLevel: 'silent',
      sessionSecret: TEST_SECRET,
      rateLimit: false,
      delivery: deliveryActions(delivery, { canSendTest: true }),
    });
    await seedWeek(db.client, prefix, config, { count: 2 });
    await d().draft(WEEK);
    signin = await signIn(other, editor.email, PASSWORD);
  });
  afterAll(async () => {
    await other?.close();
    messenger?.close();
    await sendQueue?.close();
    await sink?.close();
  });
  const post = (url: string, form: Record<string, string> = {}) =>
    other.inject({
      method: 'POST',
      url,
      headers: { cookie: signin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: signin.csrf, ...form }).toString(),
    });

  it('refuses to send while a blocking check stands', async () => {
    const res = await post(`/editor/${WEEK}/send`, { confirm: 'yes' });
    expect(res.statusCode).toBe(409);
    expect(cheerio.load(res.body)('.flash').text()).toMatch(/Not sent: \d+ problems must be fixed first/);
    expect(await sendQueue.queue.count()).toBe(0);
    expect((await d().get(WEEK)).status).toBe('draft');
  });

  it('sends a test copy to the editor, then asks with the count and the sectors, then queues the send', async () => {
    const { issue } = await d().draft(WEEK);
    await d().edit(WEEK, issue.version, [
      { op: 'subject', text: 'S' },
      { op: 'intro', text: 'I' },
      ...issue.entries.map((e) => ({ op: 'comment' as const, itemId: e.itemId, noComment: true })),
      ...issue.entries.map((e) => ({ op: 'include' as const, itemId: e.itemId, included: true })),
    ]);
    const preview = cheerio.load(
      (await other.inject({ url: `/editor/${WEEK}/preview`, headers: { cookie: signin.cookie } })).body,
    );
    expect(preview('.findings li.blocking')).toHaveLength(0);
    expect(preview('#send-to').text()).toBe('to 2 subscribers');

    const test = await post(`/editor/${WEEK}/send-test`);
    expect(cheerio.load(test.body)('.flash').text()).toContain(
      `A test copy of "[TEST] S" went to ${editor.email}`,
    );
    expect(sink.received.map((m) => m.to)).toEqual([[editor.email]]);
    expect(sink.received[0]!.raw).toMatch(/^Subject: \[TEST\] S/m);

    const ask = await post(`/editor/${WEEK}/send`);
    const $ = cheerio.load(ask.body);
    expect($('button').filter((_, b) => $(b).text() === 'Send to 2 subscribers')).toHaveLength(1);
    expect(
      $('.by-sector li')
        .map((_, li) => $(li).text())
        .get(),
    ).toEqual(
      expect.arrayContaining(['Health & Social Care: 2 subscribers', 'Local Government: 1 subscriber']),
    );
    expect(await sendQueue.queue.count()).toBe(0);

    const sent = await post(`/editor/${WEEK}/send`, { confirm: 'yes' });
    expect(cheerio.load(sent.body)('.flash').text()).toContain(
      `Started sending ${WEEK}: 2 of 2 recipients queued.`,
    );
    expect(await sendQueue.queue.count()).toBe(2);
    expect((await d().get(WEEK)).status).toBe('sending');
    // Nothing more reached the mail server: the send workers deliver, not the web.
    expect(sink.received).toHaveLength(1);
  });
});

describe('static files', () => {
  it('serves the script and stylesheet for good, and nothing else', async () => {
    const $ = cheerio.load((await get(`/editor/${WEEK}`)).body);
    const js = await web.app.inject($('script').attr('src')!);
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    const css = await web.app.inject($('link[rel="stylesheet"]').attr('href')!);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await web.app.inject('/static/..%2Fpackage.json')).statusCode).toBe(404);
    expect((await web.app.inject('/static/nothing.js')).statusCode).toBe(404);
  });
});

describe('the public rate limit', () => {
  it('does not count an editor saving as they type', async () => {
    const prefix = 'editor-limit:';
    await new EditorStore(db.client, prefix).add(editor);
    const config = { ...web.config };
    const app = await buildServer({
      config,
      redis: db.client,
      prefix,
      logLevel: 'silent',
      sessionSecret: TEST_SECRET,
      rateLimit: { max: 4, windowMs: 60_000 },
    });
    try {
      await seedWeek(db.client, prefix, config, { count: 1 });
      let { issue } = await new Digest({ redis: db.client, prefix, config }).draft(WEEK);
      const s = await signIn(app, editor.email, PASSWORD);
      let version = issue.version;
      for (let i = 0; i < 6; i++) {
        const res = await app.inject({
          method: 'POST',
          url: `/editor/api/${WEEK}/ops`,
          headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
          payload: { version, ops: [{ op: 'intro', text: `draft ${i}` }] },
        });
        expect(res.statusCode).toBe(200);
        version = res.json().version;
      }
      // The limit itself stands for readers (signing in counted too).
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await app.inject('/issues')).statusCode);
      expect(codes).toContain(429);
      issue = await new Digest({ redis: db.client, prefix, config }).get(WEEK);
      expect(issue.intro).toBe('draft 5');
    } finally {
      await app.close();
    }
  });
});
