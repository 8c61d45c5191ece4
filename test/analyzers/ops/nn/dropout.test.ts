import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/nn/dropout.js';
import { f32, opFinder, runOp, type OpCase, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'nn/dropout');

const run = (type: string, c: Omit<OpCase, 'opType'>) => runOp(byType(type), { ...c, opType: type });

const rows: OpRow[] = [
  {
    name: 'Dropout-13 mask is bool',
    op: 'Dropout',
    inputs: [f32(2, 3)],
    outputs: 2,
    opset: 13,
    shapes: [
      [2, 3],
      [2, 3],
    ],
    dtypes: ['float32', 'bool'],
  },
  {
    name: 'Dropout-7 mask has the input type',
    op: 'Dropout',
    inputs: [f32(2, 3)],
    outputs: 2,
    opset: 7,
    shapes: [
      [2, 3],
      [2, 3],
    ],
    dtypes: ['float32', 'float32'],
  },
];

describeOpRows('nn/dropout', ops, rows, { flops: 0 });

describe('nn/dropout family: symbolic dims, constants, costs', () => {
  it('Dropout in training mode applies a mask: one op per element', () => {
    const train = run('Dropout', { inputs: [f32(2, 3), null, { dtype: 'bool', shape: [], value: [1] }], opset: 13 });
    expect(train.cost).toEqual({ flops: 6, memory: 'io', paramInputs: [] });
    const infer = run('Dropout', { inputs: [f32(2, 3), null, { dtype: 'bool', shape: [], value: [0] }], opset: 13 });
    expect(infer.cost?.memory).toBe('none');
  });
});
