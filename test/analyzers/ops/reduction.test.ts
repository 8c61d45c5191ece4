import { describe, expect, it } from 'vitest';
import { ops } from '../../../src/analyzers/ops/reduction.js';
import { f32, i64, runOp, opFinder, describeOpRows, type OpRow } from '../../helpers/op-context.js';

const op = opFinder(ops, 'reduction');

const rows: OpRow[] = [
  {
    name: 'ReduceMean opset 13, axes attribute [2, 3], keepdims default 1 (global average pool)',
    op: 'ReduceMean',
    inputs: [f32(1, 64, 7, 7)],
    attrs: { axes: [2, 3] },
    opset: 13,
    shapes: [[1, 64, 1, 1]],
    flops: 64 * 7 * 7 * 1 + 64 * 1, // one add per input, one divide per output
  },
  {
    name: 'ReduceMean opset 18, axes input [2, 3], keepdims 0',
    op: 'ReduceMean',
    inputs: [f32(1, 64, 7, 7), i64([2, 3])],
    attrs: { keepdims: 0 },
    opset: 18,
    shapes: [[1, 64]],
    flops: 64 * 7 * 7 * 1 + 64 * 1, // one add per input, one divide per output
  },
  {
    name: 'ReduceMean opset 18, negative axes input [-1]',
    op: 'ReduceMean',
    inputs: [f32(2, 3, 4), i64([-1])],
    opset: 18,
    shapes: [[2, 3, 1]],
    flops: 2 * 3 * 4 * 1 + 2 * 3 * 1, // one add per input, one divide per output
  },
  {
    name: 'ReduceSum opset 11 axes attribute, keepdims 0',
    op: 'ReduceSum',
    inputs: [f32(2, 3, 4)],
    attrs: { axes: [1], keepdims: 0 },
    opset: 11,
    shapes: [[2, 4]],
    flops: 2 * 3 * 4,
  },
  {
    name: 'ReduceSum opset 13 takes axes as an input',
    op: 'ReduceSum',
    inputs: [f32(2, 3, 4), i64([0, 2])],
    opset: 13,
    shapes: [[1, 3, 1]],
    flops: 2 * 3 * 4,
  },
  {
    name: 'ReduceSum opset 13 without axes reduces everything',
    op: 'ReduceSum',
    inputs: [f32(2, 3, 4)],
    opset: 13,
    shapes: [[1, 1, 1]],
    flops: 2 * 3 * 4,
  },
  {
    name: 'ReduceSum opset 13 noop_with_empty_axes=1 is an identity',
    op: 'ReduceSum',
    inputs: [f32(2, 3, 4)],
    attrs: { noop_with_empty_axes: 1 },
    opset: 13,
    shapes: [[2, 3, 4]],
    flops: 0,
  },
  {
    name: 'ReduceMax opset 11 without axes, keepdims 0: a scalar',
    op: 'ReduceMax',
    inputs: [f32(5, 6)],
    attrs: { keepdims: 0 },
    opset: 11,
    shapes: [[]],
    flops: 30,
  },
  {
    name: 'ReduceMax opset 18 with an axes input of unknown value: keepdims 1 keeps the rank, dims dynamic unless 1',
    op: 'ReduceMax',
    inputs: [f32(1, 6, 7), { dtype: 'int64', shape: [1] }],
    opset: 18,
    shapes: [[1, 'ReduceMax_0:0:1', 'ReduceMax_0:0:2']],
    flops: null,
  },
  {
    name: 'ReduceMin opset 18 with an axes input of unknown value and keepdims 0: rank r - 1',
    op: 'ReduceMin',
    inputs: [f32(4, 6, 7), { dtype: 'int64', shape: [1] }],
    attrs: { keepdims: 0 },
    opset: 18,
    shapes: [['ReduceMin_0:0:0', 'ReduceMin_0:0:1']],
    flops: null,
  },
  {
    name: 'ReduceL2 over the last axis: multiply-add per input, sqrt per output',
    op: 'ReduceL2',
    inputs: [f32(8, 16)],
    attrs: { axes: [1] },
    opset: 13,
    shapes: [[8, 1]],
    flops: 8 * 16 * 1 + 8 * 1, // multiply-add per input, sqrt per output
  },
  {
    name: 'ReduceLogSumExp: exp + add per input, log per output',
    op: 'ReduceLogSumExp',
    inputs: [f32(8, 16)],
    attrs: { axes: [1], keepdims: 0 },
    opset: 13,
    shapes: [[8]],
    flops: 8 * 16 * (1 + 1) + 8 * 1, // exp + add per input, log per output
  },
  { name: 'ReduceL1', op: 'ReduceL1', inputs: [f32(4, 4)], opset: 13, shapes: [[1, 1]], flops: 16 * 2 },
  // add per input, log per output
  {
    name: 'ReduceLogSum',
    op: 'ReduceLogSum',
    inputs: [f32(4, 4)],
    attrs: { axes: [0] },
    opset: 13,
    shapes: [[1, 4]],
    flops: 4 * 4 * 1 + 4 * 1,
  },
  {
    name: 'ReduceSumSquare',
    op: 'ReduceSumSquare',
    inputs: [f32(4, 4)],
    attrs: { axes: [0] },
    opset: 13,
    shapes: [[1, 4]],
    flops: 16,
  },
  {
    name: 'ReduceProd',
    op: 'ReduceProd',
    inputs: [f32(4, 4)],
    attrs: { axes: [1] },
    opset: 13,
    shapes: [[4, 1]],
    flops: 16,
  },
  {
    name: 'ReduceMean with a symbolic batch',
    op: 'ReduceMean',
    inputs: [f32('N', 8, 4)],
    attrs: { axes: [2] },
    opset: 13,
    shapes: [['N', 8, 1]],
    flops: null,
  },
  {
    name: 'ArgMax axis 1, keepdims 0: int64',
    op: 'ArgMax',
    inputs: [f32(2, 1000)],
    attrs: { axis: 1, keepdims: 0 },
    shapes: [[2]],
    dtypes: ['int64'],
    flops: 2000,
  },
  {
    name: 'ArgMin default axis 0 kept as 1, select_last_index',
    op: 'ArgMin',
    inputs: [f32(3, 4)],
    attrs: { select_last_index: 1 },
    shapes: [[1, 4]],
    dtypes: ['int64'],
    flops: 12,
  },
];

describeOpRows('reduction', ops, rows, { dtype: 'float32' });

describe('reduction family: errors and folding', () => {
  it('an axis out of range throws', () => {
    expect(() =>
      runOp(op('ReduceSum'), { opType: 'ReduceSum', inputs: [f32(2, 3)], attrs: { axes: [2] }, opset: 11 }),
    ).toThrow(/axis 2 out of range for rank 2/);
  });
  it('ReduceProd of a shape folds to its element count (Shape -> ReduceProd)', () => {
    const [out] = runOp(op('ReduceProd'), {
      opType: 'ReduceProd',
      inputs: [i64([2, 3, 4])],
      attrs: { keepdims: 0 },
      opset: 13,
    }).outputs;
    expect(out).toEqual({ dtype: 'int64', shape: [], value: [2 * 3 * 4] });
  });
  it('ReduceSum over axis 1 of a 2x3 constant folds per row', () => {
    const [out] = runOp(op('ReduceSum'), {
      opType: 'ReduceSum',
      inputs: [i64([1, 2, 3, 4, 5, 6], [2, 3]), i64([1])],
      opset: 13,
    }).outputs;
    expect(out).toEqual({ dtype: 'int64', shape: [2, 1], value: [1 + 2 + 3, 4 + 5 + 6] });
  });
});
