import { storyMatch, storyProfile } from './similarity.js';

/** What clustering reads of an item. */
export interface StoryInput {
  id: string;
  title: string;
  summary?: string;
  publishedAt: string;
  sourceIds: string[];
}

/**
 * Item id → story cluster id (the id of the cluster's first item by date, then id). Pure and
 * order-independent: items are taken in (publishedAt, id) order, and an item joins the
 * cluster every member of which it matches (no chains), never one holding its own source.
 */
export function clusterStories(items: readonly StoryInput[]): Map<string, string> {
  const ordered = [...items].sort((a, b) => a.publishedAt.localeCompare(b.publishedAt) || a.id.localeCompare(b.id));
  const clusters: { id: string; members: { profile: ReturnType<typeof storyProfile>; sourceIds: string[] }[] }[] = [];
  const out = new Map<string, string>();
  for (const item of ordered) {
    const profile = storyProfile(item);
    let best: { cluster: (typeof clusters)[number]; score: number } | undefined;
    for (const c of clusters) {
      if (c.members.some((m) => m.sourceIds.some((s) => item.sourceIds.includes(s)))) continue;
      const scores = c.members.map((m) => storyMatch(profile, m.profile));
      if (scores.some((x) => x === 0)) continue;
      const score = scores.reduce((a, b) => a + b, 0) / scores.length;
      if (!best || score > best.score) best = { cluster: c, score };
    }
    if (best) best.cluster.members.push({ profile, sourceIds: item.sourceIds });
    else clusters.push({ id: item.id, members: [{ profile, sourceIds: item.sourceIds }] });
    out.set(item.id, best?.cluster.id ?? item.id);
  }
  return out;
}
