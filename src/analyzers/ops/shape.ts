import type { Dim, DType, TensorRef } from '../../model/ir.js';
import { BYTES_PER_ELEMENT, dtypeFromCode, isIntegerDType } from '../../model/ir.js';
import { dynamicDim, isStaticShape, normalizeAxis, numel } from '../shape-utils.js';
import type { MemoryModel, OpContext, OpCost, OpDef, TensorInfo } from '../types.js';
import { defineOp, UNKNOWN_TENSOR } from '../types.js';

/**
 * Shape and metadata ops (Shape, Reshape, Squeeze, Constant, Cast, Range...) and the constant-folding helpers every
 * data-movement family shares. Exporters compute shapes inside the graph (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape), so these ops fold values whenever their inputs are known.
 */

/** Largest tensor whose values are folded (the engine reads integer constants up to the same size). */
export const MAX_FOLD_ELEMENTS = 1024;

/**
 * A TensorInfo that may also carry the elements of a shape tensor some of which are symbolic dims: Shape of
 * `[N, 3, 224, 224]` is `[N, 3, 224, 224]` with N a name. `value` keeps its meaning (every element numeric); a
 * tensor with at least one symbolic element sets `symbolicValue` instead, so Reshape/Expand/ConstantOfShape can
 * still produce `[N, ...]` exactly when the batch (or sequence) dim is dynamic.
 */
export interface FoldedTensorInfo extends TensorInfo {
  readonly symbolicValue?: readonly Dim[];
}

/** The known elements of a small tensor: numbers, or dim names from Shape; undefined when unknown. */
export function knownElements(t: TensorInfo | null | undefined): readonly Dim[] | undefined {
  if (!t) return undefined;
  return t.value ?? (t as FoldedTensorInfo).symbolicValue;
}

/** Attaches folded elements to an info: `value` when all are numbers, `symbolicValue` otherwise. */
export function withElements(info: TensorInfo, elements: readonly Dim[] | undefined): FoldedTensorInfo {
  if (!elements || elements.length > MAX_FOLD_ELEMENTS) return info;
  const n = numel(info.shape);
  if (n !== null && n !== elements.length) return info;
  if (elements.every((e): e is number => typeof e === 'number')) return { ...info, value: elements };
  return { ...info, symbolicValue: elements };
}

/** Throws a clear error for a required input that the node omits. */
export function requireInput(ctx: OpContext, index: number, name: string): TensorInfo {
  const t = ctx.inputs[index];
  if (!t) throw new Error(`${ctx.node.opType} requires input ${index} (${name})`);
  return t;
}

/** A dim that depends on runtime data, named after this node, output and axis. */
export function dyn(ctx: OpContext, output: number, axis: number): string {
  return dynamicDim(ctx.node.name, output, axis);
}

/** Element size of a dtype in bytes; unknown dtypes count as 4 (float32), the common case. */
export function bytesPerElement(dtype: DType | null | undefined): number {
  return dtype ? BYTES_PER_ELEMENT[dtype] : 4;
}

/** Row-major strides of a static shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Builds the elements of an output by mapping each output index to a source position (data movement as an index
 * function). Returns undefined when the output is not static or too large to fold.
 */
export function gatherElements<T>(
  outShape: readonly Dim[] | null,
  source: readonly T[],
  sourceIndex: (index: readonly number[]) => number,
): T[] | undefined {
  if (!isStaticShape(outShape)) return undefined;
  const total = numel(outShape) ?? Infinity;
  if (total > MAX_FOLD_ELEMENTS) return undefined;
  const out: T[] = [];
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    const src = sourceIndex(index);
    if (src < 0 || src >= source.length) return undefined;
    out.push(source[src]);
    for (let a = outShape.length - 1; a >= 0; a--) {
      index[a] += 1;
      if (index[a] < outShape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

/** Product of dims: a number when all are numeric, the one symbolic dim when the others are 1, else null. */
export function productDim(dims: readonly Dim[]): Dim | null {
  let n = 1;
  let symbol: string | null = null;
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else if (symbol === null) symbol = d;
    else return null;
  }
  if (symbol === null) return n;
  if (n === 0) return 0;
  return n === 1 ? symbol : null;
}

/**
 * A list argument that moved from an attribute to an input across opsets (axes, split, pads, starts...).
 * - 'absent': neither given.
 * - 'unknown': given as an input whose values are not known statically (`length` when its shape is known).
 * - 'known': the values.
 */
export type ListArg =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unknown'; readonly length: number | null }
  | { readonly kind: 'known'; readonly values: readonly number[] };

/** Reads a list from input `index` (opset >= inputSince) or attribute `attr` (older opsets, or as a fallback). */
export function listArg(ctx: OpContext, index: number, attr: string, inputSince: number): ListArg {
  if (ctx.opset >= inputSince) {
    const t = ctx.inputs[index];
    if (t) {
      if (t.value) return { kind: 'known', values: t.value };
      const len = t.shape && t.shape.length <= 1 ? (t.shape.length === 0 ? 1 : t.shape[0]) : null;
      return { kind: 'unknown', length: typeof len === 'number' ? len : null };
    }
  }
  const a = ctx.attrs.ints(attr);
  return a ? { kind: 'known', values: a } : { kind: 'absent' };
}

/** The scalar value of an input (a one-element tensor), or undefined. */
export function scalarOf(t: TensorInfo | null | undefined): number | undefined {
  return t?.value && t.value.length === 1 ? t.value[0] : undefined;
}

/**
 * Cost of a pure data-movement op: no arithmetic; memory as given (default 'io'). Parameters are not counted here
 * (the consumer of a transposed or cast weight counts it) unless `countParams`: a gather from an embedding table
 * keeps the engine's default, every constant float input.
 */
export function movementCost(memory: MemoryModel = 'io', countParams = false): OpCost {
  return countParams ? { flops: 0, memory } : { flops: 0, memory, paramInputs: [] };
}

/** Metadata-only cost: onnxruntime runs these as views of the input buffer (or folds them). */
export const METADATA_COST: OpCost = { flops: 0, memory: 'none', paramInputs: [] };

/**
 * Memory of a gather-like op that reads only what it writes: small index inputs in full, plus the output's worth
 * of data elements, plus the output write. Falls back to 'io' when the output size is unknown.
 */
export function gatherMemory(
  ctx: OpContext,
  out: TensorInfo,
  indexInputs: readonly number[],
): MemoryModel {
  const n = numel(out.shape);
  if (n === null) return 'io';
  let elements = 2 * n;
  let bytes = 2 * n * bytesPerElement(out.dtype);
  for (const i of indexInputs) {
    const t = ctx.inputs[i];
    if (!t) continue;
    const m = numel(t.shape);
    if (m === null) return 'io';
    elements += m;
    bytes += m * bytesPerElement(t.dtype);
  }
  return { elements, bytes };
}

/** Memory of an op that only writes its output (ConstantOfShape, Range, EyeLike); 'io' when the size is unknown. */
export function writeOnlyMemory(out: TensorInfo): MemoryModel {
  const n = numel(out.shape);
  return n === null ? 'io' : { elements: n, bytes: n * bytesPerElement(out.dtype) };
}

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
  if (raw?.type === 'int') return dtypeFromCode(raw.value);
  if (raw?.type === 'string') {
    const code = DTYPE_NAMES.indexOf(raw.value.toUpperCase());
    if (code > 0) return dtypeFromCode(code);
  }
  throw new Error(`Cast needs a valid 'to' attribute`);
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
export function castValues(values: readonly Dim[], from: DType | null, to: DType): Dim[] | undefined {
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
      throw new Error(`${ctx.node.opType}: cannot squeeze axis ${a} of size ${d}`);
    }
  }
  return shape.filter((_, i) => !drop.has(i));
}

function unsqueezeShape(shape: readonly Dim[], axes: readonly number[]): Dim[] {
  const rank = shape.length + axes.length;
  const at = new Set<number>();
  for (const a of axes) {
    const n = normalizeAxis(a, rank);
    if (at.has(n)) throw new Error(`Unsqueeze: axis ${a} appears twice`);
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
export function reshapeShape(
  ctx: OpContext,
  input: readonly Dim[] | null,
  target: readonly Dim[],
  allowZero: boolean,
): Dim[] {
  const out: Dim[] = [];
  let inferAt = -1;
  target.forEach((t, i) => {
    if (t === 0 && !allowZero) {
      if (!input) out.push(dyn(ctx, 0, i));
      else if (i >= input.length) throw new Error(`Reshape: shape[${i}] = 0 copies a dim the rank-${input.length} input lacks`);
      else out.push(input[i]);
    } else if (t === -1) {
      if (inferAt >= 0) throw new Error('Reshape: more than one -1 in the target shape');
      inferAt = i;
      out.push(-1);
    } else if (typeof t === 'number' && (t < 0 || !Number.isInteger(t))) {
      throw new Error(`Reshape: invalid target dim ${t}`);
    } else out.push(t);
  });
  if (allowZero && inferAt >= 0 && target.includes(0)) {
    throw new Error('Reshape: allowzero=1 forbids 0 and -1 in the same shape');
  }
  const known = out.filter((_, i) => i !== inferAt);
  const balance = input ? cancelDims(input, known) : null;
  if (inferAt >= 0) {
    if (balance && balance.left.length === 1 && balance.right.length === 0 && balance.leftCount === balance.rightCount) {
      // [N, 3, H, W] -> [-1, 3, H, W]: everything else cancels, so -1 is N itself.
      out[inferAt] = balance.left[0];
    } else if (!balance || balance.left.length > 0 || balance.right.length > 0) out[inferAt] = dyn(ctx, 0, inferAt);
    else if (balance.rightCount === 0) {
      if (balance.leftCount !== 0) throw new Error(`Reshape: cannot infer -1 for ${balance.leftCount} elements and a zero-sized target`);
      out[inferAt] = 0;
    } else {
      const d = balance.leftCount / balance.rightCount;
      if (!Number.isInteger(d)) {
        throw new Error(`Reshape: cannot reshape [${input?.join(',')}] to [${target.join(',')}] (element counts do not divide)`);
      }
      out[inferAt] = d;
    }
  } else if (balance && balance.left.length === 0 && balance.right.length === 0 && balance.leftCount !== balance.rightCount) {
    throw new Error(`Reshape: cannot reshape [${input?.join(',')}] to [${target.join(',')}] (element counts differ)`);
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

const shapeOp = defineOp({
  opType: 'Shape',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    if (!x.shape) return [{ dtype: 'int64', shape: [dyn(ctx, 0, 0)] }];
    const rank = x.shape.length;
    const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
    let start = 0;
    let end = rank;
    if (ctx.opset >= 15) {
      start = clampAxis(ctx.attrs.int('start', 0));
      end = clampAxis(ctx.attrs.intOr('end') ?? rank);
    }
    const dims = x.shape.slice(start, Math.max(start, end));
    const info = withElements({ dtype: 'int64', shape: [dims.length] }, dims);
    // A fully static shape is a constant: onnxruntime folds Shape of a static input at session creation.
    return [info.value ? { ...info, isConstant: true } : info];
  },
  cost: () => METADATA_COST,
});

const sizeOp = defineOp({
  opType: 'Size',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const n = x.shape ? productDim(x.shape) : null;
    const info = withElements({ dtype: 'int64', shape: [] }, n === null ? undefined : [n]);
    return [info.value ? { ...info, isConstant: true } : info];
  },
  cost: () => METADATA_COST,
});

const reshapeOp = defineOp({
  opType: 'Reshape',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    let target: readonly Dim[] | undefined;
    let targetRank: number | null = null;
    if (ctx.opset < 5) {
      target = ctx.attrs.ints('shape');
      if (!target) throw new Error(`Reshape-${ctx.opset} needs the 'shape' attribute`);
    } else {
      const s = requireInput(ctx, 1, 'shape');
      target = knownElements(s);
      if (s.shape && s.shape.length === 1 && typeof s.shape[0] === 'number') targetRank = s.shape[0];
    }
    const allowZero = ctx.opset >= 14 && ctx.attrs.int('allowzero', 0) === 1;
    if (!target) {
      // A rank-1 target must hold every element, whatever its value.
      const all = targetRank === 1 && x.shape ? productDim(x.shape) : null;
      if (all !== null) return [withElements({ dtype: x.dtype, shape: [all] }, knownElements(x))];
      const shape = targetRank === null ? null : Array.from({ length: targetRank }, (_, i) => dyn(ctx, 0, i));
      return [{ dtype: x.dtype, shape }];
    }
    const shape = reshapeShape(ctx, x.shape, target, allowZero);
    return [withElements({ dtype: x.dtype, shape }, knownElements(x))];
  },
  cost: () => METADATA_COST,
});

const flattenOp = defineOp({
  opType: 'Flatten',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    if (!x.shape) return [{ dtype: x.dtype, shape: [dyn(ctx, 0, 0), dyn(ctx, 0, 1)] }];
    const rank = x.shape.length;
    let axis = ctx.attrs.int('axis', 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) throw new Error(`Flatten: axis ${ctx.attrs.int('axis', 1)} out of range for rank ${rank}`);
    const outer = productDim(x.shape.slice(0, axis)) ?? dyn(ctx, 0, 0);
    const inner = productDim(x.shape.slice(axis)) ?? dyn(ctx, 0, 1);
    return [withElements({ dtype: x.dtype, shape: [outer, inner] }, knownElements(x))];
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
        if (rest.length === rank) return [withElements({ dtype: x.dtype, shape: rest }, knownElements(x))];
      }
      return [{ dtype: x.dtype, shape: rank === null ? null : Array.from({ length: rank }, (_, i) => dyn(ctx, 0, i)) }];
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    // An empty axes tensor means "not given" (onnxruntime): every size-1 dim goes.
    const shape = squeezeShape(ctx, x.shape, axes.kind === 'known' && axes.values.length > 0 ? axes.values : null);
    return [withElements({ dtype: x.dtype, shape }, knownElements(x))];
  },
  cost: () => METADATA_COST,
});

const unsqueezeOp = defineOp({
  opType: 'Unsqueeze',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const axes = listArg(ctx, 1, 'axes', 13);
    if (axes.kind === 'absent') throw new Error('Unsqueeze needs axes');
    if (axes.kind === 'unknown') {
      const rank = x.shape && axes.length !== null ? x.shape.length + axes.length : null;
      return [{ dtype: x.dtype, shape: rank === null ? null : Array.from({ length: rank }, (_, i) => dyn(ctx, 0, i)) }];
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    return [withElements({ dtype: x.dtype, shape: unsqueezeShape(x.shape, axes.values) }, knownElements(x))];
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
  throw new Error('Constant has none of the value attributes');
}

const constantOp = defineOp({
  opType: 'Constant',
  category: 'metadata',
  inferShape: (ctx) => [constantFromAttrs(ctx)],
  cost: () => METADATA_COST,
});

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
      return [{ dtype, shape: rank === null ? null : Array.from({ length: rank }, (_, i) => dyn(ctx, 0, i)) }];
    }
    const bad = dims.find((d) => typeof d === 'number' && (d < 0 || !Number.isInteger(d)));
    if (bad !== undefined) throw new Error(`ConstantOfShape: invalid dim ${bad}`);
    const info: TensorInfo = { dtype, shape: dims };
    const n = numel(dims);
    if (fill === undefined || n === null || n > MAX_FOLD_ELEMENTS) return [info];
    return [{ ...info, value: new Array<number>(n).fill(fill) }];
  },
  cost: (_ctx, outputs) => ({ flops: 0, memory: writeOnlyMemory(outputs[0]), paramInputs: [] }),
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
    if (s === undefined || l === undefined || d === undefined) return [{ dtype, shape: [dyn(ctx, 0, 0)] }];
    if (d === 0) throw new Error('Range: delta is 0');
    const n = Math.max(Math.ceil((l - s) / d), 0);
    const info: TensorInfo = { dtype, shape: [n] };
    if (n > MAX_FOLD_ELEMENTS) return [info];
    const round = dtype === 'float32' ? Math.fround : (v: number) => v;
    return [{ ...info, value: Array.from({ length: n }, (_, i) => round(s + i * d)) }];
  },
  cost: (_ctx, outputs) => ({ flops: 0, memory: writeOnlyMemory(outputs[0]), paramInputs: [] }),
});

const eyeLikeOp = defineOp({
  opType: 'EyeLike',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    const code = ctx.attrs.intOr('dtype');
    const dtype = code === undefined ? x.dtype : dtypeFromCode(code);
    if (x.shape && x.shape.length !== 2) throw new Error(`EyeLike needs a 2-D input, got rank ${x.shape.length}`);
    const info: TensorInfo = { dtype, shape: x.shape };
    const k = ctx.attrs.int('k', 0);
    const values = gatherElements(x.shape, [0, 1], ([r, c]) => (c - r === k ? 1 : 0));
    return [values ? { ...info, value: values } : info];
  },
  cost: (_ctx, outputs) => ({ flops: 0, memory: writeOnlyMemory(outputs[0]), paramInputs: [] }),
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
