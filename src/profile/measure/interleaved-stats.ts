import { at } from '../../util/at.js';
import { median, percentile } from '../stats.js';

/**
 * Statistics of an interleaved measurement (pure functions, no I/O). The unit of comparison is the
 * block: variants run alternately inside a block, so slow phases of a loaded machine hit every
 * variant of a block alike. Within a block each variant is summarised by its median run time; the
 * ratio of a variant to the baseline is taken per block from those medians; what is reported over
 * blocks is the median of the per-block ratios and their min-max range.
 */

/** Measured times of one variant: `[block][run]`, milliseconds. */
export type BlockSamples = readonly (readonly number[])[];

/** A variant's speed relative to the baseline, block by block. */
export interface RatioSummary {
  /**
   * Throughput relative to the baseline in each block: baseline median time / variant median time.
   * Above 1: the variant is faster than the baseline; 0.8: it does 80% of the baseline's runs per second.
   */
  readonly perBlock: readonly number[];
  /** Median of `perBlock`. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** max - min over blocks: how far one block's answer can be from another's (0 for the baseline itself). */
  readonly spread: number;
  /**
   * Interquartile range of `perBlock` (75th - 25th percentile, linear interpolation): the spread of the
   * middle half of the blocks, which one block caught in a burst of load from other processes cannot
   * widen. With 5 blocks it is the 4th smallest minus the 2nd smallest.
   */
  readonly iqr: number;
}

/** One variant on one clock. */
export interface ClockSummary {
  /** Median run time of each block, milliseconds. */
  readonly blockMediansMs: readonly number[];
  /** Median of the block medians, milliseconds. */
  readonly medianMs: number;
  /** Against the baseline variant. */
  readonly ratio: RatioSummary;
}

/** Median of each block's runs. */
export function blockMedians(samples: BlockSamples): number[] {
  return samples.map((runs) => median(runs));
}

/** Summarises per-block ratios (a baseline against itself gives 1 in every block and spread 0). */
export function summarizeRatios(perBlock: readonly number[]): RatioSummary {
  if (perBlock.length === 0) return { perBlock: [], median: NaN, min: NaN, max: NaN, spread: NaN, iqr: NaN };
  const min = Math.min(...perBlock);
  const max = Math.max(...perBlock);
  return {
    perBlock: [...perBlock],
    median: median(perBlock),
    min,
    max,
    spread: max - min,
    iqr: percentile(perBlock, 75) - percentile(perBlock, 25),
  };
}

/**
 * Summarises every variant of one clock against the variant at index `baseline`.
 * `samples[variant][block][run]`; every variant must have the same number of blocks.
 */
export function summarizeInterleaved(samples: readonly BlockSamples[], baseline = 0): ClockSummary[] {
  if (baseline < 0 || baseline >= samples.length)
    throw new RangeError(`baseline index ${baseline} outside 0..${samples.length - 1}`);
  const medians = samples.map(blockMedians);
  const base = at(medians, baseline);
  for (const m of medians) {
    if (m.length !== base.length) throw new RangeError('every variant needs the same number of blocks');
  }
  return medians.map((m) => ({
    blockMediansMs: m,
    medianMs: median(m),
    ratio: summarizeRatios(m.map((t, b) => at(base, b) / t)),
  }));
}

/**
 * The order variants run in within block `block` (0-based): a rotation starting at `block mod n`.
 * With 4 variants: block 0 runs 0,1,2,3; block 1 runs 1,2,3,0; block 2 runs 2,3,0,1. Each variant
 * in turn goes first, so none is always the one that runs right after a slow neighbour.
 */
export function rotatedOrder(variants: number, block: number): number[] {
  const start = ((block % variants) + variants) % variants;
  return Array.from({ length: variants }, (_, k) => (start + k) % variants);
}
