import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/tensor/elementwise.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { DType } from '../../../../src/model/ir.js';
import { f32, runOp, opFinder, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'tensor/elementwise');

const t = (dtype: DType, ...shape: (number | string)[]): TensorInfo => ({ dtype, shape });

const rows: OpRow[] = [
  {
    name: "Where broadcasts three ways with X's dtype",
    op: 'Where',
    inputs: [t('bool', 1, 1, 4, 4), f32(2, 8, 4, 4), f32()],
    shapes: [[2, 8, 4, 4]],
    flops: 2 * 8 * 4 * 4,
  },
  { name: 'IsNaN gives bool', op: 'IsNaN', inputs: [f32(2)], shapes: [[2]], dtypes: ['bool'], flops: 2 },
];

describeOpRows('tensor/elementwise', ops, rows, { dtype: 'float32' });

describe('tensor/elementwise family: errors', () => {
  it('Where with a condition that does not broadcast', () => {
    expect(() => runOp(op('Where'), { opType: 'Where', inputs: [t('bool', 3), f32(2, 4), f32(4)] })).toThrow(
      /do not broadcast/,
    );
  });
});
