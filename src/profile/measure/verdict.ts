/**
 * The verdict rule of `efflint validate` (pure functions). Speeds are throughput ratios to the
 * baseline row (1 = as fast as the baseline, 0.8 = 20% fewer runs per second), each with the spread
 * (max - min) of its per-block ratios.
 */
import { at } from '../../util/at.js';

export type Verdict = 'holds' | 'partial' | 'does-not-hold' | 'inconclusive';
export const VERDICTS: readonly Verdict[] = ['holds', 'partial', 'does-not-hold', 'inconclusive'];

/** The smallest effect that counts, whatever the noise: 5%. */
export const MIN_EFFECT = 0.05;

/**
 * One row of a comparison: median ratio over blocks and its block spread (validate passes the
 * interquartile range of the per-block ratios).
 */
export interface RatioPoint {
  readonly ratio: number;
  readonly spread: number;
}

export interface ColumnVerdict {
  readonly verdict: Verdict;
  /** 1 - ratio of the extreme row: how much slower it is than the baseline (negative: faster). */
  readonly effect: number;
  /** max(5%, 2 x the extreme row's spread). */
  readonly margin: number;
  /** Expected-order pairs [i, j] that the measurement contradicts by more than their margin. */
  readonly violations: readonly (readonly [number, number])[];
}

/** The rule in words, as `validate` prints it and writes it into its JSON. */
export const VERDICT_RULE =
  "per column: block spread = interquartile range of a row's per-block ratios; margin = max(5%, 2 x block spread of the extreme row); holds = the extreme row is slower than the baseline by more than the margin " +
  'and no row is faster than a row the guideline puts before it (the baseline first) by more than max(5%, 2 x the larger spread of the two); ' +
  'partial = the extreme row is slower by the margin but that order is broken; inconclusive = the extreme row is slower by more than 5% ' +
  'but not by the margin (the spread is too large to tell); does-not-hold = the extreme row is not slower by more than 5%. Per guideline: holds when every column holds, ' +
  'partial when some column holds or is partial, else does-not-hold or inconclusive, whichever more columns give (does-not-hold on a tie).';

function pairMargin(a: RatioPoint, b: RatioPoint): number {
  return Math.max(MIN_EFFECT, 2 * Math.max(a.spread, b.spread));
}

/**
 * The verdict of one column. `points[0]` is the baseline, `points[points.length - 1]` the extreme
 * row; `expectedOrder` lists pairs [i, j] where row i should be at least as fast as row j.
 */
export function columnVerdict(
  points: readonly RatioPoint[],
  expectedOrder: readonly (readonly [number, number])[],
): ColumnVerdict {
  if (points.length < 2) throw new RangeError('a comparison needs a baseline and at least one other row');
  const extreme = at(points, points.length - 1);
  const effect = 1 - extreme.ratio;
  const margin = Math.max(MIN_EFFECT, 2 * extreme.spread);
  const pairs: (readonly [number, number])[] = [...expectedOrder];
  for (let j = 1; j < points.length; j++) if (!pairs.some(([a, b]) => a === 0 && b === j)) pairs.push([0, j]);
  const violations = pairs.filter(([i, j]) => {
    const [expectedFaster, expectedSlower] = [at(points, i), at(points, j)];
    return expectedSlower.ratio > expectedFaster.ratio + pairMargin(expectedFaster, expectedSlower);
  });
  let verdict: Verdict;
  if (effect > margin) verdict = violations.length === 0 ? 'holds' : 'partial';
  else if (effect > MIN_EFFECT) verdict = 'inconclusive';
  else verdict = 'does-not-hold';
  return { verdict, effect, margin, violations };
}

/** Combines the columns of one guideline at one opt level into its verdict. */
export function combineVerdicts(columns: readonly Verdict[]): Verdict {
  if (columns.length === 0) return 'inconclusive';
  if (columns.every((v) => v === 'holds')) return 'holds';
  if (columns.some((v) => v === 'holds' || v === 'partial')) return 'partial';
  const no = columns.filter((v) => v === 'does-not-hold').length;
  const unsure = columns.filter((v) => v === 'inconclusive').length;
  return no >= unsure ? 'does-not-hold' : 'inconclusive';
}
