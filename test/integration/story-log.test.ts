import { describe, expect, it } from 'vitest';
import { StoryClusters } from '../../src/dedupe/cluster.js';
import { enrichItem } from '../../src/ingest/enrich.js';
import { storeParsed } from '../../src/ingest/ingest-source.js';
import { stem, storyWordHash } from '../../src/dedupe/similarity.js';
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

describe('story clusters across processes', () => {
  it('a second process finds a near-duplicate another process stored, through the story log', async () => {
    const prefix = 'storylog1:';
    // Two processes: each its own StoryClusters (in-memory index) on the same Redis.
    const first = testIngestDeps(redis.client, prefix);
    const second = testIngestDeps(redis.client, prefix, { stories: new StoryClusters(new StoryLog(redis.client, prefix)) });
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

  it('an unchanged re-fetch appends nothing, and a process started later replays the log', async () => {
    const prefix = 'storylog2:';
    const deps = testIngestDeps(redis.client, prefix);
    const feed = parsed('https://gazette.example/c', 'Marlshire fire and police to share headquarters', 'Marlshire Fire and Rescue Service and Marlshire Police will move into one building.');
    await storeParsed(deps, { id: 'gazette' }, feed, at);
    await storeParsed(deps, { id: 'gazette' }, feed, at);
    const log = new StoryLog(redis.client, prefix);
    expect((await log.readAfter('0-0')).entries).toHaveLength(1);
    const later = new StoryClusters(log);
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
      expect(entries[1]!.tokens.body).toEqual(expect.arrayContaining([storyWordHash(stem('marlshire')), storyWordHash(stem('eastmoor'))]));
      expect(entries[1]!.tokens.names).toEqual(expect.arrayContaining([storyWordHash(stem('marlshire')), storyWordHash(stem('eastmoor'))]));
    } finally {
      await http.close();
    }
  });
});
