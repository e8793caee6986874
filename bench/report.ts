/**
 * Benchmarks print each figure beside the raw library baseline measured in the same run,
 * as a ratio, because these machines are noisy and absolute numbers drift between runs.
 */

/** A figure measured over several runs, as the smallest and the largest. */
export interface Range {
  min: number;
  max: number;
}

export interface Figure {
  name: string;
  /** One measurement, or the range over several runs. */
  value: number | Range;
  /** Printed after the value and the baseline, e.g. "items/s" or "µs CPU/item". */
  unit: string;
  /** The raw library (or the floor) doing the same work in the same run. */
  baseline?: { name: string; value: number | Range };
  /**
   * value / baseline run by run, when both are ranges over runs made in pairs (dividing the
   * ranges' ends would pair measurements from different runs). Computed when left out.
   */
  ratio?: Range;
  /** Stated aim, e.g. ">= 20000 items/s" or "<= 5 s", printed beside the figure. */
  target?: string;
  /** Whether a larger value is better (throughput) or smaller (time, memory). */
  higherIsBetter?: boolean;
}

export type Report = (figure: Figure) => void;

/** The smallest and largest of `values`. */
export function rangeOf(values: number[]): Range {
  return { min: Math.min(...values), max: Math.max(...values) };
}

export function formatFigure(f: Figure): string {
  const value = `${show(f.value)} ${f.unit}`;
  const ratio = f.ratio ?? (f.baseline ? ratioOf(f.value, f.baseline.value) : undefined);
  const base =
    f.baseline && ratio
      ? `  | baseline ${f.baseline.name}: ${show(f.baseline.value)} ${f.unit}  | ratio ${show(ratio, (n) => n.toFixed(2))}`
      : '';
  const target = f.target ? `  | target ${f.target}` : '';
  return `${f.name.padEnd(52)} ${value.padStart(16)}${base}${target}`;
}

/** Without runs in pairs, the widest the ratio can be. */
function ratioOf(value: number | Range, baseline: number | Range): Range {
  const v = asRange(value);
  const b = asRange(baseline);
  return { min: v.min / b.max, max: v.max / b.min };
}

function asRange(v: number | Range): Range {
  return typeof v === 'number' ? { min: v, max: v } : v;
}

function show(v: number | Range, fmt: (n: number) => string = round): string {
  const { min, max } = asRange(v);
  return fmt(min) === fmt(max) ? fmt(min) : `${fmt(min)}–${fmt(max)}`;
}

function round(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-GB') : n.toFixed(n >= 10 ? 1 : 3);
}
