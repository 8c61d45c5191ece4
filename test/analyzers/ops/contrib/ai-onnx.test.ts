import { describe, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/contrib/ai-onnx.js';
import { weight, f32, describeOpRows } from '../../../helpers/op-context.js';
import { expectOnnxruntimeAgrees, FLOAT, zeros, type OrtCase } from '../../ort-single-node.js';

// Primitive-derived per-element counts written out by hand (cost-model.ts: every primitive is 1).
const RMS = 3; // square-accumulate, normalise, scale
const RMS_ROW = 4; // divide, add epsilon, sqrt, reciprocal

// The op onnxruntime registers in the default domain without it being an ONNX operator.
describeOpRows(
  'contrib/ai-onnx',
  ops,
  [
    {
      name: 'SimplifiedLayerNormalization (ai.onnx, as onnxruntime registers it) with inv_std_var',
      op: 'SimplifiedLayerNormalization',
      inputs: [f32(2, 4, 8), weight(8)],
      outputs: 2,
      shapes: [
        [2, 4, 8],
        [2, 4, 1],
      ],
      flops: 2 * 4 * 8 * RMS + 2 * 4 * RMS_ROW,
    },
  ],
  { dtype: 'float32' },
);

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
