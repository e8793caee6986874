import { Queue } from 'bullmq';
import { createRedis, type RedisTarget } from '../store/connection.js';
import { keys } from '../store/keys.js';
import { SEND_QUEUE, sendJobId, type SendJob } from './names.js';

/** Retries of one recipient: `attempts` tries, the first retry after `retryDelayMs`, doubling (newsletter.send). */
export interface SendRetry {
  attempts: number;
  retryDelayMs: number;
}

export interface SendQueue {
  queue: Queue<SendJob>;
  close(): Promise<void>;
}

/** The send queue on its own connection (BullMQ wants `maxRetriesPerRequest: null`). */
export function openSendQueue(target: RedisTarget, prefix: string): SendQueue {
  const connection = createRedis(target, { maxRetriesPerRequest: null });
  const queue = new Queue<SendJob>(SEND_QUEUE, { connection, prefix: keys(prefix).bullPrefix });
  return {
    queue,
    async close() {
      await queue.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/** Queues one job per recipient; ids are deterministic, so a repeat (a resumed send) adds nothing new. */
export async function enqueueSends(
  queue: Queue<SendJob>,
  week: string,
  subscriberIds: string[],
  retry: SendRetry,
): Promise<void> {
  for (let i = 0; i < subscriberIds.length; i += 500) {
    await queue.addBulk(
      subscriberIds.slice(i, i + 500).map((subscriberId) => ({
        name: 'send',
        data: { week, subscriberId },
        opts: {
          jobId: sendJobId(week, subscriberId),
          attempts: retry.attempts,
          backoff: { type: 'exponential', delay: retry.retryDelayMs },
          removeOnComplete: 10_000,
          removeOnFail: 10_000,
        },
      })),
    );
  }
}

/**
 * Queues the recipients of a resumed send again: a job still waiting, delayed or running is
 * left alone; one that ended (failed past its attempts, or finished without settling its
 * recipient, e.g. the worker lost its claim) is replaced, so the recipient gets another run.
 * The ledger makes an extra run harmless.
 */
export async function requeueSends(
  queue: Queue<SendJob>,
  week: string,
  subscriberIds: string[],
  retry: SendRetry,
): Promise<void> {
  const fresh: string[] = [];
  for (const id of subscriberIds) {
    const job = await queue.getJob(sendJobId(week, id));
    if (!job) fresh.push(id);
    else if (['completed', 'failed'].includes(await job.getState())) {
      await job.remove();
      fresh.push(id);
    }
  }
  await enqueueSends(queue, week, fresh, retry);
}
