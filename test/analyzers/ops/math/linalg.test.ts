import { describe, expect, it } from 'vitest';
import { detFlops, invertFlops, luFlops, ops } from '../../../../src/analyzers/ops/math/linalg.js';
import { at } from '../../../../src/util/at.js';
import { f32, opFinder, runOp } from '../../../helpers/op-context.js';

const det = opFinder(ops, 'math/linalg')('Det');

describe('math/linalg family', () => {
  it('LU with partial pivoting by hand: per column m compares, m divides, m^2 multiply-adds', () => {
    expect(luFlops(1)).toBe(0);
    expect(luFlops(2)).toBe(1 + 1 + 1);
    expect(luFlops(3)).toBe(1 + 1 + 1 + (2 + 2 + 4));
    expect(detFlops(2)).toBe(3 + 1); // a00 * a11'
    expect(invertFlops(2)).toBe(3 + 2 * (2 * 1 + 2)); // two columns: forward 1, backward 1 + 2 divides
  });
  it('Det of a 2x2 matrix is a scalar (test_det_2d)', () => {
    const { outputs, cost } = runOp(det, { opType: 'Det', inputs: [f32(2, 2)], opset: 11 });
    expect(outputs).toEqual([{ dtype: 'float32', shape: [] }]);
    expect(cost?.flops).toBe(4);
  });
  it('Det of a batch (test_det_nd)', () => {
    const { outputs, cost } = runOp(det, { opType: 'Det', inputs: [f32(3, 2, 2)], opset: 11 });
    expect(at(outputs, 0).shape).toEqual([3]);
    expect(cost?.flops).toBe(12);
  });
  it('Det of 3x3 matrices: LU 11 + 2 multiplies', () => {
    expect(runOp(det, { opType: 'Det', inputs: [f32(5, 3, 3)] }).cost?.flops).toBe(5 * 13);
  });
  it('Det of non-square matrices', () => {
    expect(() => runOp(det, { opType: 'Det', inputs: [f32(2, 3)] })).toThrow(/square, got 2 x 3/);
  });
});
