import { describe, expect, it } from 'vitest';
import { ops as aiOnnxOps } from '../../../../src/analyzers/ops/contrib/ai-onnx.js';
import { ops } from '../../../../src/analyzers/ops/contrib/com-microsoft.js';
import { ops as matmulOps } from '../../../../src/analyzers/ops/math/matmul.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { Dim, DType } from '../../../../src/model/ir.js';
import {
  f32,
  runOp,
  weight,
  opFinder,
  describeOpRows,
  describeOpErrors,
  type OpRow,
} from '../../../helpers/op-context.js';
import {
  expectOnnxruntimeAgrees,
  FLOAT,
  INT32,
  INT64,
  INT8,
  int32s,
  MS,
  q,
  UINT8,
  zeros,
  zp,
  type OrtCase,
} from '../../ort-single-node.js';

/** onnxruntime's com.microsoft contrib ops. */
const op = opFinder(ops, 'contrib/com-microsoft');

const t = (dtype: DType, ...shape: Dim[]): TensorInfo => ({ dtype, shape });
const u8 = (...shape: Dim[]) => t('uint8', ...shape);
const f16 = (...shape: Dim[]) => t('float16', ...shape);
const constant = (dtype: DType, ...shape: number[]): TensorInfo => ({ dtype, shape, isConstant: true });
const scalar = (dtype: DType, v: number): TensorInfo => ({ dtype, shape: [], value: [v], isConstant: true });

// Primitive-derived per-element counts written out by hand (cost-model.ts: every primitive is 1).
const GELU_ERF = 1 + 13 + 1 + 2; // multiply, erf (A&S 7.1.26: 13), add, two multiplies
const GELU_TANH = 2 + 1 + 1 + 4 + 1 + 2; // x^3, multiply-add, multiply, tanh (4), add, two multiplies
const SIGMOID = 3;
const LAYER_NORM = 5 + 1; // statistics and normalise, per-element affine
const LAYER_NORM_ROW = 5; // 2 divides, add epsilon, sqrt, reciprocal
const RMS = 3; // square-accumulate, normalise, scale
const RMS_ROW = 4; // divide, add epsilon, sqrt, reciprocal
const SCORE = 1 + 5; // scale and softmax per attention score

const rows: OpRow[] = [
  {
    name: 'FusedConv 3x3 pad 1 with Relu: conv MACs + one compare per output',
    op: 'FusedConv',
    inputs: [f32(1, 3, 8, 8), weight(16, 3, 3, 3), weight(16)],
    attrs: { activation: 'Relu', pads: [1, 1, 1, 1] },
    shapes: [[1, 16, 8, 8]],
    flops: 16 * 8 * 8 * (3 * 3 * 3) + 16 * 8 * 8 * 1,
  },
  {
    name: 'FusedConv 1x1 with LeakyRelu and the residual Z',
    op: 'FusedConv',
    inputs: [f32(1, 4, 4, 4), weight(8, 4, 1, 1), null, f32(1, 8, 4, 4)],
    attrs: { activation: 'LeakyRelu', activation_params: [0.01] },
    shapes: [[1, 8, 4, 4]],
    flops: 8 * 4 * 4 * 4 + 8 * 4 * 4 * (2 + 1), // compare + multiply, then the Z add
  },
  {
    name: 'FusedConv with Clip: two bounds per output',
    op: 'FusedConv',
    inputs: [f32(1, 2, 3, 3), weight(2, 2, 1, 1)],
    attrs: { activation: 'Clip', activation_params: [0, 6] },
    shapes: [[1, 2, 3, 3]],
    flops: 2 * 3 * 3 * 2 + 2 * 3 * 3 * 2,
  },
  {
    name: 'FusedConv with an activation name the table does not know: FLOPs unknown',
    op: 'FusedConv',
    inputs: [f32(1, 2, 3, 3), weight(2, 2, 1, 1)],
    attrs: { activation: 'NotAnActivation' },
    shapes: [[1, 2, 3, 3]],
    flops: null,
  },
  {
    name: 'NhwcConv stride 2: X and Y channels last, W (M, C, kH, kW)',
    op: 'NhwcConv',
    inputs: [f32(1, 8, 8, 3), weight(16, 3, 3, 3)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
    shapes: [[1, 4, 4, 16]], // floor((8 + 2 - 3) / 2) + 1 = 4
    flops: 16 * 4 * 4 * 27,
  },
  {
    name: 'NhwcFusedConv with Relu',
    op: 'NhwcFusedConv',
    inputs: [f32(1, 8, 8, 3), weight(16, 3, 3, 3), weight(16)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1], activation: 'Relu' },
    shapes: [[1, 4, 4, 16]],
    flops: 16 * 4 * 4 * 27 + 16 * 4 * 4,
  },
  {
    name: 'com.microsoft QLinearConv channels_last: y has y_zero_point type',
    op: 'QLinearConv',
    inputs: [
      u8(1, 5, 5, 4),
      scalar('float32', 0.1),
      scalar('uint8', 128),
      constant('int8', 8, 4, 3, 3),
      scalar('float32', 0.1),
      scalar('int8', 0),
      scalar('float32', 0.2),
      scalar('uint8', 128),
    ],
    attrs: { channels_last: 1 },
    shapes: [[1, 3, 3, 8]],
    dtypes: ['uint8'],
    flops: 8 * 3 * 3 * (4 * 9),
  },
  {
    name: 'NhwcMaxPool 2x2 stride 2',
    op: 'NhwcMaxPool',
    inputs: [u8(1, 6, 6, 3)],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    shapes: [[1, 3, 3, 3]],
    dtypes: ['uint8'],
    flops: 27 * 4,
  },
  {
    name: 'QLinearAveragePool NCHW 2x2 stride 1',
    op: 'QLinearAveragePool',
    inputs: [u8(1, 3, 4, 4), scalar('float32', 0.1), scalar('uint8', 0), scalar('float32', 0.1), scalar('uint8', 0)],
    attrs: { kernel_shape: [2, 2] },
    shapes: [[1, 3, 3, 3]],
    dtypes: ['uint8'],
    flops: 27 * 4,
  },
  {
    name: 'QLinearAveragePool channels_last',
    op: 'QLinearAveragePool',
    inputs: [u8(1, 4, 4, 3), scalar('float32', 0.1), scalar('uint8', 0), scalar('float32', 0.1), scalar('uint8', 0)],
    attrs: { kernel_shape: [2, 2], channels_last: 1 },
    shapes: [[1, 3, 3, 3]],
    dtypes: ['uint8'],
    flops: 27 * 4,
  },
  {
    name: 'QLinearGlobalAveragePool NCHW',
    op: 'QLinearGlobalAveragePool',
    inputs: [u8(1, 8, 7, 7), scalar('float32', 0.1), scalar('uint8', 0), scalar('float32', 0.1), scalar('uint8', 0)],
    shapes: [[1, 8, 1, 1]],
    dtypes: ['uint8'],
    flops: 8 * 7 * 7,
  },
  {
    name: 'QLinearGlobalAveragePool channels_last',
    op: 'QLinearGlobalAveragePool',
    inputs: [u8(1, 7, 7, 8), scalar('float32', 0.1), scalar('uint8', 0), scalar('float32', 0.1), scalar('uint8', 0)],
    attrs: { channels_last: 1 },
    shapes: [[1, 1, 1, 8]],
    dtypes: ['uint8'],
    flops: 8 * 7 * 7,
  },
  {
    name: 'FusedGemm with Relu',
    op: 'FusedGemm',
    inputs: [f32(4, 8), weight(8, 16), weight(16)],
    attrs: { activation: 'Relu' },
    shapes: [[4, 16]],
    flops: 4 * 16 * 8 + 4 * 16,
  },
  {
    name: 'QGemm transB with a quantized output',
    op: 'QGemm',
    inputs: [
      u8(2, 3),
      scalar('float32', 0.1),
      scalar('uint8', 0),
      constant('int8', 4, 3),
      scalar('float32', 0.1),
      scalar('int8', 0),
      constant('int32', 4),
      scalar('float32', 0.2),
      scalar('uint8', 0),
    ],
    attrs: { transB: 1 },
    shapes: [[2, 4]],
    dtypes: ['uint8'],
    flops: 2 * 4 * 3,
  },
  {
    name: 'QGemm without y_scale/y_zero_point: float output',
    op: 'QGemm',
    inputs: [
      u8(2, 3),
      scalar('float32', 0.1),
      scalar('uint8', 0),
      constant('int8', 3, 4),
      scalar('float32', 0.1),
      scalar('int8', 0),
    ],
    shapes: [[2, 4]],
    dtypes: ['float32'],
    flops: 2 * 4 * 3,
  },
  {
    name: 'DynamicQuantizeMatMul: MACs + dynamic quantization of A (7 per element)',
    op: 'DynamicQuantizeMatMul',
    inputs: [f32(2, 5, 8), constant('int8', 8, 4), scalar('float32', 0.1)],
    shapes: [[2, 5, 4]],
    flops: 2 * 5 * 4 * 8 + 2 * 5 * 8 * 7,
  },
  {
    name: 'MatMulIntegerToFloat: float output of a_scale type',
    op: 'MatMulIntegerToFloat',
    inputs: [u8(3, 8), constant('int8', 8, 5), scalar('float32', 0.1), scalar('float32', 0.1)],
    shapes: [[3, 5]],
    flops: 3 * 5 * 8,
  },
  {
    name: 'MatMulNBits 4-bit LLaMA-7B MLP up projection',
    op: 'MatMulNBits',
    inputs: [f16(1, 7, 4096), constant('uint8', 11008, 128, 16), constant('float16', 11008, 128)],
    attrs: { K: 4096, N: 11008, bits: 4, block_size: 32 },
    shapes: [[1, 7, 11008]],
    dtypes: ['float16'],
    flops: 7 * 11008 * 4096,
  },
  {
    name: 'MatMulNBits with a symbolic sequence length: FLOPs unknown',
    op: 'MatMulNBits',
    inputs: [f16('batch', 'seq', 64), constant('uint8', 32, 2, 16), constant('float16', 32, 2)],
    attrs: { K: 64, N: 32, bits: 4, block_size: 32 },
    shapes: [['batch', 'seq', 32]],
    dtypes: ['float16'],
    flops: null,
  },
  {
    name: 'GatherBlockQuantized: uint8 4-bit table unpacks 2 per byte, dequantized to scales type',
    op: 'GatherBlockQuantized',
    inputs: [constant('uint8', 32000, 2048), t('int64', 1, 7), constant('float16', 32000, 32)],
    attrs: { bits: 4, block_size: 128 },
    shapes: [[1, 7, 4096]],
    dtypes: ['float16'],
    flops: 7 * 4096 * 2, // subtract zero point, multiply by scale
  },
  { name: 'Gelu (erf form)', op: 'Gelu', inputs: [f32(2, 3)], shapes: [[2, 3]], flops: 6 * GELU_ERF },
  {
    name: 'FastGelu with bias',
    op: 'FastGelu',
    inputs: [f32(2, 3), weight(3)],
    shapes: [[2, 3]],
    flops: 6 * (GELU_TANH + 1),
  },
  { name: 'BiasGelu', op: 'BiasGelu', inputs: [f32(2, 3), weight(3)], shapes: [[2, 3]], flops: 6 * (1 + GELU_ERF) },
  {
    name: 'QuickGelu: x * sigmoid(alpha x)',
    op: 'QuickGelu',
    inputs: [f32(2, 3)],
    attrs: { alpha: 1.702 },
    shapes: [[2, 3]],
    flops: 6 * (1 + SIGMOID + 1),
  },
  {
    name: 'BiasAdd: two adds',
    op: 'BiasAdd',
    inputs: [f32(2, 4, 8), weight(8), f32(2, 4, 8)],
    shapes: [[2, 4, 8]],
    flops: 64 * 2,
  },
  {
    name: 'BiasSplitGelu halves the last axis',
    op: 'BiasSplitGelu',
    inputs: [f32(2, 4, 16), weight(16)],
    shapes: [[2, 4, 8]],
    flops: 2 * 4 * 16 * 1 + 2 * 4 * 8 * (GELU_ERF + 1),
  },
  {
    name: 'SkipLayerNormalization with beta and bias: two adds + LayerNorm',
    op: 'SkipLayerNormalization',
    inputs: [f32(2, 4, 8), f32(2, 4, 8), weight(8), weight(8), weight(8)],
    outputs: 4,
    shapes: [
      [2, 4, 8],
      [2, 4, 1],
      [2, 4, 1],
      [2, 4, 8],
    ],
    dtypes: ['float32', 'float32', 'float32', 'float32'],
    flops: 2 * 4 * 8 * (2 + LAYER_NORM) + 2 * 4 * LAYER_NORM_ROW,
  },
  {
    name: 'SkipSimplifiedLayerNormalization: one add + RMS norm',
    op: 'SkipSimplifiedLayerNormalization',
    inputs: [f32(2, 4, 8), f32(2, 4, 8), weight(8)],
    shapes: [[2, 4, 8]],
    flops: 2 * 4 * 8 * (1 + RMS) + 2 * 4 * RMS_ROW,
  },
  {
    name: 'GroupNorm NHWC with SiLU',
    op: 'GroupNorm',
    inputs: [f32(1, 8, 8, 32), weight(32), weight(32)],
    attrs: { groups: 8, activation: 1, epsilon: 1e-5 },
    shapes: [[1, 8, 8, 32]],
    flops: 2048 * (LAYER_NORM + SIGMOID + 1) + 8 * LAYER_NORM_ROW,
  },
  {
    name: 'SkipGroupNorm: skip add, the sum as second output',
    op: 'SkipGroupNorm',
    inputs: [f32(1, 8, 8, 32), weight(32), weight(32), f32(1, 8, 8, 32)],
    attrs: { groups: 8, activation: 0 },
    outputs: 2,
    shapes: [
      [1, 8, 8, 32],
      [1, 8, 8, 32],
    ],
    flops: 2048 * (1 + LAYER_NORM) + 8 * LAYER_NORM_ROW,
  },
  {
    name: 'EmbedLayerNormalization BERT-base with segment ids and mask',
    op: 'EmbedLayerNormalization',
    inputs: [
      t('int32', 2, 8),
      t('int32', 2, 8),
      weight(30522, 768),
      weight(512, 768),
      weight(2, 768),
      weight(768),
      weight(768),
      t('int32', 2, 8),
    ],
    outputs: 3,
    shapes: [[2, 8, 768], [2], [2, 8, 768]],
    dtypes: ['float32', 'int32', 'float32'],
    flops: 16 * 768 * (2 + LAYER_NORM) + 16 * LAYER_NORM_ROW + 16,
  },
  {
    name: 'Attention BERT-style, no past: QKV projection + bias + scores',
    op: 'Attention',
    inputs: [f32(2, 8, 64), weight(64, 192), weight(192)],
    attrs: { num_heads: 4 },
    shapes: [[2, 8, 64]],
    flops: 2 * 8 * 64 * 192 + 2 * 8 * 192 + 2 * 4 * 8 * 8 * (16 + 16 + SCORE),
  },
  {
    name: 'Attention GPT-2 with past: present grows by the sequence',
    op: 'Attention',
    inputs: [f32(2, 8, 64), weight(64, 192), weight(192), null, f32(2, 2, 4, 5, 16)],
    attrs: { num_heads: 4, unidirectional: 1 },
    outputs: 2,
    shapes: [
      [2, 8, 64],
      [2, 2, 4, 13, 16],
    ],
    flops: 2 * 8 * 64 * 192 + 2 * 8 * 192 + 2 * 4 * 8 * 13 * (16 + 16 + SCORE),
  },
  {
    name: 'Attention with a shared past/present buffer: present keeps past shape, length from past_sequence_length',
    op: 'Attention',
    inputs: [f32(2, 8, 64), weight(64, 192), weight(192), null, f32(2, 2, 4, 32, 16), null, { ...scalar('int32', 5) }],
    attrs: { num_heads: 4, past_present_share_buffer: 1 },
    outputs: 2,
    shapes: [
      [2, 8, 64],
      [2, 2, 4, 32, 16],
    ],
    flops: 2 * 8 * 64 * 192 + 2 * 8 * 192 + 2 * 4 * 8 * 13 * (16 + 16 + SCORE),
  },
  {
    name: 'MultiHeadAttention cross attention Dv != Dq, present without past',
    op: 'MultiHeadAttention',
    inputs: [f32(2, 8, 64), f32(2, 10, 64), f32(2, 10, 32)],
    attrs: { num_heads: 4 },
    outputs: 4,
    shapes: [
      [2, 8, 32],
      [2, 4, 10, 16],
      [2, 4, 10, 8],
      [2, 4, 8, 10],
    ],
    flops: 2 * 4 * 8 * 10 * (16 + 8 + SCORE),
  },
  {
    name: 'MultiHeadAttention with the projection bias',
    op: 'MultiHeadAttention',
    inputs: [f32(2, 8, 64), f32(2, 10, 64), f32(2, 10, 32), weight(160)],
    attrs: { num_heads: 4 },
    shapes: [[2, 8, 32]],
    flops: 2 * 4 * 8 * 10 * (16 + 8 + SCORE) + 2 * 8 * 64 + 2 * 10 * (64 + 32),
  },
  {
    name: 'MultiHeadAttention with past_key/past_value',
    op: 'MultiHeadAttention',
    inputs: [f32(2, 8, 64), f32(2, 10, 64), f32(2, 10, 32), null, null, null, f32(2, 4, 6, 16), f32(2, 4, 6, 8)],
    attrs: { num_heads: 4 },
    outputs: 3,
    shapes: [
      [2, 8, 32],
      [2, 4, 16, 16],
      [2, 4, 16, 8],
    ],
    flops: 2 * 4 * 8 * 16 * (16 + 8 + SCORE),
  },
  {
    name: 'MultiHeadAttention packed QKV (B, S, N, 3, H)',
    op: 'MultiHeadAttention',
    inputs: [f32(2, 8, 4, 3, 16)],
    attrs: { num_heads: 4 },
    shapes: [[2, 8, 64]],
    flops: 2 * 4 * 8 * 8 * (16 + 16 + SCORE),
  },
  {
    name: 'GroupQueryAttention prefill, 8 query heads over 2 KV heads',
    op: 'GroupQueryAttention',
    inputs: [f32(1, 6, 512), f32(1, 6, 128), f32(1, 6, 128), null, null, t('int32', 1), scalar('int32', 6)],
    attrs: { num_heads: 8, kv_num_heads: 2 },
    outputs: 3,
    shapes: [
      [1, 6, 512],
      [1, 2, 6, 64],
      [1, 2, 6, 64],
    ],
    flops: 1 * 8 * 6 * 6 * (64 + 64 + SCORE),
  },
  {
    name: 'GroupQueryAttention decode step on a shared 32-token cache: attends total_sequence_length 11',
    op: 'GroupQueryAttention',
    inputs: [
      f32(1, 1, 512),
      f32(1, 1, 128),
      f32(1, 1, 128),
      f32(1, 2, 32, 64),
      f32(1, 2, 32, 64),
      t('int32', 1),
      scalar('int32', 11),
    ],
    attrs: { num_heads: 8, kv_num_heads: 2 },
    outputs: 3,
    shapes: [
      [1, 1, 512],
      [1, 2, 32, 64],
      [1, 2, 32, 64],
    ],
    flops: 1 * 8 * 1 * 11 * (64 + 64 + SCORE),
  },
  {
    name: 'GroupQueryAttention with a past cache and an unknown total length: run-time cache length',
    op: 'GroupQueryAttention',
    inputs: [
      f32(1, 1, 512),
      f32(1, 1, 128),
      f32(1, 1, 128),
      f32(1, 2, 10, 64),
      f32(1, 2, 10, 64),
      t('int32', 1),
      t('int32'),
    ],
    attrs: { num_heads: 8, kv_num_heads: 2 },
    outputs: 3,
    shapes: [
      [1, 1, 512],
      [1, 2, 'GroupQueryAttention_0:1:2', 64],
      [1, 2, 'GroupQueryAttention_0:1:2', 64],
    ],
    flops: null,
  },
  {
    name: 'GroupQueryAttention packed QKV with rotary',
    op: 'GroupQueryAttention',
    inputs: [f32(1, 6, 768), null, null, null, null, t('int32', 1), scalar('int32', 6), f32(4096, 32), f32(4096, 32)],
    attrs: { num_heads: 8, kv_num_heads: 2, do_rotary: 1 },
    shapes: [[1, 6, 512]],
    // (8 + 2 * 2) * 64 = 768; RoPE: a multiply and a multiply-add per Q and K element
    flops: 1 * 8 * 6 * 6 * (64 + 64 + SCORE) + 2 * (6 * 512 + 6 * 128),
  },
  {
    name: 'com.microsoft RotaryEmbedding 3-D, whole head rotated',
    op: 'RotaryEmbedding',
    inputs: [f32(1, 6, 512), t('int64', 1, 6), f32(2048, 32), f32(2048, 32)],
    attrs: { num_heads: 8 },
    shapes: [[1, 6, 512]],
    flops: 6 * 512 * 2,
  },
  {
    name: 'com.microsoft RotaryEmbedding partial rotary_embedding_dim 32 of 64',
    op: 'RotaryEmbedding',
    inputs: [f32(1, 6, 512), t('int64', 1, 6), f32(2048, 16), f32(2048, 16)],
    attrs: { num_heads: 8, rotary_embedding_dim: 32 },
    shapes: [[1, 6, 512]],
    flops: (6 * 512 * 2) / 2,
  },
  {
    name: 'QLinearAdd broadcasts',
    op: 'QLinearAdd',
    inputs: [
      u8(2, 1, 4),
      scalar('float32', 0.1),
      scalar('uint8', 0),
      u8(3, 1),
      scalar('float32', 0.1),
      scalar('uint8', 0),
      scalar('float32', 0.1),
      scalar('uint8', 0),
    ],
    shapes: [[2, 3, 4]],
    dtypes: ['uint8'],
    flops: 24,
  },
  {
    name: 'QLinearMul',
    op: 'QLinearMul',
    inputs: [
      u8(4, 5),
      scalar('float32', 0.1),
      scalar('uint8', 0),
      u8(4, 5),
      scalar('float32', 0.1),
      scalar('uint8', 0),
      scalar('float32', 0.1),
      scalar('uint8', 0),
    ],
    shapes: [[4, 5]],
    dtypes: ['uint8'],
    flops: 20,
  },
  {
    name: 'QLinearSigmoid',
    op: 'QLinearSigmoid',
    inputs: [u8(4, 5), scalar('float32', 0.1), scalar('uint8', 0), scalar('float32', 0.1)],
    shapes: [[4, 5]],
    dtypes: ['uint8'],
    flops: 20 * SIGMOID,
  },
  {
    name: 'QLinearLeakyRelu',
    op: 'QLinearLeakyRelu',
    inputs: [u8(4, 5), scalar('float32', 0.1)],
    shapes: [[4, 5]],
    dtypes: ['uint8'],
    flops: 20 * 2,
  },
  {
    name: 'QLinearSoftmax',
    op: 'QLinearSoftmax',
    inputs: [u8(4, 5), scalar('float32', 0.1)],
    attrs: { opset: 13 },
    shapes: [[4, 5]],
    dtypes: ['uint8'],
    flops: 20 * 5,
  },
  {
    name: 'QLinearConcat of two (tensor, scale, zero point) triples',
    op: 'QLinearConcat',
    inputs: [
      scalar('float32', 0.1),
      scalar('uint8', 0),
      u8(1, 2, 4),
      scalar('float32', 0.1),
      scalar('uint8', 0),
      u8(1, 3, 4),
      scalar('float32', 0.2),
      scalar('uint8', 0),
    ],
    attrs: { axis: 1 },
    shapes: [[1, 5, 4]],
    dtypes: ['uint8'],
    flops: 0,
  },
  {
    name: 'Inverse of 4x4 matrices: LU with pivoting (26) + 4^3 solves',
    op: 'Inverse',
    inputs: [f32(3, 4, 4)],
    shapes: [[3, 4, 4]],
    // LU: sum over m = 1..3 of m^2 + 2m = 3 + 8 + 15
    flops: 3 * (26 + 64),
  },
  {
    name: 'com.microsoft FusedMatMul transB',
    op: 'FusedMatMul',
    inputs: [f32(2, 8, 16), f32(2, 32, 16)],
    attrs: { transB: 1, alpha: 0.125 },
    shapes: [[2, 8, 32]],
    flops: 2 * 8 * 32 * 16,
  },
  {
    name: 'com.microsoft FusedMatMul transBatchA is not modelled',
    op: 'FusedMatMul',
    inputs: [f32(2, 8, 16), f32(2, 16, 32)],
    attrs: { transBatchA: 1 },
    shapes: [null],
    flops: null,
  },
];

describeOpRows('contrib/com-microsoft', ops, rows, { dtype: 'float32' });

describe('contrib/com-microsoft family: parameters, memory and domains', () => {
  it('MatMulNBits counts the stored packed weight (see docs), not the scales', () => {
    const inputs = [f16(1, 4096), constant('uint8', 11008, 128, 16), constant('float16', 11008, 128)];
    const { cost } = runOp(op('MatMulNBits'), {
      opType: 'MatMulNBits',
      inputs,
      attrs: { K: 4096, N: 11008, block_size: 32 },
    });
    expect(cost?.paramInputs).toEqual([1]);
  });
  it('FusedConv counts W and B, not the residual Z', () => {
    const { cost } = runOp(op('FusedConv'), {
      opType: 'FusedConv',
      inputs: [f32(1, 2, 3, 3), weight(2, 2, 1, 1), weight(2), f32(1, 2, 3, 3)],
    });
    expect(cost?.paramInputs).toEqual([1, 2]);
  });
  it('EmbedLayerNormalization counts the embedding tables, gamma and beta; memory reads only the gathered rows', () => {
    const inputs = [t('int32', 2, 8), null, weight(30522, 768), weight(512, 768), null, weight(768), weight(768)];
    const { cost } = runOp(op('EmbedLayerNormalization'), { opType: 'EmbedLayerNormalization', inputs, outputs: 1 });
    expect(cost?.paramInputs).toEqual([2, 3, 5, 6]);
    // ids 16 + two gathered rows per token (2 * 16 * 768) + gamma and beta (2 * 768) + the output (16 * 768)
    const elements = 16 + 2 * 16 * 768 + 2 * 768 + 16 * 768;
    expect(cost?.memory).toEqual({ elements, bytes: 16 * 4 + (elements - 16) * 4 });
  });
  it('GroupQueryAttention counts the Q/K norm weights and head sinks, not the cos/sin caches', () => {
    const inputs = [
      f32(1, 6, 512),
      f32(1, 6, 128),
      f32(1, 6, 128),
      null,
      null,
      t('int32', 1),
      scalar('int32', 6),
      weight(4096, 32),
      weight(4096, 32),
    ];
    const { cost } = runOp(op('GroupQueryAttention'), {
      opType: 'GroupQueryAttention',
      inputs,
      attrs: { num_heads: 8, kv_num_heads: 2 },
    });
    expect(cost?.paramInputs).toEqual([]);
  });
  it('contrib/ holds com.microsoft ops and the one onnxruntime registers in the default domain', () => {
    expect(ops.filter((o) => o.domain !== MS)).toEqual([]);
    expect(aiOnnxOps.map((o) => [o.domain ?? '', o.opType])).toEqual([['', 'SimplifiedLayerNormalization']]);
  });
  it('FusedMatMul lives in the com.microsoft domain, the rest in ai.onnx', () => {
    expect(op('FusedMatMul').domain).toBe('com.microsoft');
    expect(opFinder(matmulOps, 'math/matmul')('MatMul').domain ?? '').toBe('');
  });
});

describeOpErrors('contrib/com-microsoft', ops, [
  {
    name: 'MatMulNBits K differs from A',
    op: 'MatMulNBits',
    inputs: [f32(2, 60)],
    attrs: { K: 64, N: 8, block_size: 32 },
    error: /A's last dim 60 differs from K=64/,
  },
  {
    name: 'MatMulNBits without N',
    op: 'MatMulNBits',
    inputs: [f32(2, 64)],
    attrs: { K: 64 },
    error: /K and N are required/,
  },
  {
    name: 'Attention without num_heads',
    op: 'Attention',
    inputs: [f32(2, 8, 64), weight(64, 192)],
    error: /num_heads is required/,
  },
  {
    name: 'GroupQueryAttention heads not a multiple of KV heads',
    op: 'GroupQueryAttention',
    inputs: [f32(1, 6, 512), f32(1, 6, 192), f32(1, 6, 192)],
    attrs: { num_heads: 8, kv_num_heads: 3 },
    error: /not a multiple of kv_num_heads 3/,
  },
  {
    name: 'MultiHeadAttention hidden not divisible by heads',
    op: 'MultiHeadAttention',
    inputs: [f32(2, 8, 60), f32(2, 8, 60), f32(2, 8, 60)],
    attrs: { num_heads: 8 },
    error: /60 is not divisible by 8 heads/,
  },
  {
    name: 'QLinearConcat without axis',
    op: 'QLinearConcat',
    inputs: [scalar('float32', 0.1), scalar('uint8', 0), u8(1, 2)],
    error: /axis is required/,
  },
  { name: 'Inverse of non-square matrices', op: 'Inverse', inputs: [f32(3, 4)], error: /square, got 3 x 4/ },
  {
    name: 'GroupNorm channels not divisible by groups',
    op: 'GroupNorm',
    inputs: [f32(1, 4, 4, 30)],
    attrs: { groups: 8, activation: 0 },
    error: /30 channels are not divisible by groups 8/,
  },
]);

/**
 * Cross-check against onnxruntime-node (CPU EP). NhwcConv, NhwcFusedConv, BiasAdd, BiasSplitGelu and GroupNorm have
 * CUDA kernels only and are covered by the tables above.
 */
describe('contrib/com-microsoft family: onnxruntime agrees', () => {
  const cases: OrtCase[] = [
    {
      name: 'FusedConv',
      op: 'FusedConv',
      inputs: ['x', 'w', 'b'],
      feeds: { x: [FLOAT, [1, 3, 8, 8]] },
      inits: [zeros('w', FLOAT, [16, 3, 3, 3]), zeros('b', FLOAT, [16])],
      attrs: { activation: 'Relu', pads: [1, 1, 1, 1] },
    },
    {
      name: 'QLinearConv channels_last',
      op: 'QLinearConv',
      inputs: ['x', 's', 'z', 'w', 's', 'wz', 's', 'z'],
      feeds: { x: [UINT8, [1, 5, 5, 4]] },
      inits: [q('s'), zp('z'), zeros('w', INT8, [8, 4, 3, 3]), zeros('wz', INT8, [])],
      attrs: { channels_last: 1 },
    },
    {
      name: 'NhwcMaxPool',
      op: 'NhwcMaxPool',
      inputs: ['x'],
      feeds: { x: [UINT8, [1, 6, 6, 3]] },
      inits: [],
      attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    },
    {
      name: 'QGemm',
      op: 'QGemm',
      inputs: ['a', 's', 'z', 'b', 's', 'bz', '', 's', 'z'],
      feeds: { a: [UINT8, [2, 3]] },
      inits: [q('s'), zp('z'), zeros('b', INT8, [4, 3]), zeros('bz', INT8, [])],
      attrs: { transB: 1 },
    },
    {
      name: 'MatMulNBits',
      op: 'MatMulNBits',
      inputs: ['a', 'b', 's'],
      feeds: { a: [FLOAT, [1, 3, 64]] },
      inits: [zeros('b', UINT8, [32, 2, 16]), zeros('s', FLOAT, [32, 2])],
      attrs: { K: 64, N: 32, bits: 4, block_size: 32 },
    },
    {
      name: 'GatherBlockQuantized',
      op: 'GatherBlockQuantized',
      inputs: ['d', 'i', 's'],
      feeds: { i: [INT64, [2, 3]] },
      inits: [zeros('d', UINT8, [16, 32]), zeros('s', FLOAT, [16, 2])],
      attrs: { bits: 4, block_size: 32, gather_axis: 0, quantize_axis: 1 },
    },
    {
      name: 'SkipLayerNormalization',
      op: 'SkipLayerNormalization',
      inputs: ['x', 'k', 'g', 'be'],
      feeds: { x: [FLOAT, [2, 4, 8]], k: [FLOAT, [2, 4, 8]] },
      inits: [zeros('g', FLOAT, [8]), zeros('be', FLOAT, [8])],
      outputs: 4,
    },
    {
      name: 'EmbedLayerNormalization',
      op: 'EmbedLayerNormalization',
      inputs: ['ids', 'seg', 'we', 'pe', 'se', 'g', 'b', 'm'],
      feeds: { ids: [INT32, [2, 8]], seg: [INT32, [2, 8]], m: [INT32, [2, 8]] },
      inits: [
        zeros('we', FLOAT, [100, 32]),
        zeros('pe', FLOAT, [16, 32]),
        zeros('se', FLOAT, [2, 32]),
        zeros('g', FLOAT, [32]),
        zeros('b', FLOAT, [32]),
      ],
      outputs: 3,
    },
    {
      name: 'Attention with past',
      op: 'Attention',
      inputs: ['x', 'w', 'b', '', 'p'],
      feeds: { x: [FLOAT, [2, 8, 64]], p: [FLOAT, [2, 2, 4, 5, 16]] },
      inits: [zeros('w', FLOAT, [64, 192]), zeros('b', FLOAT, [192])],
      attrs: { num_heads: 4, unidirectional: 1 },
      outputs: 2,
    },
    {
      name: 'MultiHeadAttention',
      op: 'MultiHeadAttention',
      inputs: ['q', 'k', 'v'],
      feeds: { q: [FLOAT, [2, 8, 64]], k: [FLOAT, [2, 10, 64]], v: [FLOAT, [2, 10, 32]] },
      inits: [],
      attrs: { num_heads: 4 },
      outputs: 3,
    },
    {
      name: 'GroupQueryAttention decode on a shared cache',
      op: 'GroupQueryAttention',
      inputs: ['q', 'k', 'v', 'pk', 'pv', 'sl', 'tl'],
      feeds: {
        q: [FLOAT, [1, 1, 512]],
        k: [FLOAT, [1, 1, 128]],
        v: [FLOAT, [1, 1, 128]],
        pk: [FLOAT, [1, 2, 32, 64]],
        pv: [FLOAT, [1, 2, 32, 64]],
      },
      inits: [int32s('sl', [1], [10]), int32s('tl', [], [11])],
      attrs: { num_heads: 8, kv_num_heads: 2 },
      outputs: 3,
    },
    {
      name: 'RotaryEmbedding',
      op: 'RotaryEmbedding',
      inputs: ['x', 'pos', 'cos', 'sin'],
      feeds: { x: [FLOAT, [1, 6, 512]], pos: [INT64, [1, 6]] },
      inits: [zeros('cos', FLOAT, [64, 32]), zeros('sin', FLOAT, [64, 32])],
      attrs: { num_heads: 8 },
    },
    {
      name: 'QLinearConcat',
      op: 'QLinearConcat',
      inputs: ['s', 'z', 'a', 's', 'z', 'b', 's', 'z'],
      feeds: { a: [UINT8, [1, 2, 4]], b: [UINT8, [1, 3, 4]] },
      inits: [q('s'), zp('z')],
      attrs: { axis: 1 },
    },
  ];
  it.each(cases)('$name', (c) => expectOnnxruntimeAgrees(c));
});
