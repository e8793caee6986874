import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueFetch, openQueues, type IngestQueues } from '../../src/queue/queues.js';
import { startWorkers, type RunningWorkers } from '../../src/worker/start.js';
import { decodeBody } from '../../src/ingest/charset.js';
import { ItemStore } from '../../src/store/items.js';
import { SourceStateStore } from '../../src/store/sources.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http.js';
import { useTestRedis } from '../helpers/redis.js';

// The shared corpus sits beside the repository (CI clones main with shared/ next to it).
const CORPUS = resolve(fileURLToPath(new URL('../../../shared/corpus/feeds/', import.meta.url)));
// In a clone with nothing beside it the corpus is absent: say so plainly rather than fail.
const present = existsSync(join(CORPUS, 'manifest.tsv'));
if (!present)
  console.log(`corpus test skipped: no feed corpus at ${CORPUS} (CI has ../shared beside the clone)`);
const rows = (present ? readFileSync(join(CORPUS, 'manifest.tsv'), 'utf8') : 'header\n')
  .trim()
  .split('\n')
  .slice(1)
  .map((line, i) => {
    const [path, , , expectation] = line.split('\t');
    // Many feedparser cases test one channel element and carry no entry at all.
    const hasEntries = /<(\w+:)?(item|entry)[\s>]/.test(
      decodeBody(readFileSync(join(CORPUS, path!)), undefined).text,
    );
    return { id: `corpus-${i + 1}`, path: path!, expectation: expectation!, hasEntries };
  });

/** parse-ok files we knowingly cannot read, each for a stated reason (a clear per-source error instead). */
const KNOWN_UNREADABLE: Record<string, string> = {
  'feedparser/wellformed/rss/entity_in_doctype.xml':
    'entity declared in a DOCTYPE: the XML parser does not expand internal entities',
};

describe.runIf(present)('the shared feed corpus through the worker path', () => {
  const redis = useTestRedis();
  let http: TestHttpServer;
  let workers: RunningWorkers;
  let queues: IngestQueues;
  const prefix = 'corpus:';

  beforeAll(async () => {
    http = await startHttpServer();
    for (const row of rows) {
      const body = readFileSync(join(CORPUS, row.path));
      http.route(
        `/${row.path}`,
        (_req, res) => void res.writeHead(200, { 'content-type': 'application/xml' }).end(body),
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-corpus-'));
    writeFileSync(
      join(dir, 'sources.yaml'),
      'sources:\n' +
        rows
          .map(
            (r) =>
              `  - { id: ${r.id}, name: "${r.path}", kind: feed, url: "${http.origin}/${r.path}", every: 1h, allowPrivateNetwork: true }\n`,
          )
          .join(''),
    );
    const target = { options: redis.server.connection, description: 'test' };
    workers = await startWorkers({
      target,
      prefix,
      configDir: dir,
      roles: ['fetch'],
      schedule: false,
      watchConfig: false,
      concurrency: 16,
      pace: { minGapMs: 0, perHost: 16 },
      log: () => {},
    });
    queues = openQueues(target, prefix);
  });
  afterAll(async () => {
    await workers?.close();
    await queues?.close();
    await http?.close();
  });

  it(`fetches, parses and stores all ${rows.length} files without a crash or hang`, async () => {
    await enqueueFetch(
      queues.fetch,
      rows.map((r) => r.id),
      'corpus',
    );
    for (;;) {
      const counts = await queues.fetch.getJobCounts('completed', 'failed');
      if ((counts.completed ?? 0) + (counts.failed ?? 0) >= rows.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await queues.fetch.getJobCounts('failed')).toEqual({ failed: 0 });
    const states = await new SourceStateStore(redis.client, prefix).getMany(rows.map((r) => r.id));
    const problems: string[] = [];
    rows.forEach((row, i) => {
      const s = states[i]!;
      if (!s.lastFetchAt) problems.push(`${row.path}: never fetched`);
      else if (
        row.expectation === 'parse-ok' &&
        row.hasEntries &&
        !KNOWN_UNREADABLE[row.path] &&
        !(s.lastItems! > 0) &&
        !/^no-items: /.test(s.lastError ?? '')
      )
        problems.push(`${row.path}: parse-ok but ${s.lastError ?? 'no items'}`);
      else if (!(s.lastItems! > 0) && !/^(parse|not-a-feed|no-items): ./.test(s.lastError ?? ''))
        problems.push(`${row.path}: neither items nor a clear error (${s.lastError})`);
    });
    expect(problems).toEqual([]);
    const withItems = states.filter((s) => s.lastItems! > 0).length;
    expect((await new ItemStore(redis.client, prefix).list()).length).toBeGreaterThan(withItems);
    // Nearly all parse-ok files carry entries; the rest are single-element feedparser tests.
    expect(
      rows.filter((r, i) => r.expectation === 'parse-ok' && states[i]!.lastItems! > 0).length,
    ).toBeGreaterThan(50);
  });
});
