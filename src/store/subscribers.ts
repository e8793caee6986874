import { createHmac, randomBytes } from 'node:crypto';
import { isSectorId, type SectorId } from '../config/schema.js';
import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';
import { AccountError, normaliseEmail } from './editors.js';

/**
 * pending: signed up, not confirmed yet (double opt-in, a later issue); confirmed: receives
 * issues; unsubscribed: left, kept so nothing re-subscribes them by accident; bouncing: hard
 * failures on two issues in a row, skipped until someone confirms the address again.
 */
export const SUBSCRIBER_STATUSES = ['pending', 'confirmed', 'unsubscribed', 'bouncing'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/** Hard failures (5xx) on this many issues in a row make an address `bouncing`. */
export const BOUNCING_AFTER = 2;

export interface Subscriber {
  /** Random and stable: the ledger, tokens and job ids name subscribers by it, never by address. */
  id: string;
  /** Lower-cased; unique. */
  email: string;
  /** Empty when none was given. */
  name: string;
  /**
   * The sectors whose sections they receive. Empty means every sector, including any added to
   * sectors.yaml later: the sign-up default ("all") stays "all".
   */
  sectors: SectorId[];
  status: SubscriberStatus;
  /** ISO time they gave consent (confirmed, or the consent date an import recorded). */
  consentAt?: string;
  createdAt: string;
  updatedAt: string;
  /** Issues in a row on which their address failed hard (reset by a delivery). */
  hardFailures: number;
  /** The week of the last hard failure, so one issue counts once however often it is retried. */
  lastHardFailureWeek?: string;
}

export interface NewSubscriber {
  email: string;
  name?: string;
  sectors?: SectorId[];
  status: SubscriberStatus;
  consentAt?: string;
}

/** Why a subscriber was not added; the CLI reports the row and goes on. */
export type AddRefusal = 'duplicate' | 'erased';

/** Subscriber operations refused (not an address, unknown subscriber); the CLI maps them to exit 2. */
export class SubscriberError extends Error {
  override name = 'SubscriberError';
}

/** The subscriber key of an address: trimmed and lower-cased; a SubscriberError if it is not one. */
export function subscriberEmail(text: string): string {
  try {
    return normaliseEmail(text);
  } catch (err) {
    if (err instanceof AccountError) throw new SubscriberError(err.message);
    throw err;
  }
}

const addScript = luaScript<
  {
    emails: string;
    all: string;
    confirmed: string;
    erased: string;
    record: string;
    s: Subscriber;
    hash: string;
  },
  string
>(
  'ssnewsSubscriberAdd',
  `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'duplicate' end
if redis.call('SISMEMBER', KEYS[4], ARGV[3]) == 1 then return 'erased' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
if ARGV[5] == 'confirmed' then redis.call('SADD', KEYS[3], ARGV[2]) end
redis.call('HSET', KEYS[5], unpack(ARGV, 6))
return 'added'
`,
  ({ s, hash, ...k }) => ({
    keys: [k.emails, k.all, k.confirmed, k.erased, k.record],
    args: [s.email, s.id, hash, Date.parse(s.createdAt), s.status, ...toFields(s)],
  }),
);

/** Moves one subscriber to a status and keeps the confirmed index in step. Returns 0 if there is no such subscriber. */
const statusScript = luaScript<
  { record: string; confirmed: string; id: string; status: SubscriberStatus; at: string },
  number
>(
  'ssnewsSubscriberStatus',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updatedAt', ARGV[3])
if ARGV[2] == 'confirmed' then redis.call('SADD', KEYS[2], ARGV[1]) else redis.call('SREM', KEYS[2], ARGV[1]) end
return 1
`,
  (o) => ({ keys: [o.record, o.confirmed], args: [o.id, o.status, o.at] }),
);

/** Erases one subscriber, if the address still names that id, and keeps the address's salted hash. */
const removeScript = luaScript<
  {
    emails: string;
    all: string;
    confirmed: string;
    erased: string;
    record: string;
    email: string;
    id: string;
    hash: string;
  },
  number
>(
  'ssnewsSubscriberRemove',
  `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
redis.call('DEL', KEYS[5])
return 1
`,
  (o) => ({ keys: [o.emails, o.all, o.confirmed, o.erased, o.record], args: [o.email, o.id, o.hash] }),
);

/**
 * One issue's outcome for an address: a delivery resets the streak; a hard failure counts once
 * per week, and the BOUNCING_AFTER-th in a row marks the address bouncing (out of the confirmed
 * index). Returns the status after.
 */
const outcomeScript = luaScript<
  { record: string; confirmed: string; id: string; week: string; hard: boolean; at: string },
  string | null
>(
  'ssnewsSubscriberOutcome',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
if ARGV[3] == '0' then
  redis.call('HSET', KEYS[1], 'hardFailures', '0')
  return redis.call('HGET', KEYS[1], 'status')
end
if redis.call('HGET', KEYS[1], 'lastHardFailureWeek') == ARGV[2] then return redis.call('HGET', KEYS[1], 'status') end
local n = redis.call('HINCRBY', KEYS[1], 'hardFailures', 1)
redis.call('HSET', KEYS[1], 'lastHardFailureWeek', ARGV[2], 'updatedAt', ARGV[5])
if n >= tonumber(ARGV[4]) and redis.call('HGET', KEYS[1], 'status') == 'confirmed' then
  redis.call('HSET', KEYS[1], 'status', 'bouncing')
  redis.call('SREM', KEYS[2], ARGV[1])
end
return redis.call('HGET', KEYS[1], 'status')
`,
  (o) => ({
    keys: [o.record, o.confirmed],
    args: [o.id, o.week, o.hard ? '1' : '0', BOUNCING_AFTER, o.at],
  }),
);

/**
 * A confirmed sign-up: a confirmed subscriber stays as they are ('already'); anyone else on the
 * list (pending from an import, unsubscribed, bouncing) becomes confirmed with the sign-up's name,
 * sectors and consent; an address not on the list is added confirmed, even one erased earlier
 * (they asked again and confirmed: the erased hash only stops imports). 'moved' if the address
 * now names another id than the caller read (it retries).
 */
const confirmScript = luaScript<
  {
    emails: string;
    all: string;
    confirmed: string;
    erased: string;
    record: string;
    expectedId: string;
    s: Subscriber;
    hash: string;
  },
  string
>(
  'ssnewsSubscriberConfirmSignup',
  `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and current ~= ARGV[2] then return 'moved' end
if not current and ARGV[7] ~= '' then return 'moved' end
if current then
  if redis.call('HGET', KEYS[5], 'status') == 'confirmed' then return 'already' end
  redis.call('HSET', KEYS[5], 'name', ARGV[8], 'sectors', ARGV[9], 'status', 'confirmed', 'consentAt', ARGV[5], 'updatedAt', ARGV[5], 'hardFailures', '0')
  redis.call('HDEL', KEYS[5], 'lastHardFailureWeek')
  redis.call('SADD', KEYS[3], ARGV[2])
  return 'confirmed'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[3])
redis.call('HSET', KEYS[5], unpack(ARGV, 10))
return 'confirmed'
`,
  ({ s, hash, expectedId, ...k }) => ({
    keys: [k.emails, k.all, k.confirmed, k.erased, k.record],
    args: [
      s.email,
      s.id,
      hash,
      Date.parse(s.createdAt),
      s.consentAt ?? s.createdAt,
      '',
      expectedId,
      s.name,
      s.sectors.join(','),
      ...toFields(s),
    ],
  }),
);

/** Sets one subscriber's sectors; 0 if there is no such subscriber. */
const sectorsScript = luaScript<{ record: string; sectors: string; at: string }, number>(
  'ssnewsSubscriberSectors',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'sectors', ARGV[1], 'updatedAt', ARGV[2])
return 1
`,
  (o) => ({ keys: [o.record], args: [o.sectors, o.at] }),
);

function toFields(s: Subscriber): string[] {
  const fields: Record<string, string | number | undefined> = {
    id: s.id,
    email: s.email,
    name: s.name,
    sectors: s.sectors.join(','),
    status: s.status,
    consentAt: s.consentAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    hardFailures: s.hardFailures,
    lastHardFailureWeek: s.lastHardFailureWeek,
  };
  return Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
}

function fromFields(h: Record<string, string>): Subscriber | undefined {
  if (!h.id || !h.email) return undefined;
  return {
    id: h.id,
    email: h.email,
    name: h.name ?? '',
    sectors: (h.sectors ?? '').split(',').filter(isSectorId),
    status: (h.status as SubscriberStatus) ?? 'pending',
    ...(h.consentAt ? { consentAt: h.consentAt } : {}),
    createdAt: h.createdAt ?? '',
    updatedAt: h.updatedAt ?? h.createdAt ?? '',
    hardFailures: Number(h.hardFailures ?? 0),
    ...(h.lastHardFailureWeek ? { lastHardFailureWeek: h.lastHardFailureWeek } : {}),
  };
}

/**
 * Subscribers: one hash each, an address index that makes an address unique, and the index of
 * confirmed subscribers an issue goes to. A removed address leaves only its salted hash (the
 * salt is made once and kept in Redis, so it travels with the data).
 */
export class SubscriberStore extends KeyedStore {
  private salt?: Buffer;

  /** Adds a subscriber, or says why not: the address is on the list, or was removed at their request. */
  async add(input: NewSubscriber): Promise<{ added: Subscriber } | { refused: AddRefusal }> {
    const now = new Date().toISOString();
    const s: Subscriber = {
      id: randomBytes(12).toString('base64url'),
      email: subscriberEmail(input.email),
      name: (input.name ?? '').trim(),
      sectors: [...new Set(input.sectors ?? [])],
      status: input.status,
      ...(input.consentAt ? { consentAt: input.consentAt } : {}),
      createdAt: now,
      updatedAt: now,
      hardFailures: 0,
    };
    const result = await addScript(this.redis, {
      emails: this.k.subscriberEmails,
      all: this.k.subscribersAll,
      confirmed: this.k.subscribersConfirmed,
      erased: this.k.subscribersErased,
      record: this.k.subscriber(s.id),
      s,
      hash: await this.addressHash(s.email),
    });
    return result === 'added' ? { added: s } : { refused: result as AddRefusal };
  }

  async get(id: string): Promise<Subscriber | undefined> {
    return fromFields(await this.redis.hgetall(this.k.subscriber(id)));
  }

  async getByEmail(email: string): Promise<Subscriber | undefined> {
    const id = await this.redis.hget(this.k.subscriberEmails, subscriberEmail(email));
    return id ? this.get(id) : undefined;
  }

  /** Whether an address was removed earlier (its salted hash is kept). */
  async wasErased(email: string): Promise<boolean> {
    return (
      (await this.redis.sismember(
        this.k.subscribersErased,
        await this.addressHash(subscriberEmail(email)),
      )) === 1
    );
  }

  async getMany(ids: string[]): Promise<Subscriber[]> {
    const out: Subscriber[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const pipeline = this.redis.pipeline();
      for (const id of ids.slice(i, i + 1000)) pipeline.hgetall(this.k.subscriber(id));
      for (const [, h] of (await pipeline.exec()) ?? []) {
        const s = fromFields((h ?? {}) as Record<string, string>);
        if (s) out.push(s);
      }
    }
    return out;
  }

  /** Every subscriber, oldest first. */
  async list(): Promise<Subscriber[]> {
    return this.getMany(await this.redis.zrange(this.k.subscribersAll, '0', '-1'));
  }

  /** Ids of the confirmed subscribers: who an issue is sent to. */
  async confirmedIds(): Promise<string[]> {
    return this.redis.smembers(this.k.subscribersConfirmed);
  }

  /** Moves a subscriber to a status (unsubscribe, confirm…); false if there is no such subscriber. */
  async setStatus(id: string, status: SubscriberStatus): Promise<boolean> {
    const done = await statusScript(this.redis, {
      record: this.k.subscriber(id),
      confirmed: this.k.subscribersConfirmed,
      id,
      status,
      at: new Date().toISOString(),
    });
    return done === 1;
  }

  /**
   * Records a confirmed sign-up (double opt-in) for an address: see confirmScript. Returns the
   * subscriber as it now is, and whether they were already confirmed (then nothing changed).
   */
  async confirmSignup(input: {
    email: string;
    name: string;
    sectors: SectorId[];
  }): Promise<{ subscriber: Subscriber; already: boolean }> {
    const email = subscriberEmail(input.email);
    const hash = await this.addressHash(email);
    for (;;) {
      const existing = await this.redis.hget(this.k.subscriberEmails, email);
      const now = new Date().toISOString();
      const s: Subscriber = {
        id: existing ?? randomBytes(12).toString('base64url'),
        email,
        name: input.name.trim(),
        sectors: [...new Set(input.sectors)],
        status: 'confirmed',
        consentAt: now,
        createdAt: now,
        updatedAt: now,
        hardFailures: 0,
      };
      const result = await confirmScript(this.redis, {
        emails: this.k.subscriberEmails,
        all: this.k.subscribersAll,
        confirmed: this.k.subscribersConfirmed,
        erased: this.k.subscribersErased,
        record: this.k.subscriber(s.id),
        expectedId: existing ?? '',
        s,
        hash,
      });
      if (result === 'moved') continue;
      return { subscriber: (await this.get(s.id))!, already: result === 'already' };
    }
  }

  /** A subscriber's sector choices (empty: every sector); false if there is no such subscriber. */
  async setSectors(id: string, sectors: SectorId[]): Promise<boolean> {
    const done = await sectorsScript(this.redis, {
      record: this.k.subscriber(id),
      sectors: [...new Set(sectors)].join(','),
      at: new Date().toISOString(),
    });
    return done === 1;
  }

  /**
   * Erases a subscriber's personal data (the record and the address index) and keeps the
   * address's salted hash, so an import does not add it back. False if the address is unknown.
   */
  async remove(email: string): Promise<boolean> {
    const key = subscriberEmail(email);
    const id = await this.redis.hget(this.k.subscriberEmails, key);
    if (!id) return false;
    const done = await removeScript(this.redis, {
      emails: this.k.subscriberEmails,
      all: this.k.subscribersAll,
      confirmed: this.k.subscribersConfirmed,
      erased: this.k.subscribersErased,
      record: this.k.subscriber(id),
      email: key,
      id,
      hash: await this.addressHash(key),
    });
    return done === 1;
  }

  /** Records one issue's outcome for a subscriber (see outcomeScript); the status after, if they still exist. */
  async recordOutcome(id: string, week: string, hardFailure: boolean): Promise<SubscriberStatus | undefined> {
    const status = await outcomeScript(this.redis, {
      record: this.k.subscriber(id),
      confirmed: this.k.subscribersConfirmed,
      id,
      week,
      hard: hardFailure,
      at: new Date().toISOString(),
    });
    return (status ?? undefined) as SubscriberStatus | undefined;
  }

  /** HMAC-SHA256 of the address under this store's salt, made once on first use. */
  private async addressHash(email: string): Promise<string> {
    if (!this.salt) {
      await this.redis.set(this.k.subscribersSalt, randomBytes(32).toString('base64url'), 'NX');
      this.salt = Buffer.from((await this.redis.get(this.k.subscribersSalt))!, 'base64url');
    }
    return createHmac('sha256', this.salt).update(email).digest('base64url');
  }
}
