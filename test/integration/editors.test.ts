import { describe, expect, it } from 'vitest';
import {
  AccountError,
  checkPassword,
  EditorStore,
  hashPassword,
  parsePasswordHash,
} from '../../src/store/editors.js';
import { keys } from '../../src/store/keys.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
let n = 0;
/** A store under a prefix of its own, so tests never see each other's accounts. */
function fresh() {
  const prefix = `editors-test-${++n}:`;
  return { prefix, store: new EditorStore(redis.client, prefix) };
}
const PASSWORD = 'correct horse battery';

describe('EditorStore', () => {
  it('adds an account under its lower-cased email and verifies its password', async () => {
    const { store } = fresh();
    const added = await store.add({
      email: ' Ann@Example.GOV.uk ',
      name: 'Ann',
      admin: true,
      password: PASSWORD,
    });
    expect(added).toEqual({
      email: 'ann@example.gov.uk',
      name: 'Ann',
      admin: true,
      createdAt: expect.any(String),
    });
    expect(await store.get('ANN@example.gov.uk')).toEqual(added);
    expect(await store.verify('Ann@example.gov.uk', PASSWORD)).toEqual(added);
    expect(await store.verify('ann@example.gov.uk', PASSWORD + 'x')).toBeUndefined();
    expect(await store.verify('ann@example.gov.uk', PASSWORD.toUpperCase())).toBeUndefined();
    expect(await store.verify('bob@example.gov.uk', PASSWORD)).toBeUndefined();
    expect(await store.verify('not an email', PASSWORD)).toBeUndefined();
  });

  it('never shows the password hash', async () => {
    const { store } = fresh();
    await store.add({ email: 'ann@example.org', password: PASSWORD });
    const shown = JSON.stringify([await store.get('ann@example.org'), await store.list()]);
    expect(shown).not.toContain('scrypt');
    expect(shown).not.toContain('passwordHash');
  });

  it('stores scrypt$N$r$p$salt$hash with a fresh salt, so one password hashes differently twice', async () => {
    const { store, prefix } = fresh();
    await store.add({ email: 'a@example.org', password: PASSWORD });
    await store.add({ email: 'b@example.org', password: PASSWORD });
    const raw = await redis.client.hgetall(keys(prefix).editors);
    const hashes = Object.values(raw).map((j) => (JSON.parse(j) as { passwordHash: string }).passwordHash);
    for (const h of hashes) {
      expect(h).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(parsePasswordHash(h)?.salt).toHaveLength(16);
    }
    expect(hashes[0]).not.toBe(hashes[1]);
    expect(hashes[0]!.split('$')[4]).not.toBe(hashes[1]!.split('$')[4]);
  });

  it('checks a hash by the parameters stored with it, so they can change', async () => {
    const older = await hashPassword(PASSWORD, { N: 1024, r: 4, p: 1 });
    expect(older).toMatch(/^scrypt\$1024\$4\$1\$/);
    expect(await checkPassword(PASSWORD, older)).toBe(true);
    expect(await checkPassword(PASSWORD + '!', older)).toBe(false);
    // A hash this code did not write (or would cost too much to check) never matches.
    expect(await checkPassword(PASSWORD, older.replace('$1024$', '$1000$'))).toBe(false);
    expect(await checkPassword(PASSWORD, older.replace('$1024$', `$${2 ** 24}$`))).toBe(false);
    expect(await checkPassword(PASSWORD, 'plain')).toBe(false);
  });

  it('refuses a duplicate email, whatever its case, keeping the first account', async () => {
    const { store } = fresh();
    await store.add({ email: 'ann@example.org', name: 'Ann', password: PASSWORD });
    const dup = store.add({ email: 'ANN@example.org', name: 'Other', password: 'another password' });
    await expect(dup).rejects.toThrow(AccountError);
    await expect(dup).rejects.toMatchObject({ reason: 'duplicate' });
    expect(await store.list()).toEqual([expect.objectContaining({ name: 'Ann' })]);
    expect(await store.verify('ann@example.org', PASSWORD)).toBeDefined();
  });

  it('refuses a bad email, a short password and a bad name, storing nothing', async () => {
    const { store } = fresh();
    for (const input of [
      { email: 'ann', password: PASSWORD },
      { email: 'ann@', password: PASSWORD },
      { email: 'ann@example.org', password: 'elevenchars' },
      { email: 'ann@example.org', password: PASSWORD, name: 'a\nb' },
    ])
      await expect(store.add(input)).rejects.toMatchObject({ reason: 'invalid' });
    expect(await store.list()).toEqual([]);
    await store.add({ email: 'ann@example.org', password: 'twelve chars' });
  });

  it('lists by email, removes, and changes a password', async () => {
    const { store } = fresh();
    await store.add({ email: 'zoe@example.org', password: PASSWORD });
    await store.add({ email: 'ann@example.org', password: PASSWORD });
    expect((await store.list()).map((a) => a.email)).toEqual(['ann@example.org', 'zoe@example.org']);

    await store.setPassword('zoe@example.org', 'a brand new password');
    expect(await store.verify('zoe@example.org', PASSWORD)).toBeUndefined();
    expect(await store.verify('zoe@example.org', 'a brand new password')).toBeDefined();
    await expect(store.setPassword('zoe@example.org', 'short')).rejects.toMatchObject({ reason: 'invalid' });

    expect(await store.remove('ZOE@example.org')).toBe(true);
    expect(await store.remove('zoe@example.org')).toBe(false);
    expect(await store.get('zoe@example.org')).toBeUndefined();
    expect(await store.verify('zoe@example.org', 'a brand new password')).toBeUndefined();
    // A password change never brings a removed account back.
    await expect(store.setPassword('zoe@example.org', 'a brand new password')).rejects.toMatchObject({
      reason: 'unknown',
    });
    expect((await store.list()).map((a) => a.email)).toEqual(['ann@example.org']);
  });
});
