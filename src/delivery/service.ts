import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import { SECTOR_IDS, type SectorId } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { Digest } from '../digest/service.js';
import type { SendJob } from '../queue/names.js';
import { DeliveryStore, type DeliveryCounts, type DeliveryInfo } from '../store/deliveries.js';
import { SubscriberStore } from '../store/subscribers.js';
import type { IssueStatus } from '../types/issue.js';
import { finishIssue } from './finish.js';
import { buildMessage } from './message.js';
import { startSend, type SendStarted } from './start-send.js';
import type { Handover, Messenger } from './transport.js';

export interface DeliveryOptions {
  redis: Redis;
  prefix: string;
  config: Config;
  /** Settings.tokenSecret: signs the links in each message; sending refuses without it. */
  tokenSecret?: string;
  /** Where send jobs go (send()); the CLI and the web server open it. */
  queue?: Queue<SendJob>;
  /** The mail transport (sendTest()). */
  messenger?: Messenger;
  digest?: Digest;
}

export interface DeliveryStatus {
  week: string;
  status: IssueStatus;
  counts: DeliveryCounts;
  /** Recipients that failed, with the server's reply. */
  failures: { subscriberId: string; email?: string; info?: DeliveryInfo }[];
  startedAt?: string;
}

/**
 * The narrow front of sending for the CLI and the web editor: queue an issue's send, send a
 * test copy, report progress and who would receive it. The send worker does the sending.
 */
export class Delivery {
  readonly digest: Digest;
  readonly subscribers: SubscriberStore;
  readonly ledger: DeliveryStore;

  constructor(private readonly o: DeliveryOptions) {
    this.digest = o.digest ?? new Digest({ redis: o.redis, prefix: o.prefix, config: o.config });
    this.subscribers = new SubscriberStore(o.redis, o.prefix);
    this.ledger = new DeliveryStore(o.redis, o.prefix);
  }

  /** Queues the issue's send (see startSend); SendRefused while blocking checks stand. */
  async send(week: string): Promise<SendStarted> {
    if (!this.o.queue) throw new Error('Delivery.send needs the send queue');
    this.tokenSecret();
    return startSend({ digest: this.digest, ledger: this.ledger, queue: this.o.queue }, week);
  }

  /** One copy to any address, subject marked [TEST], every section; touches no ledger and no subscriber. */
  async sendTest(week: string, to: string): Promise<Handover & { subject: string }> {
    if (!this.o.messenger) throw new Error('Delivery.sendTest needs a messenger');
    const { compiled } = await this.digest.compile(week);
    const message = buildMessage({
      config: this.o.config,
      compiled,
      recipient: { id: 'test', email: to, sectors: [] },
      tokenSecret: this.tokenSecret(),
      test: true,
    });
    // A test copy is not one of the issue's messages: its own Message-ID.
    message.messageId = message.messageId.replace('<ssnews.', `<ssnews.test.${Date.now().toString(36)}.`);
    return { ...(await this.o.messenger.send(message)), subject: message.subject };
  }

  async status(week: string): Promise<DeliveryStatus> {
    const issue = await this.digest.get(week);
    // A worker that died between the last recipient and the issue's move leaves it `sending`: move it now.
    const status =
      issue.status === 'sending' ? await finishIssue(this.digest, this.ledger, issue.week) : issue.status;
    const [counts, run, entries] = await Promise.all([
      this.ledger.counts(issue.week),
      this.ledger.run(issue.week),
      this.ledger.entries(issue.week),
    ]);
    const failed = entries.filter((e) => e.state === 'failed');
    const people = new Map(
      (await this.subscribers.getMany(failed.map((f) => f.id))).map((s) => [s.id, s.email]),
    );
    return {
      week: issue.week,
      status,
      counts,
      failures: failed.map((f) => ({ subscriberId: f.id, email: people.get(f.id), info: f.info })),
      ...(run ? { startedAt: run.startedAt } : {}),
    };
  }

  /** Who an issue would go to now: confirmed subscribers, and how many chose each sector (empty choice: all). */
  async recipients(): Promise<{ count: number; bySector: Record<SectorId, number> }> {
    const confirmed = await this.subscribers.getMany(await this.subscribers.confirmedIds());
    const bySector = Object.fromEntries(SECTOR_IDS.map((s) => [s, 0])) as Record<SectorId, number>;
    for (const s of confirmed)
      for (const sector of s.sectors.length ? s.sectors : SECTOR_IDS) bySector[sector]++;
    return { count: confirmed.length, bySector };
  }

  private tokenSecret(): string {
    if (!this.o.tokenSecret)
      throw new UsageError(
        'TOKEN_SECRET is not set: it signs the unsubscribe links in every email (32+ random characters, e.g. `openssl rand -hex 32`)',
      );
    return this.o.tokenSecret;
  }
}
