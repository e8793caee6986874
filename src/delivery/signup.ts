import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import { publicUrl } from '../digest/view.js';
import {
  PendingSignups,
  SignupRequests,
  DEFAULT_SIGNUP_LIMITS,
  type SignupLimits,
} from '../store/signups.js';
import { SubscriberStore, subscriberEmail, type Subscriber } from '../store/subscribers.js';
import { alreadySubscribedMessage, confirmationMessage } from './signup-mail.js';
import { signToken, verifyToken, type TokenRefusal } from './tokens.js';
import type { Messenger } from './transport.js';

export interface SignupOptions {
  redis: Redis;
  prefix: string;
  config: Config;
  /** Settings.tokenSecret: signs the confirmation and preferences links. */
  tokenSecret: string;
  /** Sends the confirmation and "already subscribed" emails; without it nobody can sign up (preferences still work). */
  messenger?: Messenger;
  limits?: SignupLimits;
}

export interface SignupRequest {
  email: string;
  name: string;
  /** Empty: every sector. */
  sectors: SectorId[];
  /** The client's address (rate limit). */
  client: string;
}

/** What a sign-up request led to. The page says the same for `new` and `already`. */
export type SignupOutcome =
  | { kind: 'new'; pendingId: string }
  | { kind: 'already'; subscriberId: string }
  | { kind: 'limited'; ms: number; by: 'address' | 'client' };

export type ConfirmOutcome =
  { ok: true; subscriber: Subscriber; already: boolean } | { ok: false; reason: TokenRefusal | 'gone' };

/**
 * Double opt-in sign-up and the subscriber's preferences, one code path for the web pages.
 * A sign-up of an address that is not a confirmed subscriber keeps a pending record (expiring
 * after `newsletter.signup.confirmDays`) and emails a link to confirm it; a confirmed
 * subscriber's sign-up changes nothing and emails them that they are already subscribed.
 */
export class Signup {
  readonly subscribers: SubscriberStore;
  private readonly pending: PendingSignups;
  private readonly requests: SignupRequests;
  private readonly limits: SignupLimits;

  constructor(private readonly o: SignupOptions) {
    this.subscribers = new SubscriberStore(o.redis, o.prefix);
    this.pending = new PendingSignups(o.redis, o.prefix);
    this.requests = new SignupRequests(o.redis, o.prefix);
    this.limits = o.limits ?? DEFAULT_SIGNUP_LIMITS;
  }

  /** Whether sign-up emails can be sent. */
  get canSignUp(): boolean {
    return Boolean(this.o.messenger);
  }

  get confirmDays(): number {
    return this.o.config.newsletter.signup.confirmDays;
  }

  /** Asks for a subscription: rate-limited, then one email (a confirmation, or "already subscribed"). */
  async request(r: SignupRequest): Promise<SignupOutcome> {
    const messenger = this.o.messenger;
    if (!messenger) throw new Error('sign-up needs SMTP_URL: there is no way to send the confirmation');
    const email = subscriberEmail(r.email);
    const refused = await this.requests.hit({ address: email, client: r.client }, this.limits);
    if (refused) return { kind: 'limited', ...refused };
    const existing = await this.subscribers.getByEmail(email);
    const to = { email, name: r.name };
    if (existing?.status === 'confirmed') {
      await messenger.send(
        await alreadySubscribedMessage(
          this.o.config,
          { email, name: existing.name },
          {
            preferencesUrl: this.preferencesUrl(existing.id),
          },
        ),
      );
      return { kind: 'already', subscriberId: existing.id };
    }
    const ttlS = this.confirmDays * 86_400;
    const pending = await this.pending.create({ email, name: r.name, sectors: r.sectors }, ttlS * 1000);
    const token = signToken(this.o.tokenSecret, pending.id, 'confirm', new Date(), ttlS);
    await messenger.send(
      await confirmationMessage(this.o.config, to, {
        confirmUrl: `${publicUrl(this.o.config, 'confirm')}?token=${token}`,
        sectorHeadings: this.headings(r.sectors),
        days: this.confirmDays,
      }),
    );
    return { kind: 'new', pendingId: pending.id };
  }

  /** The sign-up a confirmation link names, if the link is good and the sign-up has not expired or been used. */
  async pendingFor(token: string) {
    const check = verifyToken(this.o.tokenSecret, token, 'confirm');
    if (!check.ok) return { ok: false as const, reason: check.reason };
    const pending = await this.pending.get(check.subscriberId);
    return pending ? { ok: true as const, pending } : { ok: false as const, reason: 'gone' as const };
  }

  /** Confirms a sign-up (the POST of the confirmation page): the subscriber is confirmed, with consentAt. */
  async confirm(token: string): Promise<ConfirmOutcome> {
    const check = verifyToken(this.o.tokenSecret, token, 'confirm');
    if (!check.ok) return { ok: false, reason: check.reason };
    const pending = await this.pending.take(check.subscriberId);
    if (!pending) return { ok: false, reason: 'gone' };
    const done = await this.subscribers.confirmSignup(pending);
    return { ok: true, ...done };
  }

  /** The subscriber a preferences link names (any status), if the link is good. */
  async subscriberFor(token: string): Promise<Subscriber | undefined> {
    const check = verifyToken(this.o.tokenSecret, token, 'preferences');
    return check.ok ? this.subscribers.get(check.subscriberId) : undefined;
  }

  preferencesUrl(subscriberId: string): string {
    return `${publicUrl(this.o.config, 'preferences')}?token=${signToken(this.o.tokenSecret, subscriberId, 'preferences')}`;
  }

  /** Sector headings in digest order; every one for "all". */
  headings(sectors: readonly SectorId[]): string[] {
    return this.o.config.sectors
      .filter((s) => sectors.length === 0 || sectors.includes(s.id))
      .map((s) => s.heading);
  }
}
