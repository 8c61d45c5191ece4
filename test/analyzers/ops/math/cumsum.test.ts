import { describe, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/math/cumsum.js';
import { f32, i64, opFinder, expectOpRow, type OpShapeRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'math/cumsum');

const rows: OpShapeRow[] = [
  { name: 'CumSum', op: 'CumSum', inputs: [f32(2, 5), i64([1], [])], shapes: [[2, 5]], flops: 10 },
];

describe('math/cumsum family: shapes and FLOPs', () => {
  it.each(rows)('$name', (row) => expectOpRow(op(row.op), row));
});
