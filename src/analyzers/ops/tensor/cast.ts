import { type Dim, type DType, dtypeFromCode, isIntegerDType } from '../../../model/ir.js';
import { dataTypeAttr } from '../../attrs.js';
import { knownElements, withElements } from '../../fold.js';
import { movementCost } from '../../memory-models.js';
import { requireInput } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { defineOp, type OpContext, type TensorInfo } from '../../types.js';
import { OpSpecError } from '../../../errors.js';

/** Cast and CastLike of the ONNX tensor family (onnx/defs/tensor); small constant values are converted, not guessed. */

/** TensorProto.DataType names by code, for Cast-1 whose `to` is a string. */
const DTYPE_NAMES = [
  'UNDEFINED',
  'FLOAT',
  'UINT8',
  'INT8',
  'UINT16',
  'INT16',
  'INT32',
  'INT64',
  'STRING',
  'BOOL',
  'FLOAT16',
  'DOUBLE',
  'UINT32',
  'UINT64',
  'COMPLEX64',
  'COMPLEX128',
  'BFLOAT16',
];

function castTarget(ctx: OpContext): DType {
  const raw = ctx.attrs.raw('to');
  if (raw?.type === 'int') return dataTypeAttr(ctx.attrs, 'to', 'undefined');
  if (raw?.type === 'string') {
    const code = DTYPE_NAMES.indexOf(raw.value.toUpperCase());
    if (code > 0) return dtypeFromCode(code);
    throw new OpSpecError(`to = '${raw.value}' is not a TensorProto.DataType name`);
  }
  throw new OpSpecError(`Cast needs a valid 'to' attribute`);
}

const INT_RANGES: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Largest integer magnitude below which every integer is exact in float16 (11-bit) / bfloat16 (8-bit significand). */
const HALF_EXACT_INTEGERS = { float16: 2048, bfloat16: 256 } as const;

/**
 * Converts folded values to `to` the way a C cast does: floats truncate toward zero for integer targets,
 * narrower integers wrap, bool is `x != 0`, float32 rounds. Returns undefined where the result is not exact in a
 * JS number (float16/bfloat16 non-integers, strings, NaN to int).
 */
function castValues(values: readonly Dim[], from: DType | null, to: DType): Dim[] | undefined {
  const out: Dim[] = [];
  for (const v of values) {
    if (typeof v === 'string') {
      // A symbolic dim stays itself through integer casts of shape tensors.
      if (from && isIntegerDType(from) && from !== 'bool' && isIntegerDType(to) && to !== 'bool') out.push(v);
      else return undefined;
      continue;
    }
    if (to === 'bool') out.push(v !== 0 ? 1 : 0);
    else if (isIntegerDType(to)) {
      if (!Number.isFinite(v)) return undefined;
      let x = Math.trunc(v) || 0; // no -0 in integer values
      const range = INT_RANGES[to];
      if (range) {
        const span = range[1] - range[0] + 1;
        x = ((((x - range[0]) % span) + span) % span) + range[0];
      }
      out.push(x);
    } else if (to === 'float32') out.push(Math.fround(v));
    else if (to === 'float64') out.push(v);
    else if ((to === 'float16' || to === 'bfloat16') && Number.isInteger(v) && Math.abs(v) <= HALF_EXACT_INTEGERS[to]) {
      out.push(v);
    } else return undefined;
  }
  return out;
}

function castInfer(ctx: OpContext, to: DType): TensorInfo[] {
  const x = requireInput(ctx, 0, 'input');
  const elements = knownElements(x);
  const values = elements ? castValues(elements, x.dtype, to) : undefined;
  return [withElements({ dtype: to, shape: x.shape }, values)];
}

const castOp = defineOp({
  opType: 'Cast',
  category: 'data-movement',
  inferShape: (ctx) => castInfer(ctx, castTarget(ctx)),
  // A conversion reads and writes every element (no arithmetic counted): it is a real copy, not a view.
  cost: () => movementCost(),
});

const castLikeOp = defineOp({
  opType: 'CastLike',
  category: 'data-movement',
  inferShape(ctx) {
    const target = requireInput(ctx, 1, 'target_type');
    if (!target.dtype) {
      const x = requireInput(ctx, 0, 'input');
      return [{ dtype: null, shape: x.shape }];
    }
    return castInfer(ctx, target.dtype);
  },
  cost: () => movementCost(),
});

/** ai.onnx casts, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([castOp, castLikeOp], { Cast: 1, CastLike: 15 });
