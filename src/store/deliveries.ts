import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';

/**
 * One recipient's place in an issue's send (Ghost's status lock, per recipient):
 * queued → sending (claimed by one job run, with a lease) → committing (the message is complete
 * and about to be handed over: the end of DATA is the next byte written) → sent | failed | skipped.
 * Only the run holding the lease moves an entry on; a lapsed `sending` lease is taken over (the
 * server never saw the end of that message), a lapsed `committing` one is settled as sent
 * (the message was handed over; sending it again would be the duplicate).
 */
export const DELIVERY_STATES = ['queued', 'sending', 'committing', 'sent', 'failed', 'skipped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type SettledState = 'sent' | 'failed' | 'skipped';

/** What the ledger keeps of one recipient's delivery besides its state. */
export interface DeliveryInfo {
  /** Job runs that tried (BullMQ attempts). */
  attempts: number;
  /** The server's last reply, e.g. "250 OK: queued as 123" or "550 5.1.1 mailbox unknown". */
  reply?: string;
  messageId?: string;
  /** Why it was skipped or failed, in words. */
  reason?: string;
  /** ISO time of the last change. */
  at: string;
}

export interface RunInfo {
  week: string;
  /** The issue version that was compiled and is being sent. */
  version: number;
  /** Recipients in the ledger (confirmed subscribers when the send started). */
  total: number;
  startedAt: string;
}

export interface DeliveryCounts extends Record<DeliveryState, number> {
  total: number;
  /** Not settled yet: queued, sending or committing. */
  remaining: number;
}

const LEDGER_PARSE = `
local function parse(s)
  local base, owner, lease = string.match(s, '^([^|]+)|?([^|]*)|?([^|]*)$')
  return base, owner, tonumber(lease) or 0
end
local function move(counts, from, to)
  redis.call('HINCRBY', counts, from, -1)
  redis.call('HINCRBY', counts, to, 1)
end
`;

/**
 * Starts a send: snapshots the confirmed subscribers into the ledger as `queued` and stores the
 * compiled issue, in one atomic step. Returns the number of recipients, or -1 if the week
 * already has a send (resume it instead).
 */
const startScript = luaScript<
  {
    run: string;
    state: string;
    counts: string;
    confirmed: string;
    version: number;
    startedAt: string;
    compiled: string;
  },
  number
>(
  'ssnewsDeliveryStart',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local ids = redis.call('SMEMBERS', KEYS[4])
for i = 1, #ids, 1000 do
  local args = {}
  for j = i, math.min(i + 999, #ids) do
    args[#args + 1] = ids[j]
    args[#args + 1] = 'queued'
  end
  redis.call('HSET', KEYS[2], unpack(args))
end
redis.call('HSET', KEYS[3], 'queued', #ids)
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'startedAt', ARGV[2], 'total', #ids, 'compiled', ARGV[3])
return #ids
`,
  (o) => ({ keys: [o.run, o.state, o.counts, o.confirmed], args: [o.version, o.startedAt, o.compiled] }),
);

/**
 * Claims one recipient for a job run. Replies {outcome, detail}: claimed; settled (detail: the
 * state); busy (detail: ms until the other run's lease lapses); assumed-sent (a lapsed
 * `committing` entry, now settled as sent; detail: remaining); unknown (not in this send).
 */
const claimScript = luaScript<
  {
    state: string;
    counts: string;
    info: string;
    run: string;
    id: string;
    token: string;
    now: number;
    leaseMs: number;
    assumedInfo: string;
  },
  [string, string]
>(
  'ssnewsDeliveryClaim',
  `${LEDGER_PARSE}
local s = redis.call('HGET', KEYS[1], ARGV[1])
if not s then return {'unknown', ''} end
local base, owner, lease = parse(s)
local now = tonumber(ARGV[3])
if base == 'sent' or base == 'failed' or base == 'skipped' then return {'settled', base} end
if (base == 'sending' or base == 'committing') and owner ~= ARGV[2] then
  if lease > now then return {'busy', tostring(lease - now)} end
  if base == 'committing' then
    redis.call('HSET', KEYS[1], ARGV[1], 'sent')
    move(KEYS[2], 'committing', 'sent')
    redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
    local c = redis.call('HMGET', KEYS[2], 'sent', 'failed', 'skipped')
    local total = tonumber(redis.call('HGET', KEYS[4], 'total')) or 0
    return {'assumed-sent', tostring(total - (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0) - (tonumber(c[3]) or 0))}
  end
end
redis.call('HSET', KEYS[1], ARGV[1], 'sending|' .. ARGV[2] .. '|' .. (now + tonumber(ARGV[4])))
move(KEYS[2], base, 'sending')
return {'claimed', ''}
`,
  (o) => ({
    keys: [o.state, o.counts, o.info, o.run],
    args: [o.id, o.token, o.now, o.leaseMs, o.assumedInfo],
  }),
);

/** sending → committing, only for the run that holds the lease. 1 if moved, 0 if the lease was lost. */
const commitScript = luaScript<
  { state: string; counts: string; id: string; token: string; now: number; leaseMs: number },
  number
>(
  'ssnewsDeliveryCommit',
  `${LEDGER_PARSE}
local s = redis.call('HGET', KEYS[1], ARGV[1])
if not s then return 0 end
local base, owner, lease = parse(s)
if base ~= 'sending' or owner ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'committing|' .. ARGV[2] .. '|' .. (tonumber(ARGV[3]) + tonumber(ARGV[4])))
move(KEYS[2], 'sending', 'committing')
return 1
`,
  (o) => ({ keys: [o.state, o.counts], args: [o.id, o.token, o.now, o.leaseMs] }),
);

/** Renews the run's claim on a `sending` entry for another lease. 1 if renewed, 0 if the run lost it. */
const renewScript = luaScript<
  { state: string; id: string; token: string; now: number; leaseMs: number },
  number
>(
  'ssnewsDeliveryRenew',
  `${LEDGER_PARSE}
local s = redis.call('HGET', KEYS[1], ARGV[1])
if not s then return 0 end
local base, owner = parse(s)
if base ~= 'sending' or owner ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'sending|' .. ARGV[2] .. '|' .. (tonumber(ARGV[3]) + tonumber(ARGV[4])))
return 1
`,
  (o) => ({ keys: [o.state], args: [o.id, o.token, o.now, o.leaseMs] }),
);

/**
 * Moves the run's claimed entry to `to` (a settled state, or back to queued for a retry) and
 * records its info. Returns the recipients not yet settled after the move, or -1 when the run
 * no longer holds the entry (nothing written).
 */
const moveScript = luaScript<
  {
    state: string;
    counts: string;
    info: string;
    run: string;
    id: string;
    token: string;
    to: string;
    info_: string;
  },
  number
>(
  'ssnewsDeliveryMove',
  `${LEDGER_PARSE}
local s = redis.call('HGET', KEYS[1], ARGV[1])
if not s then return -1 end
local base, owner = parse(s)
if (base ~= 'sending' and base ~= 'committing') or owner ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
move(KEYS[2], base, ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
local c = redis.call('HMGET', KEYS[2], 'sent', 'failed', 'skipped')
local total = tonumber(redis.call('HGET', KEYS[4], 'total')) or 0
return total - (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0) - (tonumber(c[3]) or 0)
`,
  (o) => ({ keys: [o.state, o.counts, o.info, o.run], args: [o.id, o.token, o.to, o.info_] }),
);

/** Puts every failed recipient of a send back to queued (a failed issue sent again). Returns how many. */
const requeueFailedScript = luaScript<{ state: string; counts: string }, number>(
  'ssnewsDeliveryRequeueFailed',
  `
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  if all[i + 1] == 'failed' then
    redis.call('HSET', KEYS[1], all[i], 'queued')
    n = n + 1
  end
end
redis.call('HINCRBY', KEYS[2], 'failed', -n)
redis.call('HINCRBY', KEYS[2], 'queued', n)
return n
`,
  (o) => ({ keys: [o.state, o.counts], args: [] }),
);

/** One message's place in the current clock hour: 0 if taken, else ms until the hour ends. */
const hourSlotScript = luaScript<{ key: string; max: number; msLeft: number }, number>(
  'ssnewsSendHourSlot',
  `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 60000) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return tonumber(ARGV[2])
end
return 0
`,
  (o) => ({ keys: [o.key], args: [o.max, o.msLeft] }),
);

const HOUR_MS = 3_600_000;

/**
 * The per-recipient ledger of each issue's send, and the compiled issue the send workers
 * personalise. Every move is one Lua step that checks the lock, so a crash, a retry, a stalled
 * job or a second send never sends anyone a second message nor loses one.
 */
export class DeliveryStore extends KeyedStore {
  /** Snapshots the confirmed subscribers as recipients; undefined if the week already has a send. */
  async start(week: string, version: number, compiled: string): Promise<number | undefined> {
    const n = await startScript(this.redis, {
      run: this.k.deliveryRun(week),
      state: this.k.deliveryState(week),
      counts: this.k.deliveryCounts(week),
      confirmed: this.k.subscribersConfirmed,
      version,
      startedAt: new Date().toISOString(),
      compiled,
    });
    return n < 0 ? undefined : n;
  }

  async run(week: string): Promise<RunInfo | undefined> {
    const [version, total, startedAt] = await this.redis.hmget(
      this.k.deliveryRun(week),
      'version',
      'total',
      'startedAt',
    );
    if (version === null) return undefined;
    return { week, version: Number(version), total: Number(total), startedAt: startedAt ?? '' };
  }

  /** The compiled issue stored when the send started (JSON), for the workers to personalise. */
  async compiled(week: string): Promise<string | undefined> {
    return (await this.redis.hget(this.k.deliveryRun(week), 'compiled')) ?? undefined;
  }

  /** Recipients not settled yet (queued, or held by a run): what a resumed send queues again. */
  async unsettled(week: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, pairs] = await this.redis.hscan(this.k.deliveryState(week), cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < pairs.length; i += 2) {
        const state = pairs[i + 1]!.split('|')[0];
        if (state !== 'sent' && state !== 'failed' && state !== 'skipped') out.push(pairs[i]!);
      }
    } while (cursor !== '0');
    return out;
  }

  async counts(week: string): Promise<DeliveryCounts> {
    const [raw, run] = await Promise.all([this.redis.hgetall(this.k.deliveryCounts(week)), this.run(week)]);
    const c = Object.fromEntries(DELIVERY_STATES.map((s) => [s, Number(raw[s] ?? 0)])) as Record<
      DeliveryState,
      number
    >;
    const total = run?.total ?? 0;
    return { ...c, total, remaining: total - c.sent - c.failed - c.skipped };
  }

  async state(week: string, id: string): Promise<DeliveryState | undefined> {
    const s = await this.redis.hget(this.k.deliveryState(week), id);
    return (s?.split('|')[0] as DeliveryState | undefined) ?? undefined;
  }

  async info(week: string, id: string): Promise<DeliveryInfo | undefined> {
    const json = await this.redis.hget(this.k.deliveryInfo(week), id);
    return json ? (JSON.parse(json) as DeliveryInfo) : undefined;
  }

  /** Every recipient's state and info, for reports. */
  async entries(week: string): Promise<{ id: string; state: DeliveryState; info?: DeliveryInfo }[]> {
    const [states, infos] = await Promise.all([
      this.redis.hgetall(this.k.deliveryState(week)),
      this.redis.hgetall(this.k.deliveryInfo(week)),
    ]);
    return Object.entries(states).map(([id, s]) => ({
      id,
      state: s.split('|')[0] as DeliveryState,
      ...(infos[id] ? { info: JSON.parse(infos[id]) as DeliveryInfo } : {}),
    }));
  }

  /**
   * A failed issue sent again: its failed recipients are queued once more (none of them was
   * handed a message: a 5xx or 4xx answer, or no connection), the settled others stay settled.
   */
  async requeueFailed(week: string): Promise<number> {
    return requeueFailedScript(this.redis, {
      state: this.k.deliveryState(week),
      counts: this.k.deliveryCounts(week),
    });
  }

  /** See claimScript. `token` names one job run; the lease should outlast one message's send. */
  async claim(
    week: string,
    id: string,
    token: string,
    leaseMs: number,
  ): Promise<
    | { outcome: 'claimed' | 'unknown' }
    | { outcome: 'settled'; state: SettledState }
    | { outcome: 'busy'; waitMs: number }
    | { outcome: 'assumed-sent'; remaining: number }
  > {
    const info: DeliveryInfo = {
      attempts: 0,
      reason: 'the worker stopped after handing the message to the server; assumed delivered, not sent again',
      at: new Date().toISOString(),
    };
    const [outcome, detail] = await claimScript(this.redis, {
      state: this.k.deliveryState(week),
      counts: this.k.deliveryCounts(week),
      info: this.k.deliveryInfo(week),
      run: this.k.deliveryRun(week),
      id,
      token,
      now: Date.now(),
      leaseMs,
      assumedInfo: JSON.stringify(info),
    });
    if (outcome === 'settled') return { outcome, state: detail as SettledState };
    if (outcome === 'busy') return { outcome, waitMs: Number(detail) };
    if (outcome === 'assumed-sent') return { outcome, remaining: Number(detail) };
    return { outcome: outcome as 'claimed' | 'unknown' };
  }

  /** Renews this run's claim for another lease, just before the point of no return; false if it was lost. */
  async renew(week: string, id: string, token: string, leaseMs: number): Promise<boolean> {
    const renewed = await renewScript(this.redis, {
      state: this.k.deliveryState(week),
      id,
      token,
      now: Date.now(),
      leaseMs,
    });
    return renewed === 1;
  }

  /**
   * The point of no return of one message (see commitScript); false if this run lost its lease.
   * The command is written to Redis before this returns its promise, so a caller may write the
   * end of the message right after calling it, without waiting for the answer.
   */
  async commit(week: string, id: string, token: string, leaseMs: number): Promise<boolean> {
    const moved = await commitScript(this.redis, {
      state: this.k.deliveryState(week),
      counts: this.k.deliveryCounts(week),
      id,
      token,
      now: Date.now(),
      leaseMs,
    });
    return moved === 1;
  }

  /** Settles the run's entry; the recipients left unsettled, or undefined if the run no longer held it. */
  async settle(
    week: string,
    id: string,
    token: string,
    to: SettledState,
    info: DeliveryInfo,
  ): Promise<number | undefined> {
    return this.move(week, id, token, to, info);
  }

  /** Gives the run's entry back for a later try (a 4xx answer); false if the run no longer held it. */
  async release(week: string, id: string, token: string, info: DeliveryInfo): Promise<boolean> {
    return (await this.move(week, id, token, 'queued', info)) !== undefined;
  }

  private async move(week: string, id: string, token: string, to: DeliveryState, info: DeliveryInfo) {
    const left = await moveScript(this.redis, {
      state: this.k.deliveryState(week),
      counts: this.k.deliveryCounts(week),
      info: this.k.deliveryInfo(week),
      run: this.k.deliveryRun(week),
      id,
      token,
      to,
      info_: JSON.stringify(info),
    });
    return left < 0 ? undefined : left;
  }

  /**
   * Takes one message's place in the current clock hour, shared by every worker; 0 when taken,
   * else the ms until the hour ends. `giveBack` returns a place that was not used.
   */
  async takeHourSlot(perHour: number, now = Date.now()): Promise<number> {
    const hour = Math.floor(now / HOUR_MS);
    return hourSlotScript(this.redis, {
      key: this.k.sendHour(hour),
      max: perHour,
      msLeft: (hour + 1) * HOUR_MS - now,
    });
  }

  async giveBackHourSlot(now = Date.now()): Promise<void> {
    await this.redis.decr(this.k.sendHour(Math.floor(now / HOUR_MS)));
  }
}
