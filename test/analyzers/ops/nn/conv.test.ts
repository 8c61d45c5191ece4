import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/nn/conv.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { DType } from '../../../../src/model/ir.js';
import { at } from '../../../../src/util/at.js';
import {
  f32,
  i64,
  runOp,
  weight,
  opFinder,
  describeOpRows,
  describeOpErrors,
  type OpRow,
} from '../../../helpers/op-context.js';

const op = opFinder(ops, 'nn/conv');

const int8 = (...shape: number[]): TensorInfo => ({ dtype: 'int8', shape, isConstant: true });
const u8 = (...shape: (number | string)[]): TensorInfo => ({ dtype: 'uint8', shape });
const scalar = (dtype: DType): TensorInfo => ({ dtype, shape: [], isConstant: true });

const rows: OpRow[] = [
  {
    name: 'Conv 3x3 stride 2 pad 1 (MobileNetV2 stem)',
    op: 'Conv',
    inputs: [f32(1, 3, 224, 224), weight(24, 3, 3, 3)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
    shapes: [[1, 24, 112, 112]],
    flops: 112 * 112 * 24 * 3 * 3 * 3,
  },
  {
    name: 'Conv with bias: the bias add is not counted',
    op: 'Conv',
    inputs: [f32(1, 3, 224, 224), weight(24, 3, 3, 3), weight(24)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
    shapes: [[1, 24, 112, 112]],
    flops: 112 * 112 * 24 * 3 * 3 * 3,
  },
  {
    name: 'Conv SAME_UPPER on an odd input: ceil(7 / 2) = 4',
    op: 'Conv',
    inputs: [f32(1, 8, 7, 7), weight(16, 8, 3, 3)],
    attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' },
    shapes: [[1, 16, 4, 4]],
    flops: 4 * 4 * 16 * 8 * 3 * 3,
  },
  {
    name: 'Conv SAME_LOWER gives the same size',
    op: 'Conv',
    inputs: [f32(1, 8, 7, 7), weight(16, 8, 3, 3)],
    attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' },
    shapes: [[1, 16, 4, 4]],
    flops: 4 * 4 * 16 * 8 * 3 * 3,
  },
  {
    name: 'Conv VALID: floor((7 - 3) / 2) + 1 = 3',
    op: 'Conv',
    inputs: [f32(1, 1, 7, 7), weight(1, 1, 3, 3)],
    attrs: { strides: [2, 2], auto_pad: 'VALID', pads: [5, 5, 5, 5] },
    shapes: [[1, 1, 3, 3]],
    flops: 3 * 3 * 1 * 1 * 3 * 3,
  },
  {
    name: 'Conv dilation 2: effective kernel (3 - 1) * 2 + 1 = 5, out 10 - 5 + 1 = 6',
    op: 'Conv',
    inputs: [f32(1, 4, 10, 10), weight(8, 4, 3, 3)],
    attrs: { dilations: [2, 2] },
    shapes: [[1, 8, 6, 6]],
    flops: 6 * 6 * 8 * 4 * 3 * 3,
  },
  {
    name: 'Conv group 2: C/group = 4 input channels per output',
    op: 'Conv',
    inputs: [f32(1, 8, 5, 5), weight(16, 4, 1, 1)],
    attrs: { group: 2 },
    shapes: [[1, 16, 5, 5]],
    flops: 5 * 5 * 16 * 4 * 1 * 1,
  },
  {
    name: 'Conv depthwise 3x3 (group = C)',
    op: 'Conv',
    inputs: [f32(1, 32, 56, 56), weight(32, 1, 3, 3)],
    attrs: { group: 32, pads: [1, 1, 1, 1], kernel_shape: [3, 3] },
    shapes: [[1, 32, 56, 56]],
    flops: 56 * 56 * 32 * 1 * 3 * 3,
  },
  {
    name: 'Conv 1-D, batch 2',
    op: 'Conv',
    inputs: [f32(2, 4, 100), weight(8, 4, 5)],
    attrs: { pads: [2, 2] },
    shapes: [[2, 8, 100]],
    flops: 2 * 8 * 100 * 4 * 5,
  },
  {
    name: 'Conv 3-D (C3D/R(2+1)D-style stem): D 16, H/W (112 + 6 - 7) / 2 + 1 = 56',
    op: 'Conv',
    inputs: [f32(1, 3, 16, 112, 112), weight(64, 3, 3, 7, 7)],
    attrs: { strides: [1, 2, 2], pads: [1, 3, 3, 1, 3, 3] },
    shapes: [[1, 64, 16, 56, 56]],
    flops: 16 * 56 * 56 * 64 * 3 * 3 * 7 * 7,
  },
  {
    name: 'Conv asymmetric pads: (6 + 0 + 1 - 2) / 1 + 1 = 6',
    op: 'Conv',
    inputs: [f32(1, 1, 6, 6), weight(1, 1, 2, 2)],
    attrs: { pads: [0, 0, 1, 1] },
    shapes: [[1, 1, 6, 6]],
    flops: 6 * 6 * 1 * 1 * 2 * 2,
  },
  {
    name: 'Conv symbolic batch stays symbolic, FLOPs unknown',
    op: 'Conv',
    inputs: [f32('N', 3, 224, 224), weight(24, 3, 3, 3)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
    shapes: [['N', 24, 112, 112]],
    flops: null,
  },
  {
    name: 'Conv symbolic H/W keep their names through a size-preserving 3x3',
    op: 'Conv',
    inputs: [f32(1, 8, 'H', 'W'), weight(8, 8, 3, 3)],
    attrs: { pads: [1, 1, 1, 1] },
    shapes: [[1, 8, 'H', 'W']],
    flops: null,
  },
  {
    name: 'ConvTranspose stride 2 with output_padding: 2 * (14 - 1) + 1 + 3 - 2 = 28',
    op: 'ConvTranspose',
    inputs: [f32(1, 16, 14, 14), weight(16, 8, 3, 3)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
    shapes: [[1, 8, 28, 28]],
    flops: 1 * 16 * 14 * 14 * 8 * 3 * 3,
  },
  {
    name: 'ConvTranspose group 2: M = 4 * 2',
    op: 'ConvTranspose',
    inputs: [f32(1, 16, 14, 14), weight(16, 4, 4, 4)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1], group: 2 },
    shapes: [[1, 8, 28, 28]],
    flops: 16 * 14 * 14 * 4 * 4 * 4,
  },
  {
    name: 'ConvTranspose explicit output_shape',
    op: 'ConvTranspose',
    inputs: [f32(1, 16, 14, 14), weight(16, 8, 3, 3)],
    attrs: { strides: [2, 2], output_shape: [29, 29] },
    shapes: [[1, 8, 29, 29]],
    flops: 16 * 14 * 14 * 8 * 3 * 3,
  },
  {
    name: 'ConvTranspose SAME_UPPER: in * stride',
    op: 'ConvTranspose',
    inputs: [f32(1, 16, 7, 7), weight(16, 8, 3, 3)],
    attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' },
    shapes: [[1, 8, 14, 14]],
    flops: 16 * 7 * 7 * 8 * 3 * 3,
  },
  {
    name: 'ConvTranspose 1-D no padding: 1 * (10 - 1) + 4 = 13',
    op: 'ConvTranspose',
    inputs: [f32(1, 2, 10), weight(2, 3, 4)],
    shapes: [[1, 3, 13]],
    flops: 2 * 10 * 3 * 4,
  },
  {
    name: 'ConvInteger gives int32',
    op: 'ConvInteger',
    inputs: [u8(1, 3, 8, 8), int8(4, 3, 3, 3), null, null],
    shapes: [[1, 4, 6, 6]],
    dtypes: ['int32'],
    flops: 6 * 6 * 4 * 3 * 3 * 3,
  },
  {
    name: "QLinearConv: weight at input 3, y has y_zero_point's type",
    op: 'QLinearConv',
    inputs: [
      u8(1, 3, 8, 8),
      scalar('float32'),
      scalar('uint8'),
      int8(4, 3, 3, 3),
      scalar('float32'),
      scalar('int8'),
      scalar('float32'),
      scalar('uint8'),
      { dtype: 'int32', shape: [4], isConstant: true },
    ],
    attrs: { pads: [1, 1, 1, 1] },
    shapes: [[1, 4, 8, 8]],
    dtypes: ['uint8'],
    flops: 8 * 8 * 4 * 3 * 3 * 3,
  },
  {
    name: 'DeformConv: conv MACs + one 4-tap bilinear sample per (position, input channel, tap)',
    op: 'DeformConv',
    inputs: [f32(1, 4, 8, 8), weight(6, 4, 3, 3), f32(1, 18, 8, 8)],
    attrs: { pads: [1, 1, 1, 1] },
    shapes: [[1, 6, 8, 8]],
    flops: 8 * 8 * 6 * 4 * 3 * 3 + 8 * 8 * 4 * 3 * 3 * 4,
  },
  {
    name: 'DeformConv with a mask: one more multiply per sample',
    op: 'DeformConv',
    inputs: [f32(1, 4, 8, 8), weight(6, 4, 3, 3), f32(1, 18, 8, 8), null, f32(1, 9, 8, 8)],
    attrs: { pads: [1, 1, 1, 1] },
    shapes: [[1, 6, 8, 8]],
    flops: 8 * 8 * 6 * 4 * 3 * 3 + 8 * 8 * 4 * 3 * 3 * (4 + 1),
  },
  {
    name: 'Col2Im: one add per column element',
    op: 'Col2Im',
    inputs: [f32(1, 20, 16), i64([5, 5]), i64([2, 2])],
    opset: 18,
    shapes: [[1, 5, 5, 5]],
    flops: 320,
  },
];

describeOpRows('nn/conv', ops, rows, { dtype: 'float32' });

describeOpErrors('nn/conv', ops, [
  {
    name: 'Conv weight of the wrong rank',
    op: 'Conv',
    inputs: [f32(1, 3, 8, 8), weight(4, 3, 3)],
    error: /weight has rank 3 but the input has rank 4/,
  },
  {
    name: 'Conv channel mismatch',
    op: 'Conv',
    inputs: [f32(1, 4, 8, 8), weight(8, 3, 3, 3)],
    error: /input has 4 channels but the weight expects 3/,
  },
  {
    name: 'Conv group that does not divide M',
    op: 'Conv',
    inputs: [f32(1, 4, 8, 8), weight(6, 1, 3, 3)],
    attrs: { group: 4 },
    error: /not divisible by group 4/,
  },
  {
    name: 'Conv kernel larger than the input',
    op: 'Conv',
    inputs: [f32(1, 1, 2, 2), weight(1, 1, 3, 3)],
    error: /kernel extent 3/,
  },
  {
    name: 'Conv strides of the wrong length',
    op: 'Conv',
    inputs: [f32(1, 1, 8, 8), weight(1, 1, 3, 3)],
    attrs: { strides: [2] },
    error: /strides has 1 values, expected 2/,
  },
  {
    name: 'Conv bias length',
    op: 'Conv',
    inputs: [f32(1, 1, 8, 8), weight(2, 1, 3, 3), weight(3)],
    error: /bias has 3 elements/,
  },
  {
    name: 'ConvTranspose channel mismatch',
    op: 'ConvTranspose',
    inputs: [f32(1, 4, 8, 8), weight(3, 2, 3, 3)],
    error: /input has 4 channels/,
  },
  { name: 'Conv input of rank 2', op: 'Conv', inputs: [f32(1, 3), weight(4, 3)], error: /rank >= 3/ },
  {
    name: 'Col2Im channels not a multiple of the block',
    op: 'Col2Im',
    inputs: [f32(1, 6, 4), i64([3, 3]), i64([2, 2])],
    opset: 18,
    error: /dim 1 \(6\) is not a multiple of the block size 4/,
  },
]);

describe('nn/conv family: parameters', () => {
  it('Conv counts the weight and bias inputs when they are constants', () => {
    const { cost } = runOp(op('Conv'), { opType: 'Conv', inputs: [f32(1, 3, 8, 8), weight(4, 3, 3, 3), weight(4)] });
    expect(cost?.paramInputs).toEqual([1, 2]);
  });
  it('a weight computed at run time (e.g. by DequantizeLinear) is not a parameter of the Conv', () => {
    const { cost } = runOp(op('Conv'), { opType: 'Conv', inputs: [f32(1, 3, 8, 8), f32(4, 3, 3, 3)] });
    expect(cost?.paramInputs).toEqual([]);
  });
  it('an unknown weight shape with kernel_shape still gives the spatial output, channels dynamic', () => {
    const { outputs, cost } = runOp(op('Conv'), {
      opType: 'Conv',
      inputs: [f32(1, 3, 8, 8), { dtype: 'float32', shape: null }],
      attrs: { kernel_shape: [3, 3] },
    });
    expect(at(outputs, 0).shape).toEqual([1, 'Conv_0:0:1', 6, 6]);
    expect(cost?.flops).toBeNull();
  });
});
