import type { Dim } from '../../../model/ir.js';
import {
  ADD_FLOPS,
  CMP_FLOPS,
  DIV_FLOPS,
  LOG_SOFTMAX_PER_ROW,
  MUL_FLOPS,
  perElement,
  sumFlops,
} from '../../cost-model.js';
import { fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { tableFlops } from '../../pointwise.js';
import { elementsOf, isKnownDim, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type TensorInfo } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Losses of the ONNX math family (onnx/defs/math) that exporters keep in inference graphs (opset 12/13):
 * NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Input is (N, C, d1..dk), target/labels (N, d1..dk) class
 * indices, optional weight (C). `reduction` is 'mean' (default), 'sum' or 'none': 'none' keeps the target's shape,
 * the others give a scalar.
 */

type Reduction = 'none' | 'sum' | 'mean';

function reductionOf(ctx: OpContext): Reduction {
  const r = ctx.attrs.string('reduction', 'mean');
  if (r !== 'none' && r !== 'sum' && r !== 'mean') throw new OpSpecError(`unknown reduction '${r}'`);
  return r;
}

/** Checks that the target is the input without its class axis: (N, C, d...) vs (N, d...). */
function checkTarget(input: readonly Dim[] | null, target: readonly Dim[] | null): void {
  if (input && input.length < 2)
    throw new OpSpecError(`input must have rank >= 2 (N, C, ...), got rank ${input.length}`);
  if (!input || !target) return;
  if (target.length !== input.length - 1)
    throw new OpSpecError(`target has rank ${target.length}, expected ${input.length - 1}`);
  const expected = [input[0], ...input.slice(2)];
  expected.forEach((d, i) => {
    const t = target[i];
    if (isKnownDim(d) && isKnownDim(t) && d !== t)
      throw new OpSpecError(`target dim ${i} is ${t}, the input's is ${d}`);
  });
}

/**
 * The loss output of input 0 and target 1, once checkTarget accepts them: the target's shape for 'none', else a
 * scalar; the input's dtype.
 */
function lossOutput(ctx: OpContext): TensorInfo {
  const input = inputAt(ctx, 0);
  const target = inputAt(ctx, 1);
  checkTarget(input?.shape ?? null, target?.shape ?? null);
  const reduction = reductionOf(ctx);
  return { dtype: input?.dtype ?? null, shape: reduction === 'none' ? (target?.shape ?? null) : [] };
}

/**
 * The gather-and-weight part on the targets: per target element one multiply (negate, or by -weight[c]), one
 * compare when ignore_index is set, one add when reduced, and for a weighted mean one more add (the weight sum);
 * one divide for a mean.
 */
function nllFlops(ctx: OpContext, targets: number | null): number | null {
  const reduction = reductionOf(ctx);
  const weighted = inputAt(ctx, 2) !== null;
  let perTarget = MUL_FLOPS;
  if (ctx.attrs.has('ignore_index')) perTarget += CMP_FLOPS;
  if (reduction !== 'none') perTarget += ADD_FLOPS;
  if (reduction === 'mean' && weighted) perTarget += ADD_FLOPS;
  return sumFlops(perElement(targets, perTarget), reduction === 'mean' ? DIV_FLOPS : 0);
}

const negativeLogLikelihoodLoss = defineOp({
  opType: 'NegativeLogLikelihoodLoss',
  category: 'other',
  inferShape: (ctx) => fitOutputs(ctx, [lossOutput(ctx)]),
  cost: (ctx) => ({ flops: nllFlops(ctx, elementsOf(inputAt(ctx, 1))), paramInputs: [] }),
});

/**
 * SoftmaxCrossEntropyLoss(scores, labels, weights?): LogSoftmax over the class axis (1), then the NLL part. The
 * optional log_prob output has the scores' shape. FLOPs: LogSoftmax per score element plus its log per row
 * (N * d1..dk rows of C classes), plus nllFlops on the labels.
 */
const softmaxCrossEntropyLoss = defineOp({
  opType: 'SoftmaxCrossEntropyLoss',
  category: 'other',
  inferShape(ctx) {
    const scores = inputAt(ctx, 0);
    return fitOutputs(ctx, [lossOutput(ctx), { dtype: scores?.dtype ?? null, shape: scores?.shape ?? null }]);
  },
  cost(ctx) {
    const ss = inputAt(ctx, 0)?.shape ?? null;
    const rows = ss && ss.length >= 2 ? numel([at(ss, 0), ...ss.slice(2)]) : null;
    const logSoftmax = sumFlops(perElement(numel(ss), tableFlops('LogSoftmax')), perElement(rows, LOG_SOFTMAX_PER_ROW));
    return { flops: sumFlops(logSoftmax, nllFlops(ctx, elementsOf(inputAt(ctx, 1)))), paramInputs: [] };
  },
});

/** ai.onnx losses, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([negativeLogLikelihoodLoss, softmaxCrossEntropyLoss], {
  NegativeLogLikelihoodLoss: 12,
  SoftmaxCrossEntropyLoss: 12,
});
