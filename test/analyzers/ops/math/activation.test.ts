import { describe, expect, it } from 'vitest';
import { PER_ELEMENT_FLOPS } from '../../../../src/analyzers/cost-model.js';
import { ops } from '../../../../src/analyzers/ops/math/activation.js';
import type { TensorInfo } from '../../../../src/analyzers/types.js';
import { at } from '../../../../src/util/at.js';
import { f32, runOp, weight, opFinder, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const op = opFinder(ops, 'math/activation');

const scalar = (): TensorInfo => ({ dtype: 'float32', shape: [], isConstant: true });
// Primitive costs (cost-model.ts): every primitive counts 1 per element (add, multiply, multiply-add, compare,
// divide, exp, log, sqrt), the papers' multiply-add convention. Composites are written out by hand below.
// tanh = (e^2x - 1) / (e^2x + 1): exp + 2 adds + divide
const TANH = 1 + 2 * 1 + 1;
// sigmoid = 1 / (1 + e^-x): exp + add + divide
const SIGMOID = 1 + 1 + 1;
// erf (A&S 7.1.26): |x| + multiply-add + divide (t = 1/(1+p|x|)) + 5 Horner multiply-adds + multiply + exp
// (exp(-x^2)) + 3 (product, 1 - that, sign)
const ERF = 1 + 1 + 1 + 5 * 1 + 1 + 1 + 3 * 1;

const rows: OpRow[] = [
  {
    name: 'Relu: one compare per element',
    op: 'Relu',
    inputs: [f32(1, 32, 112, 112)],
    shapes: [[1, 32, 112, 112]],
    flops: 32 * 112 * 112,
  },
  { name: 'LeakyRelu: compare + multiply', op: 'LeakyRelu', inputs: [f32(2, 10)], shapes: [[2, 10]], flops: 20 * 2 },
  {
    name: 'Sigmoid: exp + add + divide',
    op: 'Sigmoid',
    inputs: [f32(4, 8)],
    shapes: [[4, 8]],
    flops: 4 * 8 * (1 + 1 + 1),
  }, // exp + add + divide
  {
    name: 'HardSigmoid: multiply-add + 2 compares',
    op: 'HardSigmoid',
    inputs: [f32(10)],
    shapes: [[10]],
    flops: 10 * 3,
  },
  {
    name: 'HardSwish: HardSigmoid + multiply',
    op: 'HardSwish',
    inputs: [f32(1, 16, 4, 4)],
    shapes: [[1, 16, 4, 4]],
    flops: 16 * 4 * 4 * 4,
  },
  { name: 'Tanh: (e^2x - 1) / (e^2x + 1)', op: 'Tanh', inputs: [f32(5)], shapes: [[5]], flops: 5 * TANH }, // 5 * 4
  { name: 'Softplus: exp + add + log', op: 'Softplus', inputs: [f32(3)], shapes: [[3]], flops: 3 * (1 + 1 + 1) }, // exp + add + log
  // softplus (exp + add + log) + tanh + multiply
  {
    name: 'Mish: softplus + tanh + multiply',
    op: 'Mish',
    inputs: [f32(2)],
    shapes: [[2]],
    flops: 2 * (1 + 1 + 1 + TANH + 1),
  },
  { name: 'Erf: Abramowitz-Stegun 7.1.26', op: 'Erf', inputs: [f32(6)], shapes: [[6]], flops: 6 * ERF }, // 6 * 13
  // multiply (x / sqrt 2) + erf + add + 2 multiplies = 17
  {
    name: 'Gelu default (erf)',
    op: 'Gelu',
    inputs: [f32(4)],
    opset: 20,
    shapes: [[4]],
    flops: 4 * (1 + ERF + 1 + 2 * 1),
  },
  {
    name: 'Gelu approximate=tanh',
    op: 'Gelu',
    inputs: [f32(4)],
    attrs: { approximate: 'tanh' },
    opset: 20,
    shapes: [[4]],
    // x^3 (2 multiplies) + multiply-add + multiply + tanh + add + 2 multiplies = 11
    flops: 4 * (2 * 1 + 1 + 1 + TANH + 1 + 2 * 1),
  },
  { name: 'Elu', op: 'Elu', inputs: [f32(7)], shapes: [[7]], flops: 7 * (1 + 1 + 1 + 1) }, // compare + exp + add + multiply
  // compare + exp + multiply + add + multiply (gamma)
  { name: 'Selu', op: 'Selu', inputs: [f32(7)], shapes: [[7]], flops: 7 * (1 + 1 + 1 + 1 + 1) },
  // multiply (x/alpha) + exp + add + multiply + 2 compares + add
  { name: 'Celu', op: 'Celu', inputs: [f32(7)], shapes: [[7]], flops: 7 * (1 + 1 + 1 + 1 + 2 * 1 + 1) },
  { name: 'Softsign', op: 'Softsign', inputs: [f32(7)], shapes: [[7]], flops: 7 * (1 + 1 + 1) }, // abs + add + divide
  { name: 'ThresholdedRelu', op: 'ThresholdedRelu', inputs: [f32(7)], shapes: [[7]], flops: 7 },
  {
    name: 'PRelu per-channel slope (C, 1, 1) broadcasts to X',
    op: 'PRelu',
    inputs: [f32(1, 64, 8, 8), weight(64, 1, 1)],
    shapes: [[1, 64, 8, 8]],
    flops: 64 * 8 * 8 * 2,
  },
  {
    name: 'Clip opset 6: min/max attributes, two compares',
    op: 'Clip',
    inputs: [f32(1, 32, 8, 8)],
    attrs: { min: 0, max: 6 },
    opset: 6,
    shapes: [[1, 32, 8, 8]],
    flops: 32 * 8 * 8 * 2,
  },
  {
    name: 'Clip opset 13: min/max inputs, two compares',
    op: 'Clip',
    inputs: [f32(1, 32, 8, 8), scalar(), scalar()],
    opset: 13,
    shapes: [[1, 32, 8, 8]],
    flops: 32 * 8 * 8 * 2,
  },
  {
    name: 'Clip opset 13 with only min (ReLU-like): one compare',
    op: 'Clip',
    inputs: [f32(1, 32, 8, 8), scalar()],
    opset: 13,
    shapes: [[1, 32, 8, 8]],
    flops: 32 * 8 * 8 * 1,
  },
  {
    name: 'Clip opset 13 ignores stale min/max attributes',
    op: 'Clip',
    inputs: [f32(1, 32, 8, 8)],
    attrs: { min: 0, max: 6 },
    opset: 13,
    shapes: [[1, 32, 8, 8]],
    flops: 0,
  },
  {
    name: 'Clip opset 11 with max only (min omitted as an empty input)',
    op: 'Clip',
    inputs: [f32(4), null, scalar()],
    opset: 11,
    shapes: [[4]],
    flops: 4,
  },
  {
    name: 'Softmax: max, subtract, exp, sum, divide per element',
    op: 'Softmax',
    inputs: [f32(2, 1000)],
    shapes: [[2, 1000]],
    flops: 2 * 1000 * (1 + 1 + 1 + 1 + 1), // max (compare) + subtract + exp + sum (add) + divide
  },
  {
    name: 'LogSoftmax opset 11: default axis 1 coerces (2, 3, 4) to (2, 12): 2 rows',
    op: 'LogSoftmax',
    inputs: [f32(2, 3, 4)],
    opset: 11,
    shapes: [[2, 3, 4]],
    flops: 2 * 3 * 4 * (1 + 1 + 1 + 1 + 1) + 2 * 1, // max + subtract + exp + sum + subtract per element; one log per row
  },
  {
    name: 'LogSoftmax opset 13: default axis -1: 2 * 3 = 6 rows',
    op: 'LogSoftmax',
    inputs: [f32(2, 3, 4)],
    opset: 13,
    shapes: [[2, 3, 4]],
    flops: 2 * 3 * 4 * (1 + 1 + 1 + 1 + 1) + 6 * 1, // as above, 6 rows of one log
  },
  {
    name: 'LogSoftmax opset 13 axis 1: rows are the other dims, 2 * 4 = 8',
    op: 'LogSoftmax',
    inputs: [f32(2, 3, 4)],
    attrs: { axis: 1 },
    opset: 13,
    shapes: [[2, 3, 4]],
    flops: 2 * 3 * 4 * (1 + 1 + 1 + 1 + 1) + 8 * 1, // as above, 8 rows of one log
  },
  { name: 'Hardmax', op: 'Hardmax', inputs: [f32(3, 5)], shapes: [[3, 5]], flops: 15 },
  {
    name: 'Relu with a symbolic batch: FLOPs unknown',
    op: 'Relu',
    inputs: [f32('N', 8)],
    shapes: [['N', 8]],
    flops: null,
  },
  {
    name: 'ai.onnx Swish (opset 24): QuickGelu formula',
    op: 'Swish',
    opset: 24,
    inputs: [f32(2, 3)],
    shapes: [[2, 3]],
    flops: 6 * (1 + SIGMOID + 1),
  },
];

describe('math/activation family: shapes and FLOPs', () => {
  it('every table-driven activation has a cost-model entry', () => {
    for (const def of ops) {
      // Clip counts its bounds, Gelu its approximation, Swish QuickGelu's formula: none is one table entry.
      if (['Clip', 'Gelu', 'Swish'].includes(def.opType)) continue;
      expect(PER_ELEMENT_FLOPS[def.opType], def.opType).toBeGreaterThan(0);
    }
  });
});

describeOpRows('math/activation', ops, rows, { dtype: 'float32' });

describe('math/activation family: opset differences and errors', () => {
  it('Softmax on a 1-D input: axis 1 (opset < 13 default) is out of range, -1 (opset 13) is fine', () => {
    expect(() => runOp(op('Softmax'), { opType: 'Softmax', inputs: [f32(10)], opset: 11 })).toThrow(
      /axis 1 out of range/,
    );
    expect(at(runOp(op('Softmax'), { opType: 'Softmax', inputs: [f32(10)], opset: 13 }).outputs, 0).shape).toEqual([
      10,
    ]);
  });
  it('PRelu slope that does not broadcast to X (opset 7+)', () => {
    expect(() => runOp(op('PRelu'), { opType: 'PRelu', inputs: [f32(1, 64, 8, 8), weight(3)], opset: 9 })).toThrow(
      /slope of shape \[3\] does not broadcast/,
    );
  });
  it('PRelu slope that would grow X is rejected', () => {
    expect(() => runOp(op('PRelu'), { opType: 'PRelu', inputs: [f32(1, 8), weight(4, 1, 8)] })).toThrow(
      /does not broadcast to X/,
    );
  });
  it('PRelu slope is a parameter even as a single value; Clip bounds never are', () => {
    const prelu = runOp(op('PRelu'), { opType: 'PRelu', inputs: [f32(1, 8), weight(1)] });
    expect(prelu.cost?.paramInputs).toEqual([1]);
    const clip = runOp(op('Clip'), { opType: 'Clip', inputs: [f32(4), scalar(), scalar()] });
    expect(clip.cost?.paramInputs).toEqual([]);
  });
});
