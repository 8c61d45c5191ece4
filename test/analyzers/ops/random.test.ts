import { describe, expect, it } from 'vitest';
import { ops } from '../../../src/analyzers/ops/generator.js';
import type { TensorInfo } from '../../../src/analyzers/types.js';
import type { Dim, DType } from '../../../src/model/ir.js';
import { f32, runOp, type TestAttr, opFinder } from '../../helpers/op-context.js';

const op = opFinder(ops, 'generator');

// A uniform sample: generator step (1) + scale and shift (1). A normal sample by Box-Muller: per pair 2 uniforms (4),
// log, multiply, sqrt, angle multiply, cos, sin, two products (8) = 12, so 6 per sample, then mean + scale * z (1).
const UNIFORM = 2;
const NORMAL = 12 / 2 + 1;

interface Row {
  name: string;
  op: string;
  inputs: (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  shape: Dim[] | null;
  dtype: DType | null;
  flops: number | null;
}

const rows: Row[] = [
  { name: 'RandomNormal from the shape attribute', op: 'RandomNormal', inputs: [], attrs: { shape: [2, 3] }, shape: [2, 3], dtype: 'float32', flops: 6 * NORMAL },
  { name: 'RandomUniform as float16', op: 'RandomUniform', inputs: [], attrs: { shape: [4], dtype: 10 }, shape: [4], dtype: 'float16', flops: 4 * UNIFORM },
  { name: 'RandomNormalLike takes the input shape and dtype', op: 'RandomNormalLike', inputs: [{ dtype: 'float64', shape: [5] }], shape: [5], dtype: 'float64', flops: 5 * NORMAL },
  { name: 'RandomUniformLike with a dtype attribute', op: 'RandomUniformLike', inputs: [f32('N', 3)], attrs: { dtype: 11 }, shape: ['N', 3], dtype: 'float64', flops: null },
  { name: 'Bernoulli: a uniform and a compare (test_bernoulli)', op: 'Bernoulli', inputs: [{ dtype: 'float64', shape: [10] }], shape: [10], dtype: 'float64', flops: 10 * (UNIFORM + 1) },
  { name: 'Bernoulli with dtype', op: 'Bernoulli', inputs: [f32(10)], attrs: { dtype: 11 }, shape: [10], dtype: 'float64', flops: 30 },
  {
    name: 'Multinomial: CDF per row, uniform + scale + binary search per sample',
    op: 'Multinomial',
    inputs: [f32(3, 100)],
    attrs: { sample_size: 4 },
    shape: [3, 4],
    dtype: 'int32',
    // per row: 100 * (exp + add); per sample: uniform 2, multiply 1, ceil(log2 100) = 7 compares
    flops: 3 * (100 * 2 + 4 * (2 + 1 + 7)),
  },
];

describe('random family: shapes and FLOPs', () => {
  it.each(rows)('$name', (row) => {
    const { outputs, cost } = runOp(op(row.op), { opType: row.op, inputs: row.inputs, attrs: row.attrs });
    expect(outputs[0].shape).toEqual(row.shape);
    expect(outputs[0].dtype).toBe(row.dtype);
    expect(cost?.flops).toBe(row.flops);
  });
  it('generators write only; Bernoulli reads its probabilities (io)', () => {
    expect(runOp(op('RandomNormal'), { opType: 'RandomNormal', inputs: [], attrs: { shape: [2, 3] } }).cost?.memory).toEqual({ elements: 6, bytes: 24 });
    expect(runOp(op('Bernoulli'), { opType: 'Bernoulli', inputs: [f32(10)] }).cost?.memory).toBeUndefined();
  });
  it('RandomNormal without shape is an error', () => {
    expect(() => runOp(op('RandomNormal'), { opType: 'RandomNormal', inputs: [] })).toThrow(/shape is required/);
  });
});
