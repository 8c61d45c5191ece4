import type { DType, TensorRef } from '../../model/ir.js';
import { dataTypeAttr } from '../attrs.js';
import {
  ADD_FLOPS,
  CMP_FLOPS,
  COS_FLOPS,
  EXP_FLOPS,
  LOG_FLOPS,
  MUL_FLOPS,
  perElement,
  SIN_FLOPS,
  SQRT_FLOPS,
} from '../cost-model.js';
import { gatherElements, knownElements, MAX_FOLD_ELEMENTS } from '../fold.js';
import { METADATA_COST, movementCost, writeOnlyMemory } from '../memory-models.js';
import { fitOutputs, inputAt, requireInput, scalarOf } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { dynamicDim, dynamicShape, isKnownDim, numel } from '../shape-utils.js';
import { defineOp, type OpContext, type OpCost, type OpDef, type TensorInfo, UNKNOWN_TENSOR } from '../types.js';
import { OpSpecError } from '../../errors.js';
import { at } from '../../util/at.js';

/**
 * The ONNX generator family (onnx/defs/generator): Constant, ConstantOfShape, EyeLike and Range, and the random
 * generators RandomNormal, RandomUniform (shape attribute), their *Like forms (the input's shape), Bernoulli and
 * Multinomial. Nothing is read but a shape, so generators write only; the deterministic ones fold small values.
 */

/**
 * One uniform sample: the generator step (integer bit mixing, counted as one operation like a bitwise op) and one
 * multiply-add mapping it into [low, high).
 */
const UNIFORM_SAMPLE_FLOPS = CMP_FLOPS + MUL_FLOPS;

/**
 * One normal sample by Box-Muller, which turns two uniforms into two normals: 2 uniforms, log, multiply by -2,
 * sqrt, the angle multiply, cos and sin, and the two products (12 per pair, 6 per sample), then mean + scale * z.
 */
const NORMAL_SAMPLE_FLOPS =
  (2 * UNIFORM_SAMPLE_FLOPS + LOG_FLOPS + MUL_FLOPS + SQRT_FLOPS + MUL_FLOPS + COS_FLOPS + SIN_FLOPS + 2 * MUL_FLOPS) /
    2 +
  MUL_FLOPS;

/** Bernoulli: one uniform and one compare with the probability. */
const BERNOULLI_SAMPLE_FLOPS = UNIFORM_SAMPLE_FLOPS + CMP_FLOPS;

/** The `dtype` attribute (TensorProto code), or `fallback` when absent. */
function dtypeAttr(ctx: OpContext, fallback: DType | null): DType | null {
  return dataTypeAttr(ctx.attrs, 'dtype') ?? fallback;
}

/** A generator writes its output only: `perSample` FLOPs per element (unknown for a node that lists no output). */
function generatorCost(out: TensorInfo | undefined, perSample: number): OpCost {
  const t = out ?? UNKNOWN_TENSOR;
  return { flops: perElement(numel(t.shape), perSample), memory: writeOnlyMemory(t), paramInputs: [] };
}

/** RandomNormal / RandomUniform: output shape is the required `shape` attribute, dtype default float32. */
function randomOp(opType: string, perSample: number): OpDef {
  return defineOp({
    opType,
    category: 'other',
    inferShape(ctx) {
      const shape = ctx.attrs.ints('shape');
      if (!shape) throw new OpSpecError('shape is required');
      if (shape.some((d) => d < 0)) throw new OpSpecError(`shape [${shape.join(',')}] has a negative dim`);
      return fitOutputs(ctx, [{ dtype: dtypeAttr(ctx, 'float32'), shape: [...shape] }]);
    },
    cost: (_ctx, outputs) => generatorCost(outputs[0], perSample),
  });
}

/** RandomNormalLike / RandomUniformLike: the input's shape; dtype attribute, else the input's. */
function randomLikeOp(opType: string, perSample: number): OpDef {
  return defineOp({
    opType,
    category: 'other',
    inferShape(ctx) {
      const x = inputAt(ctx, 0);
      return fitOutputs(ctx, [{ dtype: dtypeAttr(ctx, x?.dtype ?? null), shape: x?.shape ?? null }]);
    },
    cost: (_ctx, outputs) => generatorCost(outputs[0], perSample),
  });
}

/** Bernoulli(input probabilities): the input's shape; dtype attribute, else the input's. Reads the probabilities. */
const bernoulli = defineOp({
  opType: 'Bernoulli',
  category: 'other',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    return fitOutputs(ctx, [{ dtype: dtypeAttr(ctx, x?.dtype ?? null), shape: x?.shape ?? null }]);
  },
  cost: (_ctx, outputs) => ({ flops: perElement(numel(outputs[0]?.shape), BERNOULLI_SAMPLE_FLOPS), paramInputs: [] }),
});

/**
 * Multinomial(input (batch, classes) of unnormalised log-probabilities): (batch, sample_size) indices, dtype default
 * int32. FLOPs per row: exp and a running sum per class (the CDF); per sample: a uniform, its scaling by the total,
 * and a binary search of ceil(log2 classes) compares.
 */
const multinomial = defineOp({
  opType: 'Multinomial',
  category: 'other',
  inferShape(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    if (xs && xs.length !== 2) throw new OpSpecError(`input must be 2-D (batch, classes), got rank ${xs.length}`);
    const samples = ctx.attrs.int('sample_size', 1);
    const dtype = dtypeAttr(ctx, 'int32');
    return fitOutputs(ctx, [{ dtype, shape: xs ? [at(xs, 0), samples] : [dynamicDim(ctx, 0, 0), samples] }]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    const batch = xs?.[0];
    const classes = xs?.[1];
    if (!isKnownDim(batch) || !isKnownDim(classes)) return { flops: null, paramInputs: [] };
    const samples = ctx.attrs.int('sample_size', 1);
    const search = Math.max(1, Math.ceil(Math.log2(Math.max(classes, 1)))) * CMP_FLOPS;
    const perRow = classes * (EXP_FLOPS + ADD_FLOPS) + samples * (UNIFORM_SAMPLE_FLOPS + MUL_FLOPS + search);
    return { flops: batch * perRow, paramInputs: [] };
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
    return values?.length === n ? { ...info, value: values } : info;
  }
  const sparse = a.raw('sparse_value');
  if (sparse?.type === 'sparse_tensor')
    return { dtype: sparse.value.dtype, shape: sparse.value.dims, isConstant: true };
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
function fillCost(_ctx: OpContext, outputs: readonly TensorInfo[]): OpCost {
  return movementCost(writeOnlyMemory(outputs[0] ?? UNKNOWN_TENSOR));
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
      return [{ dtype, shape: dynamicShape(ctx, rank) }];
    }
    const bad = dims.find((d) => typeof d === 'number' && (d < 0 || !Number.isInteger(d)));
    if (bad !== undefined) throw new OpSpecError(`ConstantOfShape: invalid dim ${bad}`);
    const info: TensorInfo = { dtype, shape: dims };
    const n = numel(dims);
    if (fill === undefined || n === null || n > MAX_FOLD_ELEMENTS) return [info];
    return [{ ...info, value: new Array<number>(n).fill(fill) }];
  },
  cost: fillCost,
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
  cost: fillCost,
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
    const values = gatherElements(x.shape, [0, 1], (index) => (at(index, 1) - at(index, 0) === k ? 1 : 0));
    return [values ? { ...info, value: values } : info];
  },
  cost: fillCost,
});

/** ai.onnx generators, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    constantOp,
    constantOfShapeOp,
    rangeOp,
    eyeLikeOp,
    randomOp('RandomNormal', NORMAL_SAMPLE_FLOPS),
    randomOp('RandomUniform', UNIFORM_SAMPLE_FLOPS),
    randomLikeOp('RandomNormalLike', NORMAL_SAMPLE_FLOPS),
    randomLikeOp('RandomUniformLike', UNIFORM_SAMPLE_FLOPS),
    bernoulli,
    multinomial,
  ],
  {
    Constant: 1,
    ConstantOfShape: 9,
    Range: 11,
    EyeLike: 9,
    RandomNormal: 1,
    RandomUniform: 1,
    RandomNormalLike: 1,
    RandomUniformLike: 1,
    Bernoulli: 15,
    Multinomial: 7,
  },
);
