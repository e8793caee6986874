import { Queue, Worker } from 'bullmq';
import { classifierKit } from '../classify/index.js';
import { retrain, type RetrainResult } from '../classify/retrain.js';
import type { Config } from '../config/load.js';
import { RETRAIN_QUEUE } from '../queue/names.js';
import { scheduleNightlyRetrain } from '../queue/scheduler.js';
import { ConnectionWatch, type RedisTarget } from '../store/connection.js';
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
  /** Reports the connections' errors; when Redis is back, the nightly schedule is put back too. */
  watch?: ConnectionWatch;
}): Promise<RetrainWorker> {
  const bull = keys(opts.prefix).bullPrefix;
  const watch = opts.watch ?? new ConnectionWatch(opts.log);
  const redis = watch.open(opts.target, 'retrain');
  const stores = { models: new ModelStore(redis, opts.prefix), labels: new LabelStore(redis, opts.prefix) };
  // BullMQ's connections must wait for Redis rather than fail a command.
  const queueConnection = watch.open(opts.target, 'retrain queue', { maxRetriesPerRequest: null });
  const workerConnection = watch.open(opts.target, 'retrain worker', { maxRetriesPerRequest: null });
  const queue = new Queue(RETRAIN_QUEUE, { connection: queueConnection, prefix: bull });
  queue.on('error', (err) => watch.error(err, 'retrain queue'));
  const kit = classifierKit({ sectors: opts.config.sectors, configDir: opts.config.dir });
  await scheduleNightlyRetrain(queue, kit.settings.retrain.cron);
  // A Redis restarted without its data lost the scheduler.
  watch.onRestored(
    () =>
      void scheduleNightlyRetrain(queue, kit.settings.retrain.cron).catch((e: Error) =>
        opts.log(`retrain schedule not restored: ${e.message}`),
      ),
  );
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
  worker.on('error', (err) => watch.error(err, 'retrain worker error'));
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
      for (const c of [redis, queueConnection, workerConnection]) await c.quit().catch(() => c.disconnect());
    },
  };
}
