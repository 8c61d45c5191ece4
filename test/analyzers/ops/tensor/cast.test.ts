import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/tensor/cast.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import { at } from '../../../../src/util/at.js';
import { f32, i64, opFinder, runOp, type OpCase, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'tensor/cast');

const run = (type: string, c: Omit<OpCase, 'opType'>) => runOp(byType(type), { ...c, opType: type });

const sym = (info: TensorInfo) => info.symbolicValue;

const rows: OpRow[] = [
  // Cast: floats truncate toward zero, bool is x != 0, narrow ints wrap.
  {
    name: 'Cast float -> int64 truncates',
    op: 'Cast',
    inputs: [{ dtype: 'float32', shape: [4], value: [1.7, -1.7, 2.5, -0.2] }],
    attrs: { to: 7 },
    shapes: [[4]],
    values: [[1, -1, 2, 0]],
    dtypes: ['int64'],
  },
  {
    name: 'Cast int64 -> bool',
    op: 'Cast',
    inputs: [i64([0, 3, -2])],
    attrs: { to: 9 },
    shapes: [[3]],
    values: [[0, 1, 1]],
    dtypes: ['bool'],
  },
  {
    name: 'Cast int64 -> uint8 wraps',
    op: 'Cast',
    inputs: [i64([256, 257, -1])],
    attrs: { to: 2 },
    shapes: [[3]],
    values: [[0, 1, 255]],
    dtypes: ['uint8'],
  },
  {
    name: 'Cast int64 -> float32',
    op: 'Cast',
    inputs: [i64([3, 224])],
    attrs: { to: 1 },
    shapes: [[2]],
    values: [[3, 224]],
    dtypes: ['float32'],
  },
  {
    name: 'Cast float64 -> float32 rounds',
    op: 'Cast',
    inputs: [{ dtype: 'float64', shape: [1], value: [0.1] }],
    attrs: { to: 1 },
    shapes: [[1]],
    values: [[Math.fround(0.1)]],
  },
  {
    name: 'Cast-1 string target',
    op: 'Cast',
    inputs: [i64([5])],
    attrs: { to: 'INT32' },
    opset: 1,
    shapes: [[1]],
    values: [[5]],
    dtypes: ['int32'],
  },
  {
    name: 'Cast float -> float16 non-integer does not fold',
    op: 'Cast',
    inputs: [{ dtype: 'float32', shape: [1], value: [0.1] }],
    attrs: { to: 10 },
    shapes: [[1]],
    values: [null],
    dtypes: ['float16'],
  },
  {
    name: 'CastLike takes the dtype of input 1',
    op: 'CastLike',
    inputs: [{ dtype: 'float32', shape: [2], value: [2.9, 3.1] }, i64([0], [])],
    opset: 15,
    shapes: [[2]],
    values: [[2, 3]],
    dtypes: ['int64'],
  },
];

describeOpRows('tensor/cast', ops, rows, { flops: 0 });

describe('tensor/cast family: symbolic dims, constants, costs', () => {
  it('Cast keeps symbolic elements of an integer shape tensor', () => {
    const shapeIn: TensorInfo = { dtype: 'int64', shape: [2], symbolicValue: ['N', 4] };
    const out = at(run('Cast', { inputs: [shapeIn], attrs: { to: 6 } }).outputs, 0);
    expect(sym(out)).toEqual(['N', 4]);
    expect(out.dtype).toBe('int32');
  });

  it('Cast is a copy: io memory', () => {
    expect(run('Cast', { inputs: [f32(2, 3)], attrs: { to: 10 } }).cost?.memory).toBe('io');
  });
});
