import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/nn/pooling.js';
import { f32, i64, runOp, opFinder, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'nn/pooling');

const rows: OpRow[] = [
  {
    name: 'MaxPool 3x3 s2 p1 (ResNet stem), with int64 Indices',
    op: 'MaxPool',
    inputs: [f32(1, 64, 112, 112)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    outputs: 2,
    shapes: [
      [1, 64, 56, 56],
      [1, 64, 56, 56],
    ],
    dtypes: ['float32', 'int64'],
    flops: 56 * 56 * 64 * 3 * 3,
  },
  {
    name: 'MaxPool floor mode: floor((112 - 3) / 2) + 1 = 55',
    op: 'MaxPool',
    inputs: [f32(1, 64, 112, 112)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2] },
    shapes: [[1, 64, 55, 55]],
    flops: 55 * 55 * 64 * 3 * 3,
  },
  {
    name: 'MaxPool ceil_mode: ceil((112 - 3) / 2) + 1 = 56 (GoogLeNet)',
    op: 'MaxPool',
    inputs: [f32(1, 64, 112, 112)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
    shapes: [[1, 64, 56, 56]],
    flops: 56 * 56 * 64 * 3 * 3,
  },
  {
    name: 'MaxPool ceil_mode drops a last window that starts in the end padding: ceil(5/2)+1 = 4 -> 3',
    op: 'MaxPool',
    inputs: [f32(1, 1, 5, 5)],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 },
    shapes: [[1, 1, 3, 3]],
    flops: 3 * 3 * 2 * 2,
  },
  {
    name: 'MaxPool dilation 2: effective kernel 3, out 8 - 3 + 1 = 6',
    op: 'MaxPool',
    inputs: [f32(1, 1, 8, 8)],
    attrs: { kernel_shape: [2, 2], dilations: [2, 2] },
    shapes: [[1, 1, 6, 6]],
    flops: 6 * 6 * 2 * 2,
  },
  {
    name: 'MaxPool SAME_UPPER on an odd input: ceil(7 / 2) = 4',
    op: 'MaxPool',
    inputs: [f32(1, 2, 7, 7)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' },
    shapes: [[1, 2, 4, 4]],
    flops: 4 * 4 * 2 * 3 * 3,
  },
  {
    name: 'MaxPool 1-D',
    op: 'MaxPool',
    inputs: [f32(4, 8, 50)],
    attrs: { kernel_shape: [2], strides: [2] },
    shapes: [[4, 8, 25]],
    flops: 4 * 8 * 25 * 2,
  },
  {
    name: 'AveragePool count_include_pad does not change the shape',
    op: 'AveragePool',
    inputs: [f32(1, 16, 9, 9)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 },
    shapes: [[1, 16, 5, 5]],
    flops: 5 * 5 * 16 * 3 * 3,
  },
  {
    name: 'AveragePool ceil_mode: ceil((6 - 3) / 2) + 1 = 3 vs floor 2',
    op: 'AveragePool',
    inputs: [f32(1, 1, 6, 6)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
    shapes: [[1, 1, 3, 3]],
    flops: 3 * 3 * 3 * 3,
  },
  {
    name: 'AveragePool 3-D',
    op: 'AveragePool',
    inputs: [f32(1, 4, 8, 8, 8)],
    attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2] },
    shapes: [[1, 4, 4, 4, 4]],
    flops: 4 * 4 * 4 * 4 * 2 * 2 * 2,
  },
  {
    name: 'AveragePool symbolic batch: FLOPs unknown',
    op: 'AveragePool',
    inputs: [f32('batch', 16, 8, 8)],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    shapes: [['batch', 16, 4, 4]],
    flops: null,
  },
  {
    name: 'LpPool p=2: per output 4 multiply-adds and a sqrt',
    op: 'LpPool',
    inputs: [f32(1, 3, 4, 4)],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], p: 2 },
    shapes: [[1, 3, 2, 2]],
    flops: 1 * 3 * 2 * 2 * (2 * 2 * 1 + 1), // per output: 4 multiply-adds + one sqrt
  },
  {
    name: 'GlobalAveragePool: one add per input element',
    op: 'GlobalAveragePool',
    inputs: [f32(1, 1024, 7, 7)],
    shapes: [[1, 1024, 1, 1]],
    flops: 1024 * 7 * 7,
  },
  {
    name: 'GlobalMaxPool 1-D',
    op: 'GlobalMaxPool',
    inputs: [f32(2, 8, 30)],
    shapes: [[2, 8, 1]],
    flops: 2 * 8 * 30,
  },
  {
    name: 'GlobalLpPool p=1: |x| and add per input element',
    op: 'GlobalLpPool',
    inputs: [f32(1, 8, 4, 4)],
    attrs: { p: 1 },
    shapes: [[1, 8, 1, 1]],
    flops: 8 * 4 * 4 * 2,
  },
  {
    name: 'MaxUnpool: (2 - 1) * 2 + 2 = 4; a scatter, no arithmetic',
    op: 'MaxUnpool',
    inputs: [f32(1, 3, 2, 2), { dtype: 'int64', shape: [1, 3, 2, 2] }],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    shapes: [[1, 3, 4, 4]],
    flops: 0,
  },
  {
    name: 'MaxUnpool with a constant output_shape input',
    op: 'MaxUnpool',
    inputs: [f32(1, 3, 2, 2), { dtype: 'int64', shape: [1, 3, 2, 2] }, i64([1, 3, 5, 5])],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    shapes: [[1, 3, 5, 5]],
    flops: 0,
  },
  {
    name: 'MaxRoiPool: pooled_shape bins, FLOPs depend on data',
    op: 'MaxRoiPool',
    inputs: [f32(1, 512, 14, 14), f32(64, 5)],
    attrs: { pooled_shape: [7, 7] },
    shapes: [[64, 512, 7, 7]],
    flops: null,
  },
];

describeOpRows('nn/pooling', ops, rows, { dtype: 'float32' });

describe('nn/pooling family: structural errors', () => {
  it('MaxPool without kernel_shape', () => {
    expect(() => runOp(op('MaxPool'), { opType: 'MaxPool', inputs: [f32(1, 1, 4, 4)] })).toThrow(
      /kernel_shape is required/,
    );
  });
  it('MaxPool kernel_shape of the wrong length', () => {
    expect(() =>
      runOp(op('MaxPool'), { opType: 'MaxPool', inputs: [f32(1, 1, 4, 4)], attrs: { kernel_shape: [2] } }),
    ).toThrow(/kernel_shape has 1 values, expected 2/);
  });
  it('AveragePool on a 2-D input', () => {
    expect(() =>
      runOp(op('AveragePool'), { opType: 'AveragePool', inputs: [f32(4, 4)], attrs: { kernel_shape: [2] } }),
    ).toThrow(/rank >= 3/);
  });
});
