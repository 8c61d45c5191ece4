import { describe, expect, it } from 'vitest';
import { ops } from '../../../src/analyzers/ops/optional.js';
import type { TensorInfo } from '../../../src/analyzers/types.js';
import type { Dim } from '../../../src/model/ir.js';
import { at } from '../../../src/util/at.js';
import { f32, opFinder, runOp, type OpCase, type TestAttr } from '../../helpers/op-context.js';

const byType = opFinder(ops, 'optional');

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
  // Optional.
  { name: 'Optional wraps its input', op: 'Optional', inputs: [f32(2)], opset: 15, shapes: [[2]] },
  { name: 'OptionalGetElement unwraps', op: 'OptionalGetElement', inputs: [f32(2)], opset: 15, shapes: [[2]] },
  {
    name: 'OptionalHasElement is a bool scalar',
    op: 'OptionalHasElement',
    inputs: [f32(2)],
    opset: 15,
    shapes: [[]],
    dtypes: ['bool'],
  },
];

describe('optional family: shapes and folded values', () => {
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
