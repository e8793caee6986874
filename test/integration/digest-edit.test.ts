import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalUrl, itemId } from '../../src/dedupe/canonical.js';
import { Digest } from '../../src/digest/service.js';
import { ConflictError, EditError, IssueLockedError } from '../../src/digest/errors.js';
import { FetchError } from '../../src/ingest/errors.js';
import { LabelStore } from '../../src/store/labels.js';
import type { NewsItem } from '../../src/types/item.js';
import { runCli } from '../helpers/cli.js';
import { bundledConfig, makeItem, storeItem } from '../helpers/digest.js';
import { useTestRedis } from '../helpers/redis.js';

const WEEK = '2014-W22';
const db = useTestRedis();
let prefix: string;
let n = 0;
const config = bundledConfig();

beforeEach(() => void (prefix = `t${++n}:`));

const digest = (editor = 'alice') => new Digest({ redis: db.client, prefix, config, editor });
/** Issues covering 10 days, so consecutive weeks overlap (20-29 May and 13-22 May 2014). */
const overlapping = () =>
  new Digest({
    redis: db.client,
    prefix,
    config: { ...config, newsletter: { ...config.newsletter, coversDays: 10 } },
  });

// Two outlets' words for each of two stories: clusters are found from the text.
const LG1 =
  'Kelbridge and Ashworth councils will merge their legal teams into one shared service, saving £400,000 a year.';
const LG1B = 'Kelbridge and Ashworth are to share a single legal team, saving £400,000 a year.';
const LG2 = 'Twelve London boroughs will buy the Public Services Network together through one framework.';
const LG2B = 'Twelve London boroughs agree to buy the Public Services Network jointly under one framework.';

/** A week of stored items: two councils stories (one carried by two outlets), health, an irrelevant one, one outside the window. */
async function seed(): Promise<Record<string, NewsItem>> {
  const d = digest();
  const items = {
    lg1: makeItem('lg1', 'local-government', {
      title: 'Councils merge legal teams',
      summary: LG1,
      publishedAt: '2014-05-28T10:00:00.000Z',
    }),
    lg1b: makeItem('lg1b', 'local-government', {
      title: 'Two councils to share lawyers',
      summary: LG1B,
      sourceIds: ['other-news'],
      url: 'https://other.example.net/lg1b',
      publishedAt: '2014-05-28T12:00:00.000Z',
    }),
    lg2: makeItem('lg2', 'local-government', {
      title: 'London unites on PSN',
      summary: LG2,
      publishedAt: '2014-05-24T10:00:00.000Z',
    }),
    h1: makeItem('h1', 'health', {
      title: 'Trusts share back office',
      summary: 'Marlshire hospital trusts will share payroll and finance staff from April.',
    }),
    junk: makeItem('junk', 'other', {
      title: 'Council tax rises',
      summary: 'Bills in Eastmoor go up by 5% next year.',
      classification: { ...makeItem('x', 'other').classification, relevant: false, relevance: 0.1 },
    }),
    old: makeItem('old', 'health', {
      title: 'Old news',
      summary: 'Stanmouth opens a new clinic.',
      publishedAt: '2014-05-10T10:00:00.000Z',
    }),
  };
  items.lg1b.classification.relevance = 0.5;
  for (const item of Object.values(items)) await storeItem(d.items, item);
  return items;
}

describe('drafting', () => {
  it('groups candidates by sector, ranks them, merges story clusters and refreshes keeping edits', async () => {
    await seed();
    const d = digest();
    const first = await d.draft(WEEK);
    expect(first.created).toBe(true);
    expect(first.issue.version).toBe(1);
    expect(first.issue.entries.map((e) => [e.itemId, e.sector, e.included, e.alsoIds])).toEqual([
      ['lg1', 'local-government', true, ['lg1b']],
      ['lg2', 'local-government', true, []],
      ['h1', 'health', true, []],
      ['junk', 'other', false, []],
    ]);
    const edited = await d.edit(WEEK, 1, [
      { op: 'comment', itemId: 'lg2', text: 'Worth reading.' },
      { op: 'move', itemId: 'lg2', position: 0 },
    ]);
    // A new story and a new outlet of a known story arrive; refreshing keeps the edits.
    await storeItem(
      d.items,
      makeItem('h2', 'health', {
        title: 'New integrated care pilot',
        summary: 'A Harbourside pilot joins up GP and hospital care.',
      }),
    );
    await storeItem(
      d.items,
      makeItem('lg2b', 'local-government', {
        title: 'London boroughs join forces on PSN',
        summary: LG2B,
        sourceIds: ['third-news'],
        url: 'https://third.example/lg2b',
        publishedAt: '2014-05-24T11:00:00.000Z',
      }),
    );
    const again = await d.draft(WEEK);
    expect(again.created).toBe(false);
    expect(again.added).toEqual(['h2']);
    expect(again.attached).toEqual(['lg2b']);
    expect(again.issue.version).toBe(edited.version + 1);
    expect(again.issue.entries.map((e) => e.itemId)).toEqual(['lg2', 'lg1', 'h1', 'h2', 'junk']);
    expect(again.issue.entries[0]).toMatchObject({ comment: 'Worth reading.', alsoIds: ['lg2b'] });
  });

  it('does not offer items that ran in an earlier issue', async () => {
    await seed();
    const d = overlapping();
    await storeItem(d.items, makeItem('prev', 'health', { publishedAt: '2014-05-21T10:00:00.000Z' }));
    const w21 = await d.draft('2014-W21');
    expect(w21.issue.entries.map((e) => e.itemId)).toEqual(['prev']);
    expect((await d.draft(WEEK)).issue.entries.map((e) => e.itemId)).toContain('prev');
    const sent = await d.setStatus('2014-W21', 1, 'sending');
    await d.setStatus('2014-W21', sent.version, 'sent');
    const w22 = await d.draft(WEEK);
    expect(w22.issue.entries.map((e) => e.itemId)).not.toContain('prev');
  });

  it('recognises a story that ran last week when another outlet reports it this week', async () => {
    const d = digest();
    const ran = makeItem('ran', 'health', {
      title: 'Marlshire trusts to merge pathology labs',
      summary: 'Marlshire and Eastmoor hospital trusts will run one pathology service from 2015, saving £3m.',
      publishedAt: '2014-05-22T10:00:00.000Z',
    });
    const retold = makeItem('retold', 'health', {
      title: 'Pathology merger for Marlshire and Eastmoor',
      summary: 'One pathology service for Marlshire and Eastmoor trusts from 2015 will save £3m.',
      sourceIds: ['other-news'],
      url: 'https://other.example.net/retold',
      publishedAt: '2014-05-23T12:00:00.000Z',
    });
    const fresh = makeItem('fresh', 'health', {
      title: 'Harbourside GPs share a night rota',
      summary: 'Six Harbourside practices will share out-of-hours cover.',
      publishedAt: '2014-05-27T09:00:00.000Z',
    });
    for (const item of [ran, retold, fresh]) await storeItem(d.items, item);
    const w21 = await d.draft('2014-W21');
    expect(w21.issue.entries.map((e) => [e.itemId, e.alsoIds])).toEqual([['ran', []]]);
    const sending = await d.setStatus('2014-W21', w21.issue.version, 'sending');
    await d.setStatus('2014-W21', sending.version, 'sent');
    // 'retold' falls in this week's window; its story went out last week.
    expect((await d.draft(WEEK)).issue.entries.map((e) => e.itemId)).toEqual(['fresh']);
  });
});

describe('editing operations', () => {
  it('keeps sections in the order of sectors.yaml when an item moves to a sector with no entries yet', async () => {
    await seed();
    const reversed = [...config.sectors].reverse();
    const d = new Digest({ redis: db.client, prefix, config: { ...config, sectors: reversed } });
    const { issue } = await d.draft(WEEK);
    const moved = await d.edit(WEEK, issue.version, [{ op: 'move', itemId: 'lg1', sector: 'blue-light' }]);
    const rank = (sector: string) => reversed.findIndex((s) => s.id === sector);
    const ranks = moved.entries.map((e) => rank(e.sector));
    expect(moved.entries.map((e) => e.sector)).toContain('blue-light');
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('refuses a change made against a stale version: concurrent comments conflict, none is lost', async () => {
    await seed();
    await digest().draft(WEEK);
    const [a, b] = await Promise.allSettled([
      digest('alice').edit(WEEK, 1, [{ op: 'comment', itemId: 'lg1', text: "Alice's comment" }]),
      digest('bob').edit(WEEK, 1, [{ op: 'comment', itemId: 'lg1', text: "Bob's comment" }]),
    ]);
    const ok = [a, b].filter((r) => r.status === 'fulfilled');
    const failed = [a, b].filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    const stored = await digest().get(WEEK);
    expect(stored.version).toBe(2);
    const winner = (ok[0] as PromiseFulfilledResult<{ entries: { itemId: string; comment?: string }[] }>)
      .value;
    expect(stored.entries.find((e) => e.itemId === 'lg1')!.comment).toBe(
      winner.entries.find((e) => e.itemId === 'lg1')!.comment,
    );
    // The loser reloads and applies on top: both decisions survive in order.
    await digest('bob').edit(WEEK, 2, [{ op: 'comment', itemId: 'lg2', text: "Bob's comment" }]);
    const final = await digest().get(WEEK);
    expect(final.entries.filter((e) => e.comment).length).toBe(2);
    expect(final.updatedBy).toBe('bob');

    // Many editors at once against the same version: exactly one wins.
    const many = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        digest(`e${i}`).edit(WEEK, 3, [{ op: 'intro', text: `intro ${i}` }]),
      ),
    );
    expect(many.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await digest().get(WEEK)).version).toBe(4);
  });

  it('includes, excludes, reorders, sets intro, subject and comments', async () => {
    await seed();
    const d = digest();
    await d.draft(WEEK);
    let issue = await d.edit(WEEK, 1, [
      { op: 'include', itemId: 'junk', included: true },
      { op: 'include', itemId: 'h1', included: false },
      { op: 'move', itemId: 'lg2', position: 0 },
      { op: 'intro', text: '  Hello <b>all</b>  ' },
      { op: 'subject', text: 'A  busy\nweek' },
      { op: 'comment', itemId: 'lg1', noComment: true },
    ]);
    expect(issue.version).toBe(2);
    expect(issue.intro).toBe('Hello <b>all</b>');
    expect(issue.subject).toBe('A busy week');
    expect(issue.entries.map((e) => `${e.itemId}:${e.included}`)).toEqual([
      'lg2:true',
      'lg1:true',
      'h1:false',
      'junk:true',
    ]);
    expect(issue.entries[1]).toMatchObject({ noComment: true });
    await expect(d.edit(WEEK, 2, [{ op: 'comment', itemId: 'nope', text: 'x' }])).rejects.toThrow(EditError);
    expect((await d.get(WEEK)).version).toBe(2);
    issue = await d.edit(WEEK, 2, [{ op: 'comment', itemId: 'lg1', text: 'Now with words' }]);
    expect(issue.entries[1]).toMatchObject({ comment: 'Now with words' });
    expect(issue.entries[1]!.noComment).toBeUndefined();
  });

  it('moving an item to another sector re-files it and records an editor label for the classifier', async () => {
    await seed();
    const d = digest('alice');
    await d.draft(WEEK);
    const issue = await d.edit(WEEK, 1, [{ op: 'move', itemId: 'lg1', sector: 'leadership' }]);
    expect(issue.entries.map((e) => `${e.itemId}:${e.sector}`)).toEqual([
      'lg2:local-government',
      'h1:health',
      'lg1:leadership',
      'junk:other',
    ]);
    expect((await d.items.get('lg1'))!.editorSector).toBe('leadership');
    expect((await d.items.get('lg1b'))!.editorSector).toBe('leadership');
    const labels = await new LabelStore(db.client, prefix).list();
    expect(labels).toEqual([
      expect.objectContaining({
        itemId: 'lg1',
        title: 'Councils merge legal teams',
        sector: 'leadership',
        editor: 'alice',
      }),
    ]);
  });

  it('adds an item by URL: a stored one directly, a new one through the pipeline', async () => {
    await seed();
    const url = 'https://news.example.com/health/extra?utm_source=x';
    const id = itemId(canonicalUrl(url)!);
    const fetched: string[] = [];
    const d = new Digest({
      redis: db.client,
      prefix,
      config,
      ingestUrl: async (u) => {
        fetched.push(u);
        const item = makeItem(id, 'health', { url: u, title: 'Fetched by URL' });
        await storeItem(d.items, item);
        return item;
      },
    });
    await d.draft(WEEK);
    const added = await d.addByUrl(WEEK, 1, url, 0);
    expect(fetched).toEqual([canonicalUrl(url)]);
    expect(added.issue.entries.filter((e) => e.sector === 'health').map((e) => e.itemId)).toEqual([id, 'h1']);
    expect(added.issue.entries[2]).toMatchObject({ origin: 'editor', included: true });
    await expect(d.addByUrl(WEEK, 2, url)).rejects.toThrow(/already in the 2014-W22 draft/);
    await expect(d.addByUrl(WEEK, 2, 'ftp://x')).rejects.toThrow(EditError);
    expect(fetched).toHaveLength(1);
  });

  it("refuses a new URL whose page cannot be read, or when it was given no ingest pipeline, as the editor's to fix", async () => {
    await seed();
    const unreadable = new Digest({
      redis: db.client,
      prefix,
      config,
      ingestUrl: async () => {
        throw new FetchError('http-status', 'HTTP 404', { status: 404 });
      },
    });
    await unreadable.draft(WEEK);
    await expect(unreadable.addByUrl(WEEK, 1, 'https://news.example.com/gone')).rejects.toThrow(
      new EditError('cannot add https://news.example.com/gone: http-status: HTTP 404'),
    );
    await expect(digest().addByUrl(WEEK, 1, 'https://news.example.com/new')).rejects.toThrow(EditError);
  });

  it('locks an issue once it is being sent', async () => {
    await seed();
    const d = digest();
    await d.draft(WEEK);
    await d.setStatus(WEEK, 1, 'sending');
    await expect(d.edit(WEEK, 2, [{ op: 'intro', text: 'late' }])).rejects.toThrow(IssueLockedError);
    await expect(d.setStatus(WEEK, 2, 'draft')).rejects.toThrow(IssueLockedError);
  });
});

describe('export and import', () => {
  it('round-trips a draft through YAML: commentary, moves, exclusions', async () => {
    await seed();
    const d = digest();
    await d.draft(WEEK);
    const yaml = await d.export(WEEK);
    expect(yaml).toContain('# ');
    expect(yaml).toMatch(/version: 1/);
    expect(yaml).toContain('comment: ""');
    // Unchanged export imports cleanly.
    const same = await d.import(WEEK, yaml);
    expect(same.version).toBe(2);
    const edited = (await d.export(WEEK))
      .replace('subject: ""', 'subject: Councils share lawyers')
      .replace('intro: ""', 'intro: |\n  Hi everyone,\n\n  A <b>quiet</b> week.')
      .replace(/(id: lg1\n(?:.*\n)*?\s+comment: )""/, '$1Tisk, tisk!')
      .replace(/(id: lg2\n(?:.*\n)*?\s+comment: )""/, '$1"A non-story, but still."')
      .replace(/(id: h1\n(?:.*\n)*?\s+comment: )""/, '$1""\n      noComment: true');
    const issue = await d.import(WEEK, edited);
    expect(issue.version).toBe(3);
    expect(issue.subject).toBe('Councils share lawyers');
    expect(issue.intro).toBe('Hi everyone,\n\nA <b>quiet</b> week.');
    expect(issue.entries.find((e) => e.itemId === 'lg1')!.comment).toBe('Tisk, tisk!');
    expect(issue.entries.find((e) => e.itemId === 'h1')!.noComment).toBe(true);
    // A move to another section in the file: re-filed and labelled.
    const moved = (await d.export(WEEK))
      .replace(/ {2}health:\n/, '  health:\n    - id: lg2\n')
      .replace(
        / {4}- id: lg2\n {6}title: London unites on PSN\n {6}url: \S+\n {6}comment: A non-story, but still.\n/,
        '',
      );
    const after = await d.import(WEEK, moved);
    expect(after.entries.map((e) => `${e.itemId}:${e.sector}`)).toEqual([
      'lg1:local-government',
      'lg2:health',
      'h1:health',
      'junk:other',
    ]);
    expect(after.entries.find((e) => e.itemId === 'lg2')!.comment).toBeUndefined();
    expect((await new LabelStore(db.client, prefix).list()).map((l) => [l.itemId, l.sector])).toEqual([
      ['lg2', 'health'],
    ]);
  });

  it('refuses unknown item ids and a stale version with clear errors', async () => {
    await seed();
    const d = digest();
    await d.draft(WEEK);
    const yaml = await d.export(WEEK);
    await expect(d.import(WEEK, yaml.replace('id: lg2', 'id: nosuch'))).rejects.toThrow(
      /sections\.local-government\[1\]: unknown item id nosuch/,
    );
    await expect(d.import(WEEK, yaml.replace('id: lg2', 'id: lg1b'))).rejects.toThrow(
      /lg1b is an "also reported by" of lg1/,
    );
    await expect(d.import(WEEK, yaml.replace('  health:', '  healthy:'))).rejects.toThrow(
      /sections\.healthy: unknown sector/,
    );
    await expect(d.import(WEEK, 'week: [')).rejects.toThrow(/not valid YAML/);
    await d.edit(WEEK, 1, [{ op: 'intro', text: 'someone else edited meanwhile' }]);
    await expect(d.import(WEEK, yaml)).rejects.toThrow(ConflictError);
    expect((await d.get(WEEK)).intro).toBe('someone else edited meanwhile');
  });
});

describe('pre-send checks', () => {
  it('blocks an item of an earlier issue that is scheduled, not only sent, as drafting leaves it out', async () => {
    const d = overlapping();
    await storeItem(d.items, makeItem('prev', 'health', { publishedAt: '2014-05-21T10:00:00.000Z' }));
    await d.draft('2014-W21');
    await d.setStatus('2014-W21', 1, 'scheduled');
    expect((await d.draft(WEEK)).issue.entries.map((e) => e.itemId)).not.toContain('prev');
    await d.edit(WEEK, 1, [
      {
        op: 'add',
        entry: { itemId: 'prev', sector: 'health', included: true, alsoIds: [], score: 0, origin: 'editor' },
      },
    ]);
    expect((await d.check(WEEK)).findings.map((f) => `${f.code}:${f.itemId ?? ''}`)).toContain(
      'already-sent:prev',
    );
  });

  it('reports blocking findings and warnings, and clears when fixed', async () => {
    const items = await seed();
    const d = overlapping();
    await storeItem(d.items, makeItem('prev', 'health', { publishedAt: '2014-05-21T10:00:00.000Z' }));
    await d.draft('2014-W21');
    await d.setStatus('2014-W21', 1, 'sending');
    await d.setStatus('2014-W21', 2, 'sent');
    await d.draft(WEEK);
    // An item that already went out, re-added by hand; a link to a private address.
    await storeItem(d.items, makeItem('priv', 'health', { url: 'http://10.0.0.5/story' }));
    let issue = await d.edit(WEEK, 1, [
      {
        op: 'add',
        entry: { itemId: 'prev', sector: 'health', included: true, alsoIds: [], score: 0, origin: 'editor' },
      },
    ]);
    issue = await d.edit(WEEK, issue.version, [
      {
        op: 'add',
        entry: { itemId: 'priv', sector: 'health', included: true, alsoIds: [], score: 0, origin: 'editor' },
      },
    ]);
    let result = await d.check(WEEK);
    const codes = result.findings.map((f) => `${f.severity}:${f.code}:${f.itemId ?? ''}`);
    expect(result.ok).toBe(false);
    expect(codes).toEqual(
      expect.arrayContaining([
        'blocking:no-subject:',
        'blocking:no-intro:',
        'blocking:no-comment:lg1',
        'blocking:already-sent:prev',
        'blocking:bad-link:priv',
      ]),
    );
    expect(result.htmlBytes).toBeGreaterThan(1000);
    await d.edit(WEEK, issue.version, [
      { op: 'subject', text: 'Subject' },
      { op: 'intro', text: 'Intro' },
      { op: 'include', itemId: 'prev', included: false },
      { op: 'include', itemId: 'priv', included: false },
      ...['lg1', 'lg2', 'h1'].map((itemId) => ({
        op: 'comment' as const,
        itemId,
        text: `On ${items[itemId as 'lg1']?.title}`,
      })),
    ]);
    result = await d.check(WEEK);
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe('pre-send checks on headlines', () => {
  it("warns, naming the item, about a headline with markup debris or one that is a link's text, and is still ready to send", async () => {
    const d = digest();
    await storeItem(
      d.items,
      makeItem('debris', 'local-government', { title: 'Councils merge legal teams" onmouseover="alert(1)' }),
    );
    await storeItem(d.items, makeItem('orphan', 'health', { title: "Read the judges' comments" }));
    await storeItem(d.items, makeItem('fine', 'health', { title: 'Trusts share back office' }));
    const issue = (await d.draft(WEEK)).issue;
    await d.edit(WEEK, issue.version, [
      { op: 'subject', text: 'Subject' },
      { op: 'intro', text: 'Intro' },
      ...['debris', 'orphan', 'fine'].map((itemId) => ({
        op: 'comment' as const,
        itemId,
        text: 'Worth a read.',
      })),
    ]);
    const result = await d.check(WEEK);
    expect(result.findings.map((f) => `${f.severity}:${f.code}:${f.itemId}`).sort()).toEqual([
      'warning:link-text:orphan',
      'warning:markup-debris:debris',
    ]);
    expect(result.ok).toBe(true);
    const r = await runCli(['digest', 'check', '--week', WEEK], {
      REDIS_URL: db.server.url,
      SSNEWS_KEY_PREFIX: prefix,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'warning  markup-debris  "Councils merge legal teams" onmouseover="alert(1)" (debris) carries markup debris (an event handler attribute "onmouseover="): correct it at the source, or leave the item out',
    );
    expect(r.stdout).toContain(
      `warning  link-text      "Read the judges' comments" (orphan) reads like a link's text, not a headline`,
    );
    expect(r.stdout).toMatch(/0 blocking, 2 warning\(s\): ready to send/);
  });
});

describe('the digest CLI', () => {
  it('warns, giving the dates and how to fetch, when no items are stored for the week', async () => {
    const env = { REDIS_URL: db.server.url, SSNEWS_KEY_PREFIX: prefix };
    const r = await runCli(['digest', 'draft', '--week', WEEK], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Created the draft for 2014-W22 \(version 1\): .*0 of 0 included/);
    expect(r.stderr).toBe(
      'warning: no items are stored for 2014-W22 (news from 23 May 2014 to 29 May 2014): fetch the sources first with `ssnews fetch` (or keep `ssnews worker` running), then run `ssnews digest draft --week 2014-W22` again',
    );
    const json = await runCli(['digest', 'draft', '--week', WEEK, '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ created: false, storedInWindow: 0, entries: 0 });
    expect(json.stderr).toMatch(/^warning: no items are stored for 2014-W22/);
  });

  it('drafts, shows, exports, imports, edits, renders and checks through `ssnews digest`', async () => {
    const env = { REDIS_URL: db.server.url, SSNEWS_KEY_PREFIX: prefix };
    await seed();
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-digest-cli-'));
    let r = await runCli(['digest', 'draft', '--week', WEEK], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Created the draft for 2014-W22 \(version 1\): 4 new stories, 0 more outlet\(s\) of known stories; 3 of 4 included/,
    );
    r = await runCli(['digest', 'show', '--week', WEEK], env);
    expect(r.stdout).toMatch(/2014-W22 · draft · version 1/);
    expect(r.stdout).toMatch(/Local Government \[local-government\]: 2 included/);
    expect(r.stdout).toMatch(/also reported by: other-news|also reported by: other\.example\.net/);
    r = await runCli(['digest', 'export', '--week', WEEK, '--out', join(dir, 'draft.yaml')], env);
    expect(r.code).toBe(0);
    const yaml = readFileSync(join(dir, 'draft.yaml'), 'utf8')
      .replace('subject: ""', 'subject: Shared services this week')
      .replace('intro: ""', 'intro: A quiet week.')
      .replaceAll('comment: ""', 'comment: Worth a read.');
    writeFileSync(join(dir, 'draft.yaml'), yaml);
    r = await runCli(['digest', 'import', join(dir, 'draft.yaml')], env);
    expect(r.stdout).toMatch(/now at version 2/);
    expect(r.code).toBe(0);
    // The same file again is stale: a conflict, exit 1.
    r = await runCli(['digest', 'import', join(dir, 'draft.yaml')], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/conflict: .*version 1, it is now at version 2/);
    r = await runCli(['digest', 'comment', '--week', WEEK, '--if-version', '1', 'lg1', 'x'], env);
    expect(r.code).toBe(1);
    r = await runCli(['digest', 'comment', '--week', WEEK, 'nosuch', 'x'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/item nosuch is not in the 2014-W22 draft/);
    r = await runCli(['digest', 'move', '--week', WEEK, 'lg2', '--position', '1', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).version).toBe(3);
    r = await runCli(['digest', 'check', '--week', WEEK, '--json'], env);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, findings: [] });
    expect(r.code).toBe(0);
    r = await runCli(
      ['digest', 'render', '--week', WEEK, '--out', dir, '--sectors', 'health', '--json'],
      env,
    );
    expect(r.code).toBe(0);
    // It reports what it rendered: the health section alone, not the whole issue.
    expect(JSON.parse(r.stdout)).toMatchObject({
      week: WEEK,
      version: 3,
      sections: ['health'],
      items: 1,
      issue: { sections: 2, items: 3 },
    });
    expect(readFileSync(join(dir, 'issue.html'), 'utf8')).toContain('Health &amp; Social Care');
    expect(readFileSync(join(dir, 'issue.html'), 'utf8')).not.toContain('>Local Government</h2>');
    expect(readFileSync(join(dir, 'issue.txt'), 'utf8')).toContain(
      'Unsubscribe: https://news.example.org/unsubscribe',
    );
    r = await runCli(
      ['digest', 'render', '--week', WEEK, '--out', dir, '--sectors', 'health,blue-light'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Rendered 2014-W22 v3: 1 item in 1 section \(--sectors health,blue-light; the whole issue has 3 items in 2 sections\); HTML /,
    );
    r = await runCli(['digest', 'render', '--week', WEEK, '--out', dir], env);
    expect(r.stdout).toMatch(/^Rendered 2014-W22 v3: 3 items in 2 sections; HTML /);
    r = await runCli(['digest', 'render', '--week', WEEK, '--out', dir, '--sectors', 'nope'], env);
    expect(r.code).toBe(2);
    r = await runCli(['digest', 'show', '--week', '2014-W99'], env);
    expect(r.code).toBe(2);
  });
});
