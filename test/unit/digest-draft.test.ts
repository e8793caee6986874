import { describe, expect, it } from 'vitest';
import { SECTOR_IDS } from '../../src/config/schema.js';
import { planDraft, rankScore } from '../../src/digest/draft.js';
import { makeItem } from '../helpers/digest.js';

const window = { since: new Date('2014-05-23T00:00:00Z'), until: new Date('2014-05-30T00:00:00Z') };

describe('drafting ranks undated items below dated ones', () => {
  // A page item without a date takes its fetch time, the latest moment of the window.
  const undated = makeItem('undated', 'health', {
    title: 'Read about the trusts sharing a back office',
    publishedAt: '2014-05-29T23:00:00.000Z',
    firstSeenAt: '2014-05-29T23:00:00.000Z',
    dateFromFirstSeen: true,
  });
  const older = makeItem('older', 'health', { publishedAt: '2014-05-23T10:00:00.000Z' });
  const newer = makeItem('newer', 'health', { publishedAt: '2014-05-28T10:00:00.000Z' });
  const council = makeItem('council', 'local-government', { publishedAt: '2014-05-24T10:00:00.000Z' });

  it('gives an undated item no credit for recency', () => {
    const same = { ...undated, dateFromFirstSeen: undefined };
    expect(rankScore(undated, 1, window)).toBeLessThan(rankScore(same, 1, window));
    expect(rankScore(undated, 1, window)).toBe(
      rankScore({ ...older, publishedAt: '2014-05-01T00:00:00Z' }, 1, window),
    );
  });

  it('puts an undated item after every dated one of its section, however relevant it is', () => {
    const mostRelevant = {
      ...undated,
      classification: { ...undated.classification, relevance: 1 },
    };
    const storyOf = new Map<string, string>();
    const plan = planDraft(
      undefined,
      [mostRelevant, older, council, newer],
      storyOf,
      new Map(),
      window,
      SECTOR_IDS,
    );
    expect(plan.entries.map((e) => e.itemId)).toEqual(['council', 'newer', 'older', 'undated']);
    expect(plan.entries.every((e) => e.included)).toBe(true);
  });

  it('keeps the same order whatever order the items come in', () => {
    const items = [newer, undated, council, older];
    const orders = [items, [...items].reverse(), [items[2]!, items[0]!, items[3]!, items[1]!]];
    for (const list of orders)
      expect(
        planDraft(undefined, list, new Map(), new Map(), window, SECTOR_IDS).entries.map((e) => e.itemId),
      ).toEqual(['council', 'newer', 'older', 'undated']);
  });
});
