import { describe, expect, it } from 'vitest';
import { storyProfile } from '../../src/dedupe/similarity.js';
import { StoryIndex, type IndexedStory } from '../../src/dedupe/story-index.js';

const DAY = 86_400_000;
const story = (id: string, title: string, publishedAt: string, sourceIds = ['s'], clusterId = id): IndexedStory => ({ id, clusterId, sourceIds, profile: storyProfile({ title, publishedAt }) });
const query = (title: string, publishedAt: string) => storyProfile({ title, publishedAt });

describe('StoryIndex', () => {
  it('finds stories by shared names within the window, most names shared first', () => {
    const index = new StoryIndex();
    index.put(story('one-name', 'Kelbridge opens a library', '2026-11-20T09:00:00Z'));
    index.put(story('two-names', 'Kelbridge and Ashworth share a chief executive', '2026-11-20T09:00:00Z'));
    index.put(story('too-old', 'Kelbridge and Ashworth share a chief executive', '2026-11-01T09:00:00Z'));
    index.put(story('no-names', 'councils share a chief executive', '2026-11-20T09:00:00Z'));
    const found = index.candidates(query('Ashworth and Kelbridge councils to share boss', '2026-11-21T09:00:00Z'), 4 * DAY);
    expect(found.map((s) => s.id)).toEqual(['two-names', 'one-name']);
  });

  it('reads a common name only so far back, newest first', () => {
    const index = new StoryIndex();
    for (let i = 0; i < 30; i++) index.put(story(`k${i}`, `Kelbridge news ${i}`, '2026-11-20T09:00:00Z'));
    const found = index.candidates(query('Kelbridge', '2026-11-20T09:00:00Z'), DAY, 5, 10);
    expect(found.map((s) => s.id)).toEqual(['k29', 'k28', 'k27', 'k26', 'k25']);
  });

  it('a story put again replaces the old version without counting it twice', () => {
    const index = new StoryIndex();
    index.put(story('a', 'Kelbridge and Ashworth merge', '2026-11-20T09:00:00Z', ['s1']));
    index.put(story('a', 'Kelbridge and Ashworth merge', '2026-11-20T09:00:00Z', ['s1', 's2']));
    const found = index.candidates(query('Kelbridge and Ashworth', '2026-11-20T09:00:00Z'), DAY);
    expect(found).toHaveLength(1);
    expect(found[0]!.sourceIds).toEqual(['s1', 's2']);
    expect(index.size).toBe(1);
  });

  it('updates a known story’s cluster, sources and date, keeping its words', () => {
    const index = new StoryIndex();
    index.put(story('a', 'Kelbridge and Ashworth merge', '2026-11-20T09:00:00Z', ['s1']));
    expect(index.update('a', 'c9', ['s1', 's2'], Date.parse('2026-11-21T09:00:00Z'))).toBe(true);
    expect(index.update('unknown', 'c9', ['s1'], 0)).toBe(false);
    const [found, ...rest] = index.candidates(query('Kelbridge and Ashworth', '2026-11-21T09:00:00Z'), 1000);
    expect(rest).toEqual([]);
    expect(found).toMatchObject({ id: 'a', clusterId: 'c9', sourceIds: ['s1', 's2'], profile: { publishedMs: Date.parse('2026-11-21T09:00:00Z') } });
    const words = (p: IndexedStory['profile']) => [...p.words.subarray(p.start, p.end)];
    expect(words(found!.profile)).toEqual(words(story('a', 'Kelbridge and Ashworth merge', '2026-11-20T09:00:00Z').profile));
    expect(index.size).toBe(1);
  });

  it('evicts stories published before a time and keeps the rest findable', () => {
    const index = new StoryIndex();
    index.put(story('old', 'Kelbridge budget', '2026-11-01T09:00:00Z'));
    index.put(story('new', 'Kelbridge budget agreed', '2026-11-20T09:00:00Z'));
    expect(index.evictPublishedBefore(Date.parse('2026-11-10T00:00:00Z'))).toBe(1);
    expect(index.has('old')).toBe(false);
    expect(index.candidates(query('Kelbridge', '2026-11-05T09:00:00Z'), 30 * DAY).map((s) => s.id)).toEqual(['new']);
  });
});
