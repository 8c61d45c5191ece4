import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/tensor/gather-scatter.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
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

const byType = opFinder(ops, 'tensor/gather-scatter');

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);
const scalar = (v: number): TensorInfo => i64([v], []);

const rows: OpRow[] = [
  // Gather.
  {
    name: 'Gather a scalar index from a shape',
    op: 'Gather',
    inputs: [i64([1, 3, 224, 224]), scalar(2)],
    shapes: [[]],
    values: [[224]],
  },
  {
    name: 'Gather negative index',
    op: 'Gather',
    inputs: [i64([1, 3, 224, 224]), i64([-1, 0])],
    shapes: [[2]],
    values: [[224, 1]],
  },
  {
    name: 'Gather embedding rows',
    op: 'Gather',
    inputs: [weight(1000, 64), { dtype: 'int64', shape: [2, 7] }],
    shapes: [[2, 7, 64]],
  },
  {
    name: 'Gather axis 1 of a matrix',
    op: 'Gather',
    inputs: [i64(iota(6), [2, 3]), i64([2, 0])],
    attrs: { axis: 1 },
    shapes: [[2, 2]],
    values: [[2, 0, 5, 3]],
  },
  {
    name: 'GatherElements',
    op: 'GatherElements',
    inputs: [i64([1, 2, 3, 4], [2, 2]), i64([0, 0, 1, 0], [2, 2])],
    attrs: { axis: 1 },
    shapes: [[2, 2]],
    values: [[1, 1, 4, 3]],
  },
  { name: 'GatherND', op: 'GatherND', inputs: [f32(2, 3, 4), { dtype: 'int64', shape: [5, 2] }], shapes: [[5, 4]] },
  {
    name: 'GatherND batch_dims=1',
    op: 'GatherND',
    inputs: [f32(2, 3, 4), { dtype: 'int64', shape: [2, 5, 1] }],
    attrs: { batch_dims: 1 },
    shapes: [[2, 5, 4]],
  },
  // Scatter family keeps data's shape.
  {
    name: 'ScatterND',
    op: 'ScatterND',
    inputs: [f32(4, 4), { dtype: 'int64', shape: [2, 1] }, f32(2, 4)],
    shapes: [[4, 4]],
  },
  {
    name: 'ScatterElements reduction=add counts one add per update',
    op: 'ScatterElements',
    inputs: [f32(4, 4), { dtype: 'int64', shape: [2, 4] }, f32(2, 4)],
    attrs: { reduction: 'add' },
    opset: 16,
    shapes: [[4, 4]],
    flops: 8,
  },
  {
    name: 'Scatter-9',
    op: 'Scatter',
    inputs: [f32(3, 3), { dtype: 'int64', shape: [1, 3] }, f32(1, 3)],
    opset: 9,
    shapes: [[3, 3]],
  },
  {
    name: 'ai.onnx TensorScatter keeps the cache shape',
    op: 'TensorScatter',
    opset: 24,
    inputs: [f32(1, 2, 32, 64), f32(1, 2, 1, 64), i64([5])],
    shapes: [[1, 2, 32, 64]],
    dtypes: ['float32'],
    flops: 0,
  },
];

describeOpRows('tensor/gather-scatter', ops, rows, { flops: 0 });

describeOpErrors('tensor/gather-scatter', ops, [
  { name: 'Gather index out of range', op: 'Gather', inputs: [f32(4, 2), i64([4])] },
  { name: 'GatherElements rank mismatch', op: 'GatherElements', inputs: [f32(4, 2), i64([0])] },
]);

describe('tensor/gather-scatter family: memory and symbolic values', () => {
  it('Gather on an embedding table reads only the gathered rows, and the table counts as parameters', () => {
    const { cost } = runOp(byType('Gather'), {
      opType: 'Gather',
      inputs: [weight(1000, 64), { dtype: 'int64', shape: [2, 7] }],
    });
    // indices 14 (int64) + gathered 2*7*64 read + the same written.
    expect(cost?.memory).toEqual({ elements: 14 + 2 * 896, bytes: 14 * 8 + 2 * 896 * 4 });
    expect(cost?.paramInputs).toBeUndefined();
  });

  it('Gather of a symbolic shape element gives the symbol', () => {
    const shapeIn: TensorInfo = { dtype: 'int64', shape: [2], symbolicValue: ['N', 'seq'] };
    const { outputs } = runOp(byType('Gather'), { opType: 'Gather', inputs: [shapeIn, i64([1], [])] });
    expect(at(outputs, 0).symbolicValue).toEqual(['seq']);
  });

  it('TensorScatter memory is the update read and written plus the indices, not the cache', () => {
    const { cost } = runOp(byType('TensorScatter'), {
      opType: 'TensorScatter',
      inputs: [f32(1, 2, 32, 64), f32(1, 2, 1, 64), i64([5])],
    });
    expect(cost?.memory).toEqual({ elements: 2 * 128 + 1, bytes: 2 * 128 * 4 + 8 });
  });
});
