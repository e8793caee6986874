import { describe, expect, it } from 'vitest';
import type { SectorId } from '../../src/config/schema.js';
import { applyOp } from '../../src/digest/edit.js';
import { EditError } from '../../src/digest/errors.js';
import { fill, template, templateRenderer } from '../../src/digest/template.js';
import { safeHref } from '../../src/web/editor-pages.js';
import { issueState, opsBodySchema, planWebOps, stepMove } from '../../src/web/editor-ops.js';
import { buildWeekView } from '../../src/web/editor-view.js';
import type { Issue } from '../../src/types/issue.js';
import { bundledConfig, makeItem } from '../helpers/digest.js';

const config = bundledConfig();
const ORDER = config.sectors.map((s) => s.id);

/** An issue whose entries are `spec`: "a+" included, "b-" left out, all in `sector`. */
function issueOf(spec: string[], sector: SectorId = 'health'): Issue {
  return {
    week: '2026-W49',
    version: 1,
    status: 'draft',
    entries: spec.map((s) => ({
      itemId: s.slice(0, -1),
      sector,
      included: s.endsWith('+'),
      alsoIds: [],
      score: 0,
      origin: 'draft',
    })),
    createdAt: '',
    updatedAt: '',
  };
}
const includedOrder = (issue: Issue) => issue.entries.filter((e) => e.included).map((e) => e.itemId);

describe('stepping an item among those shown with it', () => {
  it('moves an included item past the next included one, over left-out ones between', () => {
    const issue = issueOf(['a+', 'x-', 'b+', 'c+']);
    const { ops } = planWebOps(issue, [{ op: 'step', itemId: 'a', by: 1 }], ORDER);
    expect(ops).toEqual([{ op: 'move', itemId: 'a', position: 2 }]);
    for (const op of ops) applyOp(issue, op, ORDER);
    expect(includedOrder(issue)).toEqual(['b', 'a', 'c']);
  });

  it('works out a batch in order: two steps down from the top end at the bottom', () => {
    const issue = issueOf(['a+', 'b+', 'c+']);
    const { ops } = planWebOps(
      issue,
      [
        { op: 'step', itemId: 'a', by: 1 },
        { op: 'step', itemId: 'a', by: 1 },
      ],
      ORDER,
    );
    for (const op of ops) applyOp(issue, op, ORDER);
    expect(includedOrder(issue)).toEqual(['b', 'c', 'a']);
  });

  it('does nothing at either end, and leaves unknown items to the digest to refuse', () => {
    const issue = issueOf(['a+', 'b+']);
    expect(stepMove(issue, 'a', -1)).toBeUndefined();
    expect(stepMove(issue, 'b', 1)).toBeUndefined();
    expect(() => planWebOps(issue, [{ op: 'step', itemId: 'zz', by: 1 }], ORDER)).toThrow(EditError);
  });

  it('steps left-out items among left-out ones', () => {
    const issue = issueOf(['a+', 'x-', 'b+', 'y-']);
    expect(stepMove(issue, 'y', -1)).toEqual({ op: 'move', itemId: 'y', position: 1 });
  });

  it('turns "not relevant" into leaving the item out, and lists it for a label', () => {
    const plan = planWebOps(issueOf(['a+']), [{ op: 'not-relevant', itemId: 'a' }], ORDER);
    expect(plan).toEqual({ ops: [{ op: 'include', itemId: 'a', included: false }], notRelevant: ['a'] });
    expect(issueState(issueOf(['a+'])).entries).toEqual([{ itemId: 'a', sector: 'health', included: true }]);
  });

  it("accepts only the page's operations on the wire: no raw add, no unknown fields", () => {
    const ok = { version: 3, ops: [{ op: 'step', itemId: 'a', by: -1 }] };
    expect(opsBodySchema.safeParse(ok).success).toBe(true);
    expect(opsBodySchema.safeParse({ ...ok, ops: [{ op: 'add', entry: {} }] }).success).toBe(false);
    expect(opsBodySchema.safeParse({ ...ok, ops: [{ op: 'step', itemId: 'a', by: 2 }] }).success).toBe(false);
    expect(
      opsBodySchema.safeParse({ ...ok, ops: [{ op: 'include', itemId: 'a', included: true, x: 1 }] }).success,
    ).toBe(false);
    expect(opsBodySchema.safeParse({ version: -1, ops: ok.ops }).success).toBe(false);
    expect(opsBodySchema.safeParse({ version: 1, ops: [] }).success).toBe(false);
  });
});

describe('the week page view', () => {
  it('puts included entries first in their order, then left-out ones, then those not relevant; marks what ran before', () => {
    const issue = issueOf(['a+', 'low-', 'x-', 'b+']);
    const items = new Map(
      ['a', 'x', 'b', 'low'].map((id) => [
        id,
        makeItem(
          id,
          'health',
          id === 'low'
            ? { classification: { ...makeItem(id, 'health').classification, relevant: false } }
            : {},
        ),
      ]),
    );
    const view = buildWeekView(issue, items, config, new Map([['b', '2026-W40']]));
    const health = view.sections.find((s) => s.sector === 'health')!;
    expect(health.included.map((i) => i.id)).toEqual(['a', 'b']);
    expect(health.excluded.map((i) => i.id)).toEqual(['x']);
    expect(health.low.map((i) => i.id)).toEqual(['low']);
    expect(health.included[1]!.ranIn).toBe('2026-W40');
    expect(health.included.map((i) => i.index)).toEqual([0, 3]);
    expect(view.sections.map((s) => s.sector)).toEqual(ORDER);
    expect(health.included[0]!.date).toBe('27 May 2014');
  });
});

describe('page helpers', () => {
  it('follows only http(s) links from feeds', () => {
    expect(safeHref('https://example.org/a')).toBe('https://example.org/a');
    expect(safeHref('javascript:alert(1)')).toBe('#');
    expect(safeHref('data:text/html,x')).toBe('#');
  });

  it('fills a template cut once exactly as fill does, escaping by default', () => {
    const vars: Record<string, string> = {};
    for (const m of template('web/editor-item.html').matchAll(/\{\{\{?(\w+)/g))
      vars[m[1]!] = `<b>"${m[1]}" & 'x'</b>`;
    expect(templateRenderer('web/editor-item.html')(vars)).toBe(fill(template('web/editor-item.html'), vars));
    expect(() => templateRenderer('web/editor-item.html')({})).toThrow(/has no value/);
  });
});
