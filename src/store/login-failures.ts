import { KeyedStore } from './keys.js';

/** Who a failed sign-in counts against: the account tried, and the address it came from. */
export interface LoginSubject {
  account: string;
  address: string;
}

/** Failures allowed per window before sign-in is refused, per account and per address. */
export interface LoginLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

/**
 * Five wrong passwords a minute is more than a person mistyping makes; an address gets more
 * because an office shares one.
 */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 60_000 };

export interface Refusal {
  /** How long (ms) until sign-in may be tried again. */
  ms: number;
  by: 'account' | 'address';
}

/**
 * Failed sign-ins in Redis, shared by every web process: after `perAccount` failures for one
 * account (or `perAddress` from one address) in a window, sign-in is refused until the window
 * ends, even with the right password, so guessing costs a minute per handful of tries. The
 * window starts at the first failure (a fixed window that Redis expires).
 */
export class LoginFailures extends KeyedStore {
  async refusal(s: LoginSubject, limits: LoginLimits): Promise<Refusal | undefined> {
    for (const by of ['account', 'address'] as const) {
      const key = this.k.loginFailures(by, s[by]);
      const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      const max = by === 'account' ? limits.perAccount : limits.perAddress;
      if (Number(count) >= max) return { ms: Math.max(1, ttl), by };
    }
    return undefined;
  }

  async fail(s: LoginSubject, limits: LoginLimits): Promise<void> {
    const multi = this.redis.multi();
    for (const by of ['account', 'address'] as const) {
      const key = this.k.loginFailures(by, s[by]);
      multi.incr(key).pexpire(key, limits.windowMs, 'NX');
    }
    await multi.exec();
  }

  /** A right password clears the account's count, not the address's: one success must not unlock guessing others. */
  async succeed(s: LoginSubject): Promise<void> {
    await this.redis.del(this.k.loginFailures('account', s.account));
  }
}
