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

/**
 * A successful fetch, in one step (it runs for every job): the source joins the set of ids,
 * its state hash gets `set` and loses `remove`, and `created` is added to its total. ARGV
 * carries the number of set strings (field, value, field, value…) before the fields to remove.
 */
const recordSuccess = luaScript<
  {
    sourceIds: string;
    state: string;
    sourceId: string;
    created: number;
    set: Record<string, string | number>;
    remove: string[];
  },
  null
>(
  'ssnewsSourceRecordSuccess',
  `
redis.call('SADD', KEYS[1], ARGV[1])
local n = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], unpack(ARGV, 4, 3 + n))
if #ARGV > 3 + n then redis.call('HDEL', KEYS[2], unpack(ARGV, 4 + n, #ARGV)) end
redis.call('HINCRBY', KEYS[2], 'totalNew', ARGV[2])
`,
  (o) => {
    const pairs = Object.entries(o.set).flat();
    return {
      keys: [o.sourceIds, o.state],
      args: [o.sourceId, o.created, pairs.length, ...pairs, ...o.remove],
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

  async recordSuccess(id: string, o: FetchOutcome): Promise<void> {
    const key = this.k.sourceState(id);
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
    const remove = ['lastError', 'lastErrorAt', 'backoffUntil'];
    if (!o.movedTo && o.status !== 304) remove.push('movedTo');
    // A 200 without validators means the old ones are stale.
    if (o.status === 200 && !o.etag) remove.push('etag');
    if (o.status === 200 && !o.lastModified) remove.push('lastModified');
    await recordSuccess(this.redis, {
      sourceIds: this.k.sourceIds,
      state: key,
      sourceId: id,
      created: o.created ?? 0,
      set,
      remove,
    });
  }

  /** Counts the failure and returns the new count of consecutive failures. */
  async recordFailure(id: string, f: { at: Date; status?: number; error: string }): Promise<number> {
    const key = this.k.sourceState(id);
    const set: Record<string, string | number> = {
      lastFetchAt: f.at.toISOString(),
      lastError: f.error,
      lastErrorAt: f.at.toISOString(),
    };
    if (f.status !== undefined) set.lastStatus = f.status;
    const tx = this.redis.multi().sadd(this.k.sourceIds, id).hset(key, set);
    if (f.status === undefined) tx.hdel(key, 'lastStatus');
    const res = await tx.hincrby(key, 'consecutiveFailures', 1).exec();
    return Number(res?.at(-1)?.[1] ?? 1);
  }

  /** After a failure: when to try again (schedule skipped until then). */
  async setBackoff(id: string, until: Date): Promise<void> {
    const iso = until.toISOString();
    await this.redis.hset(this.k.sourceState(id), { backoffUntil: iso, nextFetchAt: iso });
  }

  async setNextFetch(id: string, at: Date): Promise<void> {
    await this.redis.hset(this.k.sourceState(id), 'nextFetchAt', at.toISOString());
  }

  /**
   * One fetch of a source at a time, across processes. `owner` (the queue job id) makes the
   * lock re-entrant for the same job picked up again after its worker died. Returns a release
   * function, or undefined when someone else holds it.
   */
  async lock(
    id: string,
    ttlMs: number,
    owner = `${process.pid}-${Math.random().toString(36).slice(2)}`,
  ): Promise<(() => Promise<void>) | undefined> {
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
    totalNew: num(h.totalNew) ?? 0,
  };
}
