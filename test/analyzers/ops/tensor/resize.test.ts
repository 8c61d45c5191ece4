import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/tensor/resize.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import {
  f32,
  i64,
  runOp,
  opFinder,
  describeOpRows,
  describeOpErrors,
  type OpRow,
} from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'tensor/resize');

const floats = (shape: number[], value?: number[]): TensorInfo => ({
  dtype: 'float32',
  shape,
  ...(value ? { value } : {}),
});

const rows: OpRow[] = [
  // Resize: scales (floor in float32) or sizes; linear = 2^k taps, cubic = 4^k per output element.
  {
    name: 'Resize-13 nearest by scales',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), null, floats([4], [1, 1, 2, 2])],
    opset: 13,
    shapes: [[1, 3, 20, 20]],
    flops: 0,
  },
  {
    name: 'Resize-13 linear by scales: 4 taps',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), null, floats([4], [1, 1, 2, 2])],
    attrs: { mode: 'linear' },
    opset: 13,
    shapes: [[1, 3, 20, 20]],
    flops: 1200 * 4,
  },
  {
    name: 'Resize-13 cubic: 16 taps',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), null, floats([4], [1, 1, 2, 2])],
    attrs: { mode: 'cubic' },
    opset: 13,
    shapes: [[1, 3, 20, 20]],
    flops: 1200 * 16,
  },
  {
    name: 'Resize 10 * 0.7f = 7 in float32',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), null, floats([4], [1, 1, Math.fround(0.7), Math.fround(0.7)])],
    opset: 13,
    shapes: [[1, 3, 7, 7]],
    flops: 0,
  },
  {
    name: 'Resize-10 scales at input 1',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), floats([4], [1, 1, 1.5, 1.5])],
    opset: 10,
    shapes: [[1, 3, 15, 15]],
    flops: 0,
  },
  {
    name: 'Resize-11 by sizes with an empty scales tensor',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), floats([0], []), floats([0], []), i64([1, 3, 32, 24])],
    opset: 11,
    shapes: [[1, 3, 32, 24]],
    flops: 0,
  },
  {
    name: 'Resize-13 linear by sizes on one axis: 2 taps',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), null, null, i64([1, 3, 10, 30])],
    attrs: { mode: 'linear' },
    opset: 13,
    shapes: [[1, 3, 10, 30]],
    flops: 900 * 2,
  },
  {
    name: 'Resize-18 axes + not_larger',
    op: 'Resize',
    inputs: [f32(1, 3, 100, 200), null, null, i64([50, 50])],
    attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' },
    opset: 18,
    shapes: [[1, 3, 25, 50]],
    flops: 0,
  },
  {
    name: 'Resize-18 axes + not_smaller',
    op: 'Resize',
    inputs: [f32(1, 3, 100, 200), null, null, i64([50, 50])],
    attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' },
    opset: 18,
    shapes: [[1, 3, 50, 100]],
    flops: 0,
  },
  {
    name: 'Resize keeps a symbolic batch at scale 1',
    op: 'Resize',
    inputs: [f32('N', 3, 10, 10), null, floats([4], [1, 1, 2, 2])],
    opset: 13,
    shapes: [['N', 3, 20, 20]],
    flops: null,
  },
  {
    name: 'Resize unknown scales',
    op: 'Resize',
    inputs: [f32(1, 3, 10, 10), null, { dtype: 'float32', shape: [4] }],
    opset: 13,
    shapes: [['Resize_0:0:0', 'Resize_0:0:1', 'Resize_0:0:2', 'Resize_0:0:3']],
    flops: null,
  },
  {
    name: 'Upsample-7 scales attribute',
    op: 'Upsample',
    inputs: [f32(1, 3, 10, 10)],
    attrs: { scales: { type: 'floats', value: [1, 1, 2, 2] } },
    opset: 7,
    shapes: [[1, 3, 20, 20]],
    flops: 0,
  },
  {
    name: 'Upsample-9 scales input, linear',
    op: 'Upsample',
    inputs: [f32(1, 3, 10, 10), floats([4], [1, 1, 2, 3])],
    attrs: { mode: 'linear' },
    opset: 9,
    shapes: [[1, 3, 20, 30]],
    flops: 1800 * 4,
  },
  // GridSample: [N, C, H_out, W_out]; bilinear reads 4 taps per output element.
  {
    name: 'GridSample bilinear',
    op: 'GridSample',
    inputs: [f32(1, 3, 32, 32), f32(1, 8, 8, 2)],
    opset: 16,
    shapes: [[1, 3, 8, 8]],
    flops: 192 * 4,
  },
  {
    name: 'GridSample nearest',
    op: 'GridSample',
    inputs: [f32(1, 3, 32, 32), f32(1, 8, 8, 2)],
    attrs: { mode: 'nearest' },
    opset: 16,
    shapes: [[1, 3, 8, 8]],
    flops: 0,
  },
  {
    name: 'GridSample bicubic',
    op: 'GridSample',
    inputs: [f32(1, 3, 32, 32), f32(1, 8, 8, 2)],
    attrs: { mode: 'bicubic' },
    opset: 16,
    shapes: [[1, 3, 8, 8]],
    flops: 192 * 16,
  },
];

describeOpRows('tensor/resize', ops, rows, { flops: 0 });

describeOpErrors('tensor/resize', ops, [
  { name: 'Resize with neither scales nor sizes', op: 'Resize', inputs: [f32(1, 3, 4, 4)], opset: 13 },
  {
    name: 'Resize scales of the wrong length',
    op: 'Resize',
    inputs: [f32(1, 3, 4, 4), null, floats([2], [2, 2])],
    opset: 13,
  },
]);

describe('tensor/resize family: memory and symbolic values', () => {
  it('GridSample with a grid of the wrong rank throws', () => {
    expect(() =>
      runOp(byType('GridSample'), { opType: 'GridSample', inputs: [f32(1, 3, 32, 32), f32(1, 8, 2)], opset: 16 }),
    ).toThrow(/rank/);
  });
});
