import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/nn/dropout.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { Dim } from '../../../../src/model/ir.js';
import { at } from '../../../../src/util/at.js';
import { f32, opFinder, runOp, type OpCase, type TestAttr } from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'nn/dropout');

const run = (type: string, c: Omit<OpCase, 'opType'>) => runOp(byType(type), { ...c, opType: type });

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
  {
    name: 'Dropout-13 mask is bool',
    op: 'Dropout',
    inputs: [f32(2, 3)],
    outputs: 2,
    opset: 13,
    shapes: [
      [2, 3],
      [2, 3],
    ],
    dtypes: ['float32', 'bool'],
  },
  {
    name: 'Dropout-7 mask has the input type',
    op: 'Dropout',
    inputs: [f32(2, 3)],
    outputs: 2,
    opset: 7,
    shapes: [
      [2, 3],
      [2, 3],
    ],
    dtypes: ['float32', 'float32'],
  },
];

describe('nn/dropout family: shapes and folded values', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { outputs, cost } = run(r.op, { inputs: r.inputs, attrs: r.attrs, opset: r.opset, outputs: r.outputs });
    expect(outputs.map((o) => o.shape)).toEqual(r.shapes);
    r.values?.forEach((v, i) =>
      v === null ? expect(at(outputs, i).value).toBeUndefined() : expect(at(outputs, i).value).toEqual(v),
    );
    r.dtypes?.forEach((d, i) => expect(at(outputs, i).dtype).toBe(d));
    expect(cost?.flops).toBe(0);
  });
});

describe('nn/dropout family: symbolic dims, constants, costs', () => {
  it('Dropout in training mode applies a mask: one op per element', () => {
    const train = run('Dropout', { inputs: [f32(2, 3), null, { dtype: 'bool', shape: [], value: [1] }], opset: 13 });
    expect(train.cost).toEqual({ flops: 6, memory: 'io', paramInputs: [] });
    const infer = run('Dropout', { inputs: [f32(2, 3), null, { dtype: 'bool', shape: [], value: [0] }], opset: 13 });
    expect(infer.cost?.memory).toBe('none');
  });
});
