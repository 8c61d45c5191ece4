import type { Dim } from '../../../model/ir.js';
import { ADD_FLOPS, CMP_FLOPS, perElement, POW_FLOPS, SQRT_FLOPS } from '../../cost-model.js';
import { constantInts, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, dynamicShape, elementsOf, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpDef } from '../../types.js';
import { checkSpatialRank, readWindow, roiShape, type Window, windowOutputDim } from '../../window.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Pooling of the ONNX nn family (onnx/defs/nn): the windowed MaxPool, AveragePool and LpPool, their global forms,
 * MaxUnpool and MaxRoiPool.
 */

/** X's shape checked to be (N, C, D1..Dn) with n >= 1, or null when the rank is unknown. */
function poolInput(ctx: OpContext): readonly Dim[] | null {
  const xs = inputAt(ctx, 0)?.shape ?? null;
  checkSpatialRank(xs);
  return xs;
}

/** kernel_shape is a required attribute of every windowed pooling op. */
function poolWindow(ctx: OpContext, n: number): Window {
  const kernel = ctx.attrs.ints('kernel_shape');
  if (!kernel || kernel.length === 0) throw new OpSpecError('kernel_shape is required');
  if (kernel.length !== n) throw new OpSpecError(`kernel_shape has ${kernel.length} values, expected ${n}`);
  if (kernel.some((k) => k < 1)) throw new OpSpecError(`kernel_shape must be >= 1, got [${kernel.join(',')}]`);
  return readWindow(ctx, n, kernel);
}

/** Output shape of a windowed pool (same window arithmetic as Conv, with ceil_mode), or null for an unknown rank. */
function pooledShape(ctx: OpContext): { shape: Dim[] | null; window: Window | null } {
  const xs = poolInput(ctx);
  if (!xs) return { shape: null, window: null };
  const n = xs.length - 2;
  const window = poolWindow(ctx, n);
  const shape: Dim[] = [
    at(xs, 0),
    at(xs, 1),
    ...xs.slice(2).map((d, i) => windowOutputDim(ctx, window, i, d, 0, i + 2)),
  ];
  return { shape, window };
}

/** Lp-norm cost of a window of k elements: p=1 |x| and add; p=2 multiply-add and one sqrt; else |x|^p, add, ^(1/p). */
function lpFlops(p: number, outputs: number | null, windowElements: number | null): number | null {
  if (outputs === null || windowElements === null) return null;
  if (p === 1) return outputs * windowElements * (CMP_FLOPS + ADD_FLOPS);
  if (p === 2) return outputs * (windowElements * ADD_FLOPS + SQRT_FLOPS);
  return outputs * (windowElements * (CMP_FLOPS + POW_FLOPS + ADD_FLOPS) + POW_FLOPS);
}

/** LpPool-1 has a float `p`, later versions an int; both default to 2. */
function pOf(ctx: OpContext): number {
  return ctx.attrs.float('p', 2);
}

/**
 * MaxPool and AveragePool: FLOPs = output elements * prod(kernel_shape): one compare (max) or add (average) per
 * window element; the average's single divide per output is left out, as in the papers' FLOP counts.
 */
function windowPool(opType: 'MaxPool' | 'AveragePool'): OpDef {
  return defineOp({
    opType,
    category: 'pooling',
    inferShape(ctx) {
      const dtype = inputAt(ctx, 0)?.dtype ?? null;
      const { shape } = pooledShape(ctx);
      // MaxPool's optional second output: int64 flat indices, same shape as Y (opset 8+).
      return fitOutputs(ctx, [
        { dtype, shape },
        { dtype: 'int64', shape },
      ]);
    },
    cost(ctx, outputs) {
      const kernel = ctx.attrs.ints('kernel_shape') ?? [];
      return {
        flops: perElement(
          elementsOf(outputs[0]),
          kernel.reduce((a, b) => a * b, 1),
        ),
      };
    },
  });
}

const lpPool = defineOp({
  opType: 'LpPool',
  category: 'pooling',
  inferShape(ctx) {
    return fitOutputs(ctx, [{ dtype: inputAt(ctx, 0)?.dtype ?? null, shape: pooledShape(ctx).shape }]);
  },
  cost(ctx, outputs) {
    const kernel = ctx.attrs.ints('kernel_shape') ?? [];
    return { flops: lpFlops(pOf(ctx), elementsOf(outputs[0]), numel(kernel)) };
  },
});

/** Global pools: Y is (N, C, 1, ..., 1); each output reduces prod(D1..Dn) input elements. */
function globalPool(opType: 'GlobalAveragePool' | 'GlobalMaxPool' | 'GlobalLpPool'): OpDef {
  return defineOp({
    opType,
    category: 'pooling',
    inferShape(ctx) {
      const x = inputAt(ctx, 0);
      const xs = x?.shape ?? null;
      if (xs && xs.length < 2) throw new OpSpecError(`input must have rank >= 2 (N, C, ...), got rank ${xs.length}`);
      const shape = xs ? [at(xs, 0), at(xs, 1), ...xs.slice(2).map(() => 1)] : null;
      return fitOutputs(ctx, [{ dtype: x?.dtype ?? null, shape }]);
    },
    cost(ctx, outputs) {
      const xs = inputAt(ctx, 0)?.shape ?? null;
      const spatial = xs ? numel(xs.slice(2)) : null;
      const outs = elementsOf(outputs[0]);
      if (opType === 'GlobalLpPool') return { flops: lpFlops(pOf(ctx), outs, spatial) };
      return { flops: outs === null || spatial === null ? null : outs * spatial };
    },
  });
}

/**
 * MaxUnpool(X, I, output_shape?): output_shape when its value is known, else per spatial axis
 * (in - 1) * stride + kernel - pad_begin - pad_end. A scatter into a zeroed tensor: no arithmetic, flops 0.
 */
const maxUnpool = defineOp({
  opType: 'MaxUnpool',
  category: 'pooling',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const dtype = x?.dtype ?? null;
    const given = inputAt(ctx, 2);
    const explicit = constantInts(given);
    if (explicit) return fitOutputs(ctx, [{ dtype, shape: [...explicit] }]);
    const xs = poolInput(ctx);
    if (given) {
      const len = given.shape?.[0];
      if (typeof len !== 'number') return fitOutputs(ctx, [{ dtype, shape: null }]);
      return fitOutputs(ctx, [{ dtype, shape: dynamicShape(ctx, len) }]);
    }
    if (!xs) return fitOutputs(ctx, [{ dtype, shape: null }]);
    const n = xs.length - 2;
    const w = poolWindow(ctx, n);
    const spatial = xs.slice(2).map((d, i): Dim => {
      // poolWindow gives n kernel extents (numbers: kernel_shape is required), strides and 2n pads.
      const k = at(w.kernel, i);
      if (typeof d !== 'number' || typeof k !== 'number') return dynamicDim(ctx, 0, i + 2);
      return (d - 1) * at(w.strides, i) + k - at(w.pads, i) - at(w.pads, i + n);
    });
    return fitOutputs(ctx, [{ dtype, shape: [at(xs, 0), at(xs, 1), ...spatial] }]);
  },
  cost: () => ({ flops: 0 }),
});

/** MaxRoiPool: each bin's size depends on the RoI coordinates (data), so FLOPs are unknown. */
const maxRoiPool = defineOp({
  opType: 'MaxRoiPool',
  category: 'pooling',
  inferShape(ctx) {
    const pooled = ctx.attrs.ints('pooled_shape');
    if (pooled?.length !== 2) throw new OpSpecError('pooled_shape must hold 2 values');
    return fitOutputs(ctx, [
      { dtype: inputAt(ctx, 0)?.dtype ?? null, shape: roiShape(ctx, at(pooled, 0), at(pooled, 1)) },
    ]);
  },
  cost: () => ({ flops: null }),
});

/** ai.onnx pooling, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    windowPool('MaxPool'),
    windowPool('AveragePool'),
    lpPool,
    globalPool('GlobalAveragePool'),
    globalPool('GlobalMaxPool'),
    globalPool('GlobalLpPool'),
    maxUnpool,
    maxRoiPool,
  ],
  {
    MaxPool: 1,
    AveragePool: 1,
    LpPool: 1,
    GlobalAveragePool: 1,
    GlobalMaxPool: 1,
    GlobalLpPool: 1,
    MaxUnpool: 9,
    MaxRoiPool: 1,
  },
);
