import type { Config } from '../../src/config/load.js';
import { loadConfig } from '../../src/config/load.js';
import type { SectorId } from '../../src/config/schema.js';
import type { Issue } from '../../src/types/issue.js';
import type { NewsItem } from '../../src/types/item.js';

/** The bundled configuration (sectors in digest order, newsletter settings). */
export function bundledConfig(): Config {
  return loadConfig();
}

const HEADLINES = [
  'Councils agree to merge legal departments in cost-cutting drive',
  'London unites local authorities on Public Services Network',
  'Trust partnership shares back-office functions across three hospitals',
  'Universities pool procurement in new regional consortium',
  'Fire and police services to share headquarters',
  'Firms learn the secret of successful mergers',
  'Only collaborative leadership can make communities succeed',
  'District councils consider sharing a chief executive',
  'Integrated care pilot could be rolled out across the UK',
  'Colleges join forces on shared IT service',
];
const SUMMARY =
  'The shared service arrangement between the two authorities has put them in a better financial position than most, according to a peer review published this week.';
const COMMENT =
  'This is a <b>helpful</b> piece for anyone working on collaboration at a strategic level: the <i>peer review</i> makes good reading, and the <a href="https://example.org/toolbox">toolbox</a> is worth a look. If true, you have to conclude there is a lack of skills in collaborative working.';

/** A stored item as ingest would produce it. */
export function makeItem(id: string, sector: SectorId, overrides: Partial<NewsItem> = {}): NewsItem {
  return {
    id,
    url: `https://news.example.com/${sector}/${id}`,
    title: `Item ${id}`,
    summary: SUMMARY,
    publishedAt: '2014-05-27T09:00:00.000Z',
    firstSeenAt: '2014-05-27T09:05:00.000Z',
    sourceIds: ['lgc-news'],

    classification: {
      sector,
      confidence: 0.9,
      explanation: 'test',
      relevance: 0.8,
      relevant: true,
      needsReview: false,
      modelVersion: 'test',
    },
    ...overrides,
  };
}

/**
 * A demo-like issue of `count` items spread over the sectors, each with commentary, some with
 * "also reported by", one with hostile markup in its title and summary.
 */
export function sampleIssue(count = 40, week = '2014-W22'): { issue: Issue; items: Map<string, NewsItem> } {
  const sectors: SectorId[] = [
    'local-government',
    'health',
    'higher-education',
    'blue-light',
    'private-sector',
    'leadership',
  ];
  const items = new Map<string, NewsItem>();
  const entries: Issue['entries'] = [];
  for (let i = 0; i < count; i++) {
    const sector = sectors[i % sectors.length]!;
    const id = `item${String(i).padStart(2, '0')}`;
    const title =
      i === 3
        ? `<script>alert("x")</script> Shared " onmouseover="alert(1) services`
        : HEADLINES[i % HEADLINES.length]!;
    const summary = i === 3 ? `Hostile <img src=x onerror=alert(1)> summary & "quotes"` : SUMMARY;
    items.set(
      id,
      makeItem(id, sector, {
        title,
        summary,
        url: `https://news.example.com/${sector}/2014/05/${id}-${title
          .toLowerCase()
          .replace(/[^a-z]+/g, '-')
          .slice(0, 40)}`,
      }),
    );
    const alsoIds: string[] = [];
    if (i % 7 === 0) {
      const other = `${id}b`;
      items.set(
        other,
        makeItem(other, sector, {
          title,
          url: `https://other.example.net/story/${other}`,
          sourceIds: ['other-news'],
        }),
      );
      alsoIds.push(other);
    }
    entries.push({
      itemId: id,
      sector,
      included: true,
      comment: COMMENT,
      alsoIds,
      score: 1 - i / 100,
      origin: 'draft',
    });
  }
  const issue: Issue = {
    week,
    version: 3,
    status: 'draft',
    subject: 'Shared services news: councils merge legal teams',
    intro:
      'Hi everyone,\n\nIt has been a <b>busy</b> week, and the items below each tell an important story. See the <a href="https://example.org/report">report</a>.',
    entries,
    createdAt: '2014-05-26T08:00:00.000Z',
    updatedAt: '2014-05-29T08:00:00.000Z',
  };
  return { issue, items };
}

/** Stores an item through the ingest engineer's ItemStore, once per source that carried it. */
export async function storeItem(
  store: import('../../src/store/items.js').ItemStore,
  item: NewsItem,
): Promise<void> {
  await store.upsertMany(
    item.sourceIds.map((sourceId) => ({
      id: item.id,
      url: item.url,
      title: item.title,
      summary: item.summary,
      publishedAt: item.publishedAt,
      classification: item.classification,
      sourceId,
      seenAt: item.firstSeenAt,
    })),
  );
}
