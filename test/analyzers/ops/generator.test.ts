import { describe, expect, it } from 'vitest';
import { ops } from '../../../src/analyzers/ops/generator.js';
import type { OpContext, TensorInfo } from '../../../src/analyzers/types.js';
import type { TensorRef } from '../../../src/model/ir.js';
import { at } from '../../../src/util/at.js';
import {
  f32,
  i64,
  opContext,
  runOp,
  type OpCase,
  opFinder,
  describeOpRows,
  describeOpErrors,
  type OpRow,
} from '../../helpers/op-context.js';

const op = opFinder(ops, 'generator');

/** runOp with an optional readTensor (Constant / ConstantOfShape tensors). */
function run(type: string, c: Omit<OpCase, 'opType'>, readTensor?: OpContext['readTensor']) {
  const def = op(type);
  const ctx = { ...opContext({ ...c, opType: type }), ...(readTensor ? { readTensor } : {}) };
  const outputs = def.inferShape(ctx);
  return { outputs, cost: def.cost ? def.cost(ctx, outputs) : null };
}

const scalar = (v: number): TensorInfo => i64([v], []);
const tensorRef = (dtype: TensorRef['dtype'], dims: number[]): TensorRef => ({
  name: 't',
  dtype,
  dims,
  byteLength: 0,
  location: { kind: 'empty' },
});

// A uniform sample: generator step (1) + scale and shift (1). A normal sample by Box-Muller: per pair 2 uniforms (4),
// log, multiply, sqrt, angle multiply, cos, sin, two products (8) = 12, so 6 per sample, then mean + scale * z (1).
const UNIFORM = 2;
const NORMAL = 12 / 2 + 1;

const randomRows: OpRow[] = [
  {
    name: 'RandomNormal from the shape attribute',
    op: 'RandomNormal',
    inputs: [],
    attrs: { shape: [2, 3] },
    shapes: [[2, 3]],
    dtypes: ['float32'],
    flops: 6 * NORMAL,
  },
  {
    name: 'RandomUniform as float16',
    op: 'RandomUniform',
    inputs: [],
    attrs: { shape: [4], dtype: 10 },
    shapes: [[4]],
    dtypes: ['float16'],
    flops: 4 * UNIFORM,
  },
  {
    name: 'RandomNormalLike takes the input shape and dtype',
    op: 'RandomNormalLike',
    inputs: [{ dtype: 'float64', shape: [5] }],
    shapes: [[5]],
    dtypes: ['float64'],
    flops: 5 * NORMAL,
  },
  {
    name: 'RandomUniformLike with a dtype attribute',
    op: 'RandomUniformLike',
    inputs: [f32('N', 3)],
    attrs: { dtype: 11 },
    shapes: [['N', 3]],
    dtypes: ['float64'],
    flops: null,
  },
  {
    name: 'Bernoulli: a uniform and a compare (test_bernoulli)',
    op: 'Bernoulli',
    inputs: [{ dtype: 'float64', shape: [10] }],
    shapes: [[10]],
    dtypes: ['float64'],
    flops: 10 * (UNIFORM + 1),
  },
  {
    name: 'Bernoulli with dtype',
    op: 'Bernoulli',
    inputs: [f32(10)],
    attrs: { dtype: 11 },
    shapes: [[10]],
    dtypes: ['float64'],
    flops: 30,
  },
  {
    name: 'Multinomial: CDF per row, uniform + scale + binary search per sample',
    op: 'Multinomial',
    inputs: [f32(3, 100)],
    attrs: { sample_size: 4 },
    shapes: [[3, 4]],
    dtypes: ['int32'],
    // per row: 100 * (exp + add); per sample: uniform 2, multiply 1, ceil(log2 100) = 7 compares
    flops: 3 * (100 * 2 + 4 * (2 + 1 + 7)),
  },
];

describe('generator family: random ops, shapes and FLOPs', () => {
  it('generators write only; Bernoulli reads its probabilities (io)', () => {
    expect(
      runOp(op('RandomNormal'), { opType: 'RandomNormal', inputs: [], attrs: { shape: [2, 3] } }).cost?.memory,
    ).toEqual({ elements: 6, bytes: 24 });
    expect(runOp(op('Bernoulli'), { opType: 'Bernoulli', inputs: [f32(10)] }).cost?.memory).toBeUndefined();
  });
  it('RandomNormal without shape is an error', () => {
    expect(() => runOp(op('RandomNormal'), { opType: 'RandomNormal', inputs: [] })).toThrow(/shape is required/);
  });
});

describeOpRows('generator', ops, randomRows, { flops: 0 });

const rows: OpRow[] = [
  // Constant from typed attributes.
  {
    name: 'Constant value_ints',
    op: 'Constant',
    inputs: [],
    attrs: { value_ints: [1, -1] },
    shapes: [[2]],
    values: [[1, -1]],
    dtypes: ['int64'],
  },
  {
    name: 'Constant value_int',
    op: 'Constant',
    inputs: [],
    attrs: { value_int: 3 },
    shapes: [[]],
    values: [[3]],
    dtypes: ['int64'],
  },
  {
    name: 'Constant value_float',
    op: 'Constant',
    inputs: [],
    attrs: { value_float: 0.5 },
    shapes: [[]],
    values: [[0.5]],
    dtypes: ['float32'],
  },
  {
    name: 'Constant value_floats',
    op: 'Constant',
    inputs: [],
    attrs: { value_floats: [0.5, 0.25] },
    shapes: [[2]],
    values: [[0.5, 0.25]],
    dtypes: ['float32'],
  },
  // ConstantOfShape: float32 zeros by default.
  {
    name: 'ConstantOfShape default',
    op: 'ConstantOfShape',
    inputs: [i64([2, 3])],
    shapes: [[2, 3]],
    values: [[0, 0, 0, 0, 0, 0]],
    dtypes: ['float32'],
  },
  {
    name: 'ConstantOfShape of an empty shape is a scalar',
    op: 'ConstantOfShape',
    inputs: [i64([], [0])],
    shapes: [[]],
    values: [[0]],
  },
  {
    name: 'ConstantOfShape unknown shape of known length',
    op: 'ConstantOfShape',
    inputs: [{ dtype: 'int64', shape: [2] }],
    shapes: [['ConstantOfShape_0:0:0', 'ConstantOfShape_0:0:1']],
  },
  {
    name: 'ConstantOfShape too large to fold',
    op: 'ConstantOfShape',
    inputs: [i64([64, 64])],
    shapes: [[64, 64]],
    values: [null],
  },
  // Range: length max(ceil((limit - start) / delta), 0).
  {
    name: 'Range 0..10 step 3',
    op: 'Range',
    inputs: [scalar(0), scalar(10), scalar(3)],
    shapes: [[4]],
    values: [[0, 3, 6, 9]],
  },
  {
    name: 'Range 10..0 step -3',
    op: 'Range',
    inputs: [scalar(10), scalar(0), scalar(-3)],
    shapes: [[4]],
    values: [[10, 7, 4, 1]],
  },
  { name: 'Range empty', op: 'Range', inputs: [scalar(5), scalar(1), scalar(1)], shapes: [[0]], values: [[]] },
  {
    name: 'Range float',
    op: 'Range',
    inputs: [
      { dtype: 'float32', shape: [], value: [0] },
      { dtype: 'float32', shape: [], value: [1] },
      { dtype: 'float32', shape: [], value: [0.25] },
    ],
    shapes: [[4]],
    values: [[0, 0.25, 0.5, 0.75]],
    dtypes: ['float32'],
  },
  {
    name: 'Range with an unknown limit',
    op: 'Range',
    inputs: [scalar(0), { dtype: 'int64', shape: [] }, scalar(1)],
    shapes: [['Range_0:0:0']],
  },
  // EyeLike.
  {
    name: 'EyeLike k=1',
    op: 'EyeLike',
    inputs: [f32(2, 3)],
    attrs: { k: 1 },
    shapes: [[2, 3]],
    values: [[0, 1, 0, 0, 0, 1]],
    dtypes: ['float32'],
  },
  {
    name: 'EyeLike dtype attribute',
    op: 'EyeLike',
    inputs: [f32(2, 2)],
    attrs: { dtype: 7 },
    shapes: [[2, 2]],
    values: [[1, 0, 0, 1]],
    dtypes: ['int64'],
  },
];

describeOpRows('generator', ops, rows, { flops: 0 });

describeOpErrors('generator', ops, [
  { name: 'Range with delta 0', op: 'Range', inputs: [scalar(0), scalar(4), scalar(0)] },
  { name: 'Constant without a value', op: 'Constant', inputs: [] },
  { name: 'ConstantOfShape with a negative dim', op: 'ConstantOfShape', inputs: [i64([2, -1])] },
  { name: 'EyeLike of a 3-D tensor', op: 'EyeLike', inputs: [f32(2, 2, 2)] },
]);

describe('generator family: constants from tensors, symbolic shapes, memory', () => {
  it('Constant reads its value tensor through ctx.readTensor; dtype and dims come from the TensorRef', () => {
    const ref = tensorRef('int64', [2]);
    const { outputs } = run('Constant', { inputs: [], attrs: { value: { type: 'tensor', value: ref } } }, () => [4, 5]);
    expect(outputs[0]).toEqual({ dtype: 'int64', shape: [2], value: [4, 5], isConstant: true });
  });

  it('Constant keeps dtype and dims when the payload cannot be read', () => {
    const ref = tensorRef('float32', [64, 3, 7, 7]);
    const { outputs } = run('Constant', { inputs: [], attrs: { value: { type: 'tensor', value: ref } } });
    expect(outputs[0]).toEqual({ dtype: 'float32', shape: [64, 3, 7, 7], isConstant: true });
  });

  it('ConstantOfShape takes dtype and fill from its value tensor', () => {
    const ref = tensorRef('int64', [1]);
    const { outputs } = run(
      'ConstantOfShape',
      { inputs: [i64([3])], attrs: { value: { type: 'tensor', value: ref } } },
      () => [1],
    );
    expect(outputs[0]).toEqual({ dtype: 'int64', shape: [3], value: [1, 1, 1] });
  });

  it('ConstantOfShape with a symbolic shape value keeps the symbol', () => {
    const shapeIn: TensorInfo = { dtype: 'int64', shape: [2], symbolicValue: ['N', 4] };
    expect(at(run('ConstantOfShape', { inputs: [shapeIn] }).outputs, 0).shape).toEqual(['N', 4]);
  });

  it('ConstantOfShape writes its output only', () => {
    expect(run('ConstantOfShape', { inputs: [i64([64, 64])] }).cost?.memory).toEqual({
      elements: 4096,
      bytes: 4096 * 4,
    });
  });
});
