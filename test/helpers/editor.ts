import type { Redis } from 'ioredis';
import type { Config } from '../../src/config/load.js';
import type { SectorId } from '../../src/config/schema.js';
import { canonicalUrl, itemId } from '../../src/dedupe/canonical.js';
import { issueWindow } from '../../src/digest/week.js';
import { ItemStore } from '../../src/store/items.js';
import type { NewsItem } from '../../src/types/item.js';
import { makeItem, storeItem } from './digest.js';

/** The week the editor tests work on. */
export const WEEK = '2026-W49';
export const HOSTILE_TITLE = 'Councils <img src=x onerror=alert(1)> share "services" & more';
export const SECTORS: SectorId[] = [
  'local-government',
  'health',
  'higher-education',
  'blue-light',
  'private-sector',
  'leadership',
];

// Distinct words, so story clustering keeps every seeded item a story of its own.
const WORDS = (
  'apple birch cedar delta ember falcon granite harbour island juniper kestrel lantern meadow ' +
  'nectar orchard pebble quartz raven saffron thistle umber violet willow xenon yarrow zephyr ' +
  'anchor beacon canyon dune estuary fjord glacier heath inlet jetty knoll lagoon moor ' +
  'nook oasis prairie quay ridge summit tundra upland valley wharf yard zenith'
).split(' ');
const words = (i: number, n: number) =>
  Array.from({ length: n }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(' ');

/**
 * Stores `count` items inside `week`'s window through the real ItemStore: spread over the
 * sectors, the first carrying a hostile title, every fifth (`lowEvery`) judged not relevant.
 */
export async function seedWeek(
  redis: Redis,
  prefix: string,
  config: Config,
  o: { week?: string; count?: number; idPrefix?: string; lowEvery?: number } = {},
): Promise<NewsItem[]> {
  const window = issueWindow(o.week ?? WEEK, config.newsletter);
  const store = new ItemStore(redis, prefix);
  const items: NewsItem[] = [];
  for (let i = 0; i < (o.count ?? 12); i++) {
    const sector = SECTORS[i % SECTORS.length]!;
    const at = new Date(window.since.getTime() + 3_600_000 * (1 + i));
    const every = o.lowEvery ?? 5;
    const relevant = i % every !== every - 1;
    const url = `https://news.example.com/${sector}/${o.idPrefix ?? 'w'}${String(i).padStart(3, '0')}`;
    // The id a real item gets from its URL, so "add by URL" finds it.
    const id = itemId(canonicalUrl(url)!);
    const item = makeItem(id, sector, {
      title: i === 0 ? HOSTILE_TITLE : `${words(i, 4)} ${id}`,
      summary: `${words(i + 100, 9)}.`,
      url,
      publishedAt: at.toISOString(),
      firstSeenAt: at.toISOString(),
      classification: {
        sector,
        confidence: 0.8,
        explanation: `matched "${sector}" keywords`,
        relevance: relevant ? 0.8 - i / 1000 : 0.1,
        relevant,
        needsReview: false,
        modelVersion: 'test',
      },
    });
    await storeItem(store, item);
    items.push(item);
  }
  return items;
}
