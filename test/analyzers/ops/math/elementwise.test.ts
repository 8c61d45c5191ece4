import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/math/elementwise.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { DType } from '../../../../src/model/ir.js';
import { at } from '../../../../src/util/at.js';
import {
  f32,
  i64,
  runOp,
  weight,
  type TestAttr,
  opFinder,
  describeOpRows,
  type OpRow,
} from '../../../helpers/op-context.js';

const op = opFinder(ops, 'math/elementwise');

const t = (dtype: DType, ...shape: (number | string)[]): TensorInfo => ({ dtype, shape });
const constF = (value: number): TensorInfo => ({ dtype: 'float32', shape: [], value: [value], isConstant: true });

/** Runs one op and returns its first output. */
const run = (opType: string, inputs: (TensorInfo | null)[], attrs?: Record<string, TestAttr>) =>
  at(runOp(op(opType), { opType, inputs, attrs }).outputs, 0);

const rows: OpRow[] = [
  { name: 'Add [2,3,4] + [4]', op: 'Add', inputs: [f32(2, 3, 4), f32(4)], shapes: [[2, 3, 4]], flops: 2 * 3 * 4 },
  {
    name: 'Add numpy example [8,1,6,1] + [7,1,5]',
    op: 'Add',
    inputs: [f32(8, 1, 6, 1), f32(7, 1, 5)],
    shapes: [[8, 7, 6, 5]],
    flops: 8 * 7 * 6 * 5,
  },
  {
    name: 'Mul with a scalar',
    op: 'Mul',
    inputs: [f32(1, 16, 4, 4), f32()],
    shapes: [[1, 16, 4, 4]],
    flops: 16 * 4 * 4,
  },
  {
    name: 'Sub symbolic batch against 1',
    op: 'Sub',
    inputs: [f32('N', 4), f32(1, 4)],
    shapes: [['N', 4]],
    flops: null,
  },
  {
    name: 'Add opset 6 legacy broadcast=1 axis=1: B (3, 4) inside A (2, 3, 4, 5)',
    op: 'Add',
    inputs: [f32(2, 3, 4, 5), f32(3, 4)],
    attrs: { broadcast: 1, axis: 1 },
    opset: 6,
    shapes: [[2, 3, 4, 5]],
    flops: 2 * 3 * 4 * 5,
  },
  {
    name: 'Mul opset 1 legacy broadcast=1 without axis: B (5,) aligned to the end',
    op: 'Mul',
    inputs: [f32(2, 3, 4, 5), f32(5)],
    attrs: { broadcast: 1 },
    opset: 1,
    shapes: [[2, 3, 4, 5]],
    flops: 2 * 3 * 4 * 5,
  },
  {
    name: 'Add opset 6 legacy per-channel bias: B (C,) at axis 1',
    op: 'Add',
    inputs: [f32(1, 64, 7, 7), weight(64)],
    attrs: { broadcast: 1, axis: 1 },
    opset: 6,
    shapes: [[1, 64, 7, 7]],
    flops: 64 * 7 * 7,
  },
  { name: 'Div: divide costs 1', op: 'Div', inputs: [f32(10), f32(10)], shapes: [[10]], flops: 10 * 1 }, // one divide
  { name: 'Pow by a constant 2 is one multiply', op: 'Pow', inputs: [f32(8), constF(2)], shapes: [[8]], flops: 8 },
  { name: 'Pow by a constant 0.5 is a sqrt', op: 'Pow', inputs: [f32(8), constF(0.5)], shapes: [[8]], flops: 8 * 1 }, // one sqrt
  // log + multiply + exp
  {
    name: 'Pow by a runtime exponent: exp(y ln x)',
    op: 'Pow',
    inputs: [f32(8), f32(8)],
    shapes: [[8]],
    flops: 8 * (1 + 1 + 1),
  },
  // divide + round + multiply-add
  {
    name: 'Mod',
    op: 'Mod',
    inputs: [t('int32', 6), t('int32', 6)],
    shapes: [[6]],
    dtypes: ['int32'],
    flops: 6 * (1 + 1 + 1),
  },
  {
    name: 'Sum of 3: two adds per element',
    op: 'Sum',
    inputs: [f32(2, 4), f32(4), f32(2, 1)],
    shapes: [[2, 4]],
    flops: 8 * 2,
  },
  { name: 'Max of 2: one compare per element', op: 'Max', inputs: [f32(3, 3), f32(3, 3)], shapes: [[3, 3]], flops: 9 },
  {
    name: 'Mean of 4: three adds and one multiply',
    op: 'Mean',
    inputs: [f32(5), f32(5), f32(5), f32(5)],
    shapes: [[5]],
    flops: 5 * 4,
  },
  { name: 'Sqrt', op: 'Sqrt', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one sqrt
  { name: 'Exp', op: 'Exp', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one exp
  { name: 'Log', op: 'Log', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one log
  { name: 'Reciprocal', op: 'Reciprocal', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one divide
  { name: 'Tan = sin / cos', op: 'Tan', inputs: [f32(2)], shapes: [[2]], flops: 2 * (1 + 1 + 1) }, // sin + cos + divide
  { name: 'Atanh', op: 'Atanh', inputs: [f32(2)], shapes: [[2]], flops: 2 * (1 + 2 * 1 + 1 + 1) }, // log + 2 adds + divide + multiply
];

describeOpRows('math/elementwise', ops, rows, { dtype: 'float32' });

describe('math/elementwise family: errors', () => {
  it('shapes that do not broadcast throw', () => {
    expect(() => runOp(op('Add'), { opType: 'Add', inputs: [f32(2, 3), f32(4)] })).toThrow(/do not broadcast/);
  });
  it('legacy broadcast with an axis that does not fit', () => {
    expect(() =>
      runOp(op('Add'), { opType: 'Add', inputs: [f32(2, 3), f32(3, 4)], attrs: { broadcast: 1, axis: 1 }, opset: 6 }),
    ).toThrow(/does not fit/);
  });
});

describe('math/elementwise family: value folding of shape arithmetic', () => {
  it('channel shuffle: Shape -> Gather -> Div -> Mul chain folds (116 / 2 = 58, 58 * 2 = 116)', () => {
    const channels = i64([116]);
    const groups = i64([2], []);
    const perGroup = run('Div', [channels, groups]);
    expect(perGroup).toEqual({ dtype: 'int64', shape: [1], value: [116 / 2] });
    const back = run('Mul', [perGroup, groups]);
    expect(back.value).toEqual([58 * 2]);
    const shape = run('Mul', [i64([1, 2, 58, 28, 28]), i64([1, 1, 1, 1, 1])]);
    expect(shape.value).toEqual([1, 2, 58, 28, 28]);
  });
  it('integer Div truncates toward zero: 7 / 2 = 3, -7 / 2 = -3', () => {
    expect(run('Div', [i64([7, -7]), i64([2], [])]).value).toEqual([Math.trunc(7 / 2), Math.trunc(-7 / 2)]);
  });
  it('float Div is exact', () => {
    const v = run('Div', [
      { dtype: 'float32', shape: [1], value: [7] },
      { dtype: 'float32', shape: [], value: [2] },
    ]);
    expect(v.value).toEqual([3.5]);
  });
  it('integer division by zero is not folded', () => {
    expect(run('Div', [i64([7]), i64([0])]).value).toBeUndefined();
  });
  it('Add/Sub/Neg/Abs fold with broadcasting', () => {
    expect(run('Add', [i64([1, 2, 3]), i64([10], [])]).value).toEqual([11, 12, 13]);
    expect(run('Sub', [i64([4, 5], [2, 1]), i64([1, 2], [1, 2])]).value).toEqual([3, 2, 4, 3]);
    expect(run('Neg', [i64([3, -1])]).value).toEqual([-3, 1]);
    expect(run('Abs', [i64([3, -1])]).value).toEqual([3, 1]);
  });
  it('Mod follows fmod: 0 takes the divisor sign, 1 the dividend sign', () => {
    expect(run('Mod', [i64([-7, 7]), i64([3], [])]).value).toEqual([2, 1]);
    expect(run('Mod', [i64([-7, 7]), i64([3], [])], { fmod: 1 }).value).toEqual([-1, 1]);
  });
  it('variadic Max/Min and unary Ceil/Floor/Sqrt fold', () => {
    expect(run('Max', [i64([1, 5]), i64([3], [])]).value).toEqual([3, 5]);
    expect(
      at(runOp(op('Min'), { opType: 'Min', inputs: [i64([1, 5]), i64([3], []), i64([4, 0])] }).outputs, 0).value,
    ).toEqual([1, 0]);
    const half = { dtype: 'float32' as const, shape: [2], value: [2.5, -2.5] };
    expect(run('Ceil', [half]).value).toEqual([3, -2]);
    expect(run('Floor', [half]).value).toEqual([2, -3]);
    expect(run('Sqrt', [{ dtype: 'float32', shape: [1], value: [16] }]).value).toEqual([4]);
  });
  it('no folding when an input has no value or the output is larger than 1024 elements', () => {
    expect(run('Add', [i64([1]), { dtype: 'int64', shape: [1] }]).value).toBeUndefined();
    const big = Array.from({ length: 1025 }, (_, i) => i);
    expect(run('Add', [i64(big), i64([1], [])]).value).toBeUndefined();
  });
});

describe('math/elementwise family: parameters', () => {
  it('Add of a constant bias vector leaves the default (non-scalar float constants count)', () => {
    const { cost } = runOp(op('Add'), { opType: 'Add', inputs: [f32(1, 8), weight(8)] });
    expect(cost?.paramInputs).toBeUndefined();
  });
});
