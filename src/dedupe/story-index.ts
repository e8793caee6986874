import type { StoryProfile } from './similarity.js';

/** A stored item as the dedupe stage sees it. */
export interface IndexedStory {
  id: string;
  clusterId: string;
  sourceIds: string[];
  profile: StoryProfile;
}

/** A story in the posting lists, with scratch counters for one query at a time. */
interface Posting {
  story: IndexedStory;
  /** A newer version of the story was put: skip this one. */
  replaced: boolean;
  query: number;
  shared: number;
}

/**
 * Recent stories in memory, findable by the names and figures they mention: the candidate
 * lookup for near-duplicates. Pure; `StoryClusters` keeps one in step with the store.
 */
export class StoryIndex {
  private readonly byId = new Map<string, Posting>();
  /** name hash → stories mentioning it, oldest first (replaced versions stay until the next eviction). */
  private postings = new Map<number, Posting[]>();
  private query = 0;

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Adds a story, or replaces what is known of it (a new source, a summary filled in). */
  put(story: IndexedStory): void {
    const p: Posting = { story, replaced: false, query: 0, shared: 0 };
    const before = this.byId.get(story.id);
    if (before) before.replaced = true;
    this.byId.set(story.id, p);
    forNames(story.profile, (name) => post(this.postings, name, p));
  }

  /**
   * Stories sharing at least one name with `profile`, published within `windowMs` of it,
   * most names shared first (ties: most recently indexed first). Common names are read
   * only up to `perName` stories back.
   */
  candidates(profile: StoryProfile, windowMs: number, perName = 20, maxOut = 12): IndexedStory[] {
    // Counters live on the postings, stamped with this query's number: no map per query.
    const q = ++this.query;
    const found: Posting[] = [];
    const { words, namesAt } = profile;
    for (let k = namesAt; k < words.length; k++) {
      const list = this.postings.get(words[k]!);
      if (!list) continue;
      let taken = 0;
      for (let i = list.length - 1; i >= 0 && taken < perName; i--) {
        const p = list[i]!;
        if (Math.abs(p.story.profile.publishedMs - profile.publishedMs) > windowMs || p.replaced) continue;
        taken++;
        if (p.query !== q) {
          p.query = q;
          p.shared = 0;
          found.push(p);
        }
        p.shared++;
      }
    }
    return found.sort((a, b) => b.shared - a.shared).slice(0, maxOut).map((p) => p.story);
  }

  /** Forgets stories published before `ms`; returns how many went. */
  evictPublishedBefore(ms: number): number {
    let gone = 0;
    for (const [id, p] of this.byId) {
      if (p.story.profile.publishedMs < ms) {
        this.byId.delete(id);
        gone++;
      }
    }
    // Rebuilt rather than edited: also drops entries that later versions replaced.
    const postings = new Map<number, Posting[]>();
    for (const p of this.byId.values()) forNames(p.story.profile, (name) => post(postings, name, p));
    this.postings = postings;
    return gone;
  }
}

function forNames(profile: StoryProfile, fn: (name: number) => void): void {
  for (let k = profile.namesAt; k < profile.words.length; k++) fn(profile.words[k]!);
}

function post(postings: Map<number, Posting[]>, name: number, p: Posting): void {
  const list = postings.get(name);
  if (list) list.push(p);
  else postings.set(name, [p]);
}
