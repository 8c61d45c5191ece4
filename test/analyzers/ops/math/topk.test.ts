import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/math/topk.js';
import { f32, i64, runOp, opFinder, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'math/topk');

const rows: OpRow[] = [
  {
    name: 'TopK opset 1: k attribute; values and int64 indices',
    op: 'TopK',
    inputs: [f32(2, 100)],
    attrs: { k: 5 },
    opset: 1,
    outputs: 2,
    shapes: [
      [2, 5],
      [2, 5],
    ],
    dtypes: ['float32', 'int64'],
    flops: 200 * Math.ceil(Math.log2(5)),
  },
  {
    name: 'TopK opset 11: K input along axis 1',
    op: 'TopK',
    inputs: [f32(3, 80, 4), i64([10])],
    attrs: { axis: 1 },
    opset: 11,
    outputs: 2,
    shapes: [
      [3, 10, 4],
      [3, 10, 4],
    ],
    dtypes: ['float32', 'int64'],
    flops: 3 * 80 * 4 * Math.ceil(Math.log2(10)),
  },
  {
    name: 'TopK with K unknown: a dynamic dim shared by both outputs',
    op: 'TopK',
    inputs: [f32(1, 50), { dtype: 'int64', shape: [1] }],
    opset: 11,
    outputs: 2,
    shapes: [
      [1, 'TopK_0:0:1'],
      [1, 'TopK_0:0:1'],
    ],
    dtypes: ['float32', 'int64'],
    flops: null,
  },
];

describeOpRows('math/topk', ops, rows, { dtype: 'float32' });

describe('math/topk family: errors', () => {
  it('TopK with K larger than the axis throws', () => {
    expect(() => runOp(op('TopK'), { opType: 'TopK', inputs: [f32(2, 3), i64([5])], opset: 11, outputs: 2 })).toThrow(
      /K = 5/,
    );
  });
});
