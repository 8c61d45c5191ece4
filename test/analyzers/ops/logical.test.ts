import { describe, expect, it } from 'vitest';
import { ops as tensorElementwiseOps } from '../../../src/analyzers/ops/tensor/elementwise.js';
import { ops } from '../../../src/analyzers/ops/logical.js';
import type { TensorInfo } from '../../../src/analyzers/types.js';
import type { DType } from '../../../src/model/ir.js';
import { at } from '../../../src/util/at.js';
import {
  f32,
  i64,
  runOp,
  weight,
  type TestAttr,
  opFinder,
  describeOpRows,
  type OpRow,
} from '../../helpers/op-context.js';

const op = opFinder(ops, 'logical');
/** Where (tensor/elementwise) selects with the comparisons' results in the tests below. */
const whereOp = opFinder(tensorElementwiseOps, 'tensor/elementwise')('Where');

const t = (dtype: DType, ...shape: (number | string)[]): TensorInfo => ({ dtype, shape });

/** Runs one op and returns its first output. */
const run = (opType: string, inputs: (TensorInfo | null)[], attrs?: Record<string, TestAttr>) =>
  at(runOp(op(opType), { opType, inputs, attrs }).outputs, 0);

const rows: OpRow[] = [
  {
    name: 'BitShift',
    op: 'BitShift',
    inputs: [t('uint8', 3), t('uint8', 3)],
    attrs: { direction: 'LEFT' },
    shapes: [[3]],
    dtypes: ['uint8'],
    flops: 3,
  },
  {
    name: 'Equal gives bool',
    op: 'Equal',
    inputs: [t('int64', 2, 3), t('int64', 3)],
    shapes: [[2, 3]],
    dtypes: ['bool'],
    flops: 6,
  },
  { name: 'Less gives bool', op: 'Less', inputs: [f32(4), f32(1)], shapes: [[4]], dtypes: ['bool'], flops: 4 },
  {
    name: 'GreaterOrEqual gives bool',
    op: 'GreaterOrEqual',
    inputs: [f32(4), f32(4)],
    shapes: [[4]],
    dtypes: ['bool'],
    flops: 4,
  },
  {
    name: 'And gives bool',
    op: 'And',
    inputs: [t('bool', 4), t('bool', 4)],
    shapes: [[4]],
    dtypes: ['bool'],
    flops: 4,
  },
  { name: 'Not', op: 'Not', inputs: [t('bool', 2, 2)], shapes: [[2, 2]], dtypes: ['bool'], flops: 4 },
  {
    name: 'BitwiseNot keeps the integer type',
    op: 'BitwiseNot',
    inputs: [t('int32', 5)],
    shapes: [[5]],
    dtypes: ['int32'],
    flops: 5,
  },
];

describeOpRows('logical', ops, rows, { dtype: 'float32' });

describe('logical family: value folding', () => {
  it('comparisons and Where fold to 0/1 and select', () => {
    const eq = run('Equal', [i64([1, 2, 3]), i64([2], [])]);
    expect(eq).toEqual({ dtype: 'bool', shape: [3], value: [0, 1, 0] });
    expect(run('Less', [i64([1, 2, 3]), i64([2], [])]).value).toEqual([1, 0, 0]);
    expect(run('Greater', [i64([1, 2, 3]), i64([2], [])]).value).toEqual([0, 0, 1]);
    const w = at(runOp(whereOp, { opType: 'Where', inputs: [eq, i64([-1], []), i64([7, 8, 9])] }).outputs, 0);
    expect(w.value).toEqual([7, -1, 9]);
  });
});

describe('logical family: parameters', () => {
  it('comparison and Where operands are never parameters', () => {
    expect(runOp(op('Equal'), { opType: 'Equal', inputs: [f32(8), weight(8)] }).cost?.paramInputs).toEqual([]);
    expect(runOp(whereOp, { opType: 'Where', inputs: [t('bool', 8), weight(8), f32(8)] }).cost?.paramInputs).toEqual(
      [],
    );
  });
});
