import type { NewsItem } from '../model.js';
import { logIdAfter, STORY_LOG_KEEP_MS, storyLogCursorAt, type StoryLog, type StoryLogEntry } from '../store/story-log.js';
import { STORY_WINDOW_MS, storyMatch, storyProfile, type StoryProfile, type StoryText } from './similarity.js';
import { StoryIndex, type IndexedStory } from './story-index.js';

/**
 * **dedupe**, the pure part: the story a new item is the same as. Only items from *other*
 * outlets count (one outlet's follow-ups are separate stories); the most similar one wins.
 */
export function bestMatch<S extends IndexedStory>(item: { id: string; profile: StoryProfile }, sourceId: string, candidates: S[]): S | undefined {
  let best: { story: S; score: number } | undefined;
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

/** A story with where the log holds it. */
export type LoggedStory = IndexedStory & { logId: string };

/**
 * The story a new item that started its own cluster turned out to be the same as: one logged
 * after the entry its cluster was chosen against (`chosenAsOf`) and before the item itself,
 * so not compared with it then (another batch stored it at the same moment). `recent` is in
 * log order. Only the later of two copies looks back, so two items never swap clusters.
 */
export function missedMatch(item: LoggedStory & { chosenAsOf: string }, recent: LoggedStory[]): LoggedStory | undefined {
  const sourceId = item.sourceIds[0];
  if (sourceId === undefined) return undefined;
  // The stretch of `recent` logged after chosenAsOf and before the item (binary searches:
  // with many batches in flight it holds hundreds of stories, and every process looks).
  const from = firstIndex(recent, (s) => logIdAfter(s.logId, item.chosenAsOf));
  const to = firstIndex(recent, (s) => !logIdAfter(item.logId, s.logId));
  return bestMatch(item, sourceId, recent.slice(from, to));
}

/** The first index of sorted `list` where `isPast` holds (it holds from there on); list.length when nowhere. */
function firstIndex<T>(list: T[], isPast: (t: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isPast(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A stored item to move into the cluster of `sameAs`, if it is still in cluster `from`. */
export interface ClusterMove {
  id: string;
  from: string;
  sameAs: { id: string; clusterId: string };
}

/** What StoryClusters needs of the item store: moving an item into another cluster. */
export interface ClusterMover {
  joinCluster(id: string, from: string, sameAs: { id: string; clusterId: string }): Promise<NewsItem | undefined>;
}

const LOG_PAGE = 2000;

/** How many of the newest logged stories are kept, at least, for missedMatch. In the ingest bench (2 workers, 20 batches in flight) a window held 106 stories on average, 464 at most. */
const RECENT_STORIES = 1000;

type Candidate = StoryText & { id: string; publishedAt: string };

/** An item with its proposed cluster and its story words (for the store to log). */
type Clustered<T> = T & { clusterId: string; story: StoryProfile };

/**
 * **dedupe**, the edge: recent stories held in memory and kept in step with the store's
 * story log, which every process appends to as it stores items. One log read per batch
 * replaces a Redis lookup per word; the index costs a few hundred bytes per recent item.
 *
 * Reading the log also repairs clusters that concurrent batches split. Two batches storing
 * the same story at the same moment each choose a cluster without the other's copy; whoever
 * reads the later copy's entry sees what was logged in between (missedMatch) and moves it
 * into the earlier copy's cluster, and items that had joined a cluster whose first story
 * moved follow it. Every process reads every entry, so the repair happens even when the
 * process that stored the copy dies; the moves are idempotent, so doing it twice is harmless.
 */
export class StoryClusters {
  private readonly index = new StoryIndex();
  /** The newest logged stories with their words, in log order (for missedMatch). */
  private recent: LoggedStory[] = [];
  private cursor: string;
  private syncing?: Promise<NewsItem[]>;
  /** Cluster moves a read called for but could not make (Redis failed): the next read makes them. */
  private undone: ClusterMove[] = [];
  private evictedAt: number;

  constructor(
    private readonly log: StoryLog,
    private readonly mover: ClusterMover,
    private readonly now: () => number = Date.now,
  ) {
    this.cursor = storyLogCursorAt(now() - STORY_LOG_KEEP_MS);
    this.evictedAt = now();
  }

  /** How many recent stories this process knows. */
  get size(): number {
    return this.index.size;
  }

  /**
   * Reads what the log gained since the last read (concurrent callers share one read) and
   * makes the cluster moves it calls for. Resolves to the items those moves asked about, as
   * they are now.
   */
  sync(): Promise<NewsItem[]> {
    this.syncing ??= this.readLog().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /** As sync(), sure to read everything logged before the call (a read in flight may have been asked for earlier). */
  async syncAll(): Promise<NewsItem[]> {
    // Another caller's read failing is that caller's to report; the fresh read below retries it.
    const earlier = this.syncing ? await this.syncing.catch(() => []) : [];
    return [...earlier, ...(await this.sync())];
  }

  /**
   * Each item's proposed cluster and story words (for the store to log), against what this
   * process knows: sync() first. Items it already knows keep their own id: the store ignores
   * proposals for stored items anyway. `asOf` is the last log entry the proposals saw: the
   * store logs it with each new item that starts its own cluster.
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
    await this.log.publish(item.id, storyProfile(item));
  }

  private async readLog(): Promise<NewsItem[]> {
    // Moves a failed read left undone come first: the cursor has passed their entries.
    const moves: ClusterMove[] = this.undone;
    this.undone = [];
    const moved: NewsItem[] = [];
    let done = 0;
    try {
      for (;;) {
        const { cursor, entries, read } = await this.log.readAfter(this.cursor, LOG_PAGE);
        this.cursor = cursor;
        for (const e of entries) moves.push(...this.apply(e));
        if (read < LOG_PAGE) break;
      }
      // In log order: a story's own move is asked for before the moves that follow it.
      for (; done < moves.length; done++) {
        const m = moves[done]!;
        const item = await this.mover.joinCluster(m.id, m.from, m.sameAs);
        if (item) moved.push(item);
      }
    } catch (err) {
      this.undone = moves.slice(done);
      throw err;
    }
    // Forget stories too old to matter, now and then (a rebuild, so not on every batch).
    if (this.now() - this.evictedAt > 10 * 60_000) {
      this.evictedAt = this.now();
      this.index.evictPublishedBefore(this.evictedAt - STORY_LOG_KEEP_MS);
    }
    return moved;
  }

  /** Applies one entry to the index; returns the cluster moves it calls for. */
  private apply(e: StoryLogEntry): ClusterMove[] {
    const before = this.index.clusterOf(e.id);
    const { clusterId } = e;
    const moves: ClusterMove[] = [];
    if (e.profile) {
      const story = { id: e.id, clusterId, sourceIds: e.sourceIds, profile: e.profile, logId: e.logId };
      this.index.put(story);
      this.remember(story);
      // A new story stored alone: the same story logged meanwhile by another batch.
      const match = e.chosenAsOf && clusterId === e.id ? missedMatch({ ...story, chosenAsOf: e.chosenAsOf }, this.recent) : undefined;
      if (match) moves.push({ id: e.id, from: e.id, sameAs: { id: match.id, clusterId: this.index.clusterOf(match.id) ?? match.clusterId } });
    } else {
      this.index.update(e.id, clusterId, e.sourceIds, e.publishedMs);
    }
    // Joined a cluster whose first story has moved since: follow it.
    const root = clusterId === e.id ? undefined : this.index.clusterOf(clusterId);
    if (root !== undefined && root !== clusterId) moves.push({ id: e.id, from: clusterId, sameAs: { id: clusterId, clusterId: root } });
    // A cluster's first story moved: the stories that had joined it follow.
    if (before === e.id && clusterId !== e.id) {
      for (const member of this.index.membersOf(e.id)) moves.push({ id: member, from: e.id, sameAs: { id: e.id, clusterId } });
    }
    return moves;
  }

  private remember(story: LoggedStory): void {
    this.recent.push(story);
    if (this.recent.length > 2 * RECENT_STORIES) this.recent = this.recent.slice(-RECENT_STORIES);
  }
}
