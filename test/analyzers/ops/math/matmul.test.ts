import { describe, expect, it } from 'vitest';
import { ops } from '../../../../src/analyzers/ops/math/matmul.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import type { DType } from '../../../../src/model/ir.js';
import {
  f32,
  runOp,
  weight,
  opFinder,
  describeOpRows,
  describeOpErrors,
  type OpRow,
} from '../../../helpers/op-context.js';

const op = opFinder(ops, 'math/matmul');

const t = (dtype: DType, ...shape: (number | string)[]): TensorInfo => ({ dtype, shape });
const scalar = (dtype: DType): TensorInfo => ({ dtype, shape: [], isConstant: true });

const rows: OpRow[] = [
  {
    name: 'Gemm classifier with transB (torch Linear): 2048 -> 1000',
    op: 'Gemm',
    inputs: [f32(1, 2048), weight(1000, 2048), weight(1000)],
    attrs: { transB: 1 },
    shapes: [[1, 1000]],
    flops: 1 * 1000 * 2048,
  },
  {
    name: 'Gemm transA: A is (K, M)',
    op: 'Gemm',
    inputs: [f32(2048, 4), weight(2048, 10)],
    attrs: { transA: 1 },
    shapes: [[4, 10]],
    flops: 4 * 10 * 2048,
  },
  {
    name: 'Gemm transA and transB, scalar C, alpha/beta not counted',
    op: 'Gemm',
    inputs: [f32(8, 3), f32(5, 8), scalar('float32')],
    attrs: { transA: 1, transB: 1, alpha: 0.5, beta: 2.0 },
    shapes: [[3, 5]],
    flops: 3 * 5 * 8,
  },
  {
    name: 'Gemm with a symbolic batch',
    op: 'Gemm',
    inputs: [f32('N', 512), weight(512, 10)],
    shapes: [['N', 10]],
    flops: null,
  },
  { name: 'MatMul 1-D x 1-D: dot product to a scalar', op: 'MatMul', inputs: [f32(5), f32(5)], shapes: [[]], flops: 5 },
  {
    name: 'MatMul 1-D x 2-D: (1, 3) x (3, 4), leading 1 removed',
    op: 'MatMul',
    inputs: [f32(3), f32(3, 4)],
    shapes: [[4]],
    flops: 3 * 4,
  },
  {
    name: 'MatMul 2-D x 1-D: (2, 3) x (3, 1), trailing 1 removed',
    op: 'MatMul',
    inputs: [f32(2, 3), f32(3)],
    shapes: [[2]],
    flops: 2 * 3,
  },
  {
    name: 'MatMul batched x 1-D keeps the batch',
    op: 'MatMul',
    inputs: [f32(7, 2, 3), f32(3)],
    shapes: [[7, 2]],
    flops: 7 * 2 * 3,
  },
  {
    name: 'MatMul batch dims broadcast: (2,1,4,8) x (3,8,5)',
    op: 'MatMul',
    inputs: [f32(2, 1, 4, 8), f32(3, 8, 5)],
    shapes: [[2, 3, 4, 5]],
    flops: 2 * 3 * 4 * 5 * 8,
  },
  {
    name: 'MatMul transformer projection: (B, 128, 768) x (768, 3072)',
    op: 'MatMul',
    inputs: [f32(4, 128, 768), weight(768, 3072)],
    shapes: [[4, 128, 3072]],
    flops: 4 * 128 * 3072 * 768,
  },
  {
    name: 'MatMul symbolic batch stays symbolic, FLOPs unknown',
    op: 'MatMul',
    inputs: [f32('B', 128, 64), weight(64, 32)],
    shapes: [['B', 128, 32]],
    flops: null,
  },
  {
    name: 'MatMulInteger gives int32',
    op: 'MatMulInteger',
    inputs: [t('uint8', 16, 32), { dtype: 'int8', shape: [32, 8], isConstant: true }],
    shapes: [[16, 8]],
    dtypes: ['int32'],
    flops: 16 * 8 * 32,
  },
  {
    name: "QLinearMatMul: b at input 3, y has y_zero_point's type",
    op: 'QLinearMatMul',
    inputs: [
      t('int8', 16, 32),
      scalar('float32'),
      scalar('int8'),
      { dtype: 'int8', shape: [32, 8], isConstant: true },
      scalar('float32'),
      scalar('int8'),
      scalar('float32'),
      scalar('int8'),
    ],
    shapes: [[16, 8]],
    dtypes: ['int8'],
    flops: 16 * 8 * 32,
  },
  {
    name: 'Einsum batched matmul bij,bjk->bik',
    op: 'Einsum',
    inputs: [f32(2, 3, 4), f32(2, 4, 5)],
    attrs: { equation: 'bij,bjk->bik' },
    shapes: [[2, 3, 5]],
    flops: 2 * 3 * 4 * 5,
  },
  {
    name: 'Einsum attention scores bhqd,bhkd->bhqk',
    op: 'Einsum',
    inputs: [f32(1, 12, 128, 64), f32(1, 12, 128, 64)],
    attrs: { equation: 'bhqd, bhkd -> bhqk' },
    shapes: [[1, 12, 128, 128]],
    flops: 1 * 12 * 128 * 64 * 128,
  },
  {
    name: 'Einsum implicit output: ij,jk gives ik',
    op: 'Einsum',
    inputs: [f32(3, 4), f32(4, 6)],
    attrs: { equation: 'ij,jk' },
    shapes: [[3, 6]],
    flops: 3 * 4 * 6,
  },
  {
    name: 'Einsum ellipsis broadcast: ...ij,...jk->...ik',
    op: 'Einsum',
    inputs: [f32(2, 1, 3, 4), f32(5, 4, 6)],
    attrs: { equation: '...ij,...jk->...ik' },
    shapes: [[2, 5, 3, 6]],
    flops: 2 * 5 * 3 * 4 * 6,
  },
  {
    name: 'Einsum diagonal ii->i',
    op: 'Einsum',
    inputs: [f32(3, 3)],
    attrs: { equation: 'ii->i' },
    shapes: [[3]],
    flops: 3,
  },
  {
    name: 'Einsum implicit trace ii',
    op: 'Einsum',
    inputs: [f32(3, 3)],
    attrs: { equation: 'ii' },
    shapes: [[]],
    flops: 3,
  },
  {
    name: 'Einsum transpose ij->ji',
    op: 'Einsum',
    inputs: [f32(3, 5)],
    attrs: { equation: 'ij->ji' },
    shapes: [[5, 3]],
    flops: 15,
  },
];

describeOpRows('math/matmul', ops, rows, { dtype: 'float32' });

describeOpErrors('math/matmul', ops, [
  {
    name: 'Gemm inner dims differ',
    op: 'Gemm',
    inputs: [f32(2, 3), f32(4, 5)],
    error: /inner dimensions of A and B differ: 3 vs 4/,
  },
  {
    name: 'Gemm inner dims differ once transB is applied',
    op: 'Gemm',
    inputs: [f32(2, 3), f32(3, 5)],
    attrs: { transB: 1 },
    error: /3 vs 5/,
  },
  {
    name: 'Gemm C that does not broadcast',
    op: 'Gemm',
    inputs: [f32(2, 3), f32(3, 5), f32(3)],
    error: /C of shape \[3\] does not broadcast/,
  },
  { name: 'Gemm 3-D A', op: 'Gemm', inputs: [f32(1, 2, 3), f32(3, 5)], error: /A must be 2-D/ },
  {
    name: 'MatMul inner dims differ',
    op: 'MatMul',
    inputs: [f32(2, 3), f32(4, 5)],
    error: /inner dimensions differ/,
  },
  {
    name: 'MatMul batch dims do not broadcast',
    op: 'MatMul',
    inputs: [f32(2, 3, 4), f32(5, 4, 6)],
    error: /do not broadcast/,
  },
  { name: 'MatMul scalar operand', op: 'MatMul', inputs: [f32(), f32(3)], error: /at least 1-D/ },
  {
    name: 'Einsum index sizes disagree',
    op: 'Einsum',
    inputs: [f32(2, 3), f32(4, 5)],
    attrs: { equation: 'ij,jk->ik' },
    error: /index 'j' has sizes 3 and 4/,
  },
  {
    name: 'Einsum operand count',
    op: 'Einsum',
    inputs: [f32(2, 3)],
    attrs: { equation: 'ij,jk->ik' },
    error: /2 operands/,
  },
  { name: 'Einsum term rank', op: 'Einsum', inputs: [f32(2, 3, 4)], attrs: { equation: 'ij->ji' }, error: /rank 3/ },
]);

describe('math/matmul family: parameters', () => {
  it('Gemm counts constant B and C as parameters, not the activation A', () => {
    const { cost } = runOp(op('Gemm'), { opType: 'Gemm', inputs: [f32(1, 4), weight(4, 2), weight(2)] });
    expect(cost?.paramInputs).toEqual([1, 2]);
  });
});
