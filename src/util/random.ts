/**
 * The seeded pseudo-random generators: synthetic zoo weights and measured inputs must be the same
 * bytes on every run and machine, so nothing here reads Math.random.
 */

const TWO_POW_32 = 4294967296;

/** Mulberry32 (Tommy Ettinger, 2017) walks its state along a Weyl sequence with this odd step. */
const MULBERRY32_STEP = 0x6d2b79f5;

/** The next Mulberry32 state: for loops that keep the state in a local instead of calling a closure. */
export function mulberry32Advance(state: number): number {
  return (state + MULBERRY32_STEP) | 0;
}

/** Mulberry32's output for a state (after `mulberry32Advance`): 32 random bits as an unsigned integer. */
export function mulberry32Bits(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/**
 * Uniform [0, 1) numbers from Mulberry32 started at `seed`: the zoo's synthetic weights and every
 * measured input (`efflint profile`, `measureInterleaved` and scripts/ort-node-runner.mjs all fill
 * theirs through the profiler's `generateInput`), so the same seed gives the same bytes everywhere.
 */
export function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = mulberry32Advance(state);
    return mulberry32Bits(state) / TWO_POW_32;
  };
}

/**
 * Uniform [0, 1) numbers from a 32-bit linear congruential generator (Numerical Recipes' constants)
 * started at `seed`: what the ONNX writer's seeded initializers have always held, kept so that the
 * models it writes stay the same bytes.
 */
export function lcg32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / TWO_POW_32;
  };
}
