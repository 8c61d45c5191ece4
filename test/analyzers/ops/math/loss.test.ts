import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/math/loss.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { Dim } from '../../../../src/model/ir.js';
import { f32, runOp, weight, opFinder, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'math/loss');

const labels = (...shape: Dim[]): TensorInfo => ({ dtype: 'int64', shape });
// LogSoftmax: 5 per element (max, subtract, exp, sum, subtract the log-sum) and 1 log per row.
const LOG_SOFTMAX = 5;

const rows: OpRow[] = [
  // per target: negate (1); 'none' has no reduction
  {
    name: 'NLL none keeps the target shape (test_nllloss_NC)',
    op: 'NegativeLogLikelihoodLoss',
    inputs: [f32(3, 5), labels(3)],
    attrs: { reduction: 'none' },
    shapes: [[3]],
    flops: 3,
  },
  // per target: negate + add; one divide for the mean
  {
    name: 'NLL mean is a scalar',
    op: 'NegativeLogLikelihoodLoss',
    inputs: [f32(3, 5, 2), labels(3, 2)],
    shapes: [[]],
    flops: 6 * 2 + 1,
  },
  {
    name: 'NLL weighted mean with ignore_index: compare, and the weight sum',
    op: 'NegativeLogLikelihoodLoss',
    inputs: [f32(3, 5, 6, 6), labels(3, 6, 6), weight(5)],
    attrs: { reduction: 'mean', ignore_index: 1 },
    shapes: [[]],
    flops: 108 * (1 + 1 + 1 + 1) + 1,
  },
  {
    name: 'NLL sum',
    op: 'NegativeLogLikelihoodLoss',
    inputs: [f32(3, 5, 6, 6), labels(3, 6, 6)],
    attrs: { reduction: 'sum' },
    shapes: [[]],
    flops: 108 * 2,
  },
  {
    name: 'SoftmaxCrossEntropyLoss mean with log_prob (test_sce_mean_log_prob)',
    op: 'SoftmaxCrossEntropyLoss',
    inputs: [f32(3, 5), labels(3)],
    outputs: 2,
    shapes: [[], [3, 5]],
    flops: 15 * LOG_SOFTMAX + 3 + (3 * 2 + 1),
  },
  {
    name: 'SoftmaxCrossEntropyLoss none over (N, C, d1): rows N * d1',
    op: 'SoftmaxCrossEntropyLoss',
    inputs: [f32(3, 5, 2), labels(3, 2)],
    attrs: { reduction: 'none' },
    shapes: [[3, 2]],
    flops: 30 * LOG_SOFTMAX + 6 + 6,
  },
  {
    name: 'symbolic batch: FLOPs unknown',
    op: 'SoftmaxCrossEntropyLoss',
    inputs: [f32('N', 5), labels('N')],
    attrs: { reduction: 'none' },
    shapes: [['N']],
    flops: null,
  },
];

describe('math/loss family: shapes and FLOPs', () => {
  it('class weights are not counted as parameters', () => {
    expect(
      runOp(op('NegativeLogLikelihoodLoss'), {
        opType: 'NegativeLogLikelihoodLoss',
        inputs: [f32(3, 5), labels(3), weight(5)],
      }).cost?.paramInputs,
    ).toEqual([]);
  });
});

describeOpRows('math/loss', ops, rows, { dtype: 'float32' });

describe('math/loss family: structural errors', () => {
  it('target rank must be the input rank minus one', () => {
    expect(() =>
      runOp(op('NegativeLogLikelihoodLoss'), {
        opType: 'NegativeLogLikelihoodLoss',
        inputs: [f32(3, 5, 2), labels(3)],
      }),
    ).toThrow(/target has rank 1, expected 2/);
  });
  it('target dims must match the input without its class axis', () => {
    expect(() =>
      runOp(op('SoftmaxCrossEntropyLoss'), { opType: 'SoftmaxCrossEntropyLoss', inputs: [f32(3, 5, 2), labels(3, 4)] }),
    ).toThrow(/target dim 1 is 4, the input's is 2/);
  });
  it('unknown reduction', () => {
    expect(() =>
      runOp(op('SoftmaxCrossEntropyLoss'), {
        opType: 'SoftmaxCrossEntropyLoss',
        inputs: [f32(3, 5), labels(3)],
        attrs: { reduction: 'max' },
      }),
    ).toThrow(/unknown reduction 'max'/);
  });
});
