import type { Config } from '../config/load.js';
import { issueWindow, weekOf, type IssueWindow } from '../digest/week.js';
import type { ItemStore } from '../store/items.js';
import { sectorOf, type NewsItem } from '../types/item.js';
import type { SectorChartInput } from './sector-chart.js';

/** This week and the 8 before, as the chart shows them. */
export const CHART_WEEKS = 9;
/**
 * Earlier weeks change little: a late item changes their number of items (checked on every
 * page, one cheap count), an editor's re-filing only their split (seen after this long).
 */
const EARLIER_TTL_MS = 10 * 60_000;

/**
 * Items per sector for the week page's chart. Counting a week reads its items once; earlier
 * weeks are kept for a while, so a week page usually reads only its own week.
 */
export class SectorCounts {
  private readonly earlier = new Map<
    string,
    { at: number; total: number; counts: Promise<Record<string, number>> }
  >();

  constructor(
    private readonly items: ItemStore,
    private readonly config: Config,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly windows = new Map<string, IssueWindow>();
  private readonly chartWeeks = new Map<string, string[]>();

  /** `current`: this week's items (publishedAt in its window) when the caller has read them already. */
  async chartInput(week: string, current?: readonly NewsItem[]): Promise<SectorChartInput> {
    const weeks = this.weeksTo(week);
    const counts = await Promise.all(
      weeks.map((w, i) =>
        i < weeks.length - 1 ? this.cached(w) : current ? countsOf(current) : this.count(w),
      ),
    );
    return {
      sectors: this.config.sectors.map((s) => ({ id: s.id, heading: s.heading })),
      weeks: weeks.map((w, i) => ({ week: w, counts: counts[i]! })),
    };
  }

  /** The chart's weeks, ending with `week` (worked out with luxon: kept, as a page asks again and again). */
  private weeksTo(week: string): string[] {
    let weeks = this.chartWeeks.get(week);
    if (!weeks) {
      const sendAt = this.window(week).sendAt.toMillis();
      weeks = Array.from({ length: CHART_WEEKS }, (_, i) =>
        weekOf(new Date(sendAt - (CHART_WEEKS - 1 - i) * 7 * 86_400_000)),
      );
      remember(this.chartWeeks, week, weeks);
    }
    return weeks;
  }

  private window(week: string): IssueWindow {
    let w = this.windows.get(week);
    if (!w) remember(this.windows, week, (w = issueWindow(week, this.config.newsletter)));
    return w;
  }

  private async cached(week: string): Promise<Record<string, number>> {
    const w = this.window(week);
    const total = await this.items.count({ since: w.since, until: w.until });
    const held = this.earlier.get(week);
    if (held && held.total === total && this.now() - held.at < EARLIER_TTL_MS) return held.counts;
    const counts = this.count(week);
    this.earlier.set(week, { at: this.now(), total, counts });
    counts.catch(() => this.earlier.delete(week));
    // A few dozen weeks at most are ever asked for; drop the oldest past that.
    if (this.earlier.size > 64) this.earlier.delete(this.earlier.keys().next().value!);
    return counts;
  }

  private async count(week: string): Promise<Record<string, number>> {
    const w = this.window(week);
    return countsOf(await this.items.list({ since: w.since, until: w.until }));
  }
}

function countsOf(items: readonly NewsItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const s = sectorOf(item);
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

/** A few hundred weeks at most; past that the oldest goes. */
function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.set(key, value);
  if (map.size > 512) map.delete(map.keys().next().value!);
}
