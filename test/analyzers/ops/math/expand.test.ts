import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/math/expand.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import { at } from '../../../../src/util/at.js';
import {
  f32,
  i64,
  runOp,
  opFinder,
  describeOpRows,
  describeOpErrors,
  type OpRow,
} from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'math/expand');

const rows: OpRow[] = [
  // Expand.
  { name: 'Expand broadcasts', op: 'Expand', inputs: [f32(3, 1), i64([2, 1, 6])], shapes: [[2, 3, 6]] },
  { name: 'Expand folds a value', op: 'Expand', inputs: [i64([7]), i64([3])], shapes: [[3]], values: [[7, 7, 7]] },
  {
    name: 'Expand folds a row',
    op: 'Expand',
    inputs: [i64([1, 2], [1, 2]), i64([2, 2])],
    shapes: [[2, 2]],
    values: [[1, 2, 1, 2]],
  },
  {
    name: 'Expand with an unknown shape of known length',
    op: 'Expand',
    inputs: [f32(3, 1), { dtype: 'int64', shape: [3] }],
    shapes: [['Expand_0:0:0', 3, 'Expand_0:0:2']],
  },
];

describeOpRows('math/expand', ops, rows, { flops: 0 });

describeOpErrors('math/expand', ops, [
  { name: 'Expand to an incompatible shape', op: 'Expand', inputs: [f32(3), i64([4])] },
]);

describe('math/expand family: memory and symbolic values', () => {
  it('Expand of a symbolic shape value keeps the symbol', () => {
    const shapeIn: TensorInfo = { dtype: 'int64', shape: [3], symbolicValue: ['N', 1, 6] };
    const { outputs } = runOp(byType('Expand'), { opType: 'Expand', inputs: [f32(3, 1), shapeIn] });
    expect(at(outputs, 0).shape).toEqual(['N', 3, 6]);
  });
});
