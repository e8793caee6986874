import type { NewsItem } from '../model.js';
import type { ItemStore } from '../store/items.js';
import { profileSimilarity, sameStoryProfile, storyProfile, type StoryProfile, type StoryText } from './similarity.js';

/** Near-duplicates are looked for among items published this close to each other. */
export const STORY_WINDOW_MS = 4 * 86_400_000;

type Candidate = StoryText & { id: string; publishedAt: string };

/**
 * **dedupe**, the pure part: the cluster a new item joins. Only items from *other* outlets
 * count (one outlet's follow-ups are separate stories); the most similar one wins, and the
 * item starts its own cluster (its own id) when none is close enough. `profileOf` lets a
 * caller reuse profiles across many comparisons.
 */
export function chooseCluster(
  item: Candidate,
  sourceId: string,
  candidates: NewsItem[],
  profileOf: (c: Candidate) => StoryProfile = storyProfile,
): string {
  const mine = profileOf(item);
  let best: { clusterId: string; score: number } | undefined;
  for (const c of candidates) {
    if (c.id === item.id || c.sourceIds.includes(sourceId)) continue;
    const theirs = profileOf(c);
    if (!sameStoryProfile(mine, theirs)) continue;
    const score = profileSimilarity(mine, theirs);
    if (!best || score > best.score) best = { clusterId: c.clusterId, score };
  }
  return best?.clusterId ?? item.id;
}

/**
 * Profiles of recent items, kept across batches in this process: the same recent stories are
 * candidates for many new items, and tokenising them again each time dominated ingest.
 * Keyed by id and text lengths, so an item whose summary was filled in later is re-read.
 */
const PROFILE_CACHE_SIZE = 10_000;
const profiles = new Map<string, StoryProfile>();

function cachedProfile(c: Candidate): StoryProfile {
  const key = `${c.id}:${c.title.length}:${c.summary?.length ?? 0}`;
  let p = profiles.get(key);
  if (p) return p;
  p = storyProfile(c);
  if (profiles.size >= PROFILE_CACHE_SIZE) profiles.delete(profiles.keys().next().value!); // oldest first
  profiles.set(key, p);
  return p;
}

/**
 * **dedupe**, the edge: looks up recent items that share a name or figure with each new item
 * (one round trip for the batch; sharing one is necessary for being the same story) and
 * picks each one's cluster. Items already stored keep theirs.
 */
export async function assignClusters<T extends Candidate>(items: T[], sourceId: string, store: ItemStore): Promise<(T & { clusterId: string })[]> {
  const existing = await store.existing(items.map((i) => i.id));
  const fresh = items.filter((i) => !existing.has(i.id));
  const profileOf = cachedProfile;
  const queries = fresh.map((i) => ({ tokens: [...profileOf(i).names], publishedAt: i.publishedAt }));
  const candidateIds = await store.storyCandidates(queries, STORY_WINDOW_MS);
  const candidates = new Map((await store.getMany([...new Set(candidateIds.flat())])).map((c) => [c.id, c]));
  const clusterOf = new Map<string, string>();
  fresh.forEach((item, i) => {
    const list = candidateIds[i]!.map((id) => candidates.get(id)).filter((c): c is NewsItem => !!c);
    clusterOf.set(item.id, chooseCluster(item, sourceId, list, profileOf));
  });
  return items.map((i) => ({ ...i, clusterId: clusterOf.get(i.id) ?? i.id }));
}

/** After storing: make new items findable by later near-duplicates, by their names and figures. */
export async function indexStories(items: Candidate[], store: ItemStore): Promise<void> {
  await store.indexStories(items.map((i) => ({ id: i.id, tokens: [...cachedProfile(i).names], publishedAt: i.publishedAt })), STORY_WINDOW_MS);
}
