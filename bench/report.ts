/**
 * Benchmarks print each figure beside the raw library baseline measured in the same run,
 * as a ratio, because these machines are noisy and absolute numbers drift between runs.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The raw library doing the same work in the same run. */
  baseline?: { name: string; value: number };
  /** Stated aim, e.g. ">= 20000 items/s" or "<= 5 s", printed beside the figure. */
  target?: string;
  /** Whether a larger value is better (throughput) or smaller (time, memory). */
  higherIsBetter?: boolean;
}

export type Report = (figure: Figure) => void;

export function formatFigure(f: Figure): string {
  const value = `${round(f.value)} ${f.unit}`;
  const base = f.baseline ? `  | baseline ${f.baseline.name}: ${round(f.baseline.value)} ${f.unit}  | ratio ${(f.value / f.baseline.value).toFixed(2)}` : '';
  const target = f.target ? `  | target ${f.target}` : '';
  return `${f.name.padEnd(52)} ${value.padStart(16)}${base}${target}`;
}

function round(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-GB') : n.toFixed(n >= 10 ? 1 : 3);
}
