import type { NewsItem } from '../model.js';
import { STORY_LOG_KEEP_MS, storyLogCursorAt, type StoryLog, type StoryLogEntry } from '../store/story-log.js';
import { STORY_WINDOW_MS, storyMatch, storyProfile, type StoryProfile, type StoryText } from './similarity.js';
import { StoryIndex, type IndexedStory } from './story-index.js';

/**
 * **dedupe**, the pure part: the story a new item is the same as. Only items from *other*
 * outlets count (one outlet's follow-ups are separate stories); the most similar one wins.
 */
export function bestMatch(item: { id: string; profile: StoryProfile }, sourceId: string, candidates: IndexedStory[]): IndexedStory | undefined {
  let best: { story: IndexedStory; score: number } | undefined;
  for (const c of candidates) {
    if (c.id === item.id || c.sourceIds.includes(sourceId)) continue;
    const score = storyMatch(item.profile, c.profile);
    if (score > 0 && (!best || score > best.score)) best = { story: c, score };
  }
  return best?.story;
}

/** The cluster a new item joins: its best match's, or its own (its id) when none is close enough. */
export function chooseCluster(item: { id: string; profile: StoryProfile }, sourceId: string, candidates: IndexedStory[]): string {
  return bestMatch(item, sourceId, candidates)?.clusterId ?? item.id;
}

/** A new item that started its own cluster, and the story stored at the same time that it is the same as. */
export interface MissedMatch {
  id: string;
  sameAs: IndexedStory;
}

/**
 * The new items that started their own cluster although a story logged while their clusters
 * were being chosen (`loggedSince`, by other batches, before these items) is the same story.
 * Only the later of two such items moves, so two batches never swap places.
 */
export function missedMatches(created: { id: string; clusterId: string; story: StoryProfile }[], loggedSince: StoryLogEntry[], sourceId: string): MissedMatch[] {
  const others = loggedSince.filter((e): e is StoryLogEntry & IndexedStory => e.profile !== undefined);
  if (others.length === 0) return [];
  const out: MissedMatch[] = [];
  for (const item of created) {
    if (item.clusterId !== item.id) continue;
    const sameAs = bestMatch({ id: item.id, profile: item.story }, sourceId, others);
    if (sameAs) out.push({ id: item.id, sameAs });
  }
  return out;
}

const LOG_PAGE = 2000;

type Candidate = StoryText & { id: string; publishedAt: string };

/** An item with its proposed cluster and its story words (for the store to log). */
export type Clustered<T> = T & { clusterId: string; story: StoryProfile };

/**
 * **dedupe**, the edge: recent stories held in memory and kept in step with the store's
 * story log, which every process appends to as it stores items. One log read per batch
 * replaces a Redis lookup per word; the index costs a few hundred bytes per recent item.
 */
export class StoryClusters {
  private readonly index = new StoryIndex();
  private cursor: string;
  private syncing?: Promise<void>;
  private evictedAt: number;

  constructor(
    private readonly log: StoryLog,
    private readonly now: () => number = Date.now,
  ) {
    this.cursor = storyLogCursorAt(now() - STORY_LOG_KEEP_MS);
    this.evictedAt = now();
  }

  /** How many recent stories this process knows. */
  get size(): number {
    return this.index.size;
  }

  /** Reads what the log gained since the last read (concurrent callers share one read). */
  sync(): Promise<void> {
    this.syncing ??= this.readLog().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /**
   * Each item's proposed cluster and story words (for the store to log), against what this
   * process knows: sync() first. Items it already knows keep their own id: the store ignores
   * proposals for stored items anyway. `asOf` is the last log entry the proposals saw (see
   * missedMatches for the stories logged after it).
   */
  assign<T extends Candidate>(items: T[], sourceId: string): { items: Clustered<T>[]; asOf: string } {
    const clustered = items.map((item) => {
      const story = storyProfile(item);
      if (this.index.has(item.id)) return { ...item, clusterId: item.id, story };
      return { ...item, clusterId: chooseCluster({ id: item.id, profile: story }, sourceId, this.index.candidates(story, STORY_WINDOW_MS)), story };
    });
    return { items: clustered, asOf: this.cursor };
  }

  /** After an item's text or date changed outside the upsert (enrichment). */
  async publish(item: NewsItem): Promise<void> {
    const profile = storyProfile(item);
    await this.log.append({ id: item.id, clusterId: item.clusterId, sourceIds: item.sourceIds, publishedMs: profile.publishedMs, profile });
  }

  private async readLog(): Promise<void> {
    for (;;) {
      const { cursor, entries, read } = await this.log.readAfter(this.cursor, LOG_PAGE);
      this.cursor = cursor;
      for (const e of entries) {
        if (e.profile) this.index.put({ ...e, profile: e.profile });
        else this.index.update(e.id, e.clusterId, e.sourceIds, e.publishedMs);
      }
      if (read < LOG_PAGE) break;
    }
    // Forget stories too old to matter, now and then (a rebuild, so not on every batch).
    if (this.now() - this.evictedAt > 10 * 60_000) {
      this.evictedAt = this.now();
      this.index.evictPublishedBefore(this.evictedAt - STORY_LOG_KEEP_MS);
    }
  }
}
