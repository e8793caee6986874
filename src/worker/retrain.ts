import { Queue, Worker } from 'bullmq';
import { classifierKit } from '../classify/index.js';
import { retrain, type RetrainResult } from '../classify/retrain.js';
import type { Config } from '../config/load.js';
import { RETRAIN_QUEUE } from '../queue/names.js';
import { scheduleNightlyRetrain } from '../queue/scheduler.js';
import { createRedis, type RedisTarget } from '../store/connection.js';
import { keys } from '../store/keys.js';
import { LabelStore } from '../store/labels.js';
import { ModelStore } from '../store/model-versions.js';

export interface RetrainWorker {
  queue: Queue;
  close(): Promise<void>;
}

/**
 * The nightly retrain: registers the job scheduler (classify.yaml `retrain.cron`,
 * Europe/London) on the `classify` queue and processes its jobs. Safe in several processes
 * at once: the scheduler is upserted, and each run only stores one more model version.
 */
export async function startRetrainWorker(opts: {
  target: RedisTarget;
  prefix: string;
  config: Config;
  log: (m: string) => void;
}): Promise<RetrainWorker> {
  const bull = keys(opts.prefix).bullPrefix;
  const redis = createRedis(opts.target);
  const stores = { models: new ModelStore(redis, opts.prefix), labels: new LabelStore(redis, opts.prefix) };
  const queueConnection = createRedis(opts.target, { maxRetriesPerRequest: null });
  const workerConnection = createRedis(opts.target, { maxRetriesPerRequest: null });
  const queue = new Queue(RETRAIN_QUEUE, { connection: queueConnection, prefix: bull });
  const kit = classifierKit({ sectors: opts.config.sectors, configDir: opts.config.dir });
  await scheduleNightlyRetrain(queue, kit.settings.retrain.cron);
  const worker = new Worker<unknown, RetrainResult>(
    RETRAIN_QUEUE,
    async () => {
      const r = await retrain(kit, stores);
      opts.log(
        `classifier retrained: model ${r.version} (${r.trainingRows} training rows + ${r.editorLabels} editor labels, ${r.trainMs} ms)`,
      );
      return r;
    },
    { connection: workerConnection, prefix: bull, concurrency: 1 },
  );
  worker.on('error', (err) => opts.log(`retrain worker error: ${err.message}`));
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
      for (const c of [redis, queueConnection, workerConnection]) await c.quit().catch(() => c.disconnect());
    },
  };
}
