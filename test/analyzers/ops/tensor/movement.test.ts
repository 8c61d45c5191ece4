import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/tensor/movement.js';
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

const byType = opFinder(ops, 'tensor/movement');

/** INT64_MAX as the model loader delivers int64 values: a JS number, the nearest double (2^63). */
const INT64_MAX = Number(9223372036854775807n);
const INT64_MIN = -9223372036854775808;
const floats = (shape: number[], value?: number[]): TensorInfo => ({
  dtype: 'float32',
  shape,
  ...(value ? { value } : {}),
});
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);
const scalar = (v: number): TensorInfo => i64([v], []);

const rows: OpRow[] = [
  // Transpose: default perm reverses the axes.
  { name: 'Transpose default reverses', op: 'Transpose', inputs: [f32(2, 3, 4)], shapes: [[4, 3, 2]] },
  {
    name: 'Transpose perm',
    op: 'Transpose',
    inputs: [f32(1, 3, 8, 8)],
    attrs: { perm: [0, 2, 3, 1] },
    shapes: [[1, 8, 8, 3]],
  },
  {
    name: 'Transpose folds a 2x3 matrix',
    op: 'Transpose',
    inputs: [i64(iota(6), [2, 3])],
    shapes: [[3, 2]],
    values: [[0, 3, 1, 4, 2, 5]],
  },
  {
    name: 'Transpose unknown input shape with perm',
    op: 'Transpose',
    inputs: [{ dtype: 'float32', shape: null }],
    attrs: { perm: [1, 0] },
    shapes: [['Transpose_0:0:0', 'Transpose_0:0:1']],
  },
  // Concat.
  {
    name: 'Concat channels',
    op: 'Concat',
    inputs: [f32(1, 58, 28, 28), f32(1, 58, 28, 28)],
    attrs: { axis: 1 },
    shapes: [[1, 116, 28, 28]],
  },
  { name: 'Concat axis -1', op: 'Concat', inputs: [f32(2, 3), f32(2, 5)], attrs: { axis: -1 }, shapes: [[2, 8]] },
  {
    name: 'Concat shape pieces',
    op: 'Concat',
    inputs: [i64([1]), i64([-1]), i64([7, 7])],
    attrs: { axis: 0 },
    shapes: [[4]],
    values: [[1, -1, 7, 7]],
  },
  {
    name: 'Concat of an empty shape piece',
    op: 'Concat',
    inputs: [i64([], [0]), i64([3])],
    attrs: { axis: 0 },
    shapes: [[1]],
    values: [[3]],
  },
  {
    name: 'Concat folds 2-D along axis 1',
    op: 'Concat',
    inputs: [i64([1, 2], [2, 1]), i64([3, 4, 5, 6], [2, 2])],
    attrs: { axis: 1 },
    shapes: [[2, 3]],
    values: [[1, 3, 4, 2, 5, 6]],
  },
  {
    name: 'Concat symbolic non-axis dim',
    op: 'Concat',
    inputs: [f32('N', 3), f32('N', 5)],
    attrs: { axis: 1 },
    shapes: [['N', 8]],
  },
  {
    name: 'Concat number wins over a symbol',
    op: 'Concat',
    inputs: [f32('N', 3), f32(2, 5)],
    attrs: { axis: 1 },
    shapes: [[2, 8]],
  },
  {
    name: 'Concat symbolic axis dim',
    op: 'Concat',
    inputs: [f32('N', 3), f32(2, 3)],
    attrs: { axis: 0 },
    shapes: [['Concat_0:0:0', 3]],
  },
  // Split: attribute (< 13), input (>= 13), equal split, num_outputs (18).
  {
    name: 'Split-11 split attribute',
    op: 'Split',
    inputs: [f32(2, 6)],
    attrs: { axis: 1, split: [2, 4] },
    opset: 11,
    outputs: 2,
    shapes: [
      [2, 2],
      [2, 4],
    ],
  },
  {
    name: 'Split-13 split input',
    op: 'Split',
    inputs: [f32(2, 6), i64([1, 5])],
    attrs: { axis: 1 },
    opset: 13,
    outputs: 2,
    shapes: [
      [2, 1],
      [2, 5],
    ],
  },
  {
    name: 'Split-13 equal by output count',
    op: 'Split',
    inputs: [f32(1, 116, 28, 28)],
    attrs: { axis: 1 },
    opset: 13,
    outputs: 2,
    shapes: [
      [1, 58, 28, 28],
      [1, 58, 28, 28],
    ],
  },
  {
    name: 'Split-18 num_outputs with a smaller last chunk',
    op: 'Split',
    inputs: [f32(7, 2)],
    attrs: { num_outputs: 3 },
    opset: 18,
    outputs: 3,
    shapes: [
      [3, 2],
      [3, 2],
      [1, 2],
    ],
  },
  { name: 'Split-1 split input', op: 'Split', inputs: [f32(6), i64([2, 4])], opset: 1, outputs: 2, shapes: [[2], [4]] },
  {
    name: 'Split-13 unknown split input',
    op: 'Split',
    inputs: [f32(2, 6), { dtype: 'int64', shape: [2] }],
    attrs: { axis: 1 },
    opset: 13,
    outputs: 2,
    shapes: [
      [2, 'Split_0:0:1'],
      [2, 'Split_0:1:1'],
    ],
  },
  {
    name: 'Split folds a shape vector',
    op: 'Split',
    inputs: [i64([1, 3, 224, 224]), i64([2, 2])],
    opset: 13,
    outputs: 2,
    shapes: [[2], [2]],
    values: [
      [1, 3],
      [224, 224],
    ],
  },
  // Slice: opset 1 attributes vs opset 10 inputs; negative and clamped starts/ends; negative steps.
  {
    name: 'Slice-1 attributes (spec example 2)',
    op: 'Slice',
    inputs: [
      i64(
        iota(8).map((v) => v + 1),
        [2, 4],
      ),
    ],
    attrs: { starts: [0, 1], ends: [-1, 1000] },
    opset: 1,
    shapes: [[1, 3]],
    values: [[2, 3, 4]],
  },
  {
    name: 'Slice-10 spec example 1 with steps',
    op: 'Slice',
    inputs: [
      i64(
        iota(8).map((v) => v + 1),
        [2, 4],
      ),
      i64([1, 0]),
      i64([2, 3]),
      i64([0, 1]),
      i64([1, 2]),
    ],
    opset: 10,
    shapes: [[1, 2]],
    values: [[5, 7]],
  },
  {
    name: 'Slice INT64_MAX end',
    op: 'Slice',
    inputs: [f32(10, 4), i64([1]), i64([INT64_MAX]), i64([0])],
    opset: 13,
    shapes: [[9, 4]],
  },
  {
    name: 'Slice reverse with INT64_MIN end',
    op: 'Slice',
    inputs: [i64(iota(5)), i64([-1]), i64([INT64_MIN]), i64([0]), i64([-1])],
    opset: 13,
    shapes: [[5]],
    values: [[4, 3, 2, 1, 0]],
  },
  {
    name: 'Slice step -2 from 8 to 1',
    op: 'Slice',
    inputs: [i64(iota(10)), i64([8]), i64([1]), null, i64([-2])],
    opset: 13,
    shapes: [[4]],
    values: [[8, 6, 4, 2]],
  },
  {
    name: 'Slice start beyond the dim clamps (negative step)',
    op: 'Slice',
    inputs: [i64(iota(4)), i64([100]), i64([-100]), null, i64([-3])],
    opset: 13,
    shapes: [[2]],
    values: [[3, 0]],
  },
  { name: 'Slice empty result', op: 'Slice', inputs: [f32(10), i64([5]), i64([2])], opset: 13, shapes: [[0]] },
  {
    name: 'Slice negative axis',
    op: 'Slice',
    inputs: [f32(2, 3, 8), i64([-4]), i64([INT64_MAX]), i64([-1])],
    opset: 13,
    shapes: [[2, 3, 4]],
  },
  {
    name: 'Slice keeps a symbolic dim sliced whole',
    op: 'Slice',
    inputs: [f32('N', 8), i64([0, 2]), i64([INT64_MAX, 6]), i64([0, 1])],
    opset: 13,
    shapes: [['N', 4]],
  },
  {
    name: 'Slice of a symbolic dim by a bound is dynamic',
    op: 'Slice',
    inputs: [f32('N', 8), i64([1]), i64([INT64_MAX]), i64([0])],
    opset: 13,
    shapes: [['Slice_0:0:0', 8]],
  },
  {
    name: 'Slice with unknown starts',
    op: 'Slice',
    inputs: [f32(4, 8), { dtype: 'int64', shape: [1] }, i64([5]), i64([1])],
    opset: 13,
    shapes: [[4, 'Slice_0:0:1']],
  },
  // Pad: attribute before opset 11, input after, axes input from 18.
  {
    name: 'Pad-2 pads attribute (cropping)',
    op: 'Pad',
    inputs: [f32(1, 3, 10, 10)],
    attrs: { pads: [0, 0, -1, 0, 0, 0, -1, 0] },
    opset: 2,
    shapes: [[1, 3, 8, 10]],
  },
  {
    name: 'Pad-11 pads input',
    op: 'Pad',
    inputs: [f32(1, 3, 10, 10), i64([0, 0, 1, 2, 0, 0, 3, 4])],
    attrs: { mode: 'reflect' },
    opset: 11,
    shapes: [[1, 3, 14, 16]],
  },
  {
    name: 'Pad-18 axes input',
    op: 'Pad',
    inputs: [f32(1, 3, 10, 10), i64([1, 2, 3, 4]), null, i64([2, -1])],
    opset: 18,
    shapes: [[1, 3, 14, 16]],
  },
  {
    name: 'Pad-11 unknown pads',
    op: 'Pad',
    inputs: [f32(1, 3), { dtype: 'int64', shape: [4] }],
    opset: 11,
    shapes: [['Pad_0:0:0', 'Pad_0:0:1']],
  },
  {
    name: 'Pad keeps an unpadded symbolic dim',
    op: 'Pad',
    inputs: [f32('N', 3, 4), i64([0, 0, 1, 0, 0, 1])],
    opset: 13,
    shapes: [['N', 3, 6]],
  },
  // Tile.
  { name: 'Tile', op: 'Tile', inputs: [f32(2, 3), i64([2, 2])], shapes: [[4, 6]] },
  { name: 'Tile folds', op: 'Tile', inputs: [i64([1, 2]), i64([2])], shapes: [[4]], values: [[1, 2, 1, 2]] },
  {
    name: 'Tile-1 tiles and axis inputs',
    op: 'Tile',
    inputs: [f32(2, 3), scalar(3), scalar(1)],
    opset: 1,
    shapes: [[2, 9]],
  },
  // DepthToSpace: DCR (default) and CRD differ in which channel feeds which pixel.
  {
    name: 'DepthToSpace DCR',
    op: 'DepthToSpace',
    inputs: [floats([1, 8, 1, 1], iota(8))],
    attrs: { blocksize: 2 },
    opset: 13,
    shapes: [[1, 2, 2, 2]],
    values: [[0, 2, 4, 6, 1, 3, 5, 7]],
  },
  {
    name: 'DepthToSpace CRD',
    op: 'DepthToSpace',
    inputs: [floats([1, 8, 1, 1], iota(8))],
    attrs: { blocksize: 2, mode: 'CRD' },
    opset: 13,
    shapes: [[1, 2, 2, 2]],
    values: [iota(8)],
  },
  {
    name: 'DepthToSpace shape',
    op: 'DepthToSpace',
    inputs: [f32(1, 8, 3, 4)],
    attrs: { blocksize: 2 },
    shapes: [[1, 2, 6, 8]],
  },
  {
    name: 'SpaceToDepth inverts DCR',
    op: 'SpaceToDepth',
    inputs: [floats([1, 2, 2, 2], [0, 2, 4, 6, 1, 3, 5, 7])],
    attrs: { blocksize: 2 },
    shapes: [[1, 8, 1, 1]],
    values: [iota(8)],
  },
  {
    name: 'SpaceToDepth shape',
    op: 'SpaceToDepth',
    inputs: [f32(1, 2, 4, 6)],
    attrs: { blocksize: 2 },
    shapes: [[1, 8, 2, 3]],
  },
  // OneHot, Trilu, ReverseSequence.
  {
    name: 'OneHot depth last',
    op: 'OneHot',
    inputs: [{ dtype: 'int64', shape: [2, 3] }, scalar(10), floats([2], [0, 1])],
    opset: 11,
    shapes: [[2, 3, 10]],
  },
  {
    name: 'OneHot axis 0, float depth truncates',
    op: 'OneHot',
    inputs: [{ dtype: 'int64', shape: [2, 3] }, floats([], [10.7]), floats([2], [0, 1])],
    attrs: { axis: 0 },
    opset: 11,
    shapes: [[10, 2, 3]],
  },
  {
    name: 'OneHot unknown depth',
    op: 'OneHot',
    inputs: [{ dtype: 'int64', shape: [4] }, { dtype: 'int64', shape: [] }, floats([2], [0, 1])],
    opset: 11,
    shapes: [[4, 'OneHot_0:0:1']],
  },
  { name: 'Trilu', op: 'Trilu', inputs: [f32(4, 4)], opset: 14, shapes: [[4, 4]] },
  {
    name: 'ReverseSequence',
    op: 'ReverseSequence',
    inputs: [f32(4, 3, 2), { dtype: 'int64', shape: [3] }],
    opset: 10,
    shapes: [[4, 3, 2]],
  },
];

describeOpRows('tensor/movement', ops, rows, { flops: 0 });

describeOpErrors('tensor/movement', ops, [
  { name: 'Transpose with a bad perm', op: 'Transpose', inputs: [f32(2, 3)], attrs: { perm: [0, 0] } },
  { name: 'Transpose perm of the wrong length', op: 'Transpose', inputs: [f32(2, 3)], attrs: { perm: [0, 1, 2] } },
  { name: 'Concat rank mismatch', op: 'Concat', inputs: [f32(2, 3), f32(2, 3, 1)], attrs: { axis: 0 } },
  { name: 'Concat dim mismatch', op: 'Concat', inputs: [f32(2, 3), f32(4, 5)], attrs: { axis: 0 } },
  { name: 'Concat-4 without axis', op: 'Concat', inputs: [f32(2, 3)], opset: 4 },
  { name: 'Split sizes not summing to the dim', op: 'Split', inputs: [f32(6), i64([2, 3])], opset: 13, outputs: 2 },
  {
    name: 'Split sizes for the wrong output count',
    op: 'Split',
    inputs: [f32(6), i64([2, 2, 2])],
    opset: 13,
    outputs: 2,
  },
  { name: 'Split-13 uneven equal split', op: 'Split', inputs: [f32(7)], opset: 13, outputs: 2 },
  { name: 'Slice with step 0', op: 'Slice', inputs: [f32(4), i64([0]), i64([4]), i64([0]), i64([0])], opset: 13 },
  {
    name: 'Slice with a repeated axis',
    op: 'Slice',
    inputs: [f32(4, 4), i64([0, 0]), i64([1, 1]), i64([0, 0])],
    opset: 13,
  },
  { name: 'Slice axis out of range', op: 'Slice', inputs: [f32(4), i64([0]), i64([1]), i64([1])], opset: 13 },
  { name: 'Pad with the wrong number of pads', op: 'Pad', inputs: [f32(2, 2), i64([1, 1])], opset: 13 },
  { name: 'Pad cropping below zero', op: 'Pad', inputs: [f32(2), i64([-2, -1])], opset: 13 },
  { name: 'Tile repeats of the wrong length', op: 'Tile', inputs: [f32(2, 3), i64([2])] },
  {
    name: 'DepthToSpace channels not divisible',
    op: 'DepthToSpace',
    inputs: [f32(1, 6, 2, 2)],
    attrs: { blocksize: 2 },
  },
  {
    name: 'SpaceToDepth spatial not divisible',
    op: 'SpaceToDepth',
    inputs: [f32(1, 1, 3, 4)],
    attrs: { blocksize: 2 },
  },
]);

describe('tensor/movement family: memory and symbolic values', () => {
  it('Transpose/Concat/Split copy: io (read + write everything)', () => {
    for (const [op, inputs, outputs] of [
      ['Transpose', [f32(2, 3)], 1],
      ['Concat', [f32(2, 3), f32(2, 3)], 1],
      ['Split', [f32(2, 4)], 2],
    ] as const) {
      const { cost } = runOp(byType(op), { opType: op, inputs: [...inputs], attrs: { axis: 1 }, outputs });
      expect(cost).toEqual({ flops: 0, memory: 'io', paramInputs: [] });
    }
  });

  it('Slice reads only the slice', () => {
    const { cost } = runOp(byType('Slice'), {
      opType: 'Slice',
      inputs: [f32(100, 10), i64([0]), i64([5]), i64([0])],
      opset: 13,
    });
    // 50 read + 50 written, plus three one-element int64 index inputs.
    expect(cost?.memory).toEqual({ elements: 100 + 3, bytes: 100 * 4 + 3 * 8 });
  });
});
