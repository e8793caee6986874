import { watch, type FSWatcher } from 'node:fs';
import { Worker, type Job } from 'bullmq';
import { loadConfig, type Config } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { enrichItem } from '../ingest/enrich.js';
import { ingestSource, type IngestDeps, type SourceRun } from '../ingest/ingest-source.js';
import { userAgent } from '../ingest/user-agent.js';
import { ENRICH_QUEUE, FETCH_QUEUE, type EnrichJob, type FetchJob } from '../queue/names.js';
import { enqueueEnrich, openQueues } from '../queue/queues.js';
import { reconcileSchedulers, type ReconcileResult } from '../queue/scheduler.js';
import { ConnectionWatch, type RedisTarget } from '../store/connection.js';
import type { PaceOptions } from '../store/hosts.js';
import { keys } from '../store/keys.js';
import { ingestClassifier, ingestDeps } from './ingest-deps.js';
import { startRetrainWorker, type RetrainWorker } from './retrain.js';
import { ModelStore } from '../store/model-versions.js';

export const WORKER_ROLES = ['fetch', 'enrich', 'retrain'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

export interface WorkerOptions {
  target: RedisTarget;
  prefix: string;
  configDir?: string;
  /** fetch and enrich process the ingest queues; retrain runs the nightly classifier retrain. */
  roles: WorkerRole[];
  /** Jobs at once per process (default fetch 10, enrich 4). */
  concurrency?: number;
  pace?: Partial<PaceOptions>;
  /** BullMQ lock: a job whose worker died is taken over after this long (default 30 s). */
  lockDurationMs?: number;
  /** Reconcile job schedulers with sources.yaml at start and on change (fetch role; default true). */
  schedule?: boolean;
  /** Reload sources.yaml when the file changes (default true). */
  watchConfig?: boolean;
  /**
   * Reconcile the job schedulers this often besides (default 10 min; 0: never), and always once
   * Redis is back after a lost connection: a Redis restarted without its data lost them.
   */
  reconcileEveryMs?: number;
  log: (message: string) => void;
}

export interface RunningWorkers {
  /** Re-reads the configuration and reconciles schedulers (SIGHUP does this). */
  reload(): Promise<ReconcileResult | undefined>;
  close(): Promise<void>;
}

/**
 * `ssnews worker`: processes the fetch and/or enrich queues, and/or runs the nightly retrain.
 * The config is re-read when sources.yaml changes or on reload(); a bad edit is reported and
 * the last good config kept.
 */
export async function startWorkers(options: WorkerOptions): Promise<RunningWorkers> {
  let config = loadConfig(options.configDir);
  const schedule = options.schedule ?? true;
  const redisWatch = new ConnectionWatch(options.log);
  // A retrain-only process needs neither the ingest classifier nor the queues.
  const ingest = options.roles.some((r) => r !== 'retrain')
    ? await startIngestWorkers(options, () => config, redisWatch)
    : undefined;
  let retrainer: RetrainWorker | undefined;

  // What the ingest workers take from the config: the User-Agent, and one schedule per source.
  const apply = async (): Promise<ReconcileResult | undefined> => {
    if (!ingest) return undefined;
    ingest.deps.userAgent = userAgent(config.newsletter);
    if (!options.roles.includes('fetch') || !schedule) return undefined;
    const r = await reconcileSchedulers(ingest.queues.fetch, config.sources);
    if (r.added.length + r.changed.length + r.removed.length > 0) {
      options.log(
        `schedules: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed, ${r.unchanged.length} unchanged`,
      );
    }
    return r;
  };
  const reload = async (): Promise<ReconcileResult | undefined> => {
    try {
      config = loadConfig(options.configDir);
    } catch (err) {
      if (err instanceof ConfigError) {
        options.log(`configuration error, keeping the previous configuration:\n${err.message}`);
        return undefined;
      }
      throw err;
    }
    return apply();
  };
  try {
    if (options.roles.includes('retrain'))
      retrainer = await startRetrainWorker({
        target: options.target,
        prefix: options.prefix,
        config,
        log: options.log,
        watch: redisWatch,
      });
    // The config was just read: apply it, no need to read it again.
    await apply();
  } catch (err) {
    // The ingest workers already take jobs: a process that failed to start must not go on.
    await ingest?.close();
    await retrainer?.close();
    throw err;
  }

  // Job schedulers lost with Redis's data come back without a SIGHUP: when Redis is back, and
  // on a slow timer for a loss no connection saw (a failover, a FLUSHALL).
  const reconcile = (why: string) =>
    void apply().catch((e: Error) => options.log(`schedules not reconciled (${why}): ${e.message}`));
  redisWatch.onRestored(() => reconcile('Redis is back'));
  const every = options.reconcileEveryMs ?? 10 * 60_000;
  const timer = every > 0 ? setInterval(() => reconcile('timer'), every) : undefined;
  timer?.unref();

  // Only the ingest workers use a reloaded config (the retrainer keeps the one it started with).
  let watcher: FSWatcher | undefined;
  if (ingest && (options.watchConfig ?? true)) {
    let timer: NodeJS.Timeout | undefined;
    try {
      watcher = watch(config.files.sources, () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => void reload().catch((e: Error) => options.log(`reload failed: ${e.message}`)),
          300,
        );
      });
    } catch {
      options.log(`cannot watch ${config.files.sources}; send SIGHUP to reload`);
    }
  }

  return {
    reload,
    async close() {
      clearInterval(timer);
      watcher?.close();
      await ingest?.close();
      await retrainer?.close();
    },
  };
}

/** The fetch and/or enrich workers of options.roles, with the classifier and stores they share. */
async function startIngestWorkers(
  options: WorkerOptions,
  currentConfig: () => Config,
  watch: ConnectionWatch,
) {
  const redis = watch.open(options.target, 'commands');
  const queues = openQueues(options.target, options.prefix, watch);
  const classifier = await ingestClassifier(currentConfig(), new ModelStore(redis, options.prefix)).catch(
    async (err: unknown) => {
      await queues.close();
      await redis.quit().catch(() => redis.disconnect());
      throw err;
    },
  );
  const lockDuration = options.lockDurationMs ?? 30_000;
  const deps: IngestDeps = {
    ...ingestDeps(redis, options.prefix, currentConfig(), classifier, options.pace),
    enrich: (requests) => enqueueEnrich(queues.enrich, requests),
    // Lapses before BullMQ's job lock, so a dead worker's job, taken over, finds its source free.
    lockTtlMs: Math.max(1, Math.floor(lockDuration / 2)),
  };
  const connections = [redis];
  const workerConnection = () => {
    connections.push(watch.open(options.target, 'worker', { maxRetriesPerRequest: null }));
    return connections.at(-1)!;
  };
  const workers: Worker[] = [];
  const bull = keys(options.prefix).bullPrefix;
  const common = {
    prefix: bull,
    lockDuration,
    stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
  };
  const sourceOf = (id: string) => currentConfig().sources.find((s) => s.id === id);

  if (options.roles.includes('fetch')) {
    workers.push(
      new Worker<FetchJob, SourceRun | { outcome: 'not-configured' }>(
        FETCH_QUEUE,
        async (job: Job<FetchJob>) => {
          const source = sourceOf(job.data.sourceId);
          if (!source || !source.enabled) return { outcome: 'not-configured' as const };
          // A failure, a deferral or 'busy' (another job has the source and is fetching it) is
          // recorded and reported, not thrown: the source's state and schedule retry it, and this
          // job adds no other (see ingestSource).
          const run = await ingestSource(deps, source, {
            force: job.data.reason === 'manual',
            lockOwner: `job-${job.id}`,
          });
          // The failure says what happened; when it is tried again is the worker's to say.
          const again = run.retryInMs
            ? `; trying again in ${Math.ceil(run.retryInMs / 60_000)} min at the earliest`
            : '';
          if (run.error) options.log(`${source.id}: ${run.outcome}: ${run.error}${again}`);
          return run;
        },
        { ...common, connection: workerConnection(), concurrency: options.concurrency ?? 10 },
      ),
    );
  }
  if (options.roles.includes('enrich')) {
    workers.push(
      new Worker<EnrichJob>(
        ENRICH_QUEUE,
        async (job: Job<EnrichJob>) => enrichItem(deps, job.data.itemId, sourceOf(job.data.sourceId)),
        { ...common, connection: workerConnection(), concurrency: options.concurrency ?? 4 },
      ),
    );
  }
  for (const w of workers) w.on('error', (err) => watch.error(err, 'worker error'));

  return {
    deps,
    queues,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await classifier.close();
      await queues.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
