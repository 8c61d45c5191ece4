import { describe, expect, it } from 'vitest';
import { ops, transformFlops } from '../../../../src/analyzers/ops/math/signal.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import { f32, runOp, weight, opFinder, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'math/signal');

const scalarI64 = (v: number): TensorInfo => ({ dtype: 'int64', shape: [], value: [v], isConstant: true });
const unknownI64: TensorInfo = { dtype: 'int64', shape: [] };

// One transform of n points: radix-2 FFT, (n/2) log2 n butterflies of 8 (complex multiply 4, add and subtract 4),
// when n is a power of two; else the direct DFT, n^2 complex multiply-adds of 4.
const FFT16 = (16 / 2) * 4 * 8;
const DFT10 = 10 * 10 * 4;

const rows: OpRow[] = [
  {
    name: 'DFT opset 17 along axis 1 of a real signal (test_dft)',
    op: 'DFT',
    inputs: [f32(1, 10, 10, 1)],
    attrs: { axis: 1 },
    opset: 17,
    shapes: [[1, 10, 10, 2]],
    flops: 10 * DFT10,
  },
  {
    name: 'DFT onesided keeps floor(n/2)+1 bins',
    op: 'DFT',
    inputs: [f32(2, 16, 1)],
    attrs: { onesided: 1 },
    opset: 17,
    shapes: [[2, 9, 2]],
    flops: 2 * FFT16,
  },
  {
    name: 'DFT with dft_length zero-padding to 16',
    op: 'DFT',
    inputs: [f32(3, 10, 2), scalarI64(16)],
    opset: 17,
    shapes: [[3, 16, 2]],
    flops: 3 * FFT16,
  },
  {
    name: 'DFT opset 20: axis input, default -2',
    op: 'DFT',
    inputs: [f32(4, 16, 2)],
    opset: 20,
    shapes: [[4, 16, 2]],
    flops: 4 * FFT16,
  },
  {
    name: 'DFT opset 20 with an unknown axis: every signal dim may change',
    op: 'DFT',
    inputs: [f32(4, 16, 2), null, unknownI64],
    opset: 20,
    shapes: [['DFT_0:0:0', 'DFT_0:0:1', 2]],
    flops: null,
  },
  {
    name: 'STFT with frame_length (test_stft)',
    op: 'STFT',
    inputs: [f32(1, 128, 1), scalarI64(8), null, scalarI64(16)],
    shapes: [[1, 15, 9, 2]],
    flops: 15 * FFT16,
  },
  {
    name: 'STFT with a window: one multiply per sample and frame',
    op: 'STFT',
    inputs: [f32(1, 128, 1), scalarI64(8), weight(16)],
    shapes: [[1, 15, 9, 2]],
    flops: 15 * (16 + FFT16),
  },
  {
    name: 'STFT two-sided',
    op: 'STFT',
    inputs: [f32(2, 64, 2), scalarI64(16), weight(16)],
    attrs: { onesided: 0 },
    shapes: [[2, 4, 16, 2]],
    flops: 2 * 4 * (16 + FFT16),
  },
  {
    name: 'STFT with an unknown frame_step: frames unknown',
    op: 'STFT',
    inputs: [f32(1, 128, 1), unknownI64, weight(16)],
    shapes: [[1, 'STFT_0:0:1', 9, 2]],
    flops: null,
  },
  {
    name: 'HannWindow: multiply, cos, multiply-add per sample',
    op: 'HannWindow',
    inputs: [scalarI64(10)],
    shapes: [[10]],
    flops: 10 * 3,
  },
  {
    name: 'HammingWindow as double',
    op: 'HammingWindow',
    inputs: [scalarI64(8)],
    attrs: { output_datatype: 11 },
    shapes: [[8]],
    dtypes: ['float64'],
    flops: 8 * 3,
  },
  {
    name: 'BlackmanWindow: two cosine terms',
    op: 'BlackmanWindow',
    inputs: [scalarI64(10)],
    shapes: [[10]],
    flops: 10 * 6,
  },
  {
    name: 'HannWindow of an unknown size',
    op: 'HannWindow',
    inputs: [unknownI64],
    shapes: [['HannWindow_0:0:0']],
    flops: null,
  },
  {
    name: 'MelWeightMatrix (test_melweightmatrix)',
    op: 'MelWeightMatrix',
    inputs: [
      scalarI64(8),
      scalarI64(16),
      scalarI64(8192),
      { dtype: 'float32', shape: [], value: [0] },
      { dtype: 'float32', shape: [], value: [4096] },
    ],
    shapes: [[9, 8]],
    flops: 9 * 8 * 2,
  },
];

describe('math/signal family: shapes and FLOPs', () => {
  it('transform cost: FFT for powers of two, direct DFT otherwise', () => {
    expect(transformFlops(1)).toBe(0);
    expect(transformFlops(2)).toBe(8);
    expect(transformFlops(1024)).toBe(4 * 1024 * 10);
    expect(transformFlops(12)).toBe(4 * 144);
  });
  it('window generators write their output only', () => {
    expect(runOp(op('HannWindow'), { opType: 'HannWindow', inputs: [scalarI64(10)] }).cost?.memory).toEqual({
      elements: 10,
      bytes: 40,
    });
  });
});

describeOpRows('math/signal', ops, rows, { dtype: 'float32' });

describe('math/signal family: structural errors', () => {
  it('DFT on the complex axis', () => {
    expect(() => runOp(op('DFT'), { opType: 'DFT', inputs: [f32(4, 16, 2)], attrs: { axis: -1 } })).toThrow(
      /complex axis/,
    );
  });
  it('DFT with a last dim that is neither 1 nor 2', () => {
    expect(() => runOp(op('DFT'), { opType: 'DFT', inputs: [f32(4, 16, 3)] })).toThrow(
      /must be 1 \(real\) or 2 \(complex\)/,
    );
  });
  it('STFT frame longer than the signal', () => {
    expect(() => runOp(op('STFT'), { opType: 'STFT', inputs: [f32(1, 8, 1), scalarI64(4), weight(16)] })).toThrow(
      /frame_length 16 exceeds the signal length 8/,
    );
  });
  it('STFT without a window or frame_length', () => {
    expect(() => runOp(op('STFT'), { opType: 'STFT', inputs: [f32(1, 8, 1), scalarI64(4)] })).toThrow(
      /window or a frame_length/,
    );
  });
});
