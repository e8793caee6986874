import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';

/** A signed-in editor. */
export interface Session {
  id: string;
  email: string;
  /** ISO time the session began. */
  createdAt: string;
  /** ISO time it ends however active the editor is. */
  absoluteExpiresAt: string;
}

interface StoredSession {
  email: string;
  createdAt: number;
  absoluteExpiresAt: number;
}

export interface SessionTimes {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after it began, used or not. */
  absoluteMs: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

export const DEFAULT_SESSION_TIMES: SessionTimes = { idleMs: 2 * 3_600_000, absoluteMs: 12 * 3_600_000 };

/** 32 random bytes in base64url, as create() hands out. */
const SESSION_ID = /^[\w-]{43}$/;

/** Stored under a hash of the id, so a copy of the database (a dump, a backup) holds no usable session id. */
function idHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/**
 * Ends every session of one editor in one step, so a session created meanwhile is not missed.
 * The session keys are built from ARGV (each is `sessionPrefix .. hash`): they are listed in the set.
 */
const destroyAll = luaScript<{ index: string; sessionPrefix: string }, number>(
  'ssnewsSessionsDestroyAll',
  `
local ended = 0
for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do ended = ended + redis.call('DEL', ARGV[1] .. h) end
redis.call('DEL', KEYS[1])
return ended
`,
  (o) => ({ keys: [o.index], args: [o.sessionPrefix] }),
);

/**
 * Editor sessions in Redis: each a key that Redis expires when the editor is idle (sliding on
 * every get) and at the latest `absoluteMs` after sign-in, so nothing lingers. Each editor has a
 * set of their sessions' hashes, expiring with the newest one, for destroyAllFor.
 */
export class SessionStore extends KeyedStore {
  private readonly times: Required<SessionTimes>;

  constructor(redis: Redis, prefix: string, times: SessionTimes = DEFAULT_SESSION_TIMES) {
    super(redis, prefix);
    if (!(times.idleMs > 0 && times.absoluteMs >= times.idleMs))
      throw new RangeError('SessionStore: expected 0 < idleMs <= absoluteMs');
    this.times = { now: Date.now, ...times };
  }

  /** Starts a session for an editor (whose password the caller has checked); returns its id. */
  async create(editorEmail: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const hash = idHash(id);
    const now = this.times.now();
    const email = editorEmail.toLowerCase();
    const stored: StoredSession = {
      email,
      createdAt: now,
      absoluteExpiresAt: now + this.times.absoluteMs,
    };
    const index = this.k.editorSessions(email);
    await this.redis
      .multi()
      .set(this.k.session(hash), JSON.stringify(stored), 'PX', this.times.idleMs)
      .sadd(index, hash)
      // The newest session ends last, so the set lives exactly as long as any session in it can.
      .pexpire(index, this.times.absoluteMs)
      .exec();
    return id;
  }

  /** The session, if it is still live; each call restarts its idle time, never past its absolute end. */
  async get(id: string): Promise<Session | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const key = this.k.session(idHash(id));
    const raw = await this.redis.get(key);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as StoredSession;
    const left = stored.absoluteExpiresAt - this.times.now();
    if (left <= 0) {
      await this.redis.del(key);
      return undefined;
    }
    // PEXPIRE on a key destroyed since the GET does nothing, so this cannot revive a session.
    await this.redis.pexpire(key, Math.min(this.times.idleMs, left));
    return {
      id,
      email: stored.email,
      createdAt: new Date(stored.createdAt).toISOString(),
      absoluteExpiresAt: new Date(stored.absoluteExpiresAt).toISOString(),
    };
  }

  /** Ends one session (signing out); false if it had already ended. */
  async destroy(id: string): Promise<boolean> {
    if (!SESSION_ID.test(id)) return false;
    const hash = idHash(id);
    const key = this.k.session(hash);
    const raw = await this.redis.get(key);
    if (!raw) return false;
    const { email } = JSON.parse(raw) as StoredSession;
    const replies = await this.redis.multi().del(key).srem(this.k.editorSessions(email), hash).exec();
    return replies?.[0]?.[1] === 1;
  }

  /** Ends every session of one editor (their password changed, or the account was removed); returns how many were live. */
  async destroyAllFor(editorEmail: string): Promise<number> {
    return destroyAll(this.redis, {
      index: this.k.editorSessions(editorEmail.toLowerCase()),
      sessionPrefix: this.k.session(''),
    });
  }
}
