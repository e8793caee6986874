import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';

export interface PaceOptions {
  /** Requests to one host at the same time, across every process (default 2). */
  perHost: number;
  /** Minimum time between the starts of two requests to one host (default 1 s). */
  minGapMs: number;
  /** A lease expires by itself after this long, so a killed worker cannot hold a slot. */
  leaseMs: number;
}

export const DEFAULT_PACE: PaceOptions = { perHost: 2, minGapMs: 1000, leaseMs: 60_000 };

/**
 * Takes a slot for one host when one is free and the minimum gap has passed. Uses the Redis
 * clock so every process agrees. Returns 0 when taken, else how long to wait (ms).
 */
const acquireSlot = luaScript<{ slots: string; next: string; token: string } & PaceOptions, number>(
  'ssnewsHostAcquire',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nextAt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nextAt > now then return nextAt - now end
local busy = redis.call('ZCARD', KEYS[1])
if busy >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.min(50, tonumber(first[2]) - now))
end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local gap = tonumber(ARGV[3])
if gap > 0 then redis.call('SET', KEYS[2], now + gap, 'PX', gap + 1000) end
return 0
`,
  (o) => ({ keys: [o.slots, o.next], args: [o.token, o.perHost, o.minGapMs, o.leaseMs] }),
);

/** Pushes the host's next start out (Retry-After from a 429/503 applies to the whole host). */
const pauseHost = luaScript<{ next: string; ms: number }, number>(
  'ssnewsHostPause',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilAt = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilAt > cur then redis.call('SET', KEYS[1], untilAt, 'PX', tonumber(ARGV[1]) + 1000) end
return untilAt
`,
  (o) => ({ keys: [o.next], args: [o.ms] }),
);

/** Per-host politeness and the robots.txt cache, shared by every worker through Redis. */
export class HostStore extends KeyedStore {
  /**
   * Waits for a slot and returns the function that gives it back. When the host asked us to
   * stay away (Retry-After) for longer than `maxWaitMs`, returns `{ retryInMs }` instead.
   */
  async acquire(
    host: string,
    pace: PaceOptions,
    maxWaitMs = 30_000,
  ): Promise<(() => Promise<void>) | { retryInMs: number }> {
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    for (;;) {
      const wait = await acquireSlot(this.redis, {
        slots: this.k.hostSlots(host),
        next: this.k.hostNext(host),
        token,
        ...pace,
      });
      if (wait === 0) break;
      if (wait > maxWaitMs) return { retryInMs: wait };
      await new Promise((r) => setTimeout(r, Math.min(wait, 5_000)));
    }
    return async () => {
      await this.redis.zrem(this.k.hostSlots(host), token);
    };
  }

  async pause(host: string, ms: number): Promise<void> {
    await pauseHost(this.redis, { next: this.k.hostNext(host), ms: Math.max(1, Math.round(ms)) });
  }

  async getRobots(origin: string): Promise<{ status: number; text: string } | undefined> {
    const json = await this.redis.get(this.k.robots(origin));
    return json ? (JSON.parse(json) as { status: number; text: string }) : undefined;
  }

  async setRobots(origin: string, value: { status: number; text: string }, ttlMs: number): Promise<void> {
    await this.redis.set(this.k.robots(origin), JSON.stringify(value), 'PX', ttlMs);
  }
}
