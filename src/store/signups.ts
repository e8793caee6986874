import { randomBytes } from 'node:crypto';
import { isSectorId, type SectorId } from '../config/schema.js';
import { KeyedStore } from './keys.js';

/** A sign-up waiting for its confirmation: what the person asked for, nothing else. */
export interface PendingSignup {
  /** Random; the confirmation link's token names it. */
  id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  /** Empty: every sector. */
  sectors: SectorId[];
  /** ISO time of the request. */
  requestedAt: string;
}

/**
 * Unconfirmed sign-ups, one Redis key each that expires after `newsletter.signup.confirmDays`:
 * Redis forgets an unconfirmed sign-up by itself, so nothing sweeps and the subscriber list
 * never holds an address that did not confirm. Confirming takes the record (GETDEL), so a link
 * confirms once.
 */
export class PendingSignups extends KeyedStore {
  async create(input: Omit<PendingSignup, 'id' | 'requestedAt'>, ttlMs: number): Promise<PendingSignup> {
    const pending: PendingSignup = {
      id: randomBytes(16).toString('base64url'),
      ...input,
      requestedAt: new Date().toISOString(),
    };
    await this.redis.set(this.k.signupPending(pending.id), JSON.stringify(pending), 'PX', ttlMs);
    return pending;
  }

  async get(id: string): Promise<PendingSignup | undefined> {
    return parse(await this.redis.get(this.k.signupPending(id)));
  }

  /** Reads and removes it in one step: of two confirmations of one link, only one gets it. */
  async take(id: string): Promise<PendingSignup | undefined> {
    return parse(await this.redis.getdel(this.k.signupPending(id)));
  }
}

function parse(json: string | null): PendingSignup | undefined {
  if (!json) return undefined;
  const p = JSON.parse(json) as PendingSignup;
  return { ...p, sectors: (p.sectors ?? []).filter(isSectorId) };
}

/** Sign-up requests allowed per window, per address asked for and per client address. */
export interface SignupLimits {
  perAddress: number;
  perClient: number;
  windowMs: number;
}

/**
 * Three confirmation emails an hour to one address is plenty for someone whose email was slow;
 * a client address gets more because an office shares one.
 */
export const DEFAULT_SIGNUP_LIMITS: SignupLimits = { perAddress: 3, perClient: 20, windowMs: 3_600_000 };

/**
 * Sign-up requests counted in Redis (shared by every web process), so the form cannot be used
 * to flood an inbox or the list: a fixed window per address and per client address that starts
 * at the first request and that Redis expires. A refused request is not counted.
 */
export class SignupRequests extends KeyedStore {
  /** Counts the request, or returns how long (ms) until one is allowed and which limit was hit. */
  async hit(
    s: { address: string; client: string },
    limits: SignupLimits,
  ): Promise<{ ms: number; by: 'address' | 'client' } | undefined> {
    for (const by of ['client', 'address'] as const) {
      const key = this.k.signupRequests(by, by === 'address' ? s.address : s.client);
      const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      const max = by === 'address' ? limits.perAddress : limits.perClient;
      if (Number(count) >= max) return { ms: Math.max(1, ttl), by };
    }
    const multi = this.redis.multi();
    for (const by of ['client', 'address'] as const) {
      const key = this.k.signupRequests(by, by === 'address' ? s.address : s.client);
      multi.incr(key).pexpire(key, limits.windowMs, 'NX');
    }
    await multi.exec();
    return undefined;
  }
}
