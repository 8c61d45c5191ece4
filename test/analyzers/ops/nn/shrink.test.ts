import { describe, expect, it } from 'vitest';
import { PER_ELEMENT_FLOPS } from '../../../../src/analyzers/cost-model.js';
import { ops } from '../../../../src/analyzers/ops/nn/shrink.js';
import { at } from '../../../../src/util/at.js';
import { f32, runOp, opFinder } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'nn/shrink');

describe('nn/shrink family: shapes and FLOPs', () => {
  it.each([{ name: 'Shrink', op: 'Shrink', inputs: [f32(7)], shape: [7], flops: 7 * 3 }])('$name', (row) => {
    const { outputs, cost } = runOp(op(row.op), { opType: row.op, inputs: row.inputs });
    expect(outputs).toHaveLength(1);
    expect(at(outputs, 0).shape).toEqual(row.shape);
    expect(at(outputs, 0).dtype).toBe('float32');
    expect(cost?.flops).toBe(row.flops);
  });

  it('Shrink has a cost-model entry', () => {
    expect(PER_ELEMENT_FLOPS.Shrink).toBeGreaterThan(0);
  });
});
