import type { Dim, DType, TensorRef } from '../../model/ir.js';
import { dtypeFromCode, isIntegerDType } from '../../model/ir.js';
import { dataTypeAttr } from '../attrs.js';
import { gatherElements, knownElements, MAX_FOLD_ELEMENTS, withElements } from '../fold.js';
import { METADATA_COST, movementCost, writeOnlyMemory } from '../memory-models.js';
import { listArg, requireInput, scalarOf } from '../op-inputs.js';
import { dynamicDim, dynamicShape, normalizeAxis, numel, productDim } from '../shape-utils.js';
import type { OpContext, OpCost, OpDef, TensorInfo } from '../types.js';
import { defineOp, UNKNOWN_TENSOR } from '../types.js';
import { OpSpecError } from '../../errors.js';

/**
 * Shape and metadata ops (Shape, Reshape, Squeeze, Constant, Cast, Range...). Exporters compute shapes inside the
 * graph (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), so these ops fold values whenever their inputs are known.
 */

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

/** Output infos of Squeeze given known axes. */
function squeezeShape(ctx: OpContext, shape: readonly Dim[], axes: readonly number[] | null): Dim[] | null {
  if (axes === null) {
    if (shape.some((d) => typeof d === 'string')) return null;
    return shape.filter((d) => d !== 1);
  }
  const drop = new Set(axes.map((a) => normalizeAxis(a, shape.length)));
  for (const a of drop) {
    const d = shape[a];
    if (typeof d === 'number' && d !== 1) {
      throw new OpSpecError(`${ctx.node.opType}: cannot squeeze axis ${a} of size ${d}`);
    }
  }
  return shape.filter((_, i) => !drop.has(i));
}

function unsqueezeShape(shape: readonly Dim[], axes: readonly number[]): Dim[] {
  const rank = shape.length + axes.length;
  const at = new Set<number>();
  for (const a of axes) {
    const n = normalizeAxis(a, rank);
    if (at.has(n)) throw new OpSpecError(`Unsqueeze: axis ${a} appears twice`);
    at.add(n);
  }
  const out: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : shape[next++]);
  return out;
}

/**
 * Reshape's output shape (ONNX Reshape-5/14): 0 copies the input dim (unless allowzero), -1 is inferred from the
 * element count. Symbolic dims that appear on both sides cancel, so `[N, 232, 7, 7] -> [N, 2, 116, 49]` checks and
 * `[N, -1]` infers exactly. Throws when the element counts cannot match.
 */
function reshapeShape(
  ctx: OpContext,
  input: readonly Dim[] | null,
  target: readonly Dim[],
  allowZero: boolean,
): Dim[] {
  const out: Dim[] = [];
  let inferAt = -1;
  target.forEach((t, i) => {
    if (t === 0 && !allowZero) {
      if (!input) out.push(dynamicDim(ctx, 0, i));
      else if (i >= input.length) throw new OpSpecError(`Reshape: shape[${i}] = 0 copies a dim the rank-${input.length} input lacks`);
      else out.push(input[i]);
    } else if (t === -1) {
      if (inferAt >= 0) throw new OpSpecError('Reshape: more than one -1 in the target shape');
      inferAt = i;
      out.push(-1);
    } else if (typeof t === 'number' && (t < 0 || !Number.isInteger(t))) {
      throw new OpSpecError(`Reshape: invalid target dim ${t}`);
    } else out.push(t);
  });
  if (allowZero && inferAt >= 0 && target.includes(0)) {
    throw new OpSpecError('Reshape: allowzero=1 forbids 0 and -1 in the same shape');
  }
  const known = out.filter((_, i) => i !== inferAt);
  const balance = input ? cancelDims(input, known) : null;
  if (inferAt >= 0) {
    if (balance && balance.left.length === 1 && balance.right.length === 0 && balance.leftCount === balance.rightCount) {
      // [N, 3, H, W] -> [-1, 3, H, W]: everything else cancels, so -1 is N itself.
      out[inferAt] = balance.left[0];
    } else if (!balance || balance.left.length > 0 || balance.right.length > 0) out[inferAt] = dynamicDim(ctx, 0, inferAt);
    else if (balance.rightCount === 0) {
      if (balance.leftCount !== 0) throw new OpSpecError(`Reshape: cannot infer -1 for ${balance.leftCount} elements and a zero-sized target`);
      out[inferAt] = 0;
    } else {
      const d = balance.leftCount / balance.rightCount;
      if (!Number.isInteger(d)) {
        throw new OpSpecError(`Reshape: cannot reshape [${input?.join(',')}] to [${target.join(',')}] (element counts do not divide)`);
      }
      out[inferAt] = d;
    }
  } else if (balance && balance.left.length === 0 && balance.right.length === 0 && balance.leftCount !== balance.rightCount) {
    throw new OpSpecError(`Reshape: cannot reshape [${input?.join(',')}] to [${target.join(',')}] (element counts differ)`);
  }
  return out;
}

/** Numeric products of both sides after cancelling symbolic dims that appear on both. */
function cancelDims(
  left: readonly Dim[],
  right: readonly Dim[],
): { leftCount: number; rightCount: number; left: string[]; right: string[] } {
  const l: string[] = [];
  let leftCount = 1;
  for (const d of left) {
    if (typeof d === 'number') leftCount *= d;
    else l.push(d);
  }
  const r: string[] = [];
  let rightCount = 1;
  for (const d of right) {
    if (typeof d === 'number') rightCount *= d;
    else {
      const at = l.indexOf(d);
      if (at >= 0) l.splice(at, 1);
      else r.push(d);
    }
  }
  return { leftCount, rightCount, left: l, right: r };
}

/** A shape fact whose every element is known is a constant: onnxruntime folds Shape/Size of a static input. */
function constantWhenKnown(info: TensorInfo): TensorInfo {
  return info.value ? { ...info, isConstant: true } : info;
}

const shapeOp = defineOp({
  opType: 'Shape',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    if (!x.shape) return [{ dtype: 'int64', shape: [dynamicDim(ctx, 0, 0)] }];
    const rank = x.shape.length;
    const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
    let start = 0;
    let end = rank;
    if (ctx.opset >= 15) {
      start = clampAxis(ctx.attrs.int('start', 0));
      end = clampAxis(ctx.attrs.intOr('end') ?? rank);
    }
    const dims = x.shape.slice(start, Math.max(start, end));
    return [constantWhenKnown(withElements({ dtype: 'int64', shape: [dims.length] }, dims))];
  },
  cost: () => METADATA_COST,
});

const sizeOp = defineOp({
  opType: 'Size',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const n = x.shape ? productDim(x.shape) : null;
    return [constantWhenKnown(withElements({ dtype: 'int64', shape: [] }, n === null ? undefined : [n]))];
  },
  cost: () => METADATA_COST,
});

/** x seen through a new shape, as Reshape, Flatten, Squeeze and Unsqueeze do: same dtype, same elements. */
function viewOf(x: TensorInfo, shape: readonly Dim[] | null): TensorInfo {
  return withElements({ dtype: x.dtype, shape }, knownElements(x));
}

const reshapeOp = defineOp({
  opType: 'Reshape',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    let target: readonly Dim[] | undefined;
    let targetRank: number | null = null;
    if (ctx.opset < 5) {
      target = ctx.attrs.ints('shape');
      if (!target) throw new OpSpecError(`Reshape-${ctx.opset} needs the 'shape' attribute`);
    } else {
      const s = requireInput(ctx, 1, 'shape');
      target = knownElements(s);
      if (s.shape && s.shape.length === 1 && typeof s.shape[0] === 'number') targetRank = s.shape[0];
    }
    const allowZero = ctx.opset >= 14 && ctx.attrs.int('allowzero', 0) === 1;
    if (!target) {
      // A rank-1 target must hold every element, whatever its value.
      const all = targetRank === 1 && x.shape ? productDim(x.shape) : null;
      if (all !== null) return [viewOf(x, [all])];
      const shape = targetRank === null ? null : dynamicShape(ctx, targetRank);
      return [{ dtype: x.dtype, shape }];
    }
    const shape = reshapeShape(ctx, x.shape, target, allowZero);
    return [viewOf(x, shape)];
  },
  cost: () => METADATA_COST,
});

const flattenOp = defineOp({
  opType: 'Flatten',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    if (!x.shape) return [{ dtype: x.dtype, shape: [dynamicDim(ctx, 0, 0), dynamicDim(ctx, 0, 1)] }];
    const rank = x.shape.length;
    let axis = ctx.attrs.int('axis', 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) throw new OpSpecError(`Flatten: axis ${ctx.attrs.int('axis', 1)} out of range for rank ${rank}`);
    const outer = productDim(x.shape.slice(0, axis)) ?? dynamicDim(ctx, 0, 0);
    const inner = productDim(x.shape.slice(axis)) ?? dynamicDim(ctx, 0, 1);
    return [viewOf(x, [outer, inner])];
  },
  cost: () => METADATA_COST,
});

const squeezeOp = defineOp({
  opType: 'Squeeze',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const axes = listArg(ctx, 1, 'axes', 13);
    if (axes.kind === 'unknown') {
      const rank = x.shape && axes.length !== null ? x.shape.length - axes.length : null;
      // Only size-1 dims can be squeezed: when exactly that many dims are 1 (the rest known), they are the axes.
      if (x.shape && axes.length !== null && x.shape.every((d) => typeof d === 'number')) {
        const rest = x.shape.filter((d) => d !== 1);
        if (rest.length === rank) return [viewOf(x, rest)];
      }
      return [{ dtype: x.dtype, shape: rank === null ? null : dynamicShape(ctx, rank) }];
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    // An empty axes tensor means "not given" (onnxruntime): every size-1 dim goes.
    const shape = squeezeShape(ctx, x.shape, axes.kind === 'known' && axes.values.length > 0 ? axes.values : null);
    return [viewOf(x, shape)];
  },
  cost: () => METADATA_COST,
});

const unsqueezeOp = defineOp({
  opType: 'Unsqueeze',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const axes = listArg(ctx, 1, 'axes', 13);
    if (axes.kind === 'absent') throw new OpSpecError('Unsqueeze needs axes');
    if (axes.kind === 'unknown') {
      const rank = x.shape && axes.length !== null ? x.shape.length + axes.length : null;
      return [{ dtype: x.dtype, shape: rank === null ? null : dynamicShape(ctx, rank) }];
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    return [viewOf(x, unsqueezeShape(x.shape, axes.values))];
  },
  cost: () => METADATA_COST,
});

const identityOp = defineOp({
  opType: 'Identity',
  category: 'metadata',
  inferShape: (ctx) => [{ ...requireInput(ctx, 0, 'input') }],
  cost: () => METADATA_COST,
});

/**
 * Whether a Dropout trains: opset 12+ `training_mode` input (default false), Dropout-1/6 `is_test` (default 0, i.e.
 * training), Dropout-7..10 always inference. Undefined when training_mode is given but not known.
 */
function dropoutTraining(ctx: OpContext): boolean | undefined {
  if (ctx.opset >= 12) {
    const t = ctx.inputs[2];
    if (!t) return false;
    const v = scalarOf(t);
    return v === undefined ? undefined : v !== 0;
  }
  if (ctx.opset >= 7) return false;
  return ctx.attrs.int('is_test', 0) === 0;
}

const dropoutOp = defineOp({
  opType: 'Dropout',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    // Only an inference-mode Dropout is an identity whose folded value passes through.
    const outputs: TensorInfo[] = [dropoutTraining(ctx) === false ? { ...x } : { dtype: x.dtype, shape: x.shape }];
    if (ctx.node.outputs.length > 1) {
      // Dropout-1..7 return the mask in the input's type; from Dropout-10 it is bool.
      outputs.push({ dtype: ctx.opset >= 10 ? 'bool' : x.dtype, shape: x.shape });
    }
    return outputs;
  },
  cost(ctx, outputs) {
    // Inference (the default, and an unknown training_mode) is an identity; training draws and applies a mask.
    if (dropoutTraining(ctx) !== true) return METADATA_COST;
    return { flops: numel(outputs[0].shape), memory: 'io', paramInputs: [] };
  },
});

/** Values of Constant's typed attributes: [dtype, shape, values]. */
function constantFromAttrs(ctx: OpContext): TensorInfo {
  const a = ctx.attrs;
  const tensor: TensorRef | undefined = a.tensor('value');
  if (tensor) {
    const n = numel(tensor.dims) ?? Infinity;
    const values = n <= MAX_FOLD_ELEMENTS ? ctx.readTensor(tensor) : null;
    const info: TensorInfo = { dtype: tensor.dtype, shape: tensor.dims, isConstant: true };
    return values && values.length === n ? { ...info, value: values } : info;
  }
  const sparse = a.raw('sparse_value');
  if (sparse?.type === 'sparse_tensor') return { dtype: sparse.value.dtype, shape: sparse.value.dims, isConstant: true };
  const raw = (name: string) => a.raw(name);
  const f = raw('value_float');
  if (f?.type === 'float' || f?.type === 'int') {
    return { dtype: 'float32', shape: [], value: [Math.fround(f.value)], isConstant: true };
  }
  const fs = raw('value_floats');
  if (fs?.type === 'floats' || fs?.type === 'ints') {
    return { dtype: 'float32', shape: [fs.value.length], value: fs.value.map(Math.fround), isConstant: true };
  }
  const i = raw('value_int');
  if (i?.type === 'int') return { dtype: 'int64', shape: [], value: [i.value], isConstant: true };
  const is = raw('value_ints');
  if (is?.type === 'ints') return { dtype: 'int64', shape: [is.value.length], value: is.value, isConstant: true };
  if (raw('value_string')?.type === 'string') return { dtype: 'string', shape: [], isConstant: true };
  const ss = raw('value_strings');
  if (ss?.type === 'strings') return { dtype: 'string', shape: [ss.value.length], isConstant: true };
  throw new OpSpecError('Constant has none of the value attributes');
}

const constantOp = defineOp({
  opType: 'Constant',
  category: 'metadata',
  inferShape: (ctx) => [constantFromAttrs(ctx)],
  cost: () => METADATA_COST,
});

/** Cost of an op that only writes its output (no arithmetic, nothing read but its small arguments). */
function generatorCost(_ctx: OpContext, outputs: readonly TensorInfo[]): OpCost {
  return movementCost(writeOnlyMemory(outputs[0]));
}

const constantOfShapeOp = defineOp({
  opType: 'ConstantOfShape',
  category: 'metadata',
  inferShape(ctx) {
    const s = requireInput(ctx, 0, 'input');
    const ref = ctx.attrs.tensor('value');
    const dtype: DType = ref?.dtype ?? 'float32';
    let fill: number | undefined = 0;
    if (ref) fill = ctx.readTensor(ref)?.[0];
    const dims = knownElements(s);
    if (!dims) {
      const rank = s.shape?.length === 1 && typeof s.shape[0] === 'number' ? s.shape[0] : null;
      return [{ dtype, shape: rank === null ? null : dynamicShape(ctx, rank) }];
    }
    const bad = dims.find((d) => typeof d === 'number' && (d < 0 || !Number.isInteger(d)));
    if (bad !== undefined) throw new OpSpecError(`ConstantOfShape: invalid dim ${bad}`);
    const info: TensorInfo = { dtype, shape: dims };
    const n = numel(dims);
    if (fill === undefined || n === null || n > MAX_FOLD_ELEMENTS) return [info];
    return [{ ...info, value: new Array<number>(n).fill(fill) }];
  },
  cost: generatorCost,
});

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

const rangeOp = defineOp({
  opType: 'Range',
  category: 'metadata',
  inferShape(ctx) {
    const start = requireInput(ctx, 0, 'start');
    requireInput(ctx, 1, 'limit');
    requireInput(ctx, 2, 'delta');
    const [s, l, d] = [0, 1, 2].map((i) => scalarOf(ctx.inputs[i]));
    const dtype = start.dtype;
    if (s === undefined || l === undefined || d === undefined) return [{ dtype, shape: [dynamicDim(ctx, 0, 0)] }];
    if (d === 0) throw new OpSpecError('Range: delta is 0');
    const n = Math.max(Math.ceil((l - s) / d), 0);
    const info: TensorInfo = { dtype, shape: [n] };
    if (n > MAX_FOLD_ELEMENTS) return [info];
    const round = dtype === 'float32' ? Math.fround : (v: number) => v;
    return [{ ...info, value: Array.from({ length: n }, (_, i) => round(s + i * d)) }];
  },
  cost: generatorCost,
});

const eyeLikeOp = defineOp({
  opType: 'EyeLike',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    const dtype = dataTypeAttr(ctx.attrs, 'dtype') ?? x.dtype;
    if (x.shape && x.shape.length !== 2) throw new OpSpecError(`EyeLike needs a 2-D input, got rank ${x.shape.length}`);
    const info: TensorInfo = { dtype, shape: x.shape };
    const k = ctx.attrs.int('k', 0);
    const values = gatherElements(x.shape, [0, 1], ([r, c]) => (c - r === k ? 1 : 0));
    return [values ? { ...info, value: values } : info];
  },
  cost: generatorCost,
});

const optionalOp = defineOp({
  opType: 'Optional',
  category: 'metadata',
  inferShape(ctx) {
    const x = ctx.inputs[0];
    if (x) return [{ ...x }];
    const type = ctx.attrs.raw('type');
    return [type?.type === 'type_proto' ? { dtype: type.value.dtype, shape: type.value.shape } : UNKNOWN_TENSOR];
  },
  cost: () => METADATA_COST,
});

const optionalGetElementOp = defineOp({
  opType: 'OptionalGetElement',
  category: 'metadata',
  inferShape: (ctx) => [{ ...requireInput(ctx, 0, 'input') }],
  cost: () => METADATA_COST,
});

const optionalHasElementOp = defineOp({
  opType: 'OptionalHasElement',
  category: 'metadata',
  inferShape: () => [{ dtype: 'bool', shape: [] }],
  cost: () => METADATA_COST,
});

/** Shape and metadata ops: views, constants, casts and generators. */
export const ops: readonly OpDef[] = [
  shapeOp,
  sizeOp,
  reshapeOp,
  flattenOp,
  squeezeOp,
  unsqueezeOp,
  identityOp,
  dropoutOp,
  constantOp,
  constantOfShapeOp,
  castOp,
  castLikeOp,
  rangeOp,
  eyeLikeOp,
  optionalOp,
  optionalGetElementOp,
  optionalHasElementOp,
];
