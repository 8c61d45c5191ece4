import { describe, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/nn/attention.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { Dim, DType } from '../../../../src/model/ir.js';
import { f32, describeOpRows, describeOpErrors, type OpRow } from '../../../helpers/op-context.js';
import { expectOnnxruntimeAgrees, FLOAT, type OrtCase } from '../../ort-single-node.js';

const t = (dtype: DType, ...shape: Dim[]): TensorInfo => ({ dtype, shape });
const SCORE = 1 + 5; // scale and softmax per attention score (cost-model.ts: every primitive is 1)

const rows: OpRow[] = [
  {
    name: 'ai.onnx RotaryEmbedding 4-D with a half-width cache: rotary dim 2 * 16 of 64',
    op: 'RotaryEmbedding',
    opset: 23,
    inputs: [f32(1, 8, 6, 64), f32(6, 16), f32(6, 16)],
    shapes: [[1, 8, 6, 64]],
    flops: (8 * 6 * 64 * 2) / 2,
  },
  {
    name: 'ai.onnx Attention 4-D grouped-query, Hv != H',
    op: 'Attention',
    opset: 23,
    inputs: [f32(2, 8, 6, 64), f32(2, 2, 6, 64), f32(2, 2, 6, 32)],
    shapes: [[2, 8, 6, 32]],
    flops: 2 * 8 * 6 * 6 * (64 + 32 + SCORE),
  },
  {
    name: 'ai.onnx Attention 3-D with past KV, mask and all four outputs',
    op: 'Attention',
    opset: 23,
    inputs: [f32(2, 6, 512), f32(2, 6, 128), f32(2, 6, 128), t('bool', 6, 10), f32(2, 2, 4, 64), f32(2, 2, 4, 64)],
    attrs: { q_num_heads: 8, kv_num_heads: 2 },
    outputs: 4,
    shapes: [
      [2, 6, 512],
      [2, 2, 10, 64],
      [2, 2, 10, 64],
      [2, 8, 6, 10],
    ],
    flops: 2 * 8 * 6 * 10 * (64 + 64 + SCORE + 1),
  },
];

describeOpRows('nn/attention', ops, rows, { dtype: 'float32' });

describeOpErrors('nn/attention', ops, [
  {
    name: 'ai.onnx Attention 3-D without head counts',
    op: 'Attention',
    inputs: [f32(2, 6, 512), f32(2, 6, 128), f32(2, 6, 128)],
    error: /q_num_heads and kv_num_heads/,
  },
]);

describe('nn/attention family: onnxruntime agrees', () => {
  const cases: OrtCase[] = [
    {
      name: 'ai.onnx Attention 3-D with past (opset 23)',
      op: 'Attention',
      domain: '',
      opset: 23,
      inputs: ['q', 'k', 'v', '', 'pk', 'pv'],
      feeds: {
        q: [FLOAT, [2, 6, 512]],
        k: [FLOAT, [2, 6, 128]],
        v: [FLOAT, [2, 6, 128]],
        pk: [FLOAT, [2, 2, 4, 64]],
        pv: [FLOAT, [2, 2, 4, 64]],
      },
      inits: [],
      attrs: { q_num_heads: 8, kv_num_heads: 2 },
      outputs: 4,
    },
  ];
  it.each(cases)('$name', (c) => expectOnnxruntimeAgrees(c));
});
