import { describe, expect, it } from 'vitest';
import * as cheerio from 'cheerio';
import { parseStringPromise } from 'xml2js';
import { sectorChart, type SectorChartInput } from '../../src/web/sector-chart.js';

const SECTORS = [
  { id: 'local-government', heading: 'Local Government' },
  { id: 'health', heading: 'Health & Social Care' },
];

/** Nine weeks, oldest first: health's counts are 4..11 then 12 this week; local government 0..8. */
const nineWeeks = (): SectorChartInput['weeks'] =>
  Array.from({ length: 9 }, (_, i) => ({
    week: `2026-W${41 + i}`,
    counts: { health: i === 8 ? 12 : 4 + i, 'local-government': i },
  }));

/** Parses strictly (xml2js fails on any well-formedness error), then loads for querying. */
async function load(svg: string) {
  await parseStringPromise(svg, { strict: true });
  return cheerio.load(svg, { xml: true });
}

const rectsOf = ($: cheerio.CheerioAPI, sectorIndex: number) =>
  $('g.sector')
    .eq(sectorIndex)
    .find('rect.bar')
    .toArray()
    .map((r) => ({
      height: Number($(r).attr('height')),
      opacity: Number($(r).attr('fill-opacity')),
      thisWeek: $(r).hasClass('this-week'),
    }));

describe('sectorChart', () => {
  it('is well-formed, accessible SVG with no script and no external reference', async () => {
    const svg = sectorChart({ sectors: SECTORS, weeks: nineWeeks() });
    const $ = await load(svg);
    const root = $('svg');
    expect(root.attr('role')).toBe('img');
    expect(root.attr('viewBox')).toMatch(/^0 0 \d+ \d+$/);
    const titleId = root.attr('aria-labelledby')!;
    expect($(`title#${titleId}`).text()).toContain('2026-W49');
    expect($(`desc#${root.attr('aria-describedby')}`).length).toBe(1);
    expect(svg).not.toMatch(/<script|href=|url\(|@import/i);
    // Dark mode: colours come from the page's text colour only.
    expect(svg).not.toMatch(/#[0-9a-f]{3,6}\b|\b(black|white|rgb)\b/i);
    expect(
      $('[fill]')
        .toArray()
        .every((e) => $(e).attr('fill') === 'currentColor'),
    ).toBe(true);
  });

  it('draws bar heights in proportion to the counts, on one scale for all sectors', async () => {
    const $ = await load(sectorChart({ sectors: SECTORS, weeks: nineWeeks() }));
    const health = rectsOf($, 1);
    const local = rectsOf($, 0);
    expect(health).toHaveLength(9);
    const unit = health[8]!.height / 12; // the tallest bar, 12 items
    expect(unit).toBeGreaterThan(0);
    health.forEach((r, i) => expect(r.height).toBeCloseTo((i === 8 ? 12 : 4 + i) * unit, 1));
    local.forEach((r, i) => expect(r.height).toBeCloseTo(i * unit, 1));
    // Bars stand on a common baseline: y + height is the same for every bar of a panel.
    const bottoms = $('g.sector')
      .eq(1)
      .find('rect.bar')
      .toArray()
      .map((r) => Number($(r).attr('y')) + Number($(r).attr('height')));
    expect(new Set(bottoms.map((b) => b.toFixed(1))).size).toBe(1);
  });

  it("sets this week's bar apart from the earlier, muted ones", async () => {
    const $ = await load(sectorChart({ sectors: SECTORS, weeks: nineWeeks() }));
    for (const rects of [rectsOf($, 0), rectsOf($, 1)]) {
      expect(rects.map((r) => r.thisWeek)).toEqual([...Array(8).fill(false), true]);
      expect(rects[8]!.opacity).toBe(1);
      rects.slice(0, 8).forEach((r) => expect(r.opacity).toBeLessThan(0.6));
    }
  });

  it('states the figures in words in <desc>', async () => {
    const $ = await load(sectorChart({ sectors: SECTORS, weeks: nineWeeks() }));
    const desc = $('desc').text();
    expect(desc).toContain('Health & Social Care: 12 this week, 4–11 in the previous 8 weeks.');
    expect(desc).toContain('Local Government: 8 this week, 0–7 in the previous 8 weeks.');
  });

  it('renders zero counts, empty weeks, no weeks and no sectors without NaN or Infinity', async () => {
    const cases: SectorChartInput[] = [
      { sectors: SECTORS, weeks: [{ week: '2026-W49', counts: {} }] },
      {
        sectors: SECTORS,
        weeks: Array.from({ length: 9 }, (_, i) => ({ week: `2026-W${41 + i}`, counts: {} })),
      },
      {
        sectors: SECTORS,
        weeks: [
          { week: '2026-W48', counts: { health: 0 } },
          { week: '2026-W49', counts: { health: 3 } },
        ],
      },
      { sectors: SECTORS, weeks: [] },
      { sectors: [], weeks: nineWeeks() },
      { sectors: SECTORS, weeks: [{ week: '2026-W49', counts: { health: NaN, 'local-government': -2 } }] },
    ];
    for (const input of cases) {
      const svg = sectorChart(input);
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
      await load(svg);
    }
    const $ = await load(sectorChart(cases[1]!));
    expect(rectsOf($, 0).every((r) => r.height === 0)).toBe(true);
    expect($('desc').text()).toContain(
      'Health & Social Care: 0 this week, 0 in each of the previous 8 weeks.',
    );
    const one = await load(sectorChart(cases[2]!));
    expect(one('desc').text()).toContain('Health & Social Care: 3 this week, 0 in the previous week.');
    expect(one('title').first().text()).toBe(
      'Items per sector: this week (2026-W49) against the previous week',
    );
  });

  it('escapes headings and week labels', async () => {
    const hostile = `<script>alert("x")</script> & 'quoted'`;
    const svg = sectorChart({
      sectors: [{ id: 'health', heading: hostile }],
      weeks: [
        { week: `W"<b>'&`, counts: { health: 1 } },
        { week: '2026-W49', counts: { health: 2 } },
      ],
    });
    expect(svg).not.toMatch(/<script|<b>/i);
    const $ = await load(svg);
    // Escaped, not dropped: the parsed text reads back as written.
    expect($('g.sector > text').first().text()).toContain(hostile);
    expect($('desc').text()).toContain(`${hostile}: 2 this week`);
    expect(
      $('g.sector text')
        .toArray()
        .map((e) => $(e).text()),
    ).toContain(`W"<b>'&`);
  });
});
