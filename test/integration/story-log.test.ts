import { describe, expect, it } from 'vitest';
import { StoryClusters } from '../../src/dedupe/cluster.js';
import { enrichItem } from '../../src/ingest/enrich.js';
import { storeParsed, type IngestDeps } from '../../src/ingest/ingest-source.js';
import { stem, storyProfile, storyWordHash } from '../../src/dedupe/similarity.js';
import { ItemStore } from '../../src/store/items.js';
import { StoryLog } from '../../src/store/story-log.js';
import { serve, startHttpServer } from '../helpers/http.js';
import { testIngestDeps } from '../helpers/ingest.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();

const at = new Date();
const parsed = (link: string, title: string, summary: string) => ({
  items: [{ title, link, summary, publishedAt: new Date(at.getTime() - 3_600_000).toISOString() }],
  skipped: 0,
});

/** An upsert of a story as ingest sends it; its cluster its own unless given. */
const upsertOf = (deps: IngestDeps, id: string, title: string, sourceId: string, clusterId = id) => ({
  id, url: `https://x.example/${id}`, title, publishedAt: at.toISOString(), classification: deps.classifier.classify({ title }),
  clusterId, sourceId, seenAt: at.toISOString(), story: storyProfile({ title, publishedAt: at.toISOString() }),
});
const EASTMOOR = ['Eastmoor police and fire services to share a headquarters', 'Police and fire services in Eastmoor to share a headquarters'] as const;

/** Two outlets' copies of one story, each stored alone against the same (empty) log, and no one has read the log back. */
async function storeSplit(deps: IngestDeps, [first, second]: [string, string]): Promise<void> {
  const { asOf } = deps.stories.assign([], 'x');
  await deps.items.upsertMany([upsertOf(deps, first, EASTMOOR[0], 'gazette')], asOf);
  await deps.items.upsertMany([upsertOf(deps, second, EASTMOOR[1], 'localgov')], asOf);
}

describe('story clusters across processes', () => {
  it('a second process finds a near-duplicate another process stored, through the story log', async () => {
    const prefix = 'storylog1:';
    // Two processes: each its own StoryClusters (in-memory index) on the same Redis.
    const first = testIngestDeps(redis.client, prefix);
    const second = testIngestDeps(redis.client, prefix);
    const a = await storeParsed(first, { id: 'gazette' }, parsed('https://gazette.example/a', 'Kelbridge and Ashworth councils agree to share chief executive', 'The two councils will share a chief executive to save £1.1m.'), at);
    const b = await storeParsed(second, { id: 'localgov' }, parsed('https://localgov.example/b', 'Shared boss for Kelbridge and Ashworth as councils seal deal', 'Kelbridge and Ashworth will share a chief executive, saving £1.1m a year.'), at);
    expect(b.created[0]!.clusterId).toBe(a.created[0]!.clusterId);
    await second.stories.sync();
    expect(second.stories.size).toBe(2);
    // The same URL again from a third source changes no cluster and is logged with its sources.
    await storeParsed(second, { id: 'mj' }, parsed('https://gazette.example/a', 'Kelbridge and Ashworth councils agree to share chief executive', 'The two councils will share a chief executive to save £1.1m.'), at);
    const log = await new StoryLog(redis.client, prefix).readAfter('0-0');
    expect(log.entries.map((e) => [e.id, e.sourceIds])).toEqual([
      [a.created[0]!.id, ['gazette']],
      [b.created[0]!.id, ['localgov']],
      [a.created[0]!.id, ['gazette', 'mj']],
    ]);
  });

  it('two processes storing the same story at the same moment put it in one cluster', async () => {
    const prefix = 'storylog-race:';
    const first = testIngestDeps(redis.client, prefix);
    const second = testIngestDeps(redis.client, prefix);
    // Both read the log before either stores (one connection: the reads reach Redis first),
    // so the later store's cluster was chosen without the earlier story.
    const [a, b] = await Promise.all([
      storeParsed(first, { id: 'gazette' }, parsed('https://gazette.example/e', 'Eastmoor police and fire services to share a headquarters', 'Eastmoor Police and Eastmoor Fire and Rescue Service will move into one building.'), at),
      storeParsed(second, { id: 'localgov' }, parsed('https://localgov.example/e', 'Police and firefighters to move in together in Eastmoor', 'Eastmoor Police and Eastmoor Fire and Rescue will share one headquarters building.'), at),
    ]);
    expect(b.created[0]!.clusterId).toBe(a.created[0]!.clusterId);
    // As stored: the later item's move is logged for every process.
    expect((await first.items.get(b.created[0]!.id))!.clusterId).toBe(a.created[0]!.id);
    await first.stories.sync();
    expect(first.stories.size).toBe(2);
  });

  it('three batches of one process storing the same story at the same moment end in one cluster', async () => {
    const deps = testIngestDeps(redis.client, 'storylog-three:');
    const [a, b, c] = await Promise.all([
      storeParsed(deps, { id: 'gazette' }, parsed('https://gazette.example/m', 'Marlshire hospital trusts to merge back offices', 'Marlshire Hospitals and Marlshire Community trusts will share one back office.'), at),
      storeParsed(deps, { id: 'localgov' }, parsed('https://localgov.example/m', 'Marlshire trusts merge back office teams', 'The Marlshire Hospitals and Marlshire Community trusts will merge their back offices.'), at),
      storeParsed(deps, { id: 'hsj' }, parsed('https://hsj.example/m', 'Back offices of two Marlshire trusts to merge', 'Marlshire Hospitals and Marlshire Community will run one back office.'), at),
    ]);
    expect(new Set([a, b, c].map((r) => r.created[0]!.clusterId)).size).toBe(1);
    // As stored, not only as returned.
    const stored = await deps.items.getMany([a, b, c].map((r) => r.created[0]!.id));
    expect(new Set(stored.map((i) => i.clusterId))).toEqual(new Set([a.created[0]!.id]));
  });

  it('a process that reads the log repairs a split the storing process died before repairing', async () => {
    const prefix = 'storylog-repair:';
    const writer = testIngestDeps(redis.client, prefix);
    await storeSplit(writer, ['e1', 'e2']);
    expect((await writer.items.get('e2'))!.clusterId).toBe('e2');
    const reader = testIngestDeps(redis.client, prefix);
    expect((await reader.stories.sync()).map((i) => [i.id, i.clusterId])).toEqual([['e2', 'e1']]);
    expect((await writer.items.get('e2'))!.clusterId).toBe('e1');
    // Another reader asks for the same move: nothing changes, nothing more is logged.
    const logged = (await new StoryLog(redis.client, prefix).readAfter('0-0')).entries.length;
    await testIngestDeps(redis.client, prefix).stories.sync();
    expect((await new StoryLog(redis.client, prefix).readAfter('0-0')).entries).toHaveLength(logged);
  });

  it('a move the store failed to make is made at the next read', async () => {
    const prefix = 'storylog-undone:';
    const writer = testIngestDeps(redis.client, prefix);
    await storeSplit(writer, ['u1', 'u2']);
    let failures = 1;
    const mover = { joinCluster: (...args: Parameters<ItemStore['joinCluster']>) => (failures-- > 0 ? Promise.reject(new Error('connection lost')) : writer.items.joinCluster(...args)) };
    const reader = new StoryClusters(new StoryLog(redis.client, prefix), mover);
    await expect(reader.sync()).rejects.toThrow('connection lost');
    expect((await writer.items.get('u2'))!.clusterId).toBe('u2');
    expect((await reader.sync()).map((i) => [i.id, i.clusterId])).toEqual([['u2', 'u1']]);
  });

  it('words published after a move carry the cluster the item is in now', async () => {
    const prefix = 'storylog-publish:';
    const d = testIngestDeps(redis.client, prefix);
    await d.items.upsertMany([upsertOf(d, 'p1', 'Story p1', 's1'), upsertOf(d, 'p2', 'Story p2', 's2')]);
    const before = (await d.items.get('p2'))!;
    await d.items.joinCluster('p2', 'p2', { id: 'p1', clusterId: 'p1' });
    // Enrichment read the item before the move, and publishes its words after it.
    await d.stories.publish({ ...before, summary: 'Filled in from the article page.' });
    const { entries } = await new StoryLog(redis.client, prefix).readAfter('0-0');
    expect(entries.at(-1)).toMatchObject({ id: 'p2', clusterId: 'p1' });
    expect(entries.at(-1)!.profile).toBeDefined();
  });

  it('a batch reading back its own entries waits for a read already in flight, and reads again', async () => {
    const prefix = 'storylog-inflight:';
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let gated = true;
    // A read whose reply is held back until the batch has stored (a read in flight).
    class HeldLog extends StoryLog {
      override async readAfter(cursor: string, count?: number) {
        const read = await super.readAfter(cursor, count);
        if (gated) {
          gated = false;
          await gate;
        }
        return read;
      }
    }
    const d = testIngestDeps(redis.client, prefix);
    const stories = new StoryClusters(new HeldLog(redis.client, prefix), d.items);
    const { asOf } = stories.assign([], 'x');
    await d.items.upsertMany([upsertOf(d, 'h1', EASTMOOR[0], 'gazette')], asOf);
    const inFlight = stories.sync();
    await d.items.upsertMany([upsertOf(d, 'h2', EASTMOOR[1], 'localgov')], asOf);
    const mine = stories.syncAll();
    release();
    await inFlight;
    expect((await mine).map((i) => [i.id, i.clusterId])).toEqual([['h2', 'h1']]);
  });

  it('stories that joined a cluster whose first story moved follow it, whether logged before or after the move', async () => {
    const prefix = 'storylog-follow:';
    const d = testIngestDeps(redis.client, prefix);
    const story = (id: string, clusterId: string, sourceId: string) => upsertOf(d, id, `Story ${id}`, sourceId, clusterId);
    await d.items.upsertMany([story('c', 'c', 's1'), story('a', 'a', 's2'), story('z1', 'a', 's3')]);
    await d.stories.sync();
    await d.items.joinCluster('a', 'a', { id: 'c', clusterId: 'c' });
    await d.items.upsertMany([story('z2', 'a', 's4')]);
    // One read moves z1 (joined before a moved) and z2 (joined after, by a process that had not seen the move).
    await testIngestDeps(redis.client, prefix).stories.sync();
    expect((await d.items.getMany(['a', 'z1', 'z2'])).map((i) => i.clusterId)).toEqual(['c', 'c', 'c']);
  });

  it('an unchanged re-fetch appends nothing, and a process started later replays the log', async () => {
    const prefix = 'storylog2:';
    const deps = testIngestDeps(redis.client, prefix);
    const feed = parsed('https://gazette.example/c', 'Marlshire fire and police to share headquarters', 'Marlshire Fire and Rescue Service and Marlshire Police will move into one building.');
    await storeParsed(deps, { id: 'gazette' }, feed, at);
    await storeParsed(deps, { id: 'gazette' }, feed, at);
    const log = new StoryLog(redis.client, prefix);
    expect((await log.readAfter('0-0')).entries).toHaveLength(1);
    const later = new StoryClusters(log, new ItemStore(redis.client, prefix));
    await later.sync();
    expect(later.size).toBe(1);
  });

  it('a summary filled in from the article page is logged, so other processes compare with it', async () => {
    const prefix = 'storylog3:';
    const http = await startHttpServer({
      '/story.html': serve('<html><head><meta property="og:description" content="Marlshire and Eastmoor councils will share a chief executive and a senior team from April."></head></html>', { 'content-type': 'text/html' }),
    });
    try {
      const deps = testIngestDeps(redis.client, prefix);
      const { created } = await storeParsed(deps, { id: 'gazette' }, { items: [{ title: 'Councils agree shared boss', link: `${http.origin}/story.html` }], skipped: 0 }, at);
      expect((await enrichItem(deps, created[0]!.id, { allowPrivateNetwork: true })).outcome).toBe('enriched');
      const { entries } = await new StoryLog(redis.client, prefix).readAfter('0-0');
      expect(entries).toHaveLength(2);
      // The summary's words (not the title's: low bit clear) and its names, as the profile holds them.
      const p = entries[1]!.profile!;
      const summaryWords = ['marlshire', 'eastmoor'].map((w) => storyWordHash(stem(w)) * 2);
      expect([...p.words.subarray(p.start, p.namesAt)]).toEqual(expect.arrayContaining(summaryWords));
      expect([...p.words.subarray(p.namesAt, p.end)]).toEqual(expect.arrayContaining(summaryWords));
    } finally {
      await http.close();
    }
  });
});

describe('story log entries', () => {
  it('for another outlet carrying a stored URL keep the words logged before: a headline-only copy does not make the story harder to find', async () => {
    const prefix = 'storylog-keep:';
    const first = testIngestDeps(redis.client, prefix);
    const url = 'https://gazette.example/shared-boss';
    const full = await storeParsed(first, { id: 'gazette' }, parsed(url, 'Councils agree shared boss', 'Marlshire and Eastmoor councils will share a chief executive and a senior team from April.'), at);
    await storeParsed(first, { id: 'wire' }, { items: [{ title: 'Councils agree shared boss', link: url, publishedAt: new Date(at.getTime() - 3_600_000).toISOString() }], skipped: 0 }, at);
    const { entries } = await new StoryLog(redis.client, prefix).readAfter('0-0');
    expect(entries.map((e) => [e.sourceIds, e.profile !== undefined])).toEqual([
      [['gazette'], true],
      [['gazette', 'wire'], false],
    ]);
    // A process that starts now finds the story by the words of its summary.
    const later = testIngestDeps(redis.client, prefix);
    const other = await storeParsed(later, { id: 'localgov' }, parsed('https://localgov.example/marlshire', 'Marlshire and Eastmoor to share chief executive', 'The two councils will share a senior team from April.'), at);
    expect(other.created[0]!.clusterId).toBe(full.created[0]!.clusterId);
  });

  it('carry a profile that reads back exactly as written', async () => {
    const d = testIngestDeps(redis.client, 'storylog-rt:');
    const log = new StoryLog(redis.client, 'storylog-rt:');
    const upsert = upsertOf(d, 'x1', 'Kelbridge and Ashworth share a £1.1m back office', 'a');
    const profile = upsert.story;
    await d.items.upsertMany([upsert], '12-3');
    const { entries, cursor } = await log.readAfter('0-0');
    expect(entries).toHaveLength(1);
    const back = entries[0]!;
    expect({ ...back, profile: undefined }).toEqual({ id: 'x1', clusterId: 'x1', sourceIds: ['a'], publishedMs: profile.publishedMs, profile: undefined, chosenAsOf: '12-3', logId: cursor });
    const got = back.profile!;
    const words = (p: typeof profile) => [...p.words.subarray(p.start, p.end)];
    expect(words(got)).toEqual(words(profile));
    expect(got.namesAt - got.start).toBe(profile.namesAt - profile.start);
    expect(got).toMatchObject({ titleCount: profile.titleCount, publishedMs: profile.publishedMs });
  });

  it('in a format this version does not read, or damaged, are passed over, and the cursor moves past them', async () => {
    const key = 'storylog-old:stories:log';
    const log = new StoryLog(redis.client, 'storylog-old:');
    await redis.client.xadd(key, '*', 's', 'x0\tx0\ta\t0\t1 2|3|4');
    // Damaged: no words, words too short, a length that is no whole number of words, no date, no fields.
    for (const value of ['x1\tx1\ta\t0\t', 'x2\tx2\ta\t0\tAAAA', 'x3\tx3\ta\t0\tAAAAAAAAAA', 'x4\tx4\ta\tsoon\tAAAAAAAAAAA=', 'x5']) await redis.client.xadd(key, '*', 'p', value);
    const d = testIngestDeps(redis.client, 'storylog-old:');
    await d.items.upsertMany([upsertOf(d, 'ok', 'Kelbridge budget agreed', 'a')]);
    const lastId = await redis.client.xadd(key, '*', 's', 'x9\tx9\ta\t0\t1|2|3');
    const { entries, cursor } = await log.readAfter('0-0');
    expect(entries.map((e) => e.id)).toEqual(['ok']);
    expect(cursor).toBe(lastId);
  });
});
