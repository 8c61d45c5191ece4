import { describe, expect, it } from 'vitest';
import { OP_FAMILIES } from '../../../src/analyzers/registry.js';
import type { TensorInfo } from '../../../src/analyzers/types.js';
import type { DType } from '../../../src/model/ir.js';
import { f32, i64, runOp, weight, type TestAttr, opFinder, expectOpRow, type OpShapeRow } from '../../helpers/op-context.js';

const ops = [...OP_FAMILIES['math/elementwise'], ...OP_FAMILIES['logical'], ...OP_FAMILIES['quantization'], ...OP_FAMILIES['tensor/elementwise']];

const op = opFinder(ops, 'math/elementwise, logical, quantization, tensor/elementwise');

const t = (dtype: DType, ...shape: (number | string)[]): TensorInfo => ({ dtype, shape });
const constF = (value: number): TensorInfo => ({ dtype: 'float32', shape: [], value: [value], isConstant: true });

const rows: OpShapeRow[] = [
  { name: 'Add [2,3,4] + [4]', op: 'Add', inputs: [f32(2, 3, 4), f32(4)], shapes: [[2, 3, 4]], flops: 2 * 3 * 4 },
  { name: 'Add numpy example [8,1,6,1] + [7,1,5]', op: 'Add', inputs: [f32(8, 1, 6, 1), f32(7, 1, 5)], shapes: [[8, 7, 6, 5]], flops: 8 * 7 * 6 * 5 },
  { name: 'Mul with a scalar', op: 'Mul', inputs: [f32(1, 16, 4, 4), f32()], shapes: [[1, 16, 4, 4]], flops: 16 * 4 * 4 },
  { name: 'Sub symbolic batch against 1', op: 'Sub', inputs: [f32('N', 4), f32(1, 4)], shapes: [['N', 4]], flops: null },
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
  { name: 'Pow by a runtime exponent: exp(y ln x)', op: 'Pow', inputs: [f32(8), f32(8)], shapes: [[8]], flops: 8 * (1 + 1 + 1) },
  // divide + round + multiply-add
  { name: 'Mod', op: 'Mod', inputs: [t('int32', 6), t('int32', 6)], shapes: [[6]], dtypes: ['int32'], flops: 6 * (1 + 1 + 1) },
  { name: 'BitShift', op: 'BitShift', inputs: [t('uint8', 3), t('uint8', 3)], attrs: { direction: 'LEFT' }, shapes: [[3]], dtypes: ['uint8'], flops: 3 },
  { name: 'Equal gives bool', op: 'Equal', inputs: [t('int64', 2, 3), t('int64', 3)], shapes: [[2, 3]], dtypes: ['bool'], flops: 6 },
  { name: 'Less gives bool', op: 'Less', inputs: [f32(4), f32(1)], shapes: [[4]], dtypes: ['bool'], flops: 4 },
  { name: 'GreaterOrEqual gives bool', op: 'GreaterOrEqual', inputs: [f32(4), f32(4)], shapes: [[4]], dtypes: ['bool'], flops: 4 },
  { name: 'And gives bool', op: 'And', inputs: [t('bool', 4), t('bool', 4)], shapes: [[4]], dtypes: ['bool'], flops: 4 },
  { name: 'Not', op: 'Not', inputs: [t('bool', 2, 2)], shapes: [[2, 2]], dtypes: ['bool'], flops: 4 },
  { name: 'BitwiseNot keeps the integer type', op: 'BitwiseNot', inputs: [t('int32', 5)], shapes: [[5]], dtypes: ['int32'], flops: 5 },
  {
    name: "Where broadcasts three ways with X's dtype",
    op: 'Where',
    inputs: [t('bool', 1, 1, 4, 4), f32(2, 8, 4, 4), f32()],
    shapes: [[2, 8, 4, 4]],
    flops: 2 * 8 * 4 * 4,
  },
  { name: 'Sum of 3: two adds per element', op: 'Sum', inputs: [f32(2, 4), f32(4), f32(2, 1)], shapes: [[2, 4]], flops: 8 * 2 },
  { name: 'Max of 2: one compare per element', op: 'Max', inputs: [f32(3, 3), f32(3, 3)], shapes: [[3, 3]], flops: 9 },
  { name: 'Mean of 4: three adds and one multiply', op: 'Mean', inputs: [f32(5), f32(5), f32(5), f32(5)], shapes: [[5]], flops: 5 * 4 },
  { name: 'Sqrt', op: 'Sqrt', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one sqrt
  { name: 'Exp', op: 'Exp', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one exp
  { name: 'Log', op: 'Log', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one log
  { name: 'Reciprocal', op: 'Reciprocal', inputs: [f32(3)], shapes: [[3]], flops: 3 * 1 }, // one divide
  { name: 'Tan = sin / cos', op: 'Tan', inputs: [f32(2)], shapes: [[2]], flops: 2 * (1 + 1 + 1) }, // sin + cos + divide
  { name: 'Atanh', op: 'Atanh', inputs: [f32(2)], shapes: [[2]], flops: 2 * (1 + 2 * 1 + 1 + 1) }, // log + 2 adds + divide + multiply
  { name: 'IsNaN gives bool', op: 'IsNaN', inputs: [f32(2)], shapes: [[2]], dtypes: ['bool'], flops: 2 },
  {
    name: "QuantizeLinear: y has y_zero_point's type",
    op: 'QuantizeLinear',
    inputs: [f32(1, 8, 4, 4), f32(), t('int8')],
    shapes: [[1, 8, 4, 4]],
    dtypes: ['int8'],
    flops: 8 * 4 * 4 * (1 + 1 + 1 + 2 * 1), // divide + add zero point + round + 2 saturating compares
  },
  {
    name: 'QuantizeLinear without a zero point: uint8',
    op: 'QuantizeLinear',
    inputs: [f32(4), f32()],
    shapes: [[4]],
    dtypes: ['uint8'],
    flops: 4 * (1 + 1 + 1 + 2 * 1), // divide + add zero point + round + 2 saturating compares
  },
  {
    name: 'QuantizeLinear opset 21 output_dtype (INT4 = 22)',
    op: 'QuantizeLinear',
    inputs: [f32(4), f32()],
    attrs: { output_dtype: 22 },
    opset: 21,
    shapes: [[4]],
    dtypes: ['int4'],
    flops: 4 * (1 + 1 + 1 + 2 * 1), // as above
  },
  {
    name: 'DequantizeLinear per-axis (axis 0) weight dequantization gives float32',
    op: 'DequantizeLinear',
    inputs: [{ dtype: 'int8', shape: [16, 3, 3, 3], isConstant: true }, weight(16), { dtype: 'int8', shape: [16], isConstant: true }],
    attrs: { axis: 0 },
    opset: 13,
    shapes: [[16, 3, 3, 3]],
    flops: 16 * 3 * 3 * 3 * 2,
  },
  {
    name: "DequantizeLinear opset 19 takes x_scale's type",
    op: 'DequantizeLinear',
    inputs: [t('uint8', 4), t('float16')],
    opset: 19,
    shapes: [[4]],
    dtypes: ['float16'],
    flops: 4 * 2,
  },
  {
    name: 'DynamicQuantizeLinear: y, y_scale, y_zero_point',
    op: 'DynamicQuantizeLinear',
    inputs: [f32(2, 64)],
    outputs: 3,
    shapes: [[2, 64], [], []],
    dtypes: ['uint8', 'float32', 'uint8'],
    flops: 2 * 64 * (2 * 1 + (1 + 1 + 1 + 2 * 1)), // running min + max (2 compares), then QuantizeLinear
  },
];

describe('elementwise family: shapes and FLOPs', () => {
  it.each(rows)('$name', (row) => expectOpRow(op(row.op), row));
});

describe('elementwise family: errors', () => {
  it('shapes that do not broadcast throw', () => {
    expect(() => runOp(op('Add'), { opType: 'Add', inputs: [f32(2, 3), f32(4)] })).toThrow(/do not broadcast/);
  });
  it('Where with a condition that does not broadcast', () => {
    expect(() => runOp(op('Where'), { opType: 'Where', inputs: [t('bool', 3), f32(2, 4), f32(4)] })).toThrow(/do not broadcast/);
  });
  it('legacy broadcast with an axis that does not fit', () => {
    expect(() =>
      runOp(op('Add'), { opType: 'Add', inputs: [f32(2, 3), f32(3, 4)], attrs: { broadcast: 1, axis: 1 }, opset: 6 }),
    ).toThrow(/does not fit/);
  });
  it('per-axis scale length must match the axis', () => {
    expect(() =>
      runOp(op('DequantizeLinear'), { opType: 'DequantizeLinear', inputs: [t('int8', 16, 3), f32(8)], attrs: { axis: 0 }, opset: 13 }),
    ).toThrow(/per-axis scale has 8 elements but input axis 0 has size 16/);
  });
});

describe('elementwise family: value folding of shape arithmetic', () => {
  const run = (opType: string, inputs: (TensorInfo | null)[], attrs?: Record<string, TestAttr>) =>
    runOp(op(opType), { opType, inputs, attrs }).outputs[0];

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
    const v = run('Div', [{ dtype: 'float32', shape: [1], value: [7] }, { dtype: 'float32', shape: [], value: [2] }]);
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
  it('comparisons and Where fold to 0/1 and select', () => {
    const eq = run('Equal', [i64([1, 2, 3]), i64([2], [])]);
    expect(eq).toEqual({ dtype: 'bool', shape: [3], value: [0, 1, 0] });
    expect(run('Less', [i64([1, 2, 3]), i64([2], [])]).value).toEqual([1, 0, 0]);
    expect(run('Greater', [i64([1, 2, 3]), i64([2], [])]).value).toEqual([0, 0, 1]);
    const w = runOp(op('Where'), { opType: 'Where', inputs: [eq, i64([-1], []), i64([7, 8, 9])] }).outputs[0];
    expect(w.value).toEqual([7, -1, 9]);
  });
  it('variadic Max/Min and unary Ceil/Floor/Sqrt fold', () => {
    expect(run('Max', [i64([1, 5]), i64([3], [])]).value).toEqual([3, 5]);
    expect(runOp(op('Min'), { opType: 'Min', inputs: [i64([1, 5]), i64([3], []), i64([4, 0])] }).outputs[0].value).toEqual([1, 0]);
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

describe('elementwise family: parameters', () => {
  it('Add of a constant bias vector leaves the default (non-scalar float constants count)', () => {
    const { cost } = runOp(op('Add'), { opType: 'Add', inputs: [f32(1, 8), weight(8)] });
    expect(cost?.paramInputs).toBeUndefined();
  });
  it('comparison and Where operands are never parameters', () => {
    expect(runOp(op('Equal'), { opType: 'Equal', inputs: [f32(8), weight(8)] }).cost?.paramInputs).toEqual([]);
    expect(runOp(op('Where'), { opType: 'Where', inputs: [t('bool', 8), weight(8), f32(8)] }).cost?.paramInputs).toEqual([]);
  });
  it('QuantizeLinear and DequantizeLinear count no params: the consumer of a QDQ weight counts it once', () => {
    const q = runOp(op('QuantizeLinear'), { opType: 'QuantizeLinear', inputs: [weight(16, 3, 3, 3), weight(16)], attrs: { axis: 0 } });
    expect(q.cost?.paramInputs).toEqual([]);
    const dq = runOp(op('DequantizeLinear'), { opType: 'DequantizeLinear', inputs: [{ dtype: 'int8', shape: [16, 3, 3, 3], isConstant: true }, weight(16)], attrs: { axis: 0 } });
    expect(dq.cost?.paramInputs).toEqual([]);
  });
});
