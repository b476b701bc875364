// The few statistics the bench reports. Percentiles are nearest rank, as the load test's
// (run/evaluate.ts), so a p99 here and there means the same thing.
import { percentile } from '../run/evaluate.ts';

export { percentile };

/** The arithmetic mean; 0 when there are no values. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The nearest-rank percentile of unsorted values (sorts a copy). */
export function percentileOf(values: readonly number[], p: number): number {
  return percentile([...values].sort((a, b) => a - b), p);
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
