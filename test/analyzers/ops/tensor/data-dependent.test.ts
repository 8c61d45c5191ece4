import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/tensor/data-dependent.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { Dim } from '../../../../src/model/ir.js';
import { at } from '../../../../src/util/at.js';
import { f32, i64, runOp, opFinder, type TestAttr } from '../../../helpers/op-context.js';

const byType = opFinder(ops, 'tensor/data-dependent');

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

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
  // Compress: the output length is the count of true conditions.
  {
    name: 'Compress along an axis',
    op: 'Compress',
    inputs: [i64(iota(6), [3, 2]), { dtype: 'bool', shape: [3], value: [1, 0, 1] }],
    attrs: { axis: 0 },
    shapes: [[2, 2]],
    values: [[0, 1, 4, 5]],
  },
  {
    name: 'Compress flattened, short condition',
    op: 'Compress',
    inputs: [i64(iota(6), [3, 2]), { dtype: 'bool', shape: [3], value: [0, 1, 1] }],
    shapes: [[2]],
    values: [[1, 2]],
  },
  {
    name: 'Compress unknown condition',
    op: 'Compress',
    inputs: [f32(3, 2), { dtype: 'bool', shape: [3] }],
    attrs: { axis: 0 },
    shapes: [['Compress_0:0:0', 2]],
  },
  // NonZero: [rank, number of non-zeros]; the count is data-dependent unless the value is folded.
  { name: 'NonZero unknown values', op: 'NonZero', inputs: [f32(3, 4)], shapes: [[2, 'NonZero_0:0:1']], flops: 12 },
  {
    name: 'NonZero folded',
    op: 'NonZero',
    inputs: [i64([1, 0, 0, 3], [2, 2])],
    shapes: [[2, 2]],
    values: [[0, 1, 0, 1]],
    flops: 4,
  },
  {
    name: 'NonZero of unknown rank',
    op: 'NonZero',
    inputs: [{ dtype: 'float32', shape: null }],
    shapes: [['NonZero_0:0:0', 'NonZero_0:0:1']],
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
    values: [
      [1, 2, 3, 4],
      [1, 0, 3, 4],
      [1, 0, 0, 2, 3, 2],
      [2, 1, 2, 1],
    ],
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
];

describe('tensor/data-dependent family: shapes, folded values, FLOPs', () => {
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
