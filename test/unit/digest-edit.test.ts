import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SECTOR_IDS } from '../../src/config/schema.js';
import { applyOp } from '../../src/digest/edit.js';
import { EditError } from '../../src/digest/errors.js';
import { planImport } from '../../src/digest/transfer.js';
import type { Issue } from '../../src/types/issue.js';

function draft(): Issue {
  return {
    week: '2014-W22',
    version: 3,
    status: 'draft',
    entries: [
      { itemId: 'lg1', sector: 'local-government', included: true, alsoIds: [], score: 1, origin: 'draft' },
      { itemId: 'h1', sector: 'health', included: true, alsoIds: [], score: 1, origin: 'draft' },
    ],
    createdAt: '2014-05-26T09:00:00.000Z',
    updatedAt: '2014-05-26T09:00:00.000Z',
  };
}

// The limits documented in the README's "The weekly digest".
const LIMITS = { subject: 200, intro: 10_000, comment: 5_000 };
const over = (field: keyof typeof LIMITS) => 'x'.repeat(LIMITS[field] + 1);
const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};

describe('limits on what an editor writes', () => {
  it('refuses an over-long subject, intro or comment in the editing operations, naming the field and the limit', () => {
    const issue = draft();
    const cases = [
      [{ op: 'subject', text: over('subject') }, /subject is 201 characters long; the limit is 200/],
      [{ op: 'intro', text: over('intro') }, /intro is 10,001 characters long; the limit is 10,000/],
      [
        { op: 'comment', itemId: 'h1', text: over('comment') },
        /the comment on item h1 is 5,001 characters long; the limit is 5,000/,
      ],
    ] as const;
    for (const [op, message] of cases) {
      const err = thrown(() => applyOp(issue, op, SECTOR_IDS));
      expect(err).toBeInstanceOf(EditError);
      expect(err.message).toMatch(message);
    }
    expect(issue).toEqual(draft());
    // At the limit is fine (surrounding whitespace does not count).
    applyOp(issue, { op: 'comment', itemId: 'h1', text: ` ${'y'.repeat(LIMITS.comment)}\n` }, SECTOR_IDS);
    expect(issue.entries[1]!.comment).toHaveLength(LIMITS.comment);
  });

  it('refuses an import with an over-long field, listing each with where it is', () => {
    const file = stringify({
      week: '2014-W22',
      version: 3,
      subject: over('subject'),
      intro: 'fine',
      sections: {
        'local-government': [{ id: 'lg1', comment: 'short' }],
        health: [{ id: 'h1', comment: 'x'.repeat(9_000_000) }],
      },
    });
    const err = thrown(() => planImport(file, draft(), SECTOR_IDS));
    expect(err).toBeInstanceOf(EditError);
    expect(err.message.split('\n')).toEqual([
      'subject is 201 characters long; the limit is 200',
      'sections.health[0].comment (item h1) is 9,000,000 characters long; the limit is 5,000',
    ]);
  });
});
