import type { Dim } from '../../../model/ir.js';
import {
  CMP_FLOPS,
  GELU_ERF_FLOPS,
  GELU_TANH_FLOPS,
  LOG_SOFTMAX_PER_ROW,
  MUL_FLOPS,
  perElement,
  sumFlops,
} from '../../cost-model.js';
import { constantInputs, dtypeAndShape, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { tableFlops, unaryOp } from '../../pointwise.js';
import { broadcastsTo, elementsOf, normalizeAxis, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpDef } from '../../types.js';
import { OpSpecError } from '../../../errors.js';

/**
 * Activation functions of the ONNX math family (onnx/defs/math); per-element FLOPs from cost-model.ts. Shrink, an
 * nn op, is in nn/shrink.ts.
 */

const activation = (opType: string): OpDef => unaryOp(opType, { category: 'activation' });

/**
 * PRelu(X, slope): slope broadcasts unidirectionally to X (opset 7+; before, it was per channel or a scalar).
 * The slope is a trainable parameter even when it is a single value (PReLU with num_parameters=1).
 */
const prelu = unaryOp('PRelu', {
  category: 'activation',
  paramInputs: (ctx) => constantInputs(ctx, [1]),
  check(ctx) {
    const xs = inputAt(ctx, 0)?.shape;
    const ss = inputAt(ctx, 1)?.shape;
    if (ctx.opset < 7 || !xs || !ss) return;
    if (!broadcastsTo(ss, xs))
      throw new OpSpecError(`slope of shape [${ss.join(',')}] does not broadcast to X [${xs.join(',')}]`);
  },
});

/** Clip: one compare per bound present; min/max are attributes before opset 11 and inputs from 11. */
function clipBounds(ctx: OpContext): number {
  if (ctx.opset < 11) return (ctx.attrs.has('min') ? 1 : 0) + (ctx.attrs.has('max') ? 1 : 0);
  return (inputAt(ctx, 1) ? 1 : 0) + (inputAt(ctx, 2) ? 1 : 0);
}

const clip = unaryOp('Clip', {
  category: 'activation',
  flopsPerElement: (ctx) => clipBounds(ctx) * CMP_FLOPS,
  // The bounds are hyper-parameters, not weights.
  paramInputs: () => [],
});

/** Gelu (opset 20): approximate='none' uses erf, 'tanh' the tanh approximation. */
const gelu = unaryOp('Gelu', {
  category: 'activation',
  flopsPerElement: (ctx) => (ctx.attrs.string('approximate', 'none') === 'tanh' ? GELU_TANH_FLOPS : GELU_ERF_FLOPS),
});

/** Softmax-family axis: default 1 before opset 13 (input coerced to 2-D at axis), -1 from 13 (one axis). */
function softmaxAxis(ctx: OpContext, rank: number): number {
  return normalizeAxis(ctx.attrs.int('axis', ctx.opset < 13 ? 1 : -1), rank);
}

/** Rows the op normalises independently: prod(X[:axis]) before opset 13, numel / X[axis] from 13. */
function softmaxRows(ctx: OpContext, xs: readonly Dim[]): number | null {
  if (xs.length === 0) return 1;
  const axis = softmaxAxis(ctx, xs.length);
  return ctx.opset < 13 ? numel(xs.slice(0, axis)) : numel([...xs.slice(0, axis), ...xs.slice(axis + 1)]);
}

function softmaxLike(opType: 'Softmax' | 'LogSoftmax' | 'Hardmax'): OpDef {
  return defineOp({
    opType,
    category: 'activation',
    inferShape(ctx) {
      const x = inputAt(ctx, 0);
      if (x?.shape && x.shape.length > 0) softmaxAxis(ctx, x.shape.length);
      return fitOutputs(ctx, [dtypeAndShape(x)]);
    },
    cost(ctx, outputs) {
      const perEl = perElement(elementsOf(outputs[0]), tableFlops(opType));
      if (opType !== 'LogSoftmax') return { flops: perEl };
      const xs = inputAt(ctx, 0)?.shape ?? null;
      return { flops: sumFlops(perEl, xs ? perElement(softmaxRows(ctx, xs), LOG_SOFTMAX_PER_ROW) : null) };
    },
  });
}

/** QuickGelu: x * sigmoid(alpha * x): multiply, sigmoid, multiply. */
export const QUICK_GELU_FLOPS = MUL_FLOPS + tableFlops('Sigmoid') + MUL_FLOPS;

/** ai.onnx activation functions, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    ...['Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus'].map(
      activation,
    ),
    ...['Softsign', 'Erf', 'Mish', 'ThresholdedRelu'].map(activation),
    prelu,
    clip,
    gelu,
    // Swish (opset 24): x * sigmoid(alpha * x), onnxruntime's QuickGelu formula as a standard op.
    unaryOp('Swish', { category: 'activation', flopsPerElement: () => QUICK_GELU_FLOPS }),
    softmaxLike('Softmax'),
    softmaxLike('LogSoftmax'),
    softmaxLike('Hardmax'),
  ],
  {
    Relu: 1,
    LeakyRelu: 1,
    Elu: 1,
    Selu: 1,
    Celu: 12,
    Sigmoid: 1,
    HardSigmoid: 1,
    HardSwish: 14,
    Tanh: 1,
    Softplus: 1,
    Softsign: 1,
    Erf: 9,
    Mish: 18,
    ThresholdedRelu: 10,
    PRelu: 1,
    Clip: 1,
    Gelu: 20,
    Swish: 24,
    Softmax: 1,
    LogSoftmax: 1,
    Hardmax: 1,
  },
);
