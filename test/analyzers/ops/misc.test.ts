import { describe, expect, it } from 'vitest';
import { PER_ELEMENT_FLOPS } from '../../../src/analyzers/cost-model.js';
import { OP_FAMILIES } from '../../../src/analyzers/registry.js';
import type { OpDef, TensorInfo } from '../../../src/analyzers/types.js';
import type { Dim } from '../../../src/model/ir.js';
import { f32, i64, runOp, weight, type TestAttr } from '../../helpers/op-context.js';

const ops = [...OP_FAMILIES['rnn'], ...OP_FAMILIES['object-detection'], ...OP_FAMILIES['tensor/data-dependent'], ...OP_FAMILIES['tensor/resize']];

const byType = (type: string): OpDef => {
  const def = ops.find((d) => d.opType === type);
  if (!def) throw new Error(`no op ${type}`);
  return def;
};

const SIGMOID = PER_ELEMENT_FLOPS.Sigmoid;
const TANH = PER_ELEMENT_FLOPS.Tanh;
const RELU = PER_ELEMENT_FLOPS.Relu;

interface Row {
  name: string;
  op: string;
  inputs: (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  opset?: number;
  outputs?: number;
  shapes: (Dim[] | null)[];
  values?: (readonly number[] | null)[];
  flops: number | null;
}

/**
 * Recurrent FLOPs per hidden unit and step: gate matmuls G*(input + hidden), the two bias vectors 2*G when B is
 * given, then the cell's element-wise work (see rnn.ts).
 */
const lstmStep = (input: number, hidden: number, bias: boolean) =>
  4 * hidden * (input + hidden) + (bias ? 2 * 4 * hidden : 0) + hidden * (3 * SIGMOID + 2 * TANH + 3);
const gruStep = (input: number, hidden: number) => 3 * hidden * (input + hidden) + hidden * (2 * SIGMOID + TANH + 4);

const rows: Row[] = [
  // NonZero: [rank, number of non-zeros]; the count is data-dependent unless the value is folded.
  { name: 'NonZero unknown values', op: 'NonZero', inputs: [f32(3, 4)], shapes: [[2, 'NonZero_0:0:1']], flops: 12 },
  { name: 'NonZero folded', op: 'NonZero', inputs: [i64([1, 0, 0, 3], [2, 2])], shapes: [[2, 2]], values: [[0, 1, 0, 1]], flops: 4 },
  { name: 'NonZero of unknown rank', op: 'NonZero', inputs: [{ dtype: 'float32', shape: null }], shapes: [['NonZero_0:0:0', 'NonZero_0:0:1']], flops: null },
  // NonMaxSuppression: [selected, 3]; FLOPs depend on how many boxes survive.
  { name: 'NonMaxSuppression', op: 'NonMaxSuppression', inputs: [f32(1, 100, 4), f32(1, 80, 100), i64([10], [])], shapes: [['NonMaxSuppression_0:0:0', 3]], flops: null },
  { name: 'NonMaxSuppression without max_output_boxes selects none', op: 'NonMaxSuppression', inputs: [f32(1, 100, 4), f32(1, 80, 100)], shapes: [[0, 3]], flops: null },
  // LSTM: X [seq, batch, input] -> Y [seq, dirs, batch, hidden], Y_h and Y_c [dirs, batch, hidden].
  {
    name: 'LSTM forward with bias',
    op: 'LSTM',
    inputs: [f32(5, 2, 10), weight(1, 80, 10), weight(1, 80, 20), weight(1, 160)],
    attrs: { hidden_size: 20 },
    outputs: 3,
    shapes: [[5, 1, 2, 20], [1, 2, 20], [1, 2, 20]],
    flops: 5 * 2 * lstmStep(10, 20, true),
  },
  {
    name: 'LSTM hidden size from R, no bias',
    op: 'LSTM',
    inputs: [f32(5, 2, 10), weight(1, 80, 10), weight(1, 80, 20)],
    outputs: 2,
    shapes: [[5, 1, 2, 20], [1, 2, 20]],
    flops: 5 * 2 * lstmStep(10, 20, false),
  },
  {
    name: 'GRU-14 bidirectional, layout=1',
    op: 'GRU',
    inputs: [f32(2, 5, 10), weight(2, 60, 10), weight(2, 60, 20)],
    attrs: { hidden_size: 20, direction: 'bidirectional', layout: 1 },
    opset: 14,
    outputs: 2,
    shapes: [[2, 5, 2, 20], [2, 2, 20]],
    flops: 5 * 2 * 2 * gruStep(10, 20),
  },
  {
    name: 'RNN with a Relu activation',
    op: 'RNN',
    inputs: [f32(7, 1, 4), weight(1, 8, 4), weight(1, 8, 8)],
    attrs: { hidden_size: 8, activations: { type: 'strings', value: ['Relu'] } },
    outputs: 2,
    shapes: [[7, 1, 1, 8], [1, 1, 8]],
    flops: 7 * (8 * (4 + 8) + 8 * RELU),
  },
  {
    name: 'LSTM with a symbolic sequence length',
    op: 'LSTM',
    inputs: [f32('seq', 2, 10), weight(1, 80, 10), weight(1, 80, 20)],
    outputs: 1,
    shapes: [['seq', 1, 2, 20]],
    flops: null,
  },
  // Unique: Y, indices and counts share one data-dependent length.
  {
    name: 'Unique unknown values',
    op: 'Unique',
    inputs: [f32(6)],
    outputs: 4,
    shapes: [['Unique_0:0:0'], ['Unique_0:0:0'], [6], ['Unique_0:0:0']],
    flops: 6 * 3,
  },
  {
    name: 'Unique folded (sorted)',
    op: 'Unique',
    inputs: [i64([2, 1, 1, 3, 4, 3])],
    outputs: 4,
    shapes: [[4], [4], [6], [4]],
    values: [[1, 2, 3, 4], [1, 0, 3, 4], [1, 0, 0, 2, 3, 2], [2, 1, 2, 1]],
    flops: 6 * 3,
  },
  {
    name: 'Unique along an axis',
    op: 'Unique',
    inputs: [f32(4, 3)],
    attrs: { axis: 0 },
    outputs: 3,
    shapes: [['Unique_0:0:0', 3], ['Unique_0:0:0'], [4]],
    flops: 12 * 4,
  },
  // GridSample: [N, C, H_out, W_out]; bilinear reads 4 taps per output element.
  { name: 'GridSample bilinear', op: 'GridSample', inputs: [f32(1, 3, 32, 32), f32(1, 8, 8, 2)], opset: 16, shapes: [[1, 3, 8, 8]], flops: 192 * 4 },
  { name: 'GridSample nearest', op: 'GridSample', inputs: [f32(1, 3, 32, 32), f32(1, 8, 8, 2)], attrs: { mode: 'nearest' }, opset: 16, shapes: [[1, 3, 8, 8]], flops: 0 },
  { name: 'GridSample bicubic', op: 'GridSample', inputs: [f32(1, 3, 32, 32), f32(1, 8, 8, 2)], attrs: { mode: 'bicubic' }, opset: 16, shapes: [[1, 3, 8, 8]], flops: 192 * 16 },
];

describe('misc ops: shapes, folded values, FLOPs', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { outputs, cost } = runOp(byType(r.op), { opType: r.op, inputs: r.inputs, attrs: r.attrs, opset: r.opset, outputs: r.outputs });
    expect(outputs.map((o) => o.shape)).toEqual(r.shapes);
    r.values?.forEach((v, i) => (v === null ? expect(outputs[i].value).toBeUndefined() : expect(outputs[i].value).toEqual(v)));
    expect(cost?.flops).toBe(r.flops);
  });
});

describe('misc ops: params, memory, errors', () => {
  it('recurrent layers count W, R, B (and P for LSTM) as parameters, not the initial states', () => {
    const lstm = runOp(byType('LSTM'), { opType: 'LSTM', inputs: [f32(5, 2, 10), weight(1, 80, 10), weight(1, 80, 20)] });
    expect(lstm.cost?.paramInputs).toEqual([1, 2, 3, 7]);
    const gru = runOp(byType('GRU'), { opType: 'GRU', inputs: [f32(5, 2, 10), weight(1, 60, 10), weight(1, 60, 20)] });
    expect(gru.cost?.paramInputs).toEqual([1, 2, 3]);
  });

  it('NonMaxSuppression reads boxes and scores', () => {
    const { cost } = runOp(byType('NonMaxSuppression'), { opType: 'NonMaxSuppression', inputs: [f32(1, 100, 4), f32(1, 80, 100)] });
    expect(cost?.memory).toEqual({ elements: 400 + 8000, bytes: (400 + 8000) * 4 });
  });

  it('LSTM with a 2-D X throws', () => {
    expect(() => runOp(byType('LSTM'), { opType: 'LSTM', inputs: [f32(5, 10), weight(1, 80, 10), weight(1, 80, 20)] })).toThrow(/3-D/);
  });

  it('GridSample with a grid of the wrong rank throws', () => {
    expect(() => runOp(byType('GridSample'), { opType: 'GridSample', inputs: [f32(1, 3, 32, 32), f32(1, 8, 2)], opset: 16 })).toThrow(/rank/);
  });

  it('op types are unique in the family', () => {
    expect(new Set(ops.map((o) => o.opType)).size).toBe(ops.length);
  });
});
