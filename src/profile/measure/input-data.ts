import { ProfilerError } from '../../errors.js';
import type { InputSpec } from '../session-runner.js';

/** Typed array of a generated input, as `new ort.Tensor(dtype, data, dims)` takes it. */
export type InputData = Float32Array | Float64Array | Uint16Array | Int32Array | Uint32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array;

/** One generated input, ready to post to the worker (typed arrays survive structured cloning). */
export interface GeneratedInput {
  readonly name: string;
  readonly dtype: string;
  readonly dims: readonly number[];
  readonly data: InputData;
}

/** mulberry32 (the generator `profile`'s worker uses): the same seed gives the same data everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** IEEE 754 binary16 bits of `x` (truncating the mantissa, flushing subnormals to zero). */
function toHalfBits(x: number): number {
  const f = new Float32Array([x]);
  const b = new Uint32Array(f.buffer)[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((b & 0x7fffff) >>> 13);
}

/**
 * Seeded pseudo-random data for one input: floats uniform in [-1, 1), integers in [0, intRange),
 * booleans half true. Generated on the host so the worker only wraps it in tensors.
 */
export function generateInput(spec: InputSpec, seed: number): GeneratedInput {
  const n = spec.dims.reduce((a, b) => a * b, 1);
  const rnd = mulberry32(seed);
  const float = (): number => rnd() * 2 - 1;
  const int = (): number => Math.floor(rnd() * spec.intRange);
  let data: InputData;
  switch (spec.dtype) {
    case 'float32':
      data = Float32Array.from({ length: n }, float);
      break;
    case 'float64':
      data = Float64Array.from({ length: n }, float);
      break;
    case 'float16':
      data = Uint16Array.from({ length: n }, () => toHalfBits(float()));
      break;
    case 'int64':
      data = BigInt64Array.from({ length: n }, () => BigInt(int()));
      break;
    case 'uint64':
      data = BigUint64Array.from({ length: n }, () => BigInt(int()));
      break;
    case 'int32':
      data = Int32Array.from({ length: n }, int);
      break;
    case 'uint32':
      data = Uint32Array.from({ length: n }, int);
      break;
    case 'int16':
      data = Int16Array.from({ length: n }, int);
      break;
    case 'uint16':
      data = Uint16Array.from({ length: n }, int);
      break;
    case 'int8':
      data = Int8Array.from({ length: n }, int);
      break;
    case 'uint8':
      data = Uint8Array.from({ length: n }, int);
      break;
    case 'bool':
      data = Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
      break;
    default:
      throw new ProfilerError(`input '${spec.name}': dtype ${spec.dtype} cannot be generated`);
  }
  return { name: spec.name, dtype: spec.dtype, dims: [...spec.dims], data };
}
