import { describe, expect, it } from 'vitest';
import { NORM_STATS_PER_GROUP } from '../../../../src/analyzers/cost-model.js';
import { ops } from '../../../../src/analyzers/ops/nn/normalization.js';
import { numel } from '../../../../src/analyzers/shape-utils.js';
import { at } from '../../../../src/util/at.js';
import { f32, runOp, weight, opFinder, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'nn/normalization');

// Per normalised group: 2 divides (mean, var) + add eps + sqrt + reciprocal, each primitive 1 FLOP.
const GROUP = 2 * 1 + 1 + 1 + 1;
// RMSNormalization: square-accumulate, normalise, scale per element; divide, add epsilon, sqrt, reciprocal per row.
const RMS = 3;
const RMS_ROW = 4;

const rows: OpRow[] = [
  {
    name: 'BatchNormalization inference: one multiply-add per element',
    op: 'BatchNormalization',
    inputs: [f32(1, 64, 56, 56), weight(64), weight(64), weight(64), weight(64)],
    shapes: [[1, 64, 56, 56]],
    flops: 64 * 56 * 56 * 1,
  },
  {
    name: 'BatchNormalization training_mode (opset 14): running mean/var outputs, statistics per element',
    op: 'BatchNormalization',
    inputs: [f32(8, 32, 4, 4), weight(32), weight(32), weight(32), weight(32)],
    attrs: { training_mode: 1 },
    opset: 14,
    outputs: 3,
    shapes: [[8, 32, 4, 4], [32], [32]],
    // affine (1) + mean add (1) + variance subtract and multiply-add (2)
    flops: 8 * 32 * 4 * 4 * (1 + 1 + 2),
  },
  {
    name: 'BatchNormalization opset 9 with the five training outputs',
    op: 'BatchNormalization',
    inputs: [f32(2, 3, 5), weight(3), weight(3), weight(3), weight(3)],
    opset: 9,
    outputs: 5,
    shapes: [[2, 3, 5], [3], [3], [3], [3]],
    flops: 2 * 3 * 5 * 4,
  },
  {
    name: 'InstanceNormalization: 5 per element, one mean/var per (n, c)',
    op: 'InstanceNormalization',
    inputs: [f32(2, 16, 8, 8), weight(16), weight(16)],
    shapes: [[2, 16, 8, 8]],
    flops: 2 * 16 * 8 * 8 * 5 + 2 * 16 * GROUP,
  },
  {
    name: 'LayerNormalization axis -1 with Mean and InvStdDev stash outputs',
    op: 'LayerNormalization',
    inputs: [f32(2, 128, 768), weight(768), weight(768)],
    outputs: 3,
    shapes: [
      [2, 128, 768],
      [2, 128, 1],
      [2, 128, 1],
    ],
    flops: 2 * 128 * 768 * 6 + 2 * 128 * GROUP,
  },
  {
    name: 'LayerNormalization axis 1 over (C, H, W), fp16 input with float32 stash',
    op: 'LayerNormalization',
    inputs: [{ dtype: 'float16', shape: [4, 8, 2, 2] }, weight(8, 2, 2)],
    attrs: { axis: 1 },
    outputs: 2,
    shapes: [
      [4, 8, 2, 2],
      [4, 1, 1, 1],
    ],
    dtypes: ['float16', 'float32'],
    flops: 4 * 8 * 2 * 2 * 6 + 4 * GROUP,
  },
  {
    name: 'GroupNormalization 32 groups',
    op: 'GroupNormalization',
    inputs: [f32(1, 64, 8, 8), weight(64), weight(64)],
    attrs: { num_groups: 32 },
    opset: 21,
    shapes: [[1, 64, 8, 8]],
    // per element: mean add + variance (subtract, multiply-add) + normalise (subtract, multiply) + per-channel affine
    flops: 64 * 8 * 8 * (1 + 2 + 2 + 1) + 1 * 32 * GROUP,
  },
  {
    name: 'GroupNormalization opset 18: scale per group folds into 1/std, no per-element affine',
    op: 'GroupNormalization',
    inputs: [f32(1, 64, 8, 8), weight(32), weight(32)],
    attrs: { num_groups: 32 },
    opset: 18,
    shapes: [[1, 64, 8, 8]],
    flops: 64 * 8 * 8 * (1 + 2 + 2) + 1 * 32 * GROUP,
  },
  {
    name: 'MeanVarianceNormalization default axes [0, 2, 3]: one group per channel',
    op: 'MeanVarianceNormalization',
    inputs: [f32(2, 3, 4, 4)],
    shapes: [[2, 3, 4, 4]],
    flops: 2 * 3 * 4 * 4 * 5 + 3 * GROUP,
  },
  {
    name: 'LpNormalization p=2 over the last axis: per element multiply-add + multiply, per row sqrt + divide',
    op: 'LpNormalization',
    inputs: [f32(10, 128)],
    shapes: [[10, 128]],
    flops: 10 * 128 * (1 + 1) + 10 * (1 + 1), // per element multiply-add + multiply; per row sqrt + divide
  },
  {
    name: 'LpNormalization p=1 axis 0',
    op: 'LpNormalization',
    inputs: [f32(10, 128)],
    attrs: { p: 1, axis: 0 },
    shapes: [[10, 128]],
    flops: 10 * 128 * (1 + 1 + 1) + 128 * 1, // per element |x| + add + multiply; per column one divide
  },
  {
    name: 'LRN size 5 (AlexNet): 5 multiply-adds + scale + pow (log, mul, exp) + divide per element',
    op: 'LRN',
    inputs: [f32(1, 96, 55, 55)],
    attrs: { size: 5, alpha: 0.0001, beta: 0.75, bias: 1.0 },
    shapes: [[1, 96, 55, 55]],
    flops: 96 * 55 * 55 * (5 * 1 + 1 + (1 + 1 + 1) + 1), // 5 multiply-adds + scale + pow (log, mul, exp) + divide
  },
  {
    name: 'BatchNormalization with a symbolic batch: FLOPs unknown',
    op: 'BatchNormalization',
    inputs: [f32('N', 8, 4, 4), weight(8), weight(8), weight(8), weight(8)],
    shapes: [['N', 8, 4, 4]],
    flops: null,
  },
  {
    name: 'RMSNormalization opset 23',
    op: 'RMSNormalization',
    inputs: [f32(2, 4, 8), weight(8)],
    opset: 23,
    shapes: [[2, 4, 8]],
    flops: 2 * 4 * 8 * RMS + 2 * 4 * RMS_ROW,
  },
];

describe('nn/normalization family: shapes and FLOPs', () => {
  it('the hand-written group cost matches the cost model', () => {
    expect(NORM_STATS_PER_GROUP).toBe(GROUP);
  });
});

describeOpRows('nn/normalization', ops, rows, { dtype: 'float32' });

describe('nn/normalization family: parameters', () => {
  it('BatchNormalization params are scale and bias only: 2 * C', () => {
    const inputs = [f32(1, 64, 56, 56), weight(64), weight(64), weight(64), weight(64)];
    const { cost } = runOp(op('BatchNormalization'), { opType: 'BatchNormalization', inputs });
    expect(cost?.paramInputs).toEqual([1, 2]);
    const params = (cost?.paramInputs ?? []).reduce((s, i) => s + (numel(at(inputs, i).shape) ?? 0), 0);
    expect(params).toBe(2 * 64);
  });
  it('LayerNormalization counts Scale and B', () => {
    const { cost } = runOp(op('LayerNormalization'), {
      opType: 'LayerNormalization',
      inputs: [f32(2, 4), weight(4), weight(4)],
    });
    expect(cost?.paramInputs).toEqual([1, 2]);
  });
});

describe('nn/normalization family: structural errors', () => {
  it('BatchNormalization scale of the wrong length', () => {
    const inputs = [f32(1, 64, 8, 8), weight(32), weight(64), weight(64), weight(64)];
    expect(() => runOp(op('BatchNormalization'), { opType: 'BatchNormalization', inputs })).toThrow(
      /scale has 32 elements, expected 64/,
    );
  });
  it('GroupNormalization with channels not divisible by num_groups', () => {
    expect(() =>
      runOp(op('GroupNormalization'), {
        opType: 'GroupNormalization',
        inputs: [f32(1, 30, 4, 4)],
        attrs: { num_groups: 4 },
      }),
    ).toThrow(/30 channels are not divisible by num_groups 4/);
  });
  it('LayerNormalization axis out of range', () => {
    expect(() =>
      runOp(op('LayerNormalization'), { opType: 'LayerNormalization', inputs: [f32(2, 4)], attrs: { axis: 2 } }),
    ).toThrow(/axis 2 out of range for rank 2/);
  });
  it('LRN without size', () => {
    expect(() => runOp(op('LRN'), { opType: 'LRN', inputs: [f32(1, 4, 2, 2)] })).toThrow(/size is required/);
  });
});
