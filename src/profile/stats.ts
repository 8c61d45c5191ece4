/**
 * Summary statistics for measured times. Percentiles interpolate linearly between order statistics
 * (Hyndman & Fan 1996 definition 7, the default of R, NumPy and Excel's PERCENTILE.INC).
 */

import { at } from '../util/at.js';

/** Sorted copy, ascending. */
function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The p-th percentile (0..100) of `values`; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = sorted(values);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(s.length - 1, lo + 1);
  const low = at(s, lo);
  return low + (at(s, hi) - low) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values. */
export function stdev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return Math.sqrt(ss / (values.length - 1));
}

/** Coefficient of variation: sample standard deviation / mean (a fraction, not a percentage). */
export function coefficientOfVariation(values: readonly number[]): number {
  const m = mean(values);
  return m > 0 ? stdev(values) / m : 0;
}

/** Latency summary of a series of runs (milliseconds in, milliseconds out). */
export interface LatencyStats {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  /** Coefficient of variation (stdev / mean) as a fraction: 0.05 = 5%. */
  readonly cv: number;
  /** Number of timed runs (warm-up excluded). */
  readonly runs: number;
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  return {
    median: median(samples),
    p90: percentile(samples, 90),
    min: samples.length ? Math.min(...samples) : NaN,
    max: samples.length ? Math.max(...samples) : NaN,
    cv: coefficientOfVariation(samples),
    runs: samples.length,
  };
}

/** Average ranks (1-based), ties sharing the mean of their positions. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  let k = 0;
  while (k < order.length) {
    let j = k;
    const v = at(order, k).v;
    while (j + 1 < order.length && at(order, j + 1).v === v) j++;
    const rank = (k + j) / 2 + 1;
    for (let t = k; t <= j; t++) out[at(order, t).i] = rank;
    k = j + 1;
  }
  return out;
}

/** Pearson correlation; null when either side is constant or there are fewer than 3 pairs. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = Math.min(x.length, y.length);
  if (n < 3) return null;
  const mx = mean(x.slice(0, n));
  const my = mean(y.slice(0, n));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = at(x, i) - mx;
    const dy = at(y, i) - my;
    sxy += dx * dy;
    sxx += dx ** 2;
    syy += dy ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman rank correlation: Pearson correlation of the average ranks (handles ties). Null when
 * it is undefined (fewer than 3 pairs, or one side constant).
 */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error('spearman: series differ in length');
  return pearson(ranks(x), ranks(y));
}
