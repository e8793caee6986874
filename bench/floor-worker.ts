/**
 * The ingest bench's floor: a BullMQ worker that fetches each job's feed over loopback and
 * parses it with rss-parser, and does nothing else (no politeness, state, normalising,
 * classifying, dedupe or storing). Run as two processes like the real workers, it measures
 * the least CPU per item any pipeline built on these parts could spend on this machine.
 *
 * node dist/bench/floor-worker.js REDIS_URL QUEUE_PREFIX URLS_JSON_FILE
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import Parser from 'rss-parser';
import { Agent, request } from 'undici';
import { optionsFromUrl } from '../src/store/connection.js';
import { FETCH_QUEUE, type FetchJob } from '../src/queue/names.js';

const [redisUrl = '', prefix = '', urlsFile = ''] = process.argv.slice(2);
const urls = JSON.parse(readFileSync(urlsFile, 'utf8')) as Record<string, string>;
const parser = new Parser();
const agent = new Agent({ keepAliveTimeout: 10_000 });

const worker = new Worker<FetchJob>(
  FETCH_QUEUE,
  async (job) => {
    const res = await request(urls[job.data.sourceId]!, { dispatcher: agent });
    return { items: (await parser.parseString(await res.body.text())).items.length };
  },
  // The same concurrency as the bench gives the real workers.
  {
    connection: new Redis({ ...optionsFromUrl(redisUrl), maxRetriesPerRequest: null }),
    prefix,
    concurrency: 10,
  },
);
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
