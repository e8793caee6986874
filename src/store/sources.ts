import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';

/** Takes the source lock when free or already ours (the same job, retried). Returns 1 when taken, else 0. */
const takeLock = luaScript<{ lock: string; owner: string; ttlMs: number }, number>(
  'ssnewsSourceLockTake',
  "local cur = redis.call('GET', KEYS[1]) if cur == false or cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end return 0",
  (o) => ({ keys: [o.lock], args: [o.owner, o.ttlMs] }),
);

/** Releases it only if still ours. */
const releaseLock = luaScript<{ lock: string; owner: string }, number>(
  'ssnewsSourceLockRelease',
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
  (o) => ({ keys: [o.lock], args: [o.owner] }),
);

/** Extends the lock only if still ours. Returns 1 when extended, else 0. */
const renewLock = luaScript<{ lock: string; owner: string; ttlMs: number }, number>(
  'ssnewsSourceLockRenew',
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
  (o) => ({ keys: [o.lock], args: [o.owner, o.ttlMs] }),
);

/**
 * Fencing: a write that names a lock owner (ARGV[1] non-empty) happens only while that owner
 * holds the source lock (KEYS[1]). A run whose lock lapsed (its process stalled and another
 * run took the source) records nothing, so one fetch attempt is counted once.
 */
const FENCE = `if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end`;

/** A fenced write to one source's state: its lock, the owner it needs ('' for none), its hash, the set of ids. */
interface SourceWrite {
  lock: string;
  owner: string;
  state: string;
  sourceIds: string;
  sourceId: string;
}

/** Sets hash fields (pairs in ARGV[2..]) on KEYS[2] when the fence allows. Returns 1, or -1 when fenced out. */
const fencedSet = luaScript<SourceWrite & { set: Record<string, string> }, number>(
  'ssnewsSourceFencedSet',
  `${FENCE}
redis.call('HSET', KEYS[2], unpack(ARGV, 2, #ARGV))
return 1`,
  (o) => ({ keys: [o.lock, o.state], args: [o.owner, ...Object.entries(o.set).flat()] }),
);

/** A failure: KEYS lock, sourceIds, state. Returns the new count of consecutive failures, or -1 when fenced out. */
const recordFailure = luaScript<SourceWrite & { at: string; error: string; status?: number }, number>(
  'ssnewsSourceRecordFailure',
  `${FENCE}
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'lastFetchAt', ARGV[3], 'lastError', ARGV[4], 'lastErrorAt', ARGV[3])
if ARGV[5] == '' then redis.call('HDEL', KEYS[3], 'lastStatus') else redis.call('HSET', KEYS[3], 'lastStatus', ARGV[5]) end
return redis.call('HINCRBY', KEYS[3], 'consecutiveFailures', 1)`,
  (o) => ({
    keys: [o.lock, o.sourceIds, o.state],
    args: [o.owner, o.sourceId, o.at, o.error, o.status === undefined ? '' : o.status],
  }),
);

/**
 * A successful fetch, in one step (it runs for every job): the source joins the set of ids,
 * its state hash gets `set` and loses `remove`, and `created` is added to its total. ARGV
 * carries the number of set strings (field, value, field, value…) before the fields to remove.
 */
const recordSuccess = luaScript<
  SourceWrite & { created: number; set: Record<string, string | number>; remove: string[] },
  number
>(
  'ssnewsSourceRecordSuccess',
  `${FENCE}
redis.call('SADD', KEYS[2], ARGV[2])
local n = tonumber(ARGV[4])
redis.call('HSET', KEYS[3], unpack(ARGV, 5, 4 + n))
if #ARGV > 4 + n then redis.call('HDEL', KEYS[3], unpack(ARGV, 5 + n, #ARGV)) end
redis.call('HINCRBY', KEYS[3], 'totalNew', ARGV[3])
return 1
`,
  (o) => {
    const pairs = Object.entries(o.set).flat();
    return {
      keys: [o.lock, o.sourceIds, o.state],
      args: [o.owner, o.sourceId, o.created, pairs.length, ...pairs, ...o.remove],
    };
  },
);

/** What ssnews remembers about fetching one source (a Redis hash per source). */
export interface SourceState {
  id: string;
  /** The URL the validators below belong to. */
  url?: string;
  /** Validators for the next conditional GET. */
  etag?: string;
  lastModified?: string;
  /** ISO time of the last attempt, whatever its outcome. */
  lastFetchAt?: string;
  /** HTTP status of the last attempt (304 included), when one came back. */
  lastStatus?: number;
  /** ISO time of the last attempt that worked (200 parsed, or 304). */
  lastOkAt?: string;
  /** `code: message` of the last failure; cleared by the next success. */
  lastError?: string;
  lastErrorAt?: string;
  consecutiveFailures: number;
  /** ISO time of the next planned fetch (schedule or backoff). */
  nextFetchAt?: string;
  /** While set and in the future, scheduled fetches are skipped: the source is backing off. */
  backoffUntil?: string;
  /** Where the URL permanently redirects: the administrator should update the config. */
  movedTo?: string;
  /** Items found, new and skipped in the last successful parse. */
  lastItems?: number;
  lastNew?: number;
  lastSkipped?: number;
  /** What the last successful fetch left undone (items over the source's maxItems); cleared by one without. */
  lastWarning?: string;
  /** Items seen in total. */
  totalNew: number;
}

export interface FetchOutcome {
  at: Date;
  url: string;
  status?: number;
  etag?: string;
  lastModified?: string;
  movedTo?: string;
  items?: number;
  created?: number;
  skipped?: number;
  warning?: string;
  nextFetchAt: Date;
}

/** Per-source fetch state. Only this module knows the hash's field names. */
export class SourceStateStore extends KeyedStore {
  async get(id: string): Promise<SourceState> {
    return toState(id, await this.redis.hgetall(this.k.sourceState(id)));
  }

  async getMany(ids: string[]): Promise<SourceState[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.k.sourceState(id));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, hash], i) => {
      if (err) throw err;
      return toState(ids[i]!, hash as Record<string, string>);
    });
  }

  /** Every source that has state, including ones since removed from the config. */
  async ids(): Promise<string[]> {
    return (await this.redis.smembers(this.k.sourceIds)).sort();
  }

  /**
   * `fence`: the lock owner this write belongs to; when given, nothing is written unless that
   * owner still holds the source's lock, and false is returned.
   */
  async recordSuccess(id: string, o: FetchOutcome, fence = ''): Promise<boolean> {
    const set: Record<string, string | number> = {
      lastFetchAt: o.at.toISOString(),
      lastOkAt: o.at.toISOString(),
      url: o.url,
      consecutiveFailures: 0,
      nextFetchAt: o.nextFetchAt.toISOString(),
    };
    if (o.status !== undefined) set.lastStatus = o.status;
    if (o.etag) set.etag = o.etag;
    if (o.lastModified) set.lastModified = o.lastModified;
    if (o.movedTo) set.movedTo = o.movedTo;
    if (o.items !== undefined) set.lastItems = o.items;
    if (o.created !== undefined) set.lastNew = o.created;
    if (o.skipped !== undefined) set.lastSkipped = o.skipped;
    if (o.warning) set.lastWarning = o.warning;
    const remove = ['lastError', 'lastErrorAt', 'backoffUntil'];
    // A 304 parsed nothing: the last parse's warning still stands.
    if (!o.warning && o.status !== 304) remove.push('lastWarning');
    if (!o.movedTo && o.status !== 304) remove.push('movedTo');
    // A 200 without validators means the old ones are stale.
    if (o.status === 200 && !o.etag) remove.push('etag');
    if (o.status === 200 && !o.lastModified) remove.push('lastModified');
    const done = await recordSuccess(this.redis, {
      ...this.write(id, fence),
      created: o.created ?? 0,
      set,
      remove,
    });
    return done === 1;
  }

  /**
   * Counts the failure and returns the new count of consecutive failures; undefined when
   * `fence` names a lock owner that no longer holds the source (nothing recorded).
   */
  async recordFailure(
    id: string,
    f: { at: Date; status?: number; error: string },
    fence = '',
  ): Promise<number | undefined> {
    const n = await recordFailure(this.redis, {
      ...this.write(id, fence),
      at: f.at.toISOString(),
      error: f.error,
      status: f.status,
    });
    return n === -1 ? undefined : n;
  }

  /** After a failure: when to try again (schedule skipped until then). `fence` as recordSuccess. */
  async setBackoff(id: string, until: Date, fence = ''): Promise<boolean> {
    const iso = until.toISOString();
    return this.fencedSet(id, { backoffUntil: iso, nextFetchAt: iso }, fence);
  }

  async setNextFetch(id: string, at: Date, fence = ''): Promise<boolean> {
    return this.fencedSet(id, { nextFetchAt: at.toISOString() }, fence);
  }

  private async fencedSet(id: string, set: Record<string, string>, fence: string): Promise<boolean> {
    return (await fencedSet(this.redis, { ...this.write(id, fence), set })) === 1;
  }

  private write(id: string, fence: string): SourceWrite {
    const k = this.k;
    return {
      lock: k.sourceLock(id),
      owner: fence,
      state: k.sourceState(id),
      sourceIds: k.sourceIds,
      sourceId: id,
    };
  }

  /** Extends a lock `owner` still holds; false when it lapsed or another took it. */
  async renewLock(id: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await renewLock(this.redis, { lock: this.k.sourceLock(id), owner, ttlMs })) === 1;
  }

  /**
   * One fetch of a source at a time, across processes. Taken when free or already `owner`'s
   * (a token unique to the run).
   * Returns a release function, or undefined when someone else holds it.
   */
  async lock(id: string, ttlMs: number, owner: string): Promise<(() => Promise<void>) | undefined> {
    const ok = await takeLock(this.redis, { lock: this.k.sourceLock(id), owner, ttlMs });
    if (ok !== 1) return undefined;
    return async () => {
      await releaseLock(this.redis, { lock: this.k.sourceLock(id), owner });
    };
  }
}

function toState(id: string, h: Record<string, string>): SourceState {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    id,
    url: h.url,
    etag: h.etag,
    lastModified: h.lastModified,
    lastFetchAt: h.lastFetchAt,
    lastStatus: num(h.lastStatus),
    lastOkAt: h.lastOkAt,
    lastError: h.lastError,
    lastErrorAt: h.lastErrorAt,
    consecutiveFailures: num(h.consecutiveFailures) ?? 0,
    nextFetchAt: h.nextFetchAt,
    backoffUntil: h.backoffUntil,
    movedTo: h.movedTo,
    lastItems: num(h.lastItems),
    lastNew: num(h.lastNew),
    lastSkipped: num(h.lastSkipped),
    lastWarning: h.lastWarning,
    totalNew: num(h.totalNew) ?? 0,
  };
}
