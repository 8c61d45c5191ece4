import { ProfilerError } from '../../errors.js';
import { at } from '../../util/at.js';
import { mulberry32 } from '../../util/random.js';
import type { InputSpec } from '../session-protocol.js';

/** Typed array of a generated input, as `new ort.Tensor(dtype, data, dims)` takes it. */
export type InputData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

/** The element types `generateInput` can fill (onnxruntime's tensor type names; float16 travels as its bits). */
export type GeneratedDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int64'
  | 'uint64'
  | 'int32'
  | 'uint32'
  | 'int16'
  | 'uint16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** One generated input, ready to wrap in a tensor or to post to a worker (typed arrays survive structured cloning). */
export interface GeneratedInput {
  readonly name: string;
  readonly dtype: GeneratedDType;
  readonly dims: readonly number[];
  readonly data: InputData;
}

const HALF_SCRATCH = new Float32Array(1);
const HALF_SCRATCH_BITS = new Uint32Array(HALF_SCRATCH.buffer);

/** IEEE 754 binary16 bits of `x` (truncating the mantissa, flushing subnormals to zero). */
function toHalfBits(x: number): number {
  HALF_SCRATCH[0] = x;
  const b = at(HALF_SCRATCH_BITS, 0);
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((b & 0x7fffff) >>> 13);
}

/** The integer types whose values are JS numbers, with their typed arrays (int64/uint64 take BigInts). */
const NUMBER_INT_ARRAYS = {
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const satisfies Partial<Record<GeneratedDType, new (length: number) => InputData>>;

/**
 * Fills `data` in index order. A plain loop: `TypedArray.from({ length }, f)` takes about three times as
 * long, which a model with megabytes of input would wait for before every measurement.
 */
function fill<T, A extends { readonly length: number; [i: number]: T }>(data: A, next: () => T): A {
  for (let i = 0; i < data.length; i++) data[i] = next();
  return data;
}

/**
 * Seeded pseudo-random data for one input: floats uniform in [-1, 1), integers in [0, intRange),
 * booleans half true.
 */
export function generateInput(spec: InputSpec, seed: number): GeneratedInput {
  const n = spec.dims.reduce((a, b) => a * b, 1);
  const rnd = mulberry32(seed);
  const float = (): number => rnd() * 2 - 1;
  const int = (): number => Math.floor(rnd() * spec.intRange);
  const made = (dtype: GeneratedDType, data: InputData): GeneratedInput => ({
    name: spec.name,
    dtype,
    dims: [...spec.dims],
    data,
  });
  switch (spec.dtype) {
    case 'float32':
      return made('float32', fill(new Float32Array(n), float));
    case 'float64':
      return made('float64', fill(new Float64Array(n), float));
    case 'float16':
      return made(
        'float16',
        fill(new Uint16Array(n), () => toHalfBits(float())),
      );
    case 'int64':
      return made(
        'int64',
        fill(new BigInt64Array(n), () => BigInt(int())),
      );
    case 'uint64':
      return made(
        'uint64',
        fill(new BigUint64Array(n), () => BigInt(int())),
      );
    case 'int32':
    case 'uint32':
    case 'int16':
    case 'uint16':
    case 'int8':
    case 'uint8':
      return made(spec.dtype, fill(new NUMBER_INT_ARRAYS[spec.dtype](n), int));
    case 'bool':
      return made(
        'bool',
        fill(new Uint8Array(n), (): number => (rnd() < 0.5 ? 1 : 0)),
      );
    default:
      throw new ProfilerError(`input '${spec.name}': dtype ${spec.dtype} cannot be generated`);
  }
}
