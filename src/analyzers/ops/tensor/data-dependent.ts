import type { Dim } from '../../../model/ir.js';
import { CMP_FLOPS, perElement } from '../../cost-model.js';
import { gatherElements, knownElements, MAX_FOLD_ELEMENTS, withElements } from '../../fold.js';
import { gatherMemory, movementCost } from '../../memory-models.js';
import { requireInput } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, isStaticShape, normalizeAxis, numel, productDim, ravel, stridesOf } from '../../shape-utils.js';
import { defineOp, type TensorInfo, UNKNOWN_TENSOR } from '../../types.js';
import { at, mapGet } from '../../../util/at.js';

/**
 * Ops of the ONNX tensor family (onnx/defs/tensor) whose output size depends on the data: NonZero, Unique and
 * Compress. Their sizes fold when the input values are known; otherwise the data-dependent dim is symbolic.
 */

const nonZeroOp = defineOp({
  opType: 'NonZero',
  category: 'other',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    if (!x.shape) return [{ dtype: 'int64', shape: [dynamicDim(ctx, 0, 0), dynamicDim(ctx, 0, 1)] }];
    // A scalar is indexed like a one-element vector (onnxruntime, numpy's atleast_1d).
    const shape = x.shape.length === 0 ? [1] : x.shape;
    const rank = shape.length;
    const v = x.value;
    if (!v || !isStaticShape(shape)) return [{ dtype: 'int64', shape: [rank, dynamicDim(ctx, 0, 1)] }];
    const strides = stridesOf(shape);
    const hits = v.flatMap((e, i) => (e !== 0 ? [i] : []));
    const info: TensorInfo = { dtype: 'int64', shape: [rank, hits.length] };
    if (rank * hits.length > MAX_FOLD_ELEMENTS) return [info];
    const value: number[] = [];
    for (let a = 0; a < rank; a++) {
      const stride = at(strides, a);
      const dim = at(shape, a);
      for (const flat of hits) value.push(Math.floor(flat / stride) % dim);
    }
    return [{ ...info, value }];
  },
  // One comparison per input element; the index write is data movement.
  cost: (ctx) => ({ flops: perElement(numel(ctx.inputs[0]?.shape), CMP_FLOPS), memory: 'io', paramInputs: [] }),
});

const uniqueOp = defineOp({
  opType: 'Unique',
  category: 'other',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    const axisAttr = ctx.attrs.intOr('axis');
    const take = (infos: TensorInfo[]) => infos.slice(0, ctx.node.outputs.length);
    // Y, indices and counts share one data-dependent length U.
    const u = dynamicDim(ctx, 0, axisAttr === undefined || !x.shape ? 0 : normalizeAxis(axisAttr, x.shape.length));
    if (axisAttr === undefined) {
      const n = numel(x.shape);
      const v = x.value;
      if (v && n !== null) {
        const firsts = new Map<number, number>();
        v.forEach((e, i) => firsts.has(e) || firsts.set(e, i));
        const uniques = [...firsts.keys()];
        if (ctx.attrs.int('sorted', 1) === 1) uniques.sort((p, q) => p - q);
        const len = uniques.length;
        return take([
          { dtype: x.dtype, shape: [len], value: uniques },
          { dtype: 'int64', shape: [len], value: uniques.map((e) => mapGet(firsts, e)) },
          { dtype: 'int64', shape: [n], value: v.map((e) => uniques.indexOf(e)) },
          { dtype: 'int64', shape: [len], value: uniques.map((e) => v.filter((o) => o === e).length) },
        ]);
      }
      return take([
        { dtype: x.dtype, shape: [u] },
        { dtype: 'int64', shape: [u] },
        { dtype: 'int64', shape: [n ?? dynamicDim(ctx, 2, 0)] },
        { dtype: 'int64', shape: [u] },
      ]);
    }
    const axis = x.shape ? normalizeAxis(axisAttr, x.shape.length) : -1;
    return take([
      { dtype: x.dtype, shape: x.shape ? x.shape.map((d, i) => (i === axis ? u : d)) : null },
      { dtype: 'int64', shape: [u] },
      { dtype: 'int64', shape: [x.shape ? at(x.shape, axis) : dynamicDim(ctx, 2, 0)] },
      { dtype: 'int64', shape: [u] },
    ]);
  },
  // A comparison sort: n * ceil(log2 n) comparisons.
  cost(ctx) {
    const n = numel(ctx.inputs[0]?.shape);
    const compares = n === null ? null : n * Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))));
    return { flops: perElement(compares, CMP_FLOPS), memory: 'io', paramInputs: [] };
  },
});

const compressOp = defineOp({
  opType: 'Compress',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    const cond = requireInput(ctx, 1, 'condition');
    const axisAttr = ctx.attrs.intOr('axis');
    if (!x.shape) return [{ dtype: x.dtype, shape: axisAttr === undefined ? [dynamicDim(ctx, 0, 0)] : null }];
    const inShape = x.shape;
    const axis = axisAttr === undefined ? null : normalizeAxis(axisAttr, inShape.length);
    const extent = axis === null ? productDim(inShape) : inShape[axis];
    const c = cond.value;
    let count: number | undefined;
    if (c && typeof extent === 'number') {
      // Only the first min(len, extent) condition entries select (the condition may be shorter).
      count = c.slice(0, extent).filter((v) => v !== 0).length;
    }
    const countDim: Dim = count ?? dynamicDim(ctx, 0, axis ?? 0);
    const shape = axis === null ? [countDim] : inShape.map((d, i) => (i === axis ? countDim : d));
    const elements = knownElements(x);
    let values: Dim[] | undefined;
    if (elements && c && count !== undefined && isStaticShape(inShape)) {
      const picked = c.slice(0, extent as number).flatMap((v, i) => (v !== 0 ? [i] : []));
      if (axis === null) values = picked.map((i) => at(elements, i));
      else {
        const strides = stridesOf(inShape);
        values = gatherElements(shape, elements, (o) =>
          ravel(
            o.map((v, i) => (i === axis ? at(picked, v) : v)),
            strides,
          ),
        );
      }
    }
    return [withElements({ dtype: x.dtype, shape }, values)];
  },
  cost: (ctx, outputs) => movementCost(gatherMemory(ctx, outputs[0] ?? UNKNOWN_TENSOR, [1])),
});

/** ai.onnx data-dependent tensor ops, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([nonZeroOp, uniqueOp, compressOp], {
  NonZero: 9,
  Unique: 11,
  Compress: 9,
});
