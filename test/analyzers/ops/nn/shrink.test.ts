import { describe, expect, it } from 'vitest';
import { PER_ELEMENT_FLOPS } from '../../../../src/analyzers/cost-model.js';
import { ops } from '../../../../src/analyzers/ops/nn/shrink.js';
import { f32, describeOpRows } from '../../../helpers/op-context.js';

describeOpRows('nn/shrink', ops, [{ name: 'Shrink', op: 'Shrink', inputs: [f32(7)], shapes: [[7]], flops: 7 * 3 }], {
  dtype: 'float32',
});

describe('nn/shrink family: cost model', () => {
  it('Shrink has a cost-model entry', () => {
    expect(PER_ELEMENT_FLOPS.Shrink).toBeGreaterThan(0);
  });
});
