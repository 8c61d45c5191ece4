import { describe, expect, it } from 'vitest';
import { OP_FAMILIES } from '../../../src/analyzers/registry.js';
import type { OpContext, OpDef, TensorInfo } from '../../../src/analyzers/types.js';
import type { Dim, TensorRef } from '../../../src/model/ir.js';
import { f32, i64, opContext, type OpCase, type TestAttr } from '../../helpers/op-context.js';

const ops = [...OP_FAMILIES['tensor/shape'], ...OP_FAMILIES['tensor/cast'], ...OP_FAMILIES['generator'], ...OP_FAMILIES['optional'], ...OP_FAMILIES['nn/dropout'], ...OP_FAMILIES['nn/flatten']];
const tensorOps = [...OP_FAMILIES['tensor/movement'], ...OP_FAMILIES['tensor/gather-scatter'], ...OP_FAMILIES['tensor/resize'], ...OP_FAMILIES['tensor/data-dependent'], ...OP_FAMILIES['math/expand'], ...OP_FAMILIES['nn/conv']];

const byType = (type: string): OpDef => {
  const def = [...ops, ...tensorOps].find((d) => d.opType === type);
  if (!def) throw new Error(`no op ${type}`);
  return def;
};

/** runOp with an optional readTensor (Constant / ConstantOfShape tensors). */
function run(type: string, c: Omit<OpCase, 'opType'>, readTensor?: OpContext['readTensor']) {
  const def = byType(type);
  const ctx = { ...opContext({ ...c, opType: type }), ...(readTensor ? { readTensor } : {}) };
  const outputs = def.inferShape(ctx);
  return { outputs, cost: def.cost ? def.cost(ctx, outputs) : null };
}

const scalar = (v: number): TensorInfo => i64([v], []);
const sym = (info: TensorInfo) => info.symbolicValue;
const tensorRef = (dtype: TensorRef['dtype'], dims: number[]): TensorRef => ({
  name: 't',
  dtype,
  dims,
  byteLength: 0,
  location: { kind: 'empty' },
});

interface Row {
  name: string;
  op: string;
  inputs: (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  opset?: number;
  outputs?: number;
  /** Expected output shapes. */
  shapes: (Dim[] | null)[];
  /** Expected folded values per output; `null` asserts that no value is set. */
  values?: (readonly number[] | null)[];
  dtypes?: (string | null)[];
}

const rows: Row[] = [
  // Shape: the value is the static shape; opset 15 slices it with start/end (clamped, negative from the back).
  { name: 'Shape of a static tensor', op: 'Shape', inputs: [f32(2, 3, 4)], shapes: [[3]], values: [[2, 3, 4]], dtypes: ['int64'] },
  { name: 'Shape-15 start=-1', op: 'Shape', inputs: [f32(2, 3, 4)], attrs: { start: -1 }, opset: 15, shapes: [[1]], values: [[4]] },
  { name: 'Shape-15 end=-1', op: 'Shape', inputs: [f32(2, 3, 4)], attrs: { end: -1 }, opset: 15, shapes: [[2]], values: [[2, 3]] },
  { name: 'Shape-15 start=1 end=2', op: 'Shape', inputs: [f32(2, 3, 4)], attrs: { start: 1, end: 2 }, opset: 15, shapes: [[1]], values: [[3]] },
  { name: 'Shape-15 end beyond rank clamps', op: 'Shape', inputs: [f32(2, 3, 4)], attrs: { start: -10, end: 10 }, opset: 15, shapes: [[3]], values: [[2, 3, 4]] },
  { name: 'Shape-13 ignores start/end', op: 'Shape', inputs: [f32(2, 3, 4)], attrs: { start: 1 }, opset: 13, shapes: [[3]], values: [[2, 3, 4]] },
  { name: 'Shape of a symbolic tensor has no numeric value', op: 'Shape', inputs: [f32('N', 3)], shapes: [[2]], values: [null] },
  { name: 'Shape of unknown rank', op: 'Shape', inputs: [{ dtype: 'float32', shape: null }], shapes: [['Shape_0:0:0']] },
  // Size.
  { name: 'Size static', op: 'Size', inputs: [f32(2, 3, 4)], shapes: [[]], values: [[24]] },
  { name: 'Size symbolic', op: 'Size', inputs: [f32('N', 3)], shapes: [[]], values: [null] },
  // Reshape: 0 copies, -1 inferred, allowzero keeps 0 literally.
  { name: 'Reshape 0 and -1', op: 'Reshape', inputs: [f32(2, 3, 4), i64([0, -1])], shapes: [[2, 12]] },
  { name: 'Reshape -1 first', op: 'Reshape', inputs: [f32(2, 3, 4), i64([-1, 4])], shapes: [[6, 4]] },
  { name: 'Reshape to scalar', op: 'Reshape', inputs: [f32(1, 1), i64([], [0])], shapes: [[]] },
  { name: 'Reshape allowzero=1 keeps the 0', op: 'Reshape', inputs: [f32(3, 0), i64([0, 3])], attrs: { allowzero: 1 }, opset: 14, shapes: [[0, 3]] },
  { name: 'Reshape symbolic batch with 0', op: 'Reshape', inputs: [f32('N', 232, 7, 7), i64([0, 2, 116, 49])], shapes: [['N', 2, 116, 49]] },
  { name: 'Reshape symbolic batch with -1 cancels N', op: 'Reshape', inputs: [f32('N', 232, 7, 7), i64([0, -1])], shapes: [['N', 11368]] },
  { name: 'Reshape -1 with an unmatched symbol is dynamic', op: 'Reshape', inputs: [f32('N', 4), i64([-1, 2])], shapes: [['Reshape_0:0:0', 2]] },
  { name: 'Reshape-1 shape attribute', op: 'Reshape', inputs: [f32(2, 3, 4)], attrs: { shape: [4, -1] }, opset: 1, shapes: [[4, 6]] },
  { name: 'Reshape with unknown target of known length', op: 'Reshape', inputs: [f32(2, 3, 4), { dtype: 'int64', shape: [3] }], shapes: [['Reshape_0:0:0', 'Reshape_0:0:1', 'Reshape_0:0:2']] },
  { name: 'Reshape to an unknown rank-1 target holds every element', op: 'Reshape', inputs: [f32(2, 3, 4), { dtype: 'int64', shape: [1] }], shapes: [[24]] },
  { name: 'Reshape folds values', op: 'Reshape', inputs: [i64([1, 2, 3, 4]), i64([2, 2])], shapes: [[2, 2]], values: [[1, 2, 3, 4]] },
  // Flatten.
  { name: 'Flatten axis=1', op: 'Flatten', inputs: [f32(2, 3, 4, 5)], shapes: [[2, 60]] },
  { name: 'Flatten axis=0', op: 'Flatten', inputs: [f32(2, 3, 4)], attrs: { axis: 0 }, shapes: [[1, 24]] },
  { name: 'Flatten axis=-1', op: 'Flatten', inputs: [f32(2, 3, 4)], attrs: { axis: -1 }, shapes: [[6, 4]] },
  { name: 'Flatten axis=rank', op: 'Flatten', inputs: [f32(2, 3)], attrs: { axis: 2 }, shapes: [[6, 1]] },
  { name: 'Flatten keeps a symbolic batch', op: 'Flatten', inputs: [f32('N', 3, 4)], shapes: [['N', 12]] },
  // Squeeze / Unsqueeze: axes attribute before opset 13, input from 13.
  { name: 'Squeeze-11 axes attribute', op: 'Squeeze', inputs: [f32(1, 3, 1, 5)], attrs: { axes: [0, -2] }, opset: 11, shapes: [[3, 5]] },
  { name: 'Squeeze-13 axes input', op: 'Squeeze', inputs: [f32(1, 3, 1, 5), i64([2])], opset: 13, shapes: [[1, 3, 5]] },
  { name: 'Squeeze without axes drops every 1', op: 'Squeeze', inputs: [f32(1, 3, 1, 5)], opset: 13, shapes: [[3, 5]] },
  { name: 'Squeeze-13 with an empty axes tensor drops every 1', op: 'Squeeze', inputs: [f32(1, 3, 1), i64([], [0])], opset: 13, shapes: [[3]] },
  { name: 'Squeeze without axes and a symbolic dim: rank unknown', op: 'Squeeze', inputs: [f32('N', 1, 5)], opset: 13, shapes: [null] },
  { name: 'Squeeze folds a [1] shape value to a scalar', op: 'Squeeze', inputs: [i64([7]), i64([0])], opset: 13, shapes: [[]], values: [[7]] },
  { name: 'Squeeze-13 unknown axes, one size-1 dim: that is the axis', op: 'Squeeze', inputs: [f32(1, 3, 4), { dtype: 'int64', shape: [1] }], opset: 13, shapes: [[3, 4]] },
  { name: 'Squeeze-13 unknown axes, ambiguous', op: 'Squeeze', inputs: [f32(1, 3, 1), { dtype: 'int64', shape: [1] }], opset: 13, shapes: [['Squeeze_0:0:0', 'Squeeze_0:0:1']] },
  { name: 'Unsqueeze-11 axes attribute', op: 'Unsqueeze', inputs: [f32(3, 4)], attrs: { axes: [0, 3] }, opset: 11, shapes: [[1, 3, 4, 1]] },
  { name: 'Unsqueeze-13 negative axis', op: 'Unsqueeze', inputs: [f32(3, 4), i64([-1])], opset: 13, shapes: [[3, 4, 1]] },
  { name: 'Unsqueeze scalar value', op: 'Unsqueeze', inputs: [scalar(5), i64([0])], opset: 13, shapes: [[1]], values: [[5]] },
  { name: 'Unsqueeze-13 unknown axes of known length', op: 'Unsqueeze', inputs: [f32(3), { dtype: 'int64', shape: [1] }], opset: 13, shapes: [['Unsqueeze_0:0:0', 'Unsqueeze_0:0:1']] },
  // Identity, Dropout.
  { name: 'Identity passes the value', op: 'Identity', inputs: [i64([1, 2])], shapes: [[2]], values: [[1, 2]] },
  { name: 'Dropout-13 mask is bool', op: 'Dropout', inputs: [f32(2, 3)], outputs: 2, opset: 13, shapes: [[2, 3], [2, 3]], dtypes: ['float32', 'bool'] },
  { name: 'Dropout-7 mask has the input type', op: 'Dropout', inputs: [f32(2, 3)], outputs: 2, opset: 7, shapes: [[2, 3], [2, 3]], dtypes: ['float32', 'float32'] },
  // Constant from typed attributes.
  { name: 'Constant value_ints', op: 'Constant', inputs: [], attrs: { value_ints: [1, -1] }, shapes: [[2]], values: [[1, -1]], dtypes: ['int64'] },
  { name: 'Constant value_int', op: 'Constant', inputs: [], attrs: { value_int: 3 }, shapes: [[]], values: [[3]], dtypes: ['int64'] },
  { name: 'Constant value_float', op: 'Constant', inputs: [], attrs: { value_float: 0.5 }, shapes: [[]], values: [[0.5]], dtypes: ['float32'] },
  { name: 'Constant value_floats', op: 'Constant', inputs: [], attrs: { value_floats: [0.5, 0.25] }, shapes: [[2]], values: [[0.5, 0.25]], dtypes: ['float32'] },
  // ConstantOfShape: float32 zeros by default.
  { name: 'ConstantOfShape default', op: 'ConstantOfShape', inputs: [i64([2, 3])], shapes: [[2, 3]], values: [[0, 0, 0, 0, 0, 0]], dtypes: ['float32'] },
  { name: 'ConstantOfShape of an empty shape is a scalar', op: 'ConstantOfShape', inputs: [i64([], [0])], shapes: [[]], values: [[0]] },
  { name: 'ConstantOfShape unknown shape of known length', op: 'ConstantOfShape', inputs: [{ dtype: 'int64', shape: [2] }], shapes: [['ConstantOfShape_0:0:0', 'ConstantOfShape_0:0:1']] },
  { name: 'ConstantOfShape too large to fold', op: 'ConstantOfShape', inputs: [i64([64, 64])], shapes: [[64, 64]], values: [null] },
  // Cast: floats truncate toward zero, bool is x != 0, narrow ints wrap.
  { name: 'Cast float -> int64 truncates', op: 'Cast', inputs: [{ dtype: 'float32', shape: [4], value: [1.7, -1.7, 2.5, -0.2] }], attrs: { to: 7 }, shapes: [[4]], values: [[1, -1, 2, 0]], dtypes: ['int64'] },
  { name: 'Cast int64 -> bool', op: 'Cast', inputs: [i64([0, 3, -2])], attrs: { to: 9 }, shapes: [[3]], values: [[0, 1, 1]], dtypes: ['bool'] },
  { name: 'Cast int64 -> uint8 wraps', op: 'Cast', inputs: [i64([256, 257, -1])], attrs: { to: 2 }, shapes: [[3]], values: [[0, 1, 255]], dtypes: ['uint8'] },
  { name: 'Cast int64 -> float32', op: 'Cast', inputs: [i64([3, 224])], attrs: { to: 1 }, shapes: [[2]], values: [[3, 224]], dtypes: ['float32'] },
  { name: 'Cast float64 -> float32 rounds', op: 'Cast', inputs: [{ dtype: 'float64', shape: [1], value: [0.1] }], attrs: { to: 1 }, shapes: [[1]], values: [[Math.fround(0.1)]] },
  { name: 'Cast-1 string target', op: 'Cast', inputs: [i64([5])], attrs: { to: 'INT32' }, opset: 1, shapes: [[1]], values: [[5]], dtypes: ['int32'] },
  { name: 'Cast float -> float16 non-integer does not fold', op: 'Cast', inputs: [{ dtype: 'float32', shape: [1], value: [0.1] }], attrs: { to: 10 }, shapes: [[1]], values: [null], dtypes: ['float16'] },
  { name: 'CastLike takes the dtype of input 1', op: 'CastLike', inputs: [{ dtype: 'float32', shape: [2], value: [2.9, 3.1] }, i64([0], [])], opset: 15, shapes: [[2]], values: [[2, 3]], dtypes: ['int64'] },
  // Range: length max(ceil((limit - start) / delta), 0).
  { name: 'Range 0..10 step 3', op: 'Range', inputs: [scalar(0), scalar(10), scalar(3)], shapes: [[4]], values: [[0, 3, 6, 9]] },
  { name: 'Range 10..0 step -3', op: 'Range', inputs: [scalar(10), scalar(0), scalar(-3)], shapes: [[4]], values: [[10, 7, 4, 1]] },
  { name: 'Range empty', op: 'Range', inputs: [scalar(5), scalar(1), scalar(1)], shapes: [[0]], values: [[]] },
  { name: 'Range float', op: 'Range', inputs: [{ dtype: 'float32', shape: [], value: [0] }, { dtype: 'float32', shape: [], value: [1] }, { dtype: 'float32', shape: [], value: [0.25] }], shapes: [[4]], values: [[0, 0.25, 0.5, 0.75]], dtypes: ['float32'] },
  { name: 'Range with an unknown limit', op: 'Range', inputs: [scalar(0), { dtype: 'int64', shape: [] }, scalar(1)], shapes: [['Range_0:0:0']] },
  // EyeLike.
  { name: 'EyeLike k=1', op: 'EyeLike', inputs: [f32(2, 3)], attrs: { k: 1 }, shapes: [[2, 3]], values: [[0, 1, 0, 0, 0, 1]], dtypes: ['float32'] },
  { name: 'EyeLike dtype attribute', op: 'EyeLike', inputs: [f32(2, 2)], attrs: { dtype: 7 }, shapes: [[2, 2]], values: [[1, 0, 0, 1]], dtypes: ['int64'] },
  // Optional.
  { name: 'Optional wraps its input', op: 'Optional', inputs: [f32(2)], opset: 15, shapes: [[2]] },
  { name: 'OptionalGetElement unwraps', op: 'OptionalGetElement', inputs: [f32(2)], opset: 15, shapes: [[2]] },
  { name: 'OptionalHasElement is a bool scalar', op: 'OptionalHasElement', inputs: [f32(2)], opset: 15, shapes: [[]], dtypes: ['bool'] },
];

describe('shape ops: shapes and folded values', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { outputs, cost } = run(r.op, { inputs: r.inputs, attrs: r.attrs, opset: r.opset, outputs: r.outputs });
    expect(outputs.map((o) => o.shape)).toEqual(r.shapes);
    r.values?.forEach((v, i) => (v === null ? expect(outputs[i].value).toBeUndefined() : expect(outputs[i].value).toEqual(v)));
    r.dtypes?.forEach((d, i) => expect(outputs[i].dtype).toBe(d));
    expect(cost?.flops).toBe(0);
  });
});

describe('shape ops: invalid input throws', () => {
  const bad: [string, string, Omit<OpCase, 'opType'>][] = [
    ['Reshape to a different element count', 'Reshape', { inputs: [f32(2, 3), i64([4, 2])] }],
    ['Reshape -1 that does not divide', 'Reshape', { inputs: [f32(2, 3), i64([4, -1])] }],
    ['Reshape with two -1', 'Reshape', { inputs: [f32(2, 3), i64([-1, -1])] }],
    ['Reshape 0 past the input rank', 'Reshape', { inputs: [f32(6), i64([2, 0])] }],
    ['Reshape 0 copies a dim without allowzero (count mismatch)', 'Reshape', { inputs: [f32(3, 0), i64([0, 3])], opset: 14 }],
    ['Reshape allowzero with 0 and -1', 'Reshape', { inputs: [f32(3, 0), i64([0, -1])], attrs: { allowzero: 1 }, opset: 14 }],
    ['Squeeze of a non-1 axis', 'Squeeze', { inputs: [f32(2, 3)], attrs: { axes: [0] }, opset: 11 }],
    ['Unsqueeze with a repeated axis', 'Unsqueeze', { inputs: [f32(2), i64([0, 0])], opset: 13 }],
    ['Unsqueeze axis out of range', 'Unsqueeze', { inputs: [f32(2), i64([3])], opset: 13 }],
    ['Flatten axis out of range', 'Flatten', { inputs: [f32(2, 3)], attrs: { axis: 3 } }],
    ['Range with delta 0', 'Range', { inputs: [scalar(0), scalar(4), scalar(0)] }],
    ['Constant without a value', 'Constant', { inputs: [] }],
    ['ConstantOfShape with a negative dim', 'ConstantOfShape', { inputs: [i64([2, -1])] }],
    ['EyeLike of a 3-D tensor', 'EyeLike', { inputs: [f32(2, 2, 2)] }],
    ['Shape without its input', 'Shape', { inputs: [null] }],
  ];
  it.each(bad)('%s', (_name, op, c) => {
    expect(() => run(op, c)).toThrow(Error);
  });
});

describe('shape ops: symbolic dims, constants, costs', () => {
  it('Shape of [N, 3, 224, 224] carries N symbolically and is not a constant', () => {
    const [s] = run('Shape', { inputs: [f32('N', 3, 224, 224)] }).outputs;
    expect(sym(s)).toEqual(['N', 3, 224, 224]);
    expect(s.isConstant).toBeUndefined();
  });

  it('Shape of a static input is a constant (onnxruntime folds it)', () => {
    expect(run('Shape', { inputs: [f32(1, 3)] }).outputs[0].isConstant).toBe(true);
  });

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
    const { outputs } = run('ConstantOfShape', { inputs: [i64([3])], attrs: { value: { type: 'tensor', value: ref } } }, () => [1]);
    expect(outputs[0]).toEqual({ dtype: 'int64', shape: [3], value: [1, 1, 1] });
  });

  it('ConstantOfShape with a symbolic shape value keeps the symbol', () => {
    const shapeIn: TensorInfo = { dtype: 'int64', shape: [2], symbolicValue: ['N', 4] };
    expect(run('ConstantOfShape', { inputs: [shapeIn] }).outputs[0].shape).toEqual(['N', 4]);
  });

  it('Cast keeps symbolic elements of an integer shape tensor', () => {
    const shapeIn: TensorInfo = { dtype: 'int64', shape: [2], symbolicValue: ['N', 4] };
    const [out] = run('Cast', { inputs: [shapeIn], attrs: { to: 6 } }).outputs;
    expect(sym(out)).toEqual(['N', 4]);
    expect(out.dtype).toBe('int32');
  });

  it('metadata ops are views: memory none, no params', () => {
    for (const op of ['Reshape', 'Flatten', 'Squeeze', 'Identity']) {
      const inputs = op === 'Reshape' ? [f32(2, 3), i64([6])] : [f32(1, 3)];
      expect(run(op, { inputs, opset: 13 }).cost).toEqual({ flops: 0, memory: 'none', paramInputs: [] });
    }
  });

  it('Cast is a copy: io memory', () => {
    expect(run('Cast', { inputs: [f32(2, 3)], attrs: { to: 10 } }).cost?.memory).toBe('io');
  });

  it('ConstantOfShape writes its output only', () => {
    expect(run('ConstantOfShape', { inputs: [i64([64, 64])] }).cost?.memory).toEqual({ elements: 4096, bytes: 4096 * 4 });
  });

  it('Dropout in training mode applies a mask: one op per element', () => {
    const train = run('Dropout', { inputs: [f32(2, 3), null, { dtype: 'bool', shape: [], value: [1] }], opset: 13 });
    expect(train.cost).toEqual({ flops: 6, memory: 'io', paramInputs: [] });
    const infer = run('Dropout', { inputs: [f32(2, 3), null, { dtype: 'bool', shape: [], value: [0] }], opset: 13 });
    expect(infer.cost?.memory).toBe('none');
  });

  it('op types are unique in the family', () => {
    expect(new Set(ops.map((o) => o.opType)).size).toBe(ops.length);
  });
});

/**
 * The chains exporters emit, run op by op: each output feeds the next node, as the engine does.
 * torch's channel_shuffle(x, 2) on [n, 116, 28, 28]:
 *   s = Shape(x); n = Gather(s, 0); h = Gather(s, 2); w = Gather(s, 3)
 *   y = Reshape(x, Concat(Unsqueeze(n), [2], [58], Unsqueeze(h), Unsqueeze(w)))
 *   z = Transpose(y, [0, 2, 1, 3, 4]); out = Reshape(z, Concat(Unsqueeze(n), [-1], Unsqueeze(h), Unsqueeze(w)))
 */
function channelShuffle(x: TensorInfo) {
  const one = (op: string, inputs: (TensorInfo | null)[], attrs?: Record<string, TestAttr>) =>
    run(op, { inputs, attrs, opset: 13 }).outputs[0];
  const s = one('Shape', [x]);
  const dim = (i: number) => one('Unsqueeze', [one('Gather', [s, scalar(i)], { axis: 0 }), i64([0])]);
  const [n, h, w] = [dim(0), dim(2), dim(3)];
  const target1 = one('Concat', [n, i64([2]), i64([58]), h, w], { axis: 0 });
  const y = one('Reshape', [x, target1]);
  const z = one('Transpose', [y], { perm: [0, 2, 1, 3, 4] });
  const target2 = one('Concat', [n, i64([-1]), h, w], { axis: 0 });
  return { target1, y, z, out: one('Reshape', [z, target2]) };
}

describe('exporter shape chains fold to concrete shapes', () => {
  it('channel shuffle on a static input', () => {
    const { target1, y, z, out } = channelShuffle(f32(1, 116, 28, 28));
    expect(target1.value).toEqual([1, 2, 58, 28, 28]);
    expect(y.shape).toEqual([1, 2, 58, 28, 28]);
    expect(z.shape).toEqual([1, 58, 2, 28, 28]);
    expect(out.shape).toEqual([1, 116, 28, 28]);
  });

  it('channel shuffle with a symbolic batch keeps N all the way', () => {
    const { target1, y, out } = channelShuffle(f32('N', 116, 28, 28));
    expect(target1.value).toBeUndefined();
    expect(sym(target1)).toEqual(['N', 2, 58, 28, 28]);
    expect(y.shape).toEqual(['N', 2, 58, 28, 28]);
    expect(out.shape).toEqual(['N', 116, 28, 28]);
  });

  it('Shape -> Slice(2:) -> Concat -> Resize sizes', () => {
    const x = f32(1, 3, 20, 30);
    const s = run('Shape', { inputs: [x] }).outputs[0];
    const hw = run('Slice', { inputs: [s, i64([2]), i64([9223372036854775807])], opset: 13 }).outputs[0];
    expect(hw.value).toEqual([20, 30]);
    const sizes = run('Concat', { inputs: [i64([1, 3]), hw], attrs: { axis: 0 } }).outputs[0];
    expect(sizes.value).toEqual([1, 3, 20, 30]);
    const doubled = run('Resize', { inputs: [x, null, null, i64([1, 3, 40, 60])], opset: 13 }).outputs[0];
    expect(doubled.shape).toEqual([1, 3, 40, 60]);
  });

  it('Shape -> Slice(2:) of [N, 3, H, W] keeps H and W symbolically', () => {
    const s = run('Shape', { inputs: [f32('N', 3, 'H', 'W')] }).outputs[0];
    const hw = run('Slice', { inputs: [s, i64([2]), i64([9223372036854775807])], opset: 13 }).outputs[0];
    expect(hw.value).toBeUndefined();
    expect(sym(hw)).toEqual(['H', 'W']);
    const target = run('Concat', { inputs: [i64([-1, 3]), hw], attrs: { axis: 0 } }).outputs[0];
    expect(run('Reshape', { inputs: [f32('N', 3, 'H', 'W'), target] }).outputs[0].shape).toEqual(['N', 3, 'H', 'W']);
  });

  it('Shape -> ConstantOfShape -> Shape round-trips', () => {
    const s = run('Shape', { inputs: [f32(2, 5)] }).outputs[0];
    const zeros = run('ConstantOfShape', { inputs: [s] }).outputs[0];
    expect(zeros.shape).toEqual([2, 5]);
    expect(zeros.value).toEqual(new Array(10).fill(0));
  });
});
