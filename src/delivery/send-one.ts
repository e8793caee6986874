import { UnrecoverableError } from 'bullmq';
import type { CompiledIssue } from '../digest/render.js';
import type { Digest } from '../digest/service.js';
import type { DeliveryInfo, DeliveryStore, SettledState } from '../store/deliveries.js';
import type { SubscriberStore } from '../store/subscribers.js';
import { HourlyLimitReached, RecipientBusy } from './errors.js';
import { finishIssue } from './finish.js';
import { buildMessage, hasContentFor } from './message.js';
import { smtpVerdict } from './smtp-errors.js';
import { wasAbandoned, type Messenger } from './transport.js';

export interface SendDeps {
  digest: Digest;
  subscribers: SubscriberStore;
  ledger: DeliveryStore;
  messenger: Messenger;
  tokenSecret: string;
  /** How long a claim on a recipient holds without its run finishing (the BullMQ lock duration is a good value). */
  leaseMs: number;
  /** Compiled issues by week, read from the ledger once per process. */
  compiled?: Map<string, CompiledIssue>;
}

export interface SendAttempt {
  week: string;
  subscriberId: string;
  /** Names this job run in the ledger's lock: unique per run. */
  token: string;
  /** This run is try number `attempt` of `attempts`. */
  attempt: number;
  attempts: number;
}

export type SendOutcome =
  | { outcome: 'sent'; reply: string; messageId: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'already'; state: SettledState | 'assumed-sent' }
  | { outcome: 'not-in-send' };

/**
 * One recipient of one issue: claims them in the ledger, re-reads the subscriber (an
 * unsubscribe takes effect before their message is built), personalises the compiled issue,
 * hands it over, and settles the ledger. A 5xx answer is recorded failed and thrown as
 * UnrecoverableError; a 4xx one (or no connection) gives the claim back and throws for BullMQ's
 * retry with backoff, until the last attempt, which is recorded failed. RecipientBusy and
 * HourlyLimitReached ask the caller to come back later.
 */
export async function sendOne(deps: SendDeps, a: SendAttempt, perHour: number): Promise<SendOutcome> {
  const { ledger } = deps;
  const slotAt = Date.now();
  const wait = await ledger.takeHourSlot(perHour, slotAt);
  if (wait > 0) throw new HourlyLimitReached(wait);
  let slotUsed = false;
  try {
    const claimedAt = Date.now();
    const claim = await ledger.claim(a.week, a.subscriberId, a.token, deps.leaseMs);
    if (claim.outcome === 'unknown') return { outcome: 'not-in-send' };
    if (claim.outcome === 'settled') return { outcome: 'already', state: claim.state };
    if (claim.outcome === 'busy') throw new RecipientBusy(claim.waitMs);
    if (claim.outcome === 'assumed-sent') {
      if (claim.remaining === 0) await finishIssue(deps.digest, ledger, a.week);
      return { outcome: 'already', state: 'assumed-sent' };
    }

    const info = (extra: Partial<DeliveryInfo>): DeliveryInfo => ({
      attempts: a.attempt,
      at: new Date().toISOString(),
      ...extra,
    });
    const settle = async (to: SettledState, extra: Partial<DeliveryInfo>) => {
      const left = await ledger.settle(a.week, a.subscriberId, a.token, to, info(extra));
      if (left === 0) await finishIssue(deps.digest, ledger, a.week);
    };

    const subscriber = await deps.subscribers.get(a.subscriberId);
    if (!subscriber || subscriber.status !== 'confirmed') {
      const reason = subscriber ? `subscriber is ${subscriber.status}` : 'subscriber was removed';
      await settle('skipped', { reason });
      return { outcome: 'skipped', reason };
    }
    const compiled = await compiledIssue(deps, a.week);
    if (!hasContentFor(compiled, subscriber.sectors)) {
      const reason = 'no items in your sectors this week';
      await settle('skipped', { reason });
      return { outcome: 'skipped', reason };
    }

    const message = buildMessage({
      config: deps.digest.config,
      compiled,
      recipient: subscriber,
      tokenSecret: deps.tokenSecret,
    });
    let committed = false;
    slotUsed = true;
    try {
      let commit: Promise<boolean> | undefined;
      const handover = await deps.messenger.send(message, {
        // A fresh lease first (unless the claim itself is fresh): no other run can take the
        // recipient over in the moments left.
        ready: async () =>
          Date.now() - claimedAt < deps.leaseMs / 2 ||
          ledger.renew(a.week, a.subscriberId, a.token, deps.leaseMs),
        commit: () => {
          committed = true;
          // Written now, answered later: see CommitGate. A failure shows as the settle finding the entry not ours.
          commit = ledger.commit(a.week, a.subscriberId, a.token, deps.leaseMs).catch(() => false);
        },
      });
      await commit;
      await settle('sent', { reply: handover.reply, messageId: handover.messageId });
      // A delivery ends a streak of hard failures (nothing to do when there is none).
      if (subscriber.hardFailures > 0) await deps.subscribers.recordOutcome(subscriber.id, a.week, false);
      return { outcome: 'sent', reply: handover.reply, messageId: handover.messageId };
    } catch (err) {
      // Another run took the recipient over before the end of the message: it is theirs now.
      if (!committed && wasAbandoned(err)) return { outcome: 'already', state: 'skipped' };
      const verdict = smtpVerdict(err);
      if (committed && verdict.code === undefined) {
        // The whole message went out and the connection died before the answer: it is most
        // likely delivered, and sending it again would be the duplicate.
        await settle('sent', {
          messageId: message.messageId,
          reason: `connection lost after the end of the message (${verdict.reply}); assumed delivered`,
        });
        return { outcome: 'sent', reply: verdict.reply, messageId: message.messageId };
      }
      if (verdict.kind === 'permanent') {
        await settle('failed', {
          reply: verdict.reply,
          messageId: message.messageId,
          reason: 'refused by the server',
        });
        await deps.subscribers.recordOutcome(subscriber.id, a.week, true);
        throw new UnrecoverableError(`${subscriber.id}: ${verdict.reply}`);
      }
      if (a.attempt >= a.attempts) {
        await settle('failed', { reply: verdict.reply, reason: `gave up after ${a.attempts} attempts` });
        throw new UnrecoverableError(
          `${subscriber.id}: gave up after ${a.attempts} attempts: ${verdict.reply}`,
        );
      }
      await ledger.release(
        a.week,
        a.subscriberId,
        a.token,
        info({ reply: verdict.reply, reason: 'will retry' }),
      );
      throw err;
    }
  } finally {
    if (!slotUsed) await ledger.giveBackHourSlot(slotAt);
  }
}

async function compiledIssue(deps: SendDeps, week: string): Promise<CompiledIssue> {
  deps.compiled ??= new Map();
  let compiled = deps.compiled.get(week);
  if (!compiled) {
    const json = await deps.ledger.compiled(week);
    if (!json) throw new UnrecoverableError(`issue ${week} has no compiled copy in its send`);
    compiled = JSON.parse(json) as CompiledIssue;
    deps.compiled.set(week, compiled);
  }
  return compiled;
}
