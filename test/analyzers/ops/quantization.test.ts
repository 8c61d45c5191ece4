import { describe, expect, it } from 'vitest';
import { ops } from '../../../src/analyzers/ops/quantization.js';
import type { TensorInfo } from '../../../src/analyzers/types.js';
import type { DType } from '../../../src/model/ir.js';
import { f32, runOp, weight, opFinder, describeOpRows, type OpRow } from '../../helpers/op-context.js';

const op = opFinder(ops, 'quantization');

const t = (dtype: DType, ...shape: (number | string)[]): TensorInfo => ({ dtype, shape });

const rows: OpRow[] = [
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
    inputs: [
      { dtype: 'int8', shape: [16, 3, 3, 3], isConstant: true },
      weight(16),
      { dtype: 'int8', shape: [16], isConstant: true },
    ],
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

describeOpRows('quantization', ops, rows, { dtype: 'float32' });

describe('quantization family: errors', () => {
  it('per-axis scale length must match the axis', () => {
    expect(() =>
      runOp(op('DequantizeLinear'), {
        opType: 'DequantizeLinear',
        inputs: [t('int8', 16, 3), f32(8)],
        attrs: { axis: 0 },
        opset: 13,
      }),
    ).toThrow(/per-axis scale has 8 elements but input axis 0 has size 16/);
  });
});

describe('quantization family: parameters', () => {
  it('QuantizeLinear and DequantizeLinear count no params: the consumer of a QDQ weight counts it once', () => {
    const q = runOp(op('QuantizeLinear'), {
      opType: 'QuantizeLinear',
      inputs: [weight(16, 3, 3, 3), weight(16)],
      attrs: { axis: 0 },
    });
    expect(q.cost?.paramInputs).toEqual([]);
    const dq = runOp(op('DequantizeLinear'), {
      opType: 'DequantizeLinear',
      inputs: [{ dtype: 'int8', shape: [16, 3, 3, 3], isConstant: true }, weight(16)],
      attrs: { axis: 0 },
    });
    expect(dq.cost?.paramInputs).toEqual([]);
  });
});
