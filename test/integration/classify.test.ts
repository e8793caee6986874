import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { SectorId } from '../../src/config/schema.js';
import { loadClassifier, type ClassifierHandle } from '../../src/classify/index.js';
import { startRetrainWorker } from '../../src/worker/retrain.js';
import { RETRAIN_JOB, RETRAIN_QUEUE, RETRAIN_SCHEDULER_ID } from '../../src/queue/names.js';
import { openQueues } from '../../src/queue/queues.js';
import { startWorkers } from '../../src/worker/start.js';
import { keys } from '../../src/store/keys.js';
import { Queue } from 'bullmq';
import { ItemStore } from '../../src/store/items.js';
import { reclassify, sectorHintOf } from '../../src/classify/reclassify.js';
import { LabelStore } from '../../src/store/labels.js';
import { ModelStore } from '../../src/store/model-versions.js';
import { Redis } from 'ioredis';
import { runCli } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'ssnews-classify-'));

// Hand-made: extra ("note") and reordered columns. Row r5 is deliberately mislabelled
// (a fire station is not health, nor about collaboration), so the figures are not all 1.
const EVAL_TSV = [
  'note\trelevant\ttitle\tid\tsector\tsummary',
  'a\tyes\tKent Police and Essex Police merge back-office functions\tr1\tblue-light\tThe two forces will share HR and finance teams.',
  'b\tno\tManchester City Council raises council tax by 5%\tr2\tlocal-government\tThe council says budget pressures forced the rise.',
  'c\tyes\tUniversity of Leeds and Leeds Beckett University to share library services\tr3\thigher-education\tStudents at both universities will be able to use either library.',
  'd\tno\tNHS trust appoints new chief nurse\tr4\thealth\tThe hospital trust has named its new director of nursing.',
  'e\tyes\tSurrey Fire and Rescue Service opens new fire station\tr5\thealth\tFirefighters moved into the new station in Guildford this week.',
  'f\tyes\tTwo hospital trusts in Birmingham agree to merge\tr6\thealth\tThe NHS trusts will become one organisation next April.',
].join('\n');

const redis = useTestRedis();
let env: NodeJS.ProcessEnv;
const prefix = 'ssnews:';
let labels: LabelStore;
let models: ModelStore;

beforeAll(async () => {
  env = { REDIS_URL: redis.server.url, SSNEWS_DATA_DIR: dir };
  writeFileSync(join(dir, 'eval.tsv'), EVAL_TSV);
});

describe('ssnews classify TITLE', () => {
  it('prints sector, confidence, relevance and the explanation', async () => {
    const run = await runCli([
      'classify',
      'Kent Police and Essex Police agree joint collaboration on firearms training',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^sector +blue-light \(confidence \d\.\d\d\)/m);
    expect(run.stdout).toMatch(/^relevance +\d\.\d\d \(relevant\)/m);
    expect(run.stdout).toMatch(/^why +gazetteer: Kent Police \(blue-light\)/m);
  });

  it('prints one JSON document with --json, and takes a summary and a source hint', async () => {
    const run = await runCli([
      'classify',
      'New chief executive appointed',
      'She starts in May.',
      '--hint',
      'health',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(c).toMatchObject({ sector: 'health', relevant: false, modelVersion: 'bundled' });
    expect(Object.keys(c).sort()).toEqual([
      'confidence',
      'explanation',
      'modelVersion',
      'needsReview',
      'relevance',
      'relevant',
      'sector',
    ]);
    expect(c.explanation).toMatch(/source: health/);
  });

  it('exits 2 on bad usage', async () => {
    expect((await runCli(['classify'])).code).toBe(2);
    expect((await runCli(['classify', 'x', '--hint', 'nhs'])).code).toBe(2);
  });
});

// A tiny training set the eval tests train on (`--config` with its own training/), so the
// figures do not move when config/training/ grows.
const TINY_TRAIN = [
  'id\ttitle\tsummary\tsector\trelevant',
  'x1\tTwo police forces agree to share a joint firearms unit\tThe forces will run one team.\tblue-light\tyes',
  'x2\tPolice officers praised for bravery\tThe officers were given awards.\tblue-light\tno',
  'x3\tCouncils agree shared chief executive\tThe two councils will share a top officer.\tlocal-government\tyes',
  'x4\tCouncil approves annual budget\tCouncillors voted for the spending plan.\tlocal-government\tno',
  'x5\tUniversities form partnership on research\tThe universities will collaborate on science.\thigher-education\tyes',
  'x6\tUniversity opens new sports hall\tStudents can use it from autumn.\thigher-education\tno',
  'x7\tHospital trusts merge to form group\tThe NHS trusts will share one board.\thealth\tyes',
  'x8\tHospital wins award for maternity care\tPatients praised the midwives.\thealth\tno',
].join('\n');

describe('ssnews classify eval', () => {
  const cfg = join(dir, 'cfg');
  beforeAll(() => {
    mkdirSync(join(cfg, 'training'), { recursive: true });
    writeFileSync(join(cfg, 'training', 'train.tsv'), TINY_TRAIN);
    // A configuration directory needs its own sources.yaml; the rest is borrowed.
    copyFileSync(join(loadConfig().dir, 'sources.yaml'), join(cfg, 'sources.yaml'));
  });

  it('reports accuracy, F1 and the confusion matrix beside the keyword baseline', async () => {
    const out = join(dir, 'figures.tsv');
    const run = await runCli([
      'classify',
      'eval',
      '--file',
      join(dir, 'eval.tsv'),
      '--config',
      cfg,
      '--predictions',
      out,
      '--json',
    ]);
    expect(run.code).toBe(0);
    type Prf = { precision: number; recall: number; f1: number; support: number };
    const r = JSON.parse(run.stdout) as {
      training: { rows: number; excludedBecauseEvaluated: number };
      model: {
        rows: number;
        sector: {
          accuracy: number;
          macroF1: number;
          coreMacroF1: number;
          perSector: Record<string, Prf>;
          confusion: Record<string, Record<string, number>>;
        };
        relevance: Prf & { accuracy: number };
      };
      baseline: { sector: { accuracy: number }; relevance: { f1: number } };
    };
    expect(r.model.rows).toBe(6);
    expect(r.training).toEqual({ rows: 8, excludedBecauseEvaluated: 0 });

    // Recompute every figure from the predictions the run wrote, by hand-written formulas.
    const gold = EVAL_TSV.split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
      .map((c) => ({ sector: c[4]!, relevant: c[1] === 'yes' }));
    const pred = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
      .map((c) => ({ sector: c[2]!, relevant: c[5] === 'yes' }));
    expect(pred).toHaveLength(6);
    // Hand-checked: the gazetteer names Kent Police, Surrey Fire and Rescue Service and the
    // universities; r5 is labelled health, so the sector figures cannot all be 1.
    expect(pred.map((p) => p.sector)).toEqual([
      'blue-light',
      'local-government',
      'higher-education',
      'health',
      'blue-light',
      'health',
    ]);
    const f1 = (tp: number, predicted: number, actual: number) => {
      const p = predicted ? tp / predicted : 0;
      const q = actual ? tp / actual : 0;
      return { precision: p, recall: q, f1: p + q ? (2 * p * q) / (p + q) : 0, support: actual };
    };
    const sectorPrf = (s: string) =>
      f1(
        gold.filter((g, i) => g.sector === s && pred[i]!.sector === s).length,
        pred.filter((p) => p.sector === s).length,
        gold.filter((g) => g.sector === s).length,
      );
    expect(r.model.sector.accuracy).toBeCloseTo(5 / 6, 10);
    expect(r.model.sector.perSector['blue-light']).toEqual({
      precision: 0.5,
      recall: 1,
      f1: 2 / 3,
      support: 1,
    });
    expect(r.model.sector.perSector['health']!.f1).toBeCloseTo(0.8, 10);
    expect(r.model.sector.macroF1).toBeCloseTo((2 / 3 + 0.8 + 1 + 1) / 4, 10);
    expect(r.model.sector.coreMacroF1).toBeCloseTo((2 / 3 + 0.8 + 1 + 1) / 4, 10);
    for (const s of ['local-government', 'health', 'higher-education', 'blue-light']) {
      expect(r.model.sector.perSector[s]!.f1).toBeCloseTo(sectorPrf(s).f1, 10);
    }
    expect(r.model.sector.confusion['health']).toEqual({
      'local-government': 0,
      health: 2,
      'higher-education': 0,
      'blue-light': 1,
    });

    // Relevance: whatever the model says, the reported figures are those of its predictions.
    const rel = f1(
      gold.filter((g, i) => g.relevant && pred[i]!.relevant).length,
      pred.filter((p) => p.relevant).length,
      gold.filter((g) => g.relevant).length,
    );
    expect(r.model.relevance.precision).toBeCloseTo(rel.precision, 10);
    expect(r.model.relevance.recall).toBeCloseTo(rel.recall, 10);
    expect(r.model.relevance.f1).toBeCloseTo(rel.f1, 10);
    expect(r.model.relevance.accuracy).toBeCloseTo(
      gold.filter((g, i) => g.relevant === pred[i]!.relevant).length / 6,
      10,
    );
    // Hand-checked: r1, r3 and r6 are plainly about collaboration; r2 and r4 plainly not.
    expect([0, 1, 2, 3, 5].map((i) => pred[i]!.relevant)).toEqual([true, false, true, false, true]);
    // r5 is labelled relevant but is a fire station opening: the model says no.
    expect(pred[4]!.relevant).toBe(false);
    expect(r.model.relevance).toMatchObject({ precision: 1, recall: 0.75, support: 4 });
    expect(r.model.relevance.f1).toBeCloseTo(6 / 7, 10);
    expect(r.baseline.sector.accuracy).toBeGreaterThan(0);
  });

  it('prints tables for people and writes one prediction row per input row', async () => {
    const out = join(dir, 'predictions.tsv');
    const run = await runCli([
      'classify',
      'eval',
      '--file',
      join(dir, 'eval.tsv'),
      '--config',
      cfg,
      '--predictions',
      out,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/macro-F1, 4 core sectors/);
    expect(run.stdout).toMatch(/keyword baseline/);
    expect(run.stdout).toMatch(/confusion matrix/);
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(lines[0]).toEqual(['id', 'title', 'sector', 'confidence', 'relevance', 'relevant']);
    expect(lines).toHaveLength(7);
    expect(lines.map((l) => l[0])).toEqual(['id', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(lines[5]!.slice(1, 3)).toEqual([
      'Surrey Fire and Rescue Service opens new fire station',
      'blue-light',
    ]);
    for (const l of lines.slice(1)) {
      expect(Number(l[3])).toBeGreaterThanOrEqual(0);
      expect(Number(l[4])).toBeLessThanOrEqual(1);
      expect(['yes', 'no']).toContain(l[5]);
    }
  });

  it('never trains on the rows it evaluates', async () => {
    const training = join(loadConfig().dir, 'training', 'train.tsv');
    const run = await runCli(['classify', 'eval', '--file', training, '--json']);
    const r = JSON.parse(run.stdout) as { training: { rows: number; excludedBecauseEvaluated: number } };
    expect(r.training.rows).toBe(0);
    expect(r.training.excludedBecauseEvaluated).toBeGreaterThan(500);
  });

  it('exits 2 with the file named when the TSV has no title column', async () => {
    writeFileSync(join(dir, 'bad.tsv'), 'text\tsector\nx\thealth\n');
    const run = await runCli(['classify', 'eval', '--file', join(dir, 'bad.tsv')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.tsv:1: header: expected a "title" column/);
  });
});

describe('learning from editors', () => {
  let handle: ClassifierHandle;
  const odd = (n: number) => ({
    title: `Zorblaxian quadrennial wibble review number ${n}`,
    summary: 'The zorblaxian wibble panel met again.',
  });
  // What the editors teach: a sector and relevance the bundled model does NOT give the nonsense
  // items (whatever the training data makes it say), so the change can only come from the labels.
  // Not blue-light (new2 below) nor other (the stale classification).
  let target: SectorId;
  let targetRelevant: boolean;

  beforeAll(async () => {
    labels = new LabelStore(redis.client, prefix);
    models = new ModelStore(redis.client, prefix);
    handle = await loadClassifier({ sectors: loadConfig().sectors, models, pollMs: 3_600_000 });
    const before = handle.classify(odd(99));
    const candidates: SectorId[] = [
      'higher-education',
      'leadership',
      'private-sector',
      'health',
      'local-government',
    ];
    target = candidates.find(
      (s) => s !== before.sector && [1, 3, 5, 7].every((n) => handle.classify(odd(n)).sector !== s),
    )!;
    targetRelevant = !before.relevant;
  });
  afterAll(() => handle.close());

  it('stores one label per item, merging a later sector move with a relevance decision', async () => {
    await labels.record({ itemId: 'i1', title: 'T', sector: 'health', editor: 'ann' });
    await labels.record({ itemId: 'i1', title: 'T', relevant: false });
    const stored = await labels.list();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ itemId: 'i1', sector: 'health', relevant: false, editor: 'ann' });
    await redis.client.del('ssnews:labels');
  });

  it('retrains on editor labels and a running classifier switches to the new model', async () => {
    expect(handle.version).toBe('bundled');
    const before = handle.classify(odd(99));
    expect(before.sector).not.toBe(target);
    expect(before.relevant).not.toBe(targetRelevant);
    for (let i = 0; i < 6; i++)
      await labels.record({ itemId: `odd-${i}`, ...odd(i), sector: target, relevant: targetRelevant });
    expect(await labels.list()).toHaveLength(6);

    const swapped = once(handle, 'swap');
    const run = await runCli(['classify', 'retrain', '--json'], env);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { version: string; editorLabels: number; trainingRows: number };
    expect(result).toMatchObject({ version: 'v1', editorLabels: 6 });
    expect(result.trainingRows).toBeGreaterThan(500);
    expect(await swapped).toEqual(['v1']);

    expect(handle.version).toBe('v1');
    const after = handle.classify(odd(99));
    expect(after).toMatchObject({ sector: target, relevant: targetRelevant, modelVersion: 'v1' });
    // Ordinary items are still classified as before.
    expect(handle.classify({ title: 'Kent Police and Essex Police agree joint collaboration' }).sector).toBe(
      'blue-light',
    );
    expect(await models.currentVersion()).toBe('v1');
  });

  it('`classify --stored` uses the stored model', async () => {
    const run = await runCli(['classify', odd(7).title, odd(7).summary, '--stored', '--json'], env);
    expect(JSON.parse(run.stdout)).toMatchObject({ sector: target, modelVersion: 'v1' });
  });

  it('a worker started after a retrain loads the stored model', async () => {
    const later = await loadClassifier({ sectors: loadConfig().sectors, models });
    expect(later.version).toBe('v1');
    await later.close();
  });

  it('re-classifies stored items of the last N days, keeping editor choices', async () => {
    const store = new ItemStore(redis.client, prefix);
    const now = Date.now();
    const stale = {
      sector: 'other' as const,
      confidence: 0.2,
      explanation: 'old',
      relevance: 0,
      relevant: false,
      needsReview: true,
      modelVersion: 'v0',
    };
    const base = { url: 'https://example.org/', sourceId: 's', seenAt: new Date(now).toISOString() };
    await store.upsertMany([
      {
        ...base,
        id: 'new1',
        url: 'https://example.org/1',
        ...odd(1),
        publishedAt: new Date(now - 86_400_000).toISOString(),
        classification: stale,
      },
      {
        ...base,
        id: 'new2',
        url: 'https://example.org/2',
        title: 'Kent Police and Essex Police merge control rooms',
        publishedAt: new Date(now - 2 * 86_400_000).toISOString(),
        classification: stale,
      },
      {
        ...base,
        id: 'old1',
        url: 'https://example.org/3',
        ...odd(3),
        publishedAt: new Date(now - 30 * 86_400_000).toISOString(),
        classification: stale,
      },
    ]);
    await store.setEditorSector('new2', 'local-government');

    const run = await runCli(['classify', 'reclassify', '--days', '7', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ checked: 2, updated: 2, moved: 1, version: 'v1' });
    expect((await store.get('new1'))!.classification).toMatchObject({ sector: target, modelVersion: 'v1' });
    const kept = (await store.get('new2'))!;
    expect(kept.classification.sector).toBe('blue-light');
    expect(kept.editorSector).toBe('local-government');
    expect((await store.list({ sector: target })).map((i) => i.id)).toEqual(['new1']);
    expect((await store.get('old1'))!.classification.modelVersion).toBe('v0');
  });

  it('re-classifies with the sector hint of the sources that carried each item, as ingest does', async () => {
    const store = new ItemStore(redis.client, `${prefix}hint:`);
    const classification = {
      sector: 'other' as const,
      confidence: 0.2,
      explanation: 'old',
      relevance: 0,
      relevant: false,
      needsReview: true,
      modelVersion: 'v0',
    };
    const at = new Date().toISOString();
    await store.upsertMany([
      {
        id: 'h1',
        url: 'https://example.org/h1',
        title: 'Shared back office agreed',
        publishedAt: at,
        classification,
        sourceId: 'unhinted',
        seenAt: at,
      },
      {
        id: 'h1',
        url: 'https://example.org/h1',
        title: 'Shared back office agreed',
        publishedAt: at,
        classification,
        sourceId: 'police-news',
        seenAt: at,
      },
      {
        id: 'h2',
        url: 'https://example.org/h2',
        title: 'Another story',
        publishedAt: at,
        classification,
        sourceId: 'gone',
        seenAt: at,
      },
    ]);
    const hints: Record<string, string | undefined> = {};
    const recorder = {
      version: 'rec',
      classify: (input: { title: string; sectorHint?: string }) => (
        (hints[input.title] = input.sectorHint),
        { ...classification, modelVersion: 'rec' }
      ),
    };
    const hintOf = sectorHintOf([{ id: 'unhinted' }, { id: 'police-news', sector: 'blue-light' }]);
    await reclassify(store, recorder, 7, hintOf);
    expect(hints).toEqual({ 'Shared back office agreed': 'blue-light', 'Another story': undefined });
  });

  it('the nightly retrain is a job scheduler whose jobs store a new version the handle picks up', async () => {
    const logs: string[] = [];
    const worker = await startRetrainWorker({
      target: { options: redis.server.connection, description: 'test' },
      prefix,
      config: loadConfig(),
      log: (m) => logs.push(m),
    });
    try {
      const schedulers = await worker.queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([
        [RETRAIN_SCHEDULER_ID, '30 2 * * *', 'Europe/London'],
      ]);
      const swapped = once(handle, 'swap');
      await worker.queue.add(RETRAIN_JOB, {});
      expect(await swapped).toEqual(['v2']);
      expect(handle.version).toBe('v2');
      expect(handle.classify(odd(5)).sector).toBe(target);
    } finally {
      await worker.close();
    }
    expect(logs.join('\n')).toMatch(/classifier retrained: model v2 \(\d+ training rows \+ 6 editor labels/);
  });

  it('a retrain-only worker process takes retrain jobs and no ingest jobs', async () => {
    const target = { options: redis.server.connection, description: 'test' };
    const probe = new Redis(redis.server.connection);
    const modelListeners = async () =>
      ((await probe.pubsub('NUMSUB', keys(prefix).modelChannel)) as [string, number])[1];
    const listenersBefore = await modelListeners();
    const running = await startWorkers({
      target,
      prefix,
      roles: ['retrain'],
      watchConfig: false,
      log: () => {},
    });
    const queues = openQueues(target, prefix);
    const retrainQueue = new Queue(RETRAIN_QUEUE, {
      connection: redis.server.connection,
      prefix: keys(prefix).bullPrefix,
    });
    try {
      expect(await retrainQueue.getWorkersCount()).toBe(1);
      expect(await queues.fetch.getWorkersCount()).toBe(0);
      expect(await queues.enrich.getWorkersCount()).toBe(0);
      // Nor does it build the ingest classifier, which would listen for new models.
      expect(await modelListeners()).toBe(listenersBefore);
    } finally {
      await probe.quit();
      await running.close();
      await retrainQueue.close();
      await queues.close();
    }
  });
});
