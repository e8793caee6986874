import { randomBytes } from 'node:crypto';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Config } from '../config/load.js';
import type { Settings } from '../config/env.js';
import { Digest } from '../digest/service.js';
import { HourlyLimitReached, RecipientBusy } from '../delivery/errors.js';
import { sendOne, type SendDeps, type SendOutcome } from '../delivery/send-one.js';
import { smtpMessenger, type Messenger } from '../delivery/transport.js';
import { SEND_QUEUE, type SendJob } from '../queue/names.js';
import { openSendQueue } from '../queue/send-queue.js';
import { ConnectionWatch, type RedisTarget } from '../store/connection.js';
import { DeliveryStore } from '../store/deliveries.js';
import { keys } from '../store/keys.js';
import { SubscriberStore } from '../store/subscribers.js';
import { UsageError } from '../errors.js';

export interface SendWorkerOptions {
  target: RedisTarget;
  prefix: string;
  config: Config;
  /** smtpUrl, tokenSecret and dkim from the environment. */
  settings: Pick<Settings, 'smtpUrl' | 'tokenSecret' | 'dkim'>;
  /** Messages in flight in this process (default 10); the pace across processes is newsletter.send.perSecond. */
  concurrency?: number;
  /** BullMQ lock, and the ledger's claim on a recipient: a dead worker's jobs are taken over after this long (default 30 s). */
  lockDurationMs?: number;
  /** The mail transport; a pooled SMTP one from settings.smtpUrl by default. */
  messenger?: Messenger;
  log: (message: string) => void;
}

export interface RunningSendWorker {
  worker: Worker<SendJob, SendOutcome>;
  close(): Promise<void>;
}

/**
 * `ssnews worker send`: takes send jobs, at most newsletter.send.perSecond across every
 * worker (BullMQ's limiter lives in Redis) and perHour (a counter in Redis).
 */
export async function startSendWorker(o: SendWorkerOptions): Promise<RunningSendWorker> {
  const { smtpUrl, tokenSecret } = o.settings;
  if (!o.messenger && !smtpUrl)
    throw new UsageError('SMTP_URL is not set: the send worker needs a mail server');
  if (!tokenSecret)
    throw new UsageError('TOKEN_SECRET is not set: it signs the unsubscribe links in every email');
  const watch = new ConnectionWatch(o.log);
  const redis = watch.open(o.target, 'commands');
  const workerConnection = watch.open(o.target, 'worker', { maxRetriesPerRequest: null });
  const sendQueue = openSendQueue(o.target, o.prefix);
  const concurrency = o.concurrency ?? 10;
  const messenger =
    o.messenger ??
    smtpMessenger({ url: smtpUrl!, dkim: o.settings.dkim, maxConnections: Math.min(concurrency, 5) });
  const lockDuration = o.lockDurationMs ?? 30_000;
  const send = o.config.newsletter.send;
  const deps: SendDeps = {
    digest: new Digest({ redis, prefix: o.prefix, config: o.config }),
    subscribers: new SubscriberStore(redis, o.prefix),
    ledger: new DeliveryStore(redis, o.prefix),
    messenger,
    tokenSecret,
    leaseMs: lockDuration,
  };

  const worker = new Worker<SendJob, SendOutcome>(
    SEND_QUEUE,
    async (job: Job<SendJob>, token?: string) => {
      try {
        return await sendOne(
          deps,
          {
            ...job.data,
            token: `${token ?? 'run'}.${randomBytes(6).toString('base64url')}`,
            attempt: job.attemptsMade + 1,
            attempts: job.opts.attempts ?? 1,
          },
          send.perHour,
        );
      } catch (err) {
        if (err instanceof HourlyLimitReached) {
          await sendQueue.queue.rateLimit(err.waitMs);
          throw Worker.RateLimitError();
        }
        if (err instanceof RecipientBusy) {
          // Its stalled twin is still sending: look again once that claim lapses.
          await job.moveToDelayed(Date.now() + err.waitMs + 100, token);
          throw new DelayedError();
        }
        throw err;
      }
    },
    {
      connection: workerConnection,
      prefix: keys(o.prefix).bullPrefix,
      concurrency,
      lockDuration,
      stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
      // A job taken over after a crash is safe to run again (the ledger's lock): allow a few.
      maxStalledCount: 5,
      limiter: { max: send.perSecond, duration: 1000 },
    },
  );
  worker.on('error', (err) => watch.error(err, 'send worker'));
  worker.on('failed', (job, err) => {
    if (job && err.name !== 'RateLimitError' && err.name !== 'DelayedError')
      o.log(`send ${job.data.week} to ${job.data.subscriberId}: ${err.message}`);
  });

  return {
    worker,
    async close() {
      await worker.close();
      messenger.close();
      await sendQueue.close();
      for (const c of [redis, workerConnection]) await c.quit().catch(() => c.disconnect());
    },
  };
}
