import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keys } from '../../src/store/keys.js';
import { SessionStore } from '../../src/store/sessions.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
const HOUR = 3_600_000;
let n = 0;

/** A store under a fresh prefix with a clock the test moves; Redis still does the expiring. */
function fresh() {
  const prefix = `sessions-test-${++n}:`;
  const clock = { now: 1_800_000_000_000 };
  const store = new SessionStore(redis.client, prefix, {
    idleMs: 2 * HOUR,
    absoluteMs: 12 * HOUR,
    now: () => clock.now,
  });
  const k = keys(prefix);
  const keyOf = (id: string) => k.session(createHash('sha256').update(id).digest('base64url'));
  return { store, clock, k, keyOf };
}

/** PTTL within a second of `ms` (the commands in between take a little). */
function near(ms: number) {
  return expect.toSatisfy((t: number) => t <= ms && t > ms - 1000);
}

describe('SessionStore', () => {
  it('creates a 32-byte base64url id and returns its session', async () => {
    const { store, clock } = fresh();
    const id = await store.create('Ann@example.org');
    expect(id).toMatch(/^[\w-]{43}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(await store.create('ann@example.org')).not.toBe(id);
    expect(await store.get(id)).toEqual({
      id,
      email: 'ann@example.org',
      createdAt: new Date(clock.now).toISOString(),
      absoluteExpiresAt: new Date(clock.now + 12 * HOUR).toISOString(),
    });
    expect(await store.get('nope')).toBeUndefined();
    expect(await store.get('x'.repeat(43))).toBeUndefined();
  });

  it('keeps no session id in Redis, only its hash', async () => {
    const { store, k } = fresh();
    const id = await store.create('ann@example.org');
    const all = await redis.client.keys(`${k.session('')}*`);
    expect(all).toHaveLength(1);
    expect(all[0]).not.toContain(id);
    expect(await redis.client.get(all[0]!)).not.toContain(id);
  });

  it('expires after the idle time, restarting it on each get', async () => {
    const { store, clock, keyOf } = fresh();
    const id = await store.create('ann@example.org');
    expect(await redis.client.pttl(keyOf(id))).toEqual(near(2 * HOUR));
    // Let Redis age the key, as if the editor had been idle, then use the session.
    await redis.client.pexpire(keyOf(id), 5 * 60_000);
    clock.now += 2 * HOUR - 5 * 60_000;
    expect(await store.get(id)).toBeDefined();
    expect(await redis.client.pttl(keyOf(id))).toEqual(near(2 * HOUR));
  });

  it('never slides past the absolute expiry, and refuses a session at its absolute end', async () => {
    const { store, clock, keyOf } = fresh();
    const id = await store.create('ann@example.org');
    clock.now += 11 * HOUR;
    expect(await store.get(id)).toBeDefined();
    expect(await redis.client.pttl(keyOf(id))).toEqual(near(HOUR));
    clock.now += HOUR - 60_000;
    expect(await store.get(id)).toBeDefined();
    expect(await redis.client.pttl(keyOf(id))).toEqual(near(60_000));
    clock.now += 60_000;
    expect(await store.get(id)).toBeUndefined();
    expect(await redis.client.exists(keyOf(id))).toBe(0);
  });

  it('destroys one session, leaving the editor’s others', async () => {
    const { store, k } = fresh();
    const a = await store.create('ann@example.org');
    const b = await store.create('ann@example.org');
    expect(await store.destroy(a)).toBe(true);
    expect(await store.destroy(a)).toBe(false);
    expect(await store.get(a)).toBeUndefined();
    expect(await store.get(b)).toBeDefined();
    expect(await redis.client.scard(k.editorSessions('ann@example.org'))).toBe(1);
  });

  it('destroys every session of one editor and nobody else’s, leaving no keys behind', async () => {
    const { store, k } = fresh();
    const ann = [await store.create('ann@example.org'), await store.create('ANN@example.org')];
    const bob = await store.create('bob@example.org');
    expect(await store.destroyAllFor('Ann@example.org')).toBe(2);
    for (const id of ann) expect(await store.get(id)).toBeUndefined();
    expect(await store.get(bob)).toMatchObject({ email: 'bob@example.org' });
    expect(await redis.client.exists(k.editorSessions('ann@example.org'))).toBe(0);
    expect(await store.destroyAllFor('ann@example.org')).toBe(0);
  });

  it("gives each editor's session index the absolute lifetime, so it goes when its sessions can", async () => {
    const { store, k } = fresh();
    await store.create('ann@example.org');
    expect(await redis.client.pttl(k.editorSessions('ann@example.org'))).toEqual(near(12 * HOUR));
  });
});
