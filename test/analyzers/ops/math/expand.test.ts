import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/math/expand.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { Dim } from '../../../../src/model/ir.js';
import { at } from '../../../../src/util/at.js';
import { f32, i64, runOp, opFinder, type TestAttr } from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'math/expand');

interface Row {
  name: string;
  op: string;
  inputs: (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  opset?: number;
  outputs?: number;
  shapes: (Dim[] | null)[];
  /** Folded values per output; `null` asserts none. */
  values?: (readonly number[] | null)[];
  /** Expected FLOPs (0 when omitted: data movement does no arithmetic). */
  flops?: number | null;
}

const rows: Row[] = [
  // Expand.
  { name: 'Expand broadcasts', op: 'Expand', inputs: [f32(3, 1), i64([2, 1, 6])], shapes: [[2, 3, 6]] },
  { name: 'Expand folds a value', op: 'Expand', inputs: [i64([7]), i64([3])], shapes: [[3]], values: [[7, 7, 7]] },
  {
    name: 'Expand folds a row',
    op: 'Expand',
    inputs: [i64([1, 2], [1, 2]), i64([2, 2])],
    shapes: [[2, 2]],
    values: [[1, 2, 1, 2]],
  },
  {
    name: 'Expand with an unknown shape of known length',
    op: 'Expand',
    inputs: [f32(3, 1), { dtype: 'int64', shape: [3] }],
    shapes: [['Expand_0:0:0', 3, 'Expand_0:0:2']],
  },
];

describe('math/expand family: shapes, folded values, FLOPs', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { outputs, cost } = runOp(byType(r.op), {
      opType: r.op,
      inputs: r.inputs,
      attrs: r.attrs,
      opset: r.opset,
      outputs: r.outputs,
    });
    expect(outputs.map((o) => o.shape)).toEqual(r.shapes);
    r.values?.forEach((v, i) =>
      v === null ? expect(at(outputs, i).value).toBeUndefined() : expect(at(outputs, i).value).toEqual(v),
    );
    expect(cost?.flops).toBe(r.flops === undefined ? 0 : r.flops);
  });
});

describe('math/expand family: invalid input throws', () => {
  const bad: [
    string,
    string,
    { inputs: (TensorInfo | null)[]; attrs?: Record<string, TestAttr>; opset?: number; outputs?: number },
  ][] = [['Expand to an incompatible shape', 'Expand', { inputs: [f32(3), i64([4])] }]];
  it.each(bad)('%s', (_name, op, c) => {
    expect(() => runOp(byType(op), { opType: op, ...c })).toThrow(Error);
  });
});

describe('math/expand family: memory and symbolic values', () => {
  it('Expand of a symbolic shape value keeps the symbol', () => {
    const shapeIn: TensorInfo = { dtype: 'int64', shape: [3], symbolicValue: ['N', 1, 6] };
    const { outputs } = runOp(byType('Expand'), { opType: 'Expand', inputs: [f32(3, 1), shapeIn] });
    expect(at(outputs, 0).shape).toEqual(['N', 3, 6]);
  });
});
