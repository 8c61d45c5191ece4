import { describe, expect, it } from 'vitest';
import { ops as generatorOps } from '../../../../src/analyzers/ops/generator.js';
import { ops as flattenOps } from '../../../../src/analyzers/ops/nn/flatten.js';
import { ops as gatherScatterOps } from '../../../../src/analyzers/ops/tensor/gather-scatter.js';
import { ops as movementOps } from '../../../../src/analyzers/ops/tensor/movement.js';
import { ops as resizeOps } from '../../../../src/analyzers/ops/tensor/resize.js';
import { ops } from '../../../../src/analyzers/ops/tensor/shape.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import { at } from '../../../../src/util/at.js';
import {
  f32,
  i64,
  opFinder,
  runOp,
  type OpCase,
  type TestAttr,
  describeOpRows,
  describeOpErrors,
  type OpRow,
} from '../../../helpers/op-context.js';

// The shape ops, plus the ops of other families that the view-cost test and the exporter chains below pass through.
const chainedOps = [...ops, ...flattenOps, ...movementOps, ...gatherScatterOps, ...resizeOps, ...generatorOps];
const byType = opFinder(chainedOps, 'tensor/shape');

const run = (type: string, c: Omit<OpCase, 'opType'>) => runOp(byType(type), { ...c, opType: type });

const scalar = (v: number): TensorInfo => i64([v], []);
const sym = (info: TensorInfo) => info.symbolicValue;

const rows: OpRow[] = [
  // Shape: the value is the static shape; opset 15 slices it with start/end (clamped, negative from the back).
  {
    name: 'Shape of a static tensor',
    op: 'Shape',
    inputs: [f32(2, 3, 4)],
    shapes: [[3]],
    values: [[2, 3, 4]],
    dtypes: ['int64'],
  },
  {
    name: 'Shape-15 start=-1',
    op: 'Shape',
    inputs: [f32(2, 3, 4)],
    attrs: { start: -1 },
    opset: 15,
    shapes: [[1]],
    values: [[4]],
  },
  {
    name: 'Shape-15 end=-1',
    op: 'Shape',
    inputs: [f32(2, 3, 4)],
    attrs: { end: -1 },
    opset: 15,
    shapes: [[2]],
    values: [[2, 3]],
  },
  {
    name: 'Shape-15 start=1 end=2',
    op: 'Shape',
    inputs: [f32(2, 3, 4)],
    attrs: { start: 1, end: 2 },
    opset: 15,
    shapes: [[1]],
    values: [[3]],
  },
  {
    name: 'Shape-15 end beyond rank clamps',
    op: 'Shape',
    inputs: [f32(2, 3, 4)],
    attrs: { start: -10, end: 10 },
    opset: 15,
    shapes: [[3]],
    values: [[2, 3, 4]],
  },
  {
    name: 'Shape-13 ignores start/end',
    op: 'Shape',
    inputs: [f32(2, 3, 4)],
    attrs: { start: 1 },
    opset: 13,
    shapes: [[3]],
    values: [[2, 3, 4]],
  },
  {
    name: 'Shape of a symbolic tensor has no numeric value',
    op: 'Shape',
    inputs: [f32('N', 3)],
    shapes: [[2]],
    values: [null],
  },
  {
    name: 'Shape of unknown rank',
    op: 'Shape',
    inputs: [{ dtype: 'float32', shape: null }],
    shapes: [['Shape_0:0:0']],
  },
  // Size.
  { name: 'Size static', op: 'Size', inputs: [f32(2, 3, 4)], shapes: [[]], values: [[24]] },
  { name: 'Size symbolic', op: 'Size', inputs: [f32('N', 3)], shapes: [[]], values: [null] },
  // Reshape: 0 copies, -1 inferred, allowzero keeps 0 literally.
  { name: 'Reshape 0 and -1', op: 'Reshape', inputs: [f32(2, 3, 4), i64([0, -1])], shapes: [[2, 12]] },
  { name: 'Reshape -1 first', op: 'Reshape', inputs: [f32(2, 3, 4), i64([-1, 4])], shapes: [[6, 4]] },
  { name: 'Reshape to scalar', op: 'Reshape', inputs: [f32(1, 1), i64([], [0])], shapes: [[]] },
  {
    name: 'Reshape allowzero=1 keeps the 0',
    op: 'Reshape',
    inputs: [f32(3, 0), i64([0, 3])],
    attrs: { allowzero: 1 },
    opset: 14,
    shapes: [[0, 3]],
  },
  {
    name: 'Reshape symbolic batch with 0',
    op: 'Reshape',
    inputs: [f32('N', 232, 7, 7), i64([0, 2, 116, 49])],
    shapes: [['N', 2, 116, 49]],
  },
  {
    name: 'Reshape symbolic batch with -1 cancels N',
    op: 'Reshape',
    inputs: [f32('N', 232, 7, 7), i64([0, -1])],
    shapes: [['N', 11368]],
  },
  {
    name: 'Reshape -1 with an unmatched symbol is dynamic',
    op: 'Reshape',
    inputs: [f32('N', 4), i64([-1, 2])],
    shapes: [['Reshape_0:0:0', 2]],
  },
  {
    name: 'Reshape-1 shape attribute',
    op: 'Reshape',
    inputs: [f32(2, 3, 4)],
    attrs: { shape: [4, -1] },
    opset: 1,
    shapes: [[4, 6]],
  },
  {
    name: 'Reshape with unknown target of known length',
    op: 'Reshape',
    inputs: [f32(2, 3, 4), { dtype: 'int64', shape: [3] }],
    shapes: [['Reshape_0:0:0', 'Reshape_0:0:1', 'Reshape_0:0:2']],
  },
  {
    name: 'Reshape to an unknown rank-1 target holds every element',
    op: 'Reshape',
    inputs: [f32(2, 3, 4), { dtype: 'int64', shape: [1] }],
    shapes: [[24]],
  },
  {
    name: 'Reshape folds values',
    op: 'Reshape',
    inputs: [i64([1, 2, 3, 4]), i64([2, 2])],
    shapes: [[2, 2]],
    values: [[1, 2, 3, 4]],
  },
  // Squeeze / Unsqueeze: axes attribute before opset 13, input from 13.
  {
    name: 'Squeeze-11 axes attribute',
    op: 'Squeeze',
    inputs: [f32(1, 3, 1, 5)],
    attrs: { axes: [0, -2] },
    opset: 11,
    shapes: [[3, 5]],
  },
  { name: 'Squeeze-13 axes input', op: 'Squeeze', inputs: [f32(1, 3, 1, 5), i64([2])], opset: 13, shapes: [[1, 3, 5]] },
  { name: 'Squeeze without axes drops every 1', op: 'Squeeze', inputs: [f32(1, 3, 1, 5)], opset: 13, shapes: [[3, 5]] },
  {
    name: 'Squeeze-13 with an empty axes tensor drops every 1',
    op: 'Squeeze',
    inputs: [f32(1, 3, 1), i64([], [0])],
    opset: 13,
    shapes: [[3]],
  },
  {
    name: 'Squeeze without axes and a symbolic dim: rank unknown',
    op: 'Squeeze',
    inputs: [f32('N', 1, 5)],
    opset: 13,
    shapes: [null],
  },
  {
    name: 'Squeeze folds a [1] shape value to a scalar',
    op: 'Squeeze',
    inputs: [i64([7]), i64([0])],
    opset: 13,
    shapes: [[]],
    values: [[7]],
  },
  {
    name: 'Squeeze-13 unknown axes, one size-1 dim: that is the axis',
    op: 'Squeeze',
    inputs: [f32(1, 3, 4), { dtype: 'int64', shape: [1] }],
    opset: 13,
    shapes: [[3, 4]],
  },
  {
    name: 'Squeeze-13 unknown axes, ambiguous',
    op: 'Squeeze',
    inputs: [f32(1, 3, 1), { dtype: 'int64', shape: [1] }],
    opset: 13,
    shapes: [['Squeeze_0:0:0', 'Squeeze_0:0:1']],
  },
  {
    name: 'Unsqueeze-11 axes attribute',
    op: 'Unsqueeze',
    inputs: [f32(3, 4)],
    attrs: { axes: [0, 3] },
    opset: 11,
    shapes: [[1, 3, 4, 1]],
  },
  {
    name: 'Unsqueeze-13 negative axis',
    op: 'Unsqueeze',
    inputs: [f32(3, 4), i64([-1])],
    opset: 13,
    shapes: [[3, 4, 1]],
  },
  {
    name: 'Unsqueeze scalar value',
    op: 'Unsqueeze',
    inputs: [scalar(5), i64([0])],
    opset: 13,
    shapes: [[1]],
    values: [[5]],
  },
  {
    name: 'Unsqueeze-13 unknown axes of known length',
    op: 'Unsqueeze',
    inputs: [f32(3), { dtype: 'int64', shape: [1] }],
    opset: 13,
    shapes: [['Unsqueeze_0:0:0', 'Unsqueeze_0:0:1']],
  },
  // Identity.
  { name: 'Identity passes the value', op: 'Identity', inputs: [i64([1, 2])], shapes: [[2]], values: [[1, 2]] },
];

describeOpRows('tensor/shape', chainedOps, rows, { flops: 0 });

describeOpErrors('tensor/shape', chainedOps, [
  { name: 'Reshape to a different element count', op: 'Reshape', inputs: [f32(2, 3), i64([4, 2])] },
  { name: 'Reshape -1 that does not divide', op: 'Reshape', inputs: [f32(2, 3), i64([4, -1])] },
  { name: 'Reshape with two -1', op: 'Reshape', inputs: [f32(2, 3), i64([-1, -1])] },
  { name: 'Reshape 0 past the input rank', op: 'Reshape', inputs: [f32(6), i64([2, 0])] },
  {
    name: 'Reshape 0 copies a dim without allowzero (count mismatch)',
    op: 'Reshape',
    inputs: [f32(3, 0), i64([0, 3])],
    opset: 14,
  },
  {
    name: 'Reshape allowzero with 0 and -1',
    op: 'Reshape',
    inputs: [f32(3, 0), i64([0, -1])],
    attrs: { allowzero: 1 },
    opset: 14,
  },
  { name: 'Squeeze of a non-1 axis', op: 'Squeeze', inputs: [f32(2, 3)], attrs: { axes: [0] }, opset: 11 },
  { name: 'Unsqueeze with a repeated axis', op: 'Unsqueeze', inputs: [f32(2), i64([0, 0])], opset: 13 },
  { name: 'Unsqueeze axis out of range', op: 'Unsqueeze', inputs: [f32(2), i64([3])], opset: 13 },
  { name: 'Shape without its input', op: 'Shape', inputs: [null] },
]);

describe('tensor/shape family: symbolic dims, constants, costs', () => {
  it('Shape of [N, 3, 224, 224] carries N symbolically and is not a constant', () => {
    const s = at(run('Shape', { inputs: [f32('N', 3, 224, 224)] }).outputs, 0);
    expect(sym(s)).toEqual(['N', 3, 224, 224]);
    expect(s.isConstant).toBeUndefined();
  });

  it('Shape of a static input is a constant (onnxruntime folds it)', () => {
    expect(at(run('Shape', { inputs: [f32(1, 3)] }).outputs, 0).isConstant).toBe(true);
  });

  it('metadata ops are views: memory none, no params', () => {
    for (const op of ['Reshape', 'Flatten', 'Squeeze', 'Identity']) {
      const inputs = op === 'Reshape' ? [f32(2, 3), i64([6])] : [f32(1, 3)];
      expect(run(op, { inputs, opset: 13 }).cost).toEqual({ flops: 0, memory: 'none', paramInputs: [] });
    }
  });
});

/**
 * The chains exporters emit, run op by op: each output feeds the next node, as the engine does.
 * torch's channel_shuffle(x, 2) on [n, 116, 28, 28]:
 *   s = Shape(x); n = Gather(s, 0); h = Gather(s, 2); w = Gather(s, 3)
 *   y = Reshape(x, Concat(Unsqueeze(n), [2], [58], Unsqueeze(h), Unsqueeze(w)))
 *   z = Transpose(y, [0, 2, 1, 3, 4]); out = Reshape(z, Concat(Unsqueeze(n), [-1], Unsqueeze(h), Unsqueeze(w)))
 */
function channelShuffle(x: TensorInfo) {
  const one = (op: string, inputs: (TensorInfo | null)[], attrs?: Record<string, TestAttr>) =>
    at(run(op, { inputs, attrs, opset: 13 }).outputs, 0);
  const s = one('Shape', [x]);
  const dim = (i: number) => one('Unsqueeze', [one('Gather', [s, scalar(i)], { axis: 0 }), i64([0])]);
  const [n, h, w] = [dim(0), dim(2), dim(3)];
  const target1 = one('Concat', [n, i64([2]), i64([58]), h, w], { axis: 0 });
  const y = one('Reshape', [x, target1]);
  const z = one('Transpose', [y], { perm: [0, 2, 1, 3, 4] });
  const target2 = one('Concat', [n, i64([-1]), h, w], { axis: 0 });
  return { target1, y, z, out: one('Reshape', [z, target2]) };
}

describe('exporter shape chains fold to concrete shapes', () => {
  it('channel shuffle on a static input', () => {
    const { target1, y, z, out } = channelShuffle(f32(1, 116, 28, 28));
    expect(target1.value).toEqual([1, 2, 58, 28, 28]);
    expect(y.shape).toEqual([1, 2, 58, 28, 28]);
    expect(z.shape).toEqual([1, 58, 2, 28, 28]);
    expect(out.shape).toEqual([1, 116, 28, 28]);
  });

  it('channel shuffle with a symbolic batch keeps N all the way', () => {
    const { target1, y, out } = channelShuffle(f32('N', 116, 28, 28));
    expect(target1.value).toBeUndefined();
    expect(sym(target1)).toEqual(['N', 2, 58, 28, 28]);
    expect(y.shape).toEqual(['N', 2, 58, 28, 28]);
    expect(out.shape).toEqual(['N', 116, 28, 28]);
  });

  it('Shape -> Slice(2:) -> Concat -> Resize sizes', () => {
    const x = f32(1, 3, 20, 30);
    const s = at(run('Shape', { inputs: [x] }).outputs, 0);
    const hw = at(run('Slice', { inputs: [s, i64([2]), i64([Number(9223372036854775807n)])], opset: 13 }).outputs, 0);
    expect(hw.value).toEqual([20, 30]);
    const sizes = at(run('Concat', { inputs: [i64([1, 3]), hw], attrs: { axis: 0 } }).outputs, 0);
    expect(sizes.value).toEqual([1, 3, 20, 30]);
    const doubled = at(run('Resize', { inputs: [x, null, null, i64([1, 3, 40, 60])], opset: 13 }).outputs, 0);
    expect(doubled.shape).toEqual([1, 3, 40, 60]);
  });

  it('Shape -> Slice(2:) of [N, 3, H, W] keeps H and W symbolically', () => {
    const s = at(run('Shape', { inputs: [f32('N', 3, 'H', 'W')] }).outputs, 0);
    const hw = at(run('Slice', { inputs: [s, i64([2]), i64([Number(9223372036854775807n)])], opset: 13 }).outputs, 0);
    expect(hw.value).toBeUndefined();
    expect(sym(hw)).toEqual(['H', 'W']);
    const target = at(run('Concat', { inputs: [i64([-1, 3]), hw], attrs: { axis: 0 } }).outputs, 0);
    expect(at(run('Reshape', { inputs: [f32('N', 3, 'H', 'W'), target] }).outputs, 0).shape).toEqual([
      'N',
      3,
      'H',
      'W',
    ]);
  });

  it('Shape -> ConstantOfShape -> Shape round-trips', () => {
    const s = at(run('Shape', { inputs: [f32(2, 5)] }).outputs, 0);
    const zeros = at(run('ConstantOfShape', { inputs: [s] }).outputs, 0);
    expect(zeros.shape).toEqual([2, 5]);
    expect(zeros.value).toEqual(new Array(10).fill(0));
  });
});
