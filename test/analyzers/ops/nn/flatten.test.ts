import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/nn/flatten.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { Dim } from '../../../../src/model/ir.js';
import { at } from '../../../../src/util/at.js';
import { f32, opFinder, runOp, type OpCase, type TestAttr } from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'nn/flatten');

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
  // Flatten.
  { name: 'Flatten axis=1', op: 'Flatten', inputs: [f32(2, 3, 4, 5)], shapes: [[2, 60]] },
  { name: 'Flatten axis=0', op: 'Flatten', inputs: [f32(2, 3, 4)], attrs: { axis: 0 }, shapes: [[1, 24]] },
  { name: 'Flatten axis=-1', op: 'Flatten', inputs: [f32(2, 3, 4)], attrs: { axis: -1 }, shapes: [[6, 4]] },
  { name: 'Flatten axis=rank', op: 'Flatten', inputs: [f32(2, 3)], attrs: { axis: 2 }, shapes: [[6, 1]] },
  { name: 'Flatten keeps a symbolic batch', op: 'Flatten', inputs: [f32('N', 3, 4)], shapes: [['N', 12]] },
];

describe('nn/flatten family: shapes and folded values', () => {
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

describe('nn/flatten family: invalid input throws', () => {
  const bad: [string, string, Omit<OpCase, 'opType'>][] = [
    ['Flatten axis out of range', 'Flatten', { inputs: [f32(2, 3)], attrs: { axis: 3 } }],
  ];
  it.each(bad)('%s', (_name, op, c) => {
    expect(() => run(op, c)).toThrow(Error);
  });
});
