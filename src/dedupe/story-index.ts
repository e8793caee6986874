import type { StoryProfile } from './similarity.js';

/** A stored item as the dedupe stage sees it. */
export interface IndexedStory {
  id: string;
  clusterId: string;
  sourceIds: string[];
  profile: StoryProfile;
}

/**
 * Recent stories in memory, findable by the names and figures they mention: the candidate
 * lookup for near-duplicates. Pure; `StoryClusters` keeps one in step with the store.
 *
 * A worker holds days of stories, so they are stored column-wise in slots: every profile's
 * words in one growing array, and per slot only numbers and two strings. (One object and
 * typed array per story cost about three times the memory.) A story put again takes a new
 * slot; the old one is marked replaced and dropped at the next eviction.
 */
export class StoryIndex {
  private words = new Uint32Array(1 << 16);
  private used = 0;
  // Per slot.
  private ids: string[] = [];
  private clusters: string[] = [];
  /** Source ids joined by spaces. */
  private sources: string[] = [];
  private start: number[] = [];
  private namesAt: number[] = [];
  private end: number[] = [];
  private titleCount: number[] = [];
  private published: number[] = [];
  private replaced: boolean[] = [];
  /** Scratch for one query at a time: the query's number, and names shared with it. */
  private stamp: number[] = [];
  private shared: number[] = [];
  private query = 0;

  private readonly byId = new Map<string, number>();
  /** name hash → slots mentioning it, oldest first. */
  private postings = new Map<number, number[]>();

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The cluster a known story is in. */
  clusterOf(id: string): string | undefined {
    const slot = this.byId.get(id);
    return slot === undefined ? undefined : this.clusters[slot];
  }

  /** The known stories in a cluster (a scan: for the rare cluster that moved). */
  membersOf(clusterId: string): string[] {
    const out: string[] = [];
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (!this.replaced[slot] && this.clusters[slot] === clusterId) out.push(this.ids[slot]!);
    }
    return out;
  }

  /** Adds a story, or replaces what is known of it (a new source, a summary filled in). */
  put(story: IndexedStory): void {
    const before = this.byId.get(story.id);
    if (before !== undefined) this.replaced[before] = true;
    const slot = this.ids.length;
    const p = story.profile;
    const at = this.reserve(p.end - p.start);
    this.words.set(p.words.subarray(p.start, p.end), at);
    this.ids.push(story.id);
    this.clusters.push(story.clusterId);
    this.sources.push(story.sourceIds.join(' '));
    this.start.push(at);
    this.namesAt.push(at + p.namesAt - p.start);
    this.end.push(at + p.end - p.start);
    this.titleCount.push(p.titleCount);
    this.published.push(p.publishedMs);
    this.replaced.push(false);
    this.stamp.push(0);
    this.shared.push(0);
    this.byId.set(story.id, slot);
    this.post(slot);
  }

  /** A known story's new cluster, sources or date, its words unchanged; false when it is not known. */
  update(id: string, clusterId: string, sourceIds: string[], publishedMs: number): boolean {
    const slot = this.byId.get(id);
    if (slot === undefined) return false;
    // In place: the words and their postings stay as they are.
    this.clusters[slot] = clusterId;
    this.sources[slot] = sourceIds.join(' ');
    this.published[slot] = publishedMs;
    return true;
  }

  /**
   * Stories sharing at least one name with `profile`, published within `windowMs` of it,
   * most names shared first (ties: most recently indexed first). Common names are read
   * only up to `perName` stories back.
   */
  candidates(profile: StoryProfile, windowMs: number, perName = 20, maxOut = 12): IndexedStory[] {
    const q = ++this.query;
    const found: number[] = [];
    const { words, namesAt, end } = profile;
    for (let k = namesAt; k < end; k++) {
      const list = this.postings.get(words[k]!);
      if (!list) continue;
      let taken = 0;
      for (let i = list.length - 1; i >= 0 && taken < perName; i--) {
        const slot = list[i]!;
        if (this.replaced[slot] || Math.abs(this.published[slot]! - profile.publishedMs) > windowMs) continue;
        taken++;
        if (this.stamp[slot] !== q) {
          this.stamp[slot] = q;
          this.shared[slot] = 0;
          found.push(slot);
        }
        this.shared[slot]!++;
      }
    }
    return found
      .sort((a, b) => this.shared[b]! - this.shared[a]!)
      .slice(0, maxOut)
      .map((slot) => this.story(slot));
  }

  /** Forgets stories published before `ms` (and replaced versions); returns how many stories went. */
  evictPublishedBefore(ms: number): number {
    const keep: IndexedStory[] = [];
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (!this.replaced[slot] && this.published[slot]! >= ms) keep.push(this.story(slot));
    }
    const gone = this.byId.size - keep.length;
    this.reset();
    for (const s of keep) this.put(s);
    return gone;
  }

  /** A slot as a story; its profile is a stretch of the shared array (no copy). */
  private story(slot: number): IndexedStory {
    return {
      id: this.ids[slot]!,
      clusterId: this.clusters[slot]!,
      sourceIds: this.sources[slot]!.split(' '),
      profile: {
        words: this.words,
        start: this.start[slot]!,
        namesAt: this.namesAt[slot]!,
        end: this.end[slot]!,
        titleCount: this.titleCount[slot]!,
        publishedMs: this.published[slot]!,
      },
    };
  }

  private reserve(n: number): number {
    if (this.used + n > this.words.length) {
      const grown = new Uint32Array(Math.max(this.words.length * 2, this.used + n));
      grown.set(this.words.subarray(0, this.used));
      this.words = grown;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  private post(slot: number): void {
    for (let k = this.namesAt[slot]!; k < this.end[slot]!; k++) {
      const name = this.words[k]!;
      const list = this.postings.get(name);
      if (list) list.push(slot);
      else this.postings.set(name, [slot]);
    }
  }

  private reset(): void {
    this.words = new Uint32Array(1 << 16);
    this.used = 0;
    for (const column of [this.ids, this.clusters, this.sources, this.start, this.namesAt, this.end, this.titleCount, this.published, this.replaced, this.stamp, this.shared]) column.length = 0;
    this.byId.clear();
    this.postings = new Map();
  }
}
