import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { Digest } from '../../src/digest/service.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { EditorStore } from '../../src/store/editors.js';
import { KEY_FAMILIES, keyFamily, keys, type KeyFamily } from '../../src/store/keys.js';
import { LabelStore } from '../../src/store/labels.js';
import { ModelStore } from '../../src/store/model-versions.js';
import { SessionStore } from '../../src/store/sessions.js';
import { SourceStateStore } from '../../src/store/sources.js';
import { SubscriberStore } from '../../src/store/subscribers.js';
import type { ModelData } from '../../src/types/classifier-model.js';
import { runCli } from '../helpers/cli.js';
import { bundledConfig, makeItem, storeItem } from '../helpers/digest.js';
import { useTestRedis } from '../helpers/redis.js';

const db = useTestRedis();
const SRC = 'backup-src:';
const dir = mkdtempSync(join(tmpdir(), 'ssnews-backup-'));
const file = join(dir, 'backup.jsonl');
const PASSWORD = 'correct horse battery';
const env = (prefix: string) => ({ REDIS_URL: db.server.url, SSNEWS_KEY_PREFIX: prefix });

type Snapshot = Map<string, { type: string; ttl: boolean; value: unknown }>;

/**
 * Every key under a prefix, read straight from Redis (not through the exporter): name without
 * the prefix -> type, whether it expires, and its value with binary strings as hex.
 */
async function snapshot(redis: Redis, prefix: string): Promise<Snapshot> {
  const names = (await redis.keys(`${prefix}*`)).sort();
  const out: Snapshot = new Map();
  const hex = (b: Buffer) => b.toString('hex');
  for (const full of names) {
    const type = await redis.type(full);
    const ttl = (await redis.pttl(full)) > 0;
    let value: unknown;
    if (type === 'string') value = hex((await redis.getBuffer(full))!);
    else if (type === 'hash') {
      const h = await redis.hgetallBuffer(full);
      value = Object.fromEntries(Object.entries(h).map(([f, v]) => [f, hex(v)]));
    } else if (type === 'set') value = (await redis.smembersBuffer(full)).map(hex).sort();
    else if (type === 'list') value = (await redis.lrangeBuffer(full, 0, -1)).map(hex);
    else if (type === 'zset') value = await redis.call('ZRANGE', full, 0, -1, 'WITHSCORES');
    else value = `unexpected type ${type}`;
    out.set(full.slice(prefix.length), { type, ttl, value });
  }
  return out;
}

function dataOnly(s: Snapshot): Snapshot {
  return new Map([...s].filter(([key]) => KEY_FAMILIES[keyFamily(key)!] === 'data'));
}

const dataFamilies = (Object.keys(KEY_FAMILIES) as KeyFamily[]).filter((f) => KEY_FAMILIES[f] === 'data');

beforeAll(async () => {
  const redis = db.client;
  const config = bundledConfig();
  // Items (and their indexes: by time, by source, an alias), via the item store.
  const d = new Digest({ redis, prefix: SRC, config });
  await storeItem(
    d.items,
    makeItem('a1', 'health', {
      title: 'Trusts share “back office” — 50% savings',
      publishedAt: '2014-05-27T10:00:00.000Z',
    }),
  );
  await storeItem(d.items, makeItem('b1', 'leadership', { publishedAt: '2014-06-03T10:00:00.000Z' }));
  await d.items.addAlias('alias1', 'a1');
  // A key with an expiry (no store sets one on data today; the file carries it all the same).
  await redis.set(keys(SRC).item('expiring'), '{"id":"expiring"}', 'PX', 3_600_000);
  // A source's fetch state, and a lock on it (transient).
  const sources = new SourceStateStore(redis, SRC);
  await sources.recordSuccess('lgc-news', {
    at: new Date('2014-05-27T10:00:00Z'),
    url: 'https://example.org/feed',
    status: 200,
    etag: '"abc"',
    items: 2,
    created: 2,
    nextFetchAt: new Date('2014-05-27T11:00:00Z'),
  });
  expect(await sources.lock('lgc-news', 600_000, 'me')).toBeDefined();
  // Subscribers: two confirmed, one removed (its salted hash and the salt stay).
  const subscribers = new SubscriberStore(redis, SRC);
  for (const email of ['ann@example.org', 'bob@example.org', 'gone@example.org'])
    await subscribers.add({ email, status: 'confirmed', consentAt: '2024-03-01T00:00:00.000Z' });
  await subscribers.remove('gone@example.org');
  // A sent issue with a ledger entry, and a draft.
  const draft = await d.draft('2014-W22');
  const edited = await d.edit('2014-W22', draft.issue.version, [{ op: 'intro', text: 'Hello' }]);
  const sending = await d.setStatus('2014-W22', edited.version, 'sending');
  const ledger = new DeliveryStore(redis, SRC);
  expect(await ledger.start('2014-W22', sending.version, '{"compiled":true}')).toBe(2);
  const ann = (await subscribers.getByEmail('ann@example.org'))!;
  expect((await ledger.claim('2014-W22', ann.id, 'run1', 60_000)).outcome).toBe('claimed');
  await ledger.settle('2014-W22', ann.id, 'run1', 'sent', {
    attempts: 1,
    at: '2014-05-27T12:00:00.000Z',
  });
  await d.setStatus('2014-W22', sending.version, 'sent');
  await d.draft('2014-W23');
  // An editor label and a model version (gzipped: binary).
  await new LabelStore(redis, SRC).record({ itemId: 'a1', title: 'T', sector: 'health', editor: 'ann' });
  const models = new ModelStore(redis, SRC);
  await models.save({ version: await models.nextVersion(), note: 'tiny' } as unknown as ModelData);
  // An editor account and a session (transient).
  await new EditorStore(redis, SRC).add({ email: 'ed@example.org', name: 'Ed', password: PASSWORD });
  await new SessionStore(redis, SRC).create('ed@example.org');
  // A key under the prefix that ssnews does not know: warned about, not exported.
  await redis.set(`${SRC}stray`, 'x');

  const run = await runCli(['export', '--out', file], env(SRC));
  expect(run.stderr).not.toMatch(/error/);
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/exported \d+ keys from prefix backup-src:/);
  expect(run.stderr).toContain('1 keys under backup-src: are not ssnews keys and were not exported: stray');
});

describe('ssnews export / import', () => {
  it('the populated store covers every data family of keys.ts, and transient keys are there too', async () => {
    const src = await snapshot(db.client, SRC);
    const families = new Set([...src.keys()].map((k) => keyFamily(k)));
    for (const f of dataFamilies) expect(families, `no ${f} key in the test store`).toContain(f);
    for (const f of ['session', 'editorSessions', 'sourceLock'] as const) expect(families).toContain(f);
  });

  it('writes a header, one readable line per data key (binary as base64), and no transient key', () => {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'ssnews-backup', version: 1, prefix: SRC });
    expect(JSON.parse(lines.at(-1)!)).toEqual({ end: true, keys: lines.length - 2 });
    const records = lines.slice(1, -1).map((l) => JSON.parse(l) as { key: string; type: string });
    const names = records.map((r) => r.key);
    expect(names).toEqual([...names].sort());
    for (const key of names) expect(KEY_FAMILIES[keyFamily(key)!]).toBe('data');
    expect(names.some((k) => /^(session|sessions|source-lock):/.test(k))).toBe(false);
    expect(names).not.toContain('stray');
    expect(records.find((r) => r.key === 'item:a1')).toMatchObject({ type: 'string', ttl: null });
    expect(
      JSON.parse((records.find((r) => r.key === 'item:a1') as unknown as { value: string }).value).title,
    ).toBe('Trusts share “back office” — 50% savings');
    expect(records.find((r) => r.key === 'model:v:v1')).toMatchObject({ type: 'string', encoding: 'base64' });
    expect(records.find((r) => r.key === 'editors')).toMatchObject({ type: 'hash' });
    const expiring = records.find((r) => r.key === 'item:expiring') as unknown as { ttl: number };
    expect(expiring.ttl).toBeGreaterThan(3_500_000);
    expect(expiring.ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('imports into another prefix: every data key and value equal, nothing transient, the editor can sign in', async () => {
    const DST = 'backup-dst:';
    const run = await runCli(['import', file, '--json'], env(DST));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const src = dataOnly(await snapshot(db.client, SRC));
    const dst = await snapshot(db.client, DST);
    expect(JSON.parse(run.stdout)).toMatchObject({ imported: src.size, replaced: 0, prefix: DST });
    expect([...dst.keys()]).toEqual([...src.keys()]);
    for (const [key, record] of src) expect(dst.get(key), key).toEqual(record);
    expect(dst.get('item:expiring')?.ttl).toBe(true);
    expect(dst.get('item:a1')?.ttl).toBe(false);
    // The stores read it back as they wrote it.
    expect(await new EditorStore(db.client, DST).verify('ed@example.org', PASSWORD)).toMatchObject({
      name: 'Ed',
    });
    expect(await new EditorStore(db.client, DST).verify('ed@example.org', 'wrong password!')).toBeUndefined();
    const config = bundledConfig();
    const [a, b] = [
      new Digest({ redis: db.client, prefix: SRC, config }),
      new Digest({ redis: db.client, prefix: DST, config }),
    ];
    expect(await b.issues.listSent()).toEqual(await a.issues.listSent());
    expect(await new ModelStore(db.client, DST).loadCurrent()).toEqual({ version: 'v1', note: 'tiny' });
    expect(await new SubscriberStore(db.client, DST).wasErased('gone@example.org')).toBe(true);
    const ann = (await new SubscriberStore(db.client, DST).getByEmail('ann@example.org'))!;
    expect(await new DeliveryStore(db.client, DST).state('2014-W22', ann.id)).toBe('sent');
    // No staging key is left behind.
    expect(await db.client.keys(`${DST}import-staging:*`)).toEqual([]);
  });

  it('refuses a non-empty target unless --replace, which replaces its data', async () => {
    const DST = 'backup-replace:';
    await db.client.set(keys(DST).item('old'), '{}');
    await db.client.set(keys(DST).session('s1'), '{}');
    const refused = await runCli(['import', file], env(DST));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /already holds 1 data key \(item:old\): .*pass --replace to replace them; nothing imported/,
    );
    expect(await db.client.keys(`${DST}*`)).toHaveLength(2);
    const replaced = await runCli(['import', file, '--replace'], env(DST));
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toMatch(/imported \d+ keys .* replacing 1 keys/);
    expect(await db.client.exists(keys(DST).item('old'))).toBe(0);
    const dst = await snapshot(db.client, DST);
    expect(dataOnly(dst)).toEqual(dataOnly(await snapshot(db.client, SRC)));
    expect(dst.has('session:s1')).toBe(true); // transient keys are left alone
  });

  async function refusedWithNothingWritten(lines: string[], pattern: RegExp): Promise<void> {
    const bad = join(dir, `bad-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(bad, lines.join('\n') + '\n');
    const before = await db.client.dbsize();
    const run = await runCli(['import', bad], env('backup-bad:'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(await db.client.dbsize()).toBe(before);
    expect(await db.client.keys('backup-bad:*')).toEqual([]);
  }
  const good = () => readFileSync(file, 'utf8').trimEnd().split('\n');

  it('refuses a file from a newer format (version 2), writing nothing', async () => {
    const lines = good();
    lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), version: 2 });
    await refusedWithNothingWritten(
      lines,
      /written by a newer ssnews \(backup format version 2; this one reads version 1\)/,
    );
  });

  it('refuses a corrupt line 3, naming it, writing nothing (even when the lines before are good)', async () => {
    const lines = good();
    lines[2] = lines[2]!.slice(0, 20);
    await refusedWithNothingWritten(lines, /line 3: not valid JSON/);
  });

  it('refuses a record of the wrong shape, a transient key, and a cut-off file, writing nothing', async () => {
    const lines = good();
    await refusedWithNothingWritten(
      [
        lines[0]!,
        lines[1]!,
        JSON.stringify({ key: 'issues', type: 'zset', ttl: null, value: ['x'] }),
        ...lines.slice(2),
      ],
      /line 3: a zset's "value" must be a non-empty array of \[member, score\] pairs/,
    );
    await refusedWithNothingWritten(
      [
        lines[0]!,
        JSON.stringify({ key: 'session:abc', type: 'string', ttl: 1000, value: '{}' }),
        ...lines.slice(1),
      ],
      /line 2: key "session:abc" is not one ssnews backs up/,
    );
    await refusedWithNothingWritten(
      lines.slice(0, -5),
      /without its closing \{"end":true,…\} line: the file is cut short/,
    );
  });

  it('an import that fails while writing leaves the target as it was and no staged key behind', async () => {
    // 300 items of 100 KB against a Redis allowed 5 MB more than it holds: the writes fail partway.
    const big = join(dir, 'big.jsonl');
    const header = { format: 'ssnews-backup', version: 1, createdAt: new Date().toISOString(), prefix: 'x:' };
    const records = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ key: `item:big${i}`, type: 'string', ttl: null, value: 'x'.repeat(100_000) }),
    );
    writeFileSync(
      big,
      [JSON.stringify(header), ...records, JSON.stringify({ end: true, keys: 300 })].join('\n') + '\n',
    );
    await db.client.set('backup-oom:item:old', 'kept');
    const used = Number((await db.client.info('memory')).match(/used_memory:(\d+)/)![1]);
    await db.client.config('SET', 'maxmemory', String(used + 5_000_000));
    try {
      const run = await runCli(['import', big, '--replace'], env('backup-oom:'));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/OOM/);
    } finally {
      await db.client.config('SET', 'maxmemory', '0');
    }
    expect(await db.client.keys('backup-oom:*')).toEqual(['backup-oom:item:old']);
    expect(await db.client.get('backup-oom:item:old')).toBe('kept');
  });
});
