import { escapeHtml } from '../digest/escape.js';

export interface SectorChartInput {
  sectors: { id: string; heading: string }[];
  /** Oldest first; the last is this week. */
  weeks: { week: string; counts: Record<string, number> }[];
}

// Layout in viewBox units. The SVG scales to its container's width, so at 375 px a unit is
// about one CSS pixel and these font sizes stay readable on a phone.
const WIDTH = 360;
const PAD = 8;
const LEGEND_H = 26;
const HEADING_H = 18;
const BAR_H = 40;
const LABEL_H = 16;
const GAP = 10;
const PANEL_H = HEADING_H + BAR_H + LABEL_H + GAP;
const SHOWN_WEEKS = 9; // this week and the 8 before: the bars are sized for that many
const MUTED = 0.35;
const TITLE_ID = 'sector-chart-title';
const DESC_ID = 'sector-chart-desc';

/** A count fit to draw: a missing, negative or non-finite one (a caller's bug) draws as 0. */
const countOf = (counts: Record<string, number>, id: string): number => {
  const n = counts[id];
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
};

// Short numbers keep the markup small; viewBox units need no more precision.
const num = (n: number): string => String(Math.round(n * 100) / 100);

/** "W49" from "2026-W49": the year would not fit under nine bars at 375 px. */
const shortWeek = (week: string): string => /-(W\d{1,2})$/.exec(week)?.[1] ?? week;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The earlier weeks of one sector in words: "4–15 in the previous 8 weeks". */
function previousInWords(previous: number[]): string {
  if (previous.length === 0) return 'no earlier weeks shown';
  const lo = Math.min(...previous);
  const hi = Math.max(...previous);
  const span =
    previous.length === 1 ? 'the previous week' : `the previous ${plural(previous.length, 'week')}`;
  if (lo === hi) return previous.length === 1 ? `${lo} in ${span}` : `${lo} in each of ${span}`;
  return `${lo}–${hi} in ${span}`;
}

/** The figures in words, for screen readers: one sentence per sector. */
function chartSummary(input: SectorChartInput): string {
  const weeks = input.weeks.slice(-SHOWN_WEEKS);
  const current = weeks.at(-1);
  if (!current) return 'No weeks to show.';
  if (input.sectors.length === 0) return 'No sectors to show.';
  const earlier = weeks.slice(0, -1);
  return input.sectors
    .map((s) => {
      const now = countOf(current.counts, s.id);
      const before = earlier.map((w) => countOf(w.counts, s.id));
      return `${s.heading}: ${now} this week, ${previousInWords(before)}.`;
    })
    .join(' ');
}

/**
 * Items per sector this week against the weeks before, as an inline SVG: one small panel per
 * sector, stacked so it reads on a phone, with this week's bar solid and earlier ones faded.
 * All sectors share one scale, so panels compare. Colours are `currentColor` at two opacities,
 * so the chart follows the page's text colour in light and dark mode. Headings and week labels
 * are escaped: headings may one day be editable. The ids assume one chart per page.
 */
export function sectorChart(input: SectorChartInput): string {
  const weeks = input.weeks.slice(-SHOWN_WEEKS);
  const current = weeks.at(-1);
  const max = Math.max(0, ...weeks.flatMap((w) => input.sectors.map((s) => countOf(w.counts, s.id))));
  const slot = (WIDTH - 2 * PAD) / SHOWN_WEEKS;
  const barW = slot * 0.7;
  const height = LEGEND_H + input.sectors.length * PANEL_H;
  const earlier =
    weeks.length > 2 ? `previous ${weeks.length - 1} weeks` : weeks.length === 2 ? 'previous week' : '';
  const title = !current
    ? 'Items per sector: no weeks to show'
    : `Items per sector: this week (${current.week})${earlier && ` against the ${earlier}`}`;

  const panel = (sector: { id: string; heading: string }, i: number): string => {
    const top = LEGEND_H + i * PANEL_H;
    const base = top + HEADING_H + BAR_H;
    const heading = escapeHtml(sector.heading);
    const now = current ? countOf(current.counts, sector.id) : 0;
    const bars = weeks.map((w, j) => {
      const n = countOf(w.counts, sector.id);
      const h = max > 0 ? (n / max) * BAR_H : 0;
      const x = PAD + j * slot + (slot - barW) / 2;
      const isNow = j === weeks.length - 1;
      const cls = isNow ? 'bar this-week' : 'bar';
      return (
        `<rect class="${cls}" x="${num(x)}" y="${num(base - h)}" width="${num(barW)}" height="${num(h)}"` +
        ` fill="currentColor" fill-opacity="${isNow ? 1 : MUTED}" data-count="${n}">` +
        `<title>${heading}, ${escapeHtml(w.week)}: ${plural(n, 'item')}</title></rect>` +
        `<text x="${num(PAD + j * slot + slot / 2)}" y="${num(base + 12)}" font-size="11"` +
        ` text-anchor="middle" fill="currentColor"${isNow ? ' font-weight="bold"' : ' fill-opacity="0.75"'}>` +
        `${escapeHtml(shortWeek(w.week))}</text>`
      );
    });
    return (
      `<g class="sector">` +
      `<text x="${PAD}" y="${num(top + 13)}" font-size="13" fill="currentColor">${heading}` +
      (current ? ` <tspan font-weight="bold">${now}</tspan>` : '') +
      `</text>` +
      `<line x1="${PAD}" x2="${WIDTH - PAD}" y1="${num(base)}" y2="${num(base)}"` +
      ` stroke="currentColor" stroke-opacity="0.4" stroke-width="1"/>` +
      bars.join('') +
      `</g>`
    );
  };

  const legend = current
    ? `<g class="legend" font-size="12" fill="currentColor">` +
      `<rect x="${PAD}" y="6" width="10" height="10" fill="currentColor"/>` +
      `<text x="${PAD + 14}" y="15">this week (${escapeHtml(shortWeek(current.week))})</text>` +
      (earlier
        ? `<rect x="${PAD + 150}" y="6" width="10" height="10" fill="currentColor" fill-opacity="${MUTED}"/>` +
          `<text x="${PAD + 164}" y="15">${earlier}</text>`
        : '') +
      `</g>`
    : '';

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="sector-chart" viewBox="0 0 ${WIDTH} ${height}"` +
    ` width="100%" role="img" aria-labelledby="${TITLE_ID}" aria-describedby="${DESC_ID}">` +
    `<title id="${TITLE_ID}">${escapeHtml(title)}</title>` +
    `<desc id="${DESC_ID}">${escapeHtml(chartSummary(input))}</desc>` +
    legend +
    input.sectors.map(panel).join('') +
    `</svg>`
  );
}
