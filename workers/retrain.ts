// Process entry point for the nightly classifier retrain: `tsx workers/retrain.ts [CONFIG_DIR]`.
// Registers the job scheduler (config/classify.yaml retrain.cron) and runs its jobs until stopped.
import { loadSettings } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { startRetrainWorker } from '../src/classify/retrain-worker.js';
import { resolveRedis } from '../src/store/connection.js';

const settings = loadSettings(process.env);
const config = loadConfig(process.argv[2] ?? settings.configDir);
const log = (m: string) => process.stderr.write(`${m}\n`);
const worker = await startRetrainWorker({ target: await resolveRedis(settings, log), prefix: settings.keyPrefix, config, log });
log('retrain worker running; Ctrl-C to stop');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.close().then(() => process.exit(0)));
