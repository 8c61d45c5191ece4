import { describe, expect, it } from 'vitest';
import {
  blockMedians,
  rotatedOrder,
  summarizeInterleaved,
  summarizeRatios,
} from '../../src/profile/measure/interleaved-stats.js';
import { columnVerdict, combineVerdicts } from '../../src/profile/measure/verdict.js';
import { GUIDELINES } from '../../src/profile/measure/paper-tables.js';
import { at } from '../../src/util/at.js';

describe('interleaved statistics (hand-computed)', () => {
  // Variant A (baseline): block 0 runs 10, 12, 11 -> median 11; block 1 runs 20, 22, 21, 19 -> median 20.5.
  // Variant B:            block 0 runs 22, 21, 25 -> median 22; block 1 runs 41, 40, 39     -> median 40.
  const a = [
    [10, 12, 11],
    [20, 22, 21, 19],
  ];
  const b = [
    [22, 21, 25],
    [41, 40, 39],
  ];

  it('takes the median of each block', () => {
    expect(blockMedians(a)).toEqual([11, 20.5]);
    expect(blockMedians(b)).toEqual([22, 40]);
  });

  it('takes the ratio of block medians per block, then median and min-max over blocks', () => {
    const summaries = summarizeInterleaved([a, b], 0);
    expect(summaries).toHaveLength(2);
    const sa = at(summaries, 0);
    const sb = at(summaries, 1);
    // Baseline against itself: exactly 1 in every block.
    expect(sa.ratio.perBlock).toEqual([1, 1]);
    expect(sa.ratio).toMatchObject({ median: 1, min: 1, max: 1, spread: 0, iqr: 0 });
    expect(sa.medianMs).toBe(15.75); // median(11, 20.5)
    // B: 11 / 22 = 0.5 and 20.5 / 40 = 0.5125.
    expect(sb.ratio.perBlock[0]).toBe(0.5);
    expect(sb.ratio.perBlock[1]).toBeCloseTo(0.5125, 12);
    expect(sb.ratio.median).toBeCloseTo(0.50625, 12);
    expect(sb.ratio.min).toBe(0.5);
    expect(sb.ratio.max).toBeCloseTo(0.5125, 12);
    expect(sb.ratio.spread).toBeCloseTo(0.0125, 12);
    // IQR of two values (type 7): 0.5 + 0.75 * 0.0125 - (0.5 + 0.25 * 0.0125) = 0.00625.
    expect(sb.ratio.iqr).toBeCloseTo(0.00625, 12);
    expect(sb.medianMs).toBe(31); // median(22, 40)
  });

  it('re-bases on any variant', () => {
    const summaries = summarizeInterleaved([a, b], 1);
    expect(summaries).toHaveLength(2);
    const sa = at(summaries, 0);
    const sb = at(summaries, 1);
    expect(sb.ratio.perBlock).toEqual([1, 1]);
    expect(sa.ratio.perBlock[0]).toBe(2); // 22 / 11
    expect(sa.ratio.perBlock[1]).toBeCloseTo(40 / 20.5, 12);
  });

  it('IQR ignores one outlying block where min-max does not', () => {
    // Sorted: 0.5, 0.8, 0.82, 0.85, 0.9: median 0.82, IQR = 0.85 - 0.8, range 0.4.
    const r = summarizeRatios([0.9, 0.5, 0.8, 0.85, 0.82]);
    expect(r.median).toBe(0.82);
    expect(r.spread).toBeCloseTo(0.4, 12);
    expect(r.iqr).toBeCloseTo(0.05, 12);
  });

  it('rejects ragged input and a bad baseline', () => {
    expect(() => summarizeInterleaved([a, [[1]]], 0)).toThrow(/same number of blocks/);
    expect(() => summarizeInterleaved([a], 1)).toThrow(/baseline/);
  });

  it('rotates the start of each block', () => {
    expect(rotatedOrder(4, 0)).toEqual([0, 1, 2, 3]);
    expect(rotatedOrder(4, 1)).toEqual([1, 2, 3, 0]);
    expect(rotatedOrder(4, 5)).toEqual([1, 2, 3, 0]);
    expect(rotatedOrder(3, 2)).toEqual([2, 0, 1]);
  });
});

describe('verdict rule', () => {
  const linear = (n: number): [number, number][] => {
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
    return out;
  };
  const g4 = GUIDELINES.find((g) => g.id === 'G4')!.expectedOrder;

  it('holds: extreme slower by more than max(5%, 2 x spread), order kept', () => {
    const v = columnVerdict(
      [
        { ratio: 1, spread: 0 },
        { ratio: 0.9, spread: 0.01 },
        { ratio: 0.8, spread: 0.02 },
        { ratio: 0.6, spread: 0.03 },
      ],
      linear(4),
    );
    expect(v.verdict).toBe('holds');
    expect(v.effect).toBeCloseTo(0.4, 12);
    expect(v.margin).toBeCloseTo(0.06, 12);
    expect(v.violations).toEqual([]);
  });

  it('partial: extreme slower, but a middle row out of order by more than its margin', () => {
    const v = columnVerdict(
      [
        { ratio: 1, spread: 0 },
        { ratio: 0.7, spread: 0.01 },
        { ratio: 0.9, spread: 0.01 }, // 0.9 > 0.7 + 0.05
        { ratio: 0.6, spread: 0.01 },
      ],
      linear(4),
    );
    expect(v.verdict).toBe('partial');
    expect(v.violations).toEqual([[1, 2]]);
  });

  it('out of order within the margin still holds', () => {
    const v = columnVerdict(
      [
        { ratio: 1, spread: 0 },
        { ratio: 0.8, spread: 0.01 },
        { ratio: 0.84, spread: 0.01 }, // 0.84 <= 0.8 + 0.05
        { ratio: 0.6, spread: 0.01 },
      ],
      linear(4),
    );
    expect(v.verdict).toBe('holds');
  });

  it('the baseline must be the fastest even where the guideline orders nothing else (G4)', () => {
    const v = columnVerdict(
      [
        { ratio: 1, spread: 0 },
        { ratio: 1.2, spread: 0.01 },
        { ratio: 0.9, spread: 0.01 },
        { ratio: 0.7, spread: 0.01 },
      ],
      g4,
    );
    expect(v.verdict).toBe('partial');
    expect(v.violations).toContainEqual([0, 1]);
    // "ReLU only" against "shortcut only" is not ordered: 0.9 vs 0.95 is no violation.
    const w = columnVerdict(
      [
        { ratio: 1, spread: 0 },
        { ratio: 0.8, spread: 0.01 },
        { ratio: 0.95, spread: 0.01 },
        { ratio: 0.7, spread: 0.01 },
      ],
      g4,
    );
    expect(w.verdict).toBe('holds');
  });

  it('does-not-hold: extreme not slower by more than 5%', () => {
    expect(
      columnVerdict(
        [
          { ratio: 1, spread: 0 },
          { ratio: 1.03, spread: 0.01 },
        ],
        [[0, 1]],
      ).verdict,
    ).toBe('does-not-hold');
    expect(
      columnVerdict(
        [
          { ratio: 1, spread: 0 },
          { ratio: 0.97, spread: 0.01 },
        ],
        [[0, 1]],
      ).verdict,
    ).toBe('does-not-hold');
    // Large spread does not turn a measured null effect into "inconclusive".
    expect(
      columnVerdict(
        [
          { ratio: 1, spread: 0 },
          { ratio: 0.97, spread: 0.2 },
        ],
        [[0, 1]],
      ).verdict,
    ).toBe('does-not-hold');
  });

  it('inconclusive: slower by more than 5% but the spread is larger than the effect', () => {
    const v = columnVerdict(
      [
        { ratio: 1, spread: 0 },
        { ratio: 0.85, spread: 0.1 },
      ],
      [[0, 1]],
    );
    expect(v.verdict).toBe('inconclusive');
    expect(v.margin).toBeCloseTo(0.2, 12);
    expect(v.effect).toBeCloseTo(0.15, 12);
  });

  it('combines columns into one verdict per guideline', () => {
    expect(combineVerdicts(['holds', 'holds'])).toBe('holds');
    expect(combineVerdicts(['holds', 'does-not-hold'])).toBe('partial');
    expect(combineVerdicts(['partial'])).toBe('partial');
    expect(combineVerdicts(['does-not-hold', 'inconclusive'])).toBe('does-not-hold');
    expect(combineVerdicts(['inconclusive', 'inconclusive', 'does-not-hold'])).toBe('inconclusive');
    expect(combineVerdicts([])).toBe('inconclusive');
  });
});
