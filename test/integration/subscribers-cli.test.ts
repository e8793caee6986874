import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SubscriberStore } from '../../src/store/subscribers.js';
import { runCli } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
const dir = mkdtempSync(join(tmpdir(), 'ssnews-subs-'));
const env = (prefix: string) => ({ REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: prefix });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const LIST = [
  'Email,Name,Sectors,Consent date,Notes',
  'Ann@Example.org,Ann,health;leadership,2024-03-01,',
  'not-an-address,Bob,,2024-03-01,',
  'carl@example.org,Carl,health;parks,2024-03-01,',
  'dora@example.org,Dora,,01/03/2024,',
  'eve@example.org,Eve,,2999-01-01,',
  'ANN@example.org,Ann again,,2024-03-01,',
  'fay@example.org,"Fay, F.",,,no consent recorded',
  'gus@example.org,Gus,local-government,2024-03-02T09:00:00Z,',
].join('\n');

describe('ssnews subscribers', () => {
  it('imports good rows, reports bad ones by line, adds no duplicate, confirms only with recorded consent', async () => {
    const prefix = 'subs1:';
    const csv = file('list.csv', LIST);
    const dry = await runCli(['subscribers', 'import', csv, '--dry-run', '--json'], env(prefix));
    expect(dry.code).toBe(1);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      added: [{ line: 2 }, { line: 8 }, { line: 9 }],
    });
    expect(await new SubscriberStore(redis.client, prefix).list()).toEqual([]);

    const run = await runCli(['subscribers', 'import', csv], env(prefix));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'added 3 subscriber(s) (2 confirmed with recorded consent, 1 not); skipped 1; 4 invalid row(s)',
    );
    expect(run.stdout).toContain('skipped line 7: ann@example.org is already on line 2');
    for (const line of [
      'INVALID line 3: not an email address: "not-an-address"',
      'INVALID line 4: unknown sector(s) parks',
      'INVALID line 5: consent date "01/03/2024" is not a date such as 2024-03-01',
      'INVALID line 6: consent date 2999-01-01 is in the future',
    ])
      expect(run.stderr).toContain(line);

    const list = JSON.parse(
      (await runCli(['subscribers', 'list', '--json'], env(prefix))).stdout,
    ).subscribers;
    expect(
      list.map((s: { email: string; status: string; sectors: string[] }) => [s.email, s.status, s.sectors]),
    ).toEqual([
      ['ann@example.org', 'confirmed', ['health', 'leadership']],
      ['fay@example.org', 'pending', []],
      ['gus@example.org', 'confirmed', ['local-government']],
    ]);
    // Again: nothing new, every row already there.
    const again = await runCli(['subscribers', 'import', csv, '--json'], env(prefix));
    expect(JSON.parse(again.stdout).added).toEqual([]);

    const count = JSON.parse((await runCli(['subscribers', 'count', '--json'], env(prefix))).stdout);
    expect(count).toMatchObject({
      count: 2,
      bySector: { health: 1, leadership: 1, 'local-government': 1, 'blue-light': 0 },
    });
  });

  it('exports what import reads, and remove erases an address for good', async () => {
    const prefix = 'subs2:';
    await runCli(['subscribers', 'import', file('list2.csv', LIST)], env(prefix));
    const store = new SubscriberStore(redis.client, prefix);
    const ann = (await store.getByEmail('ann@example.org'))!;
    await store.setStatus(ann.id, 'unsubscribed');
    const exported = await runCli(['subscribers', 'export'], env(prefix));
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\r\n')[0]).toBe('email,name,sectors,consent date,status,created');

    // Into another list: the same people, the unsubscribed one still unsubscribed.
    const copy = await runCli(
      ['subscribers', 'import', file('export.csv', exported.stdout), '--json'],
      env('subs3:'),
    );
    expect(copy.code).toBe(0);
    const copied = await new SubscriberStore(redis.client, 'subs3:').list();
    // Imported in the same millisecond, they have no order among themselves: compare as a set.
    expect(copied.map((s) => [s.email, s.status, s.name]).sort()).toEqual([
      ['ann@example.org', 'unsubscribed', 'Ann'],
      ['fay@example.org', 'pending', 'Fay, F.'],
      ['gus@example.org', 'confirmed', 'Gus'],
    ]);

    const removed = await runCli(['subscribers', 'remove', 'GUS@example.org'], env(prefix));
    expect(removed.code).toBe(0);
    expect(await store.getByEmail('gus@example.org')).toBeUndefined();
    const keys = await redis.client.keys(`${prefix}*`);
    for (const key of keys) {
      const type = await redis.client.type(key);
      const dump =
        type === 'hash'
          ? JSON.stringify(await redis.client.hgetall(key))
          : type === 'set'
            ? JSON.stringify(await redis.client.smembers(key))
            : type === 'zset'
              ? JSON.stringify(await redis.client.zrange(key, '0', '-1'))
              : String(await redis.client.get(key));
      expect(dump, key).not.toContain('gus');
    }
    const back = await runCli(
      ['subscribers', 'import', file('gus.csv', 'email,consent date\ngus@example.org,2024-01-01\n')],
      env(prefix),
    );
    expect(back.stdout).toContain('skipped line 2: gus@example.org was removed earlier at their request');
    expect(await store.getByEmail('gus@example.org')).toBeUndefined();

    expect((await runCli(['subscribers', 'remove', 'gus@example.org'], env(prefix))).code).toBe(2);
    expect((await runCli(['subscribers', 'remove', 'nonsense'], env(prefix))).code).toBe(2);
    expect((await runCli(['subscribers', 'import', file('bad.csv', 'name\nx\n')], env(prefix))).code).toBe(2);
  });
});
