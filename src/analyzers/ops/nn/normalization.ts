import { type Dim, dtypeFromCode } from '../../../model/ir.js';
import {
  ADD_FLOPS,
  BATCHNORM_PER_ELEMENT,
  BATCHNORM_TRAINING_PER_ELEMENT,
  CMP_FLOPS,
  DIV_FLOPS,
  LRN_PER_ELEMENT_FIXED,
  MUL_FLOPS,
  NORM_AFFINE_PER_ELEMENT,
  NORM_STATS_PER_ELEMENT,
  NORM_STATS_PER_GROUP,
  perElement,
  SQRT_FLOPS,
  sumFlops,
} from '../../cost-model.js';
import { constantInputs, dtypeAndShape, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { normRows, rmsNormFlops } from '../../rms-norm.js';
import { elementsOf, isKnownDim, normalizeAxis, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type TensorInfo } from '../../types.js';
import { OpSpecError } from '../../../errors.js';

/**
 * Normalizations of the ONNX nn family (onnx/defs/nn): BatchNormalization, InstanceNormalization,
 * LayerNormalization, GroupNormalization, RMSNormalization, MeanVarianceNormalization, LpNormalization and LRN.
 */

/** Same dtype and shape as input 0. */
const sameAsInput = (ctx: OpContext): TensorInfo => dtypeAndShape(inputAt(ctx, 0));

/** A per-channel input (scale, bias, mean, var) of rank 1 must have C elements. */
function checkPerChannel(ctx: OpContext, positions: readonly number[], names: readonly string[], expected?: Dim): void {
  const c = expected ?? inputAt(ctx, 0)?.shape?.[1];
  positions.forEach((pos, i) => {
    const s = inputAt(ctx, pos)?.shape;
    if (s?.length !== 1 || !isKnownDim(c) || !isKnownDim(s[0])) return;
    if (s[0] !== c) throw new OpSpecError(`${names[i]} has ${s[0]} elements, expected ${c} (one per channel)`);
  });
}

/** Elements per normalised group: numel(X) / groups, null when unknown. */
function divide(total: number | null, by: number | null): number | null {
  return total === null || by === null || by === 0 ? null : total / by;
}

/** training: opset 14+ `training_mode`; before, any of the optional statistics outputs being requested. */
function batchNormTraining(ctx: OpContext): boolean {
  if (ctx.opset >= 14) return ctx.attrs.int('training_mode', 0) === 1;
  return ctx.node.outputs.slice(1).some((o) => o !== '');
}

/**
 * BatchNormalization(X, scale, B, input_mean, input_var). Y has X's shape; the statistics outputs (running_mean,
 * running_var from opset 14; mean, var, saved_mean, saved_var before) have input_mean's shape. Params: scale and B
 * only (running statistics are buffers, not parameters, as in torchvision's counts).
 */
const batchNormalization = defineOp({
  opType: 'BatchNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const xs = inputAt(ctx, 0)?.shape;
    if (xs && xs.length < 2) throw new OpSpecError(`input must have rank >= 2 (N, C, ...), got rank ${xs.length}`);
    checkPerChannel(ctx, [1, 2, 3, 4], ['scale', 'B', 'mean', 'var']);
    const mean = inputAt(ctx, 3);
    const stat: TensorInfo = { dtype: mean?.dtype ?? inputAt(ctx, 1)?.dtype ?? null, shape: mean?.shape ?? null };
    return fitOutputs(ctx, [sameAsInput(ctx), stat, stat, stat, stat]);
  },
  cost(ctx) {
    const per = batchNormTraining(ctx) ? BATCHNORM_TRAINING_PER_ELEMENT : BATCHNORM_PER_ELEMENT;
    return { flops: perElement(elementsOf(inputAt(ctx, 0)), per), paramInputs: constantInputs(ctx, [1, 2]) };
  },
});

/**
 * Statistics-based normalisation: elements * (NORM_STATS_PER_ELEMENT [+ affine]) + groups * NORM_STATS_PER_GROUP,
 * where a group is one (mean, variance) pair.
 */
function normFlops(elements: number | null, groups: number | null, affinePerElement: boolean): number | null {
  const per = NORM_STATS_PER_ELEMENT + (affinePerElement ? NORM_AFFINE_PER_ELEMENT : 0);
  return sumFlops(perElement(elements, per), perElement(groups, NORM_STATS_PER_GROUP));
}

/** InstanceNormalization(X, scale[C], B[C]): one mean/variance per (n, c); scale folds into 1/std per channel. */
const instanceNormalization = defineOp({
  opType: 'InstanceNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const xs = inputAt(ctx, 0)?.shape;
    if (xs && xs.length < 3) throw new OpSpecError(`input must have rank >= 3 (N, C, D1...), got rank ${xs.length}`);
    checkPerChannel(ctx, [1, 2], ['scale', 'B']);
    return fitOutputs(ctx, [sameAsInput(ctx)]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    const groups = xs ? numel(xs.slice(0, 2)) : null;
    return { flops: normFlops(numel(xs), groups, false), paramInputs: constantInputs(ctx, [1, 2]) };
  },
});

/**
 * LayerNormalization (opset 17): normalises over axes [axis, rank). Outputs Y (X's shape), Mean and InvStdDev with
 * shape X[:axis] + [1] * (rank - axis) and the stash_type dtype (default float32).
 */
const layerNormalization = defineOp({
  opType: 'LayerNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const xs = x?.shape ?? null;
    let statShape: Dim[] | null = null;
    if (xs) {
      const axis = normalizeAxis(ctx.attrs.int('axis', -1), xs.length);
      statShape = [...xs.slice(0, axis), ...xs.slice(axis).map(() => 1)];
    }
    const stash: TensorInfo = { dtype: dtypeFromCode(ctx.attrs.int('stash_type', 1)), shape: statShape };
    return fitOutputs(ctx, [sameAsInput(ctx), stash, stash]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    const groups = xs ? numel(xs.slice(0, normalizeAxis(ctx.attrs.int('axis', -1), xs.length))) : null;
    return { flops: normFlops(numel(xs), groups, true), paramInputs: constantInputs(ctx, [1, 2]) };
  },
});

/**
 * GroupNormalization (opset 18: scale/bias per group; 21: per channel): one mean/variance per (n, group). From
 * opset 21 the scale varies inside a group, so the affine step is one multiply-add per element; in opset 18-20 it is
 * constant per group and folds into 1/std, as in InstanceNormalization.
 */
const groupNormalization = defineOp({
  opType: 'GroupNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const xs = inputAt(ctx, 0)?.shape;
    const g = ctx.attrs.intOr('num_groups');
    if (g === undefined || g < 1) throw new OpSpecError('num_groups is required and must be >= 1');
    if (xs && xs.length < 3) throw new OpSpecError(`input must have rank >= 3 (N, C, D1...), got rank ${xs.length}`);
    const c = xs?.[1];
    if (isKnownDim(c) && c % g !== 0) throw new OpSpecError(`${c} channels are not divisible by num_groups ${g}`);
    return fitOutputs(ctx, [sameAsInput(ctx)]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    const n = xs?.[0];
    const groups = isKnownDim(n) ? n * ctx.attrs.int('num_groups', 1) : null;
    return { flops: normFlops(numel(xs), groups, ctx.opset >= 21), paramInputs: constantInputs(ctx, [1, 2]) };
  },
});

/** MeanVarianceNormalization: (X - mean) / std over `axes` (default [0, 2, 3]); no scale or bias. */
const meanVarianceNormalization = defineOp({
  opType: 'MeanVarianceNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const xs = inputAt(ctx, 0)?.shape;
    if (xs) for (const a of ctx.attrs.ints('axes') ?? [0, 2, 3]) normalizeAxis(a, xs.length);
    return fitOutputs(ctx, [sameAsInput(ctx)]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    if (!xs) return { flops: null };
    const axes = (ctx.attrs.ints('axes') ?? [0, 2, 3]).map((a) => normalizeAxis(a, xs.length));
    const perGroup = numel(xs.filter((_, i) => axes.includes(i)));
    return { flops: normFlops(numel(xs), divide(numel(xs), perGroup), false) };
  },
});

/**
 * LpNormalization: x / ||x||_p along `axis` (default -1; p 1 or 2, default 2). Per element: p=1 |x| and add, p=2 a
 * multiply-add, then a multiply by the row's reciprocal norm; per row: divide (and sqrt for p=2).
 */
const lpNormalization = defineOp({
  opType: 'LpNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const xs = inputAt(ctx, 0)?.shape;
    if (xs && xs.length > 0) normalizeAxis(ctx.attrs.int('axis', -1), xs.length);
    return fitOutputs(ctx, [sameAsInput(ctx)]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    if (!xs || xs.length === 0) return { flops: numel(xs) };
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), xs.length);
    const elements = numel(xs);
    const rows = divide(elements, isKnownDim(xs[axis]) ? xs[axis] : null);
    const p = ctx.attrs.int('p', 2);
    const perEl = (p === 1 ? CMP_FLOPS + ADD_FLOPS : ADD_FLOPS) + MUL_FLOPS;
    const perRow = p === 1 ? DIV_FLOPS : SQRT_FLOPS + DIV_FLOPS;
    return { flops: sumFlops(perElement(elements, perEl), perElement(rows, perRow)) };
  },
});

/** LRN: per element, a `size`-channel window sum of squares plus LRN_PER_ELEMENT_FIXED (scale, ^beta, divide). */
const lrn = defineOp({
  opType: 'LRN',
  category: 'normalization',
  inferShape(ctx) {
    if (ctx.attrs.intOr('size') === undefined) throw new OpSpecError('size is required');
    return fitOutputs(ctx, [sameAsInput(ctx)]);
  },
  cost: (ctx) => ({
    flops: perElement(elementsOf(inputAt(ctx, 0)), ctx.attrs.int('size', 1) * MUL_FLOPS + LRN_PER_ELEMENT_FIXED),
  }),
});

/** RMSNormalization (ai.onnx opset 23): Y only; normalised axes [axis, rank), axis default -1. */
const rmsNormalization = defineOp({
  opType: 'RMSNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    if (x?.shape && x.shape.length > 0) normalizeAxis(ctx.attrs.int('axis', -1), x.shape.length);
    return fitOutputs(ctx, [dtypeAndShape(x)]);
  },
  cost(ctx) {
    const { elements, rows } = normRows(inputAt(ctx, 0)?.shape ?? null, ctx.attrs.int('axis', -1));
    return { flops: rmsNormFlops(elements, rows), paramInputs: constantInputs(ctx, [1]) };
  },
});

/** ai.onnx normalizations, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    batchNormalization,
    instanceNormalization,
    layerNormalization,
    groupNormalization,
    rmsNormalization,
    meanVarianceNormalization,
    lpNormalization,
    lrn,
  ],
  {
    BatchNormalization: 1,
    InstanceNormalization: 1,
    LayerNormalization: 17,
    GroupNormalization: 18,
    RMSNormalization: 23,
    MeanVarianceNormalization: 9,
    LpNormalization: 1,
    LRN: 1,
  },
);
