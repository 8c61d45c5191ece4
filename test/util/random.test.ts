import { describe, expect, it } from 'vitest';
import { lcg32, mulberry32, mulberry32Advance, mulberry32Bits } from '../../src/util/random.js';

const MASK = 0xffffffffn;
const TWO_POW_32 = 2 ** 32;
/** Seeds as callers pass them: 0, small, the int32 edge, uint32 values above it, a negative number, one above 2^32. */
const SEEDS = [0, 1, 42, 0x5eed, 0x7fffffff, 0x80000000, 0xffffffff, -3, 2 ** 40 + 5];

function take(next: () => number, count: number): number[] {
  return Array.from({ length: count }, () => next());
}

/** Mulberry32 as Tommy Ettinger's C reference writes it, on unsigned 32-bit BigInts (no sign tricks). */
function referenceMulberry32(seed: number, count: number): number[] {
  let a = BigInt(seed) & MASK;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5n) & MASK;
    let z = ((a ^ (a >> 15n)) * (a | 1n)) & MASK;
    z ^= (z + (z ^ (z >> 7n)) * (z | 61n)) & MASK;
    out.push(Number(z ^ (z >> 14n)) / TWO_POW_32);
  }
  return out;
}

/** The Numerical Recipes LCG, state' = 1664525 * state + 1013904223 mod 2^32, in BigInts. */
function referenceLcg(seed: number, count: number): number[] {
  let s = BigInt(seed) & MASK;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (s * 1664525n + 1013904223n) & MASK;
    out.push(Number(s) / TWO_POW_32);
  }
  return out;
}

describe('mulberry32', () => {
  it.each(SEEDS)('seed %d gives the C reference sequence', (seed) => {
    expect(take(mulberry32(seed), 64)).toEqual(referenceMulberry32(seed, 64));
  });

  it('the advance/bits steps the zoo builder loops over give the same numbers as the stream', () => {
    let state = 0x5eed;
    const stepped = take(() => {
      state = mulberry32Advance(state);
      return mulberry32Bits(state) / TWO_POW_32;
    }, 64);
    expect(stepped).toEqual(take(mulberry32(0x5eed), 64));
  });

  it('stays in [0, 1)', () => {
    const values = take(mulberry32(7), 10_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});

describe('lcg32', () => {
  it('seed 0 starts at the increment: 1013904223 / 2^32', () => {
    expect(lcg32(0)()).toBe(1013904223 / TWO_POW_32);
  });

  it.each(SEEDS)('seed %d gives the reference sequence', (seed) => {
    expect(take(lcg32(seed), 64)).toEqual(referenceLcg(seed, 64));
  });
});
