import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/contrib/ai-onnx.js';
import { runOp, weight, f32, opFinder } from '../../../helpers/op-context.js';
import { expectOnnxruntimeAgrees, FLOAT, zeros, type OrtCase } from '../../ort-single-node.js';

/** The op onnxruntime registers in the default domain without it being an ONNX operator. */
const op = opFinder(ops, 'contrib/ai-onnx');

// Primitive-derived per-element counts written out by hand (cost-model.ts: every primitive is 1).
const RMS = 3; // square-accumulate, normalise, scale
const RMS_ROW = 4; // divide, add epsilon, sqrt, reciprocal

describe('contrib/ai-onnx family: shapes and FLOPs', () => {
  it.each([
    {
      name: 'SimplifiedLayerNormalization (ai.onnx, as onnxruntime registers it) with inv_std_var',
      op: 'SimplifiedLayerNormalization',
      domain: '',
      inputs: [f32(2, 4, 8), weight(8)],
      outputs: 2,
      shapes: [
        [2, 4, 8],
        [2, 4, 1],
      ],
      flops: 2 * 4 * 8 * RMS + 2 * 4 * RMS_ROW,
    },
  ])('$name', (row) => {
    const { outputs, cost } = runOp(op(row.op), { opType: row.op, inputs: row.inputs, outputs: row.outputs });
    expect(outputs.map((o) => o.shape)).toEqual(row.shapes);
    expect(outputs.map((o) => o.dtype)).toEqual(row.shapes.map(() => 'float32'));
    expect(cost?.flops).toBe(row.flops);
  });
});

describe('contrib/ai-onnx family: onnxruntime agrees', () => {
  const cases: OrtCase[] = [
    {
      name: 'SimplifiedLayerNormalization',
      op: 'SimplifiedLayerNormalization',
      domain: '',
      inputs: ['x', 'g'],
      feeds: { x: [FLOAT, [2, 4, 8]] },
      inits: [zeros('g', FLOAT, [8])],
      outputs: 2,
    },
  ];
  it.each(cases)('$name', (c) => expectOnnxruntimeAgrees(c));
});
