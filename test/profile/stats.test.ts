import { describe, expect, it } from 'vitest';
import {
  coefficientOfVariation,
  latencyStats,
  median,
  percentile,
  ranks,
  spearman,
  stdev,
} from '../../src/profile/stats.js';

describe('statistics', () => {
  it('percentiles interpolate between order statistics (R type 7)', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // numpy.percentile([1..10], 90) = 9.1
    expect(percentile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 90)).toBeCloseTo(9.1, 12);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });

  it('sample standard deviation and coefficient of variation', () => {
    expect(stdev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935, 8);
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935 / 5, 8);
    expect(coefficientOfVariation([3])).toBe(0);
  });

  it('summarises a latency series', () => {
    const s = latencyStats([1.2, 1.0, 1.1, 5.0, 1.05]);
    expect(s).toMatchObject({ median: 1.1, min: 1.0, max: 5.0, runs: 5 });
    expect(s.p90).toBeCloseTo(3.48, 10);
  });

  it('ranks ties by their average position', () => {
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  it('Spearman correlation with ties matches scipy.stats.spearmanr', () => {
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1, 2], [1, 2])).toBeNull();
  });
});
