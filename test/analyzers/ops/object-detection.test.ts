import { describe, expect, it } from 'vitest';
import { ops } from '../../../src/analyzers/ops/object-detection.js';
import { f32, i64, runOp, opFinder, describeOpRows, type OpRow } from '../../helpers/op-context.js';

const op = opFinder(ops, 'object-detection');

const rows: OpRow[] = [
  // NonMaxSuppression: [selected, 3]; FLOPs depend on how many boxes survive.
  {
    name: 'NonMaxSuppression',
    op: 'NonMaxSuppression',
    inputs: [f32(1, 100, 4), f32(1, 80, 100), i64([10], [])],
    shapes: [['NonMaxSuppression_0:0:0', 3]],
    dtypes: ['int64'],
    flops: null,
  },
  {
    name: 'NonMaxSuppression without max_output_boxes selects none',
    op: 'NonMaxSuppression',
    inputs: [f32(1, 100, 4), f32(1, 80, 100)],
    shapes: [[0, 3]],
    dtypes: ['int64'],
    flops: null,
  },
  {
    name: 'RoiAlign 7x7, sampling_ratio 2: 2*2 samples of (4 taps + 1 pool) per bin',
    op: 'RoiAlign',
    inputs: [f32(1, 256, 50, 50), f32(100, 4), { dtype: 'int64', shape: [100] }],
    attrs: { output_height: 7, output_width: 7, sampling_ratio: 2 },
    shapes: [[100, 256, 7, 7]],
    flops: 100 * 256 * 7 * 7 * 2 * 2 * (4 + 1),
  },
  {
    name: 'RoiAlign adaptive sampling: FLOPs depend on data',
    op: 'RoiAlign',
    inputs: [f32(1, 256, 50, 50), f32('R', 4), { dtype: 'int64', shape: ['R'] }],
    shapes: [['R', 256, 1, 1]],
    flops: null,
  },
];

describeOpRows('object-detection', ops, rows, { dtype: 'float32' });

describe('object-detection family: memory', () => {
  it('NonMaxSuppression reads boxes and scores', () => {
    const { cost } = runOp(op('NonMaxSuppression'), {
      opType: 'NonMaxSuppression',
      inputs: [f32(1, 100, 4), f32(1, 80, 100)],
    });
    expect(cost?.memory).toEqual({ elements: 400 + 8000, bytes: (400 + 8000) * 4 });
  });
});
