import { describe, expect, it } from 'vitest';
import { PER_ELEMENT_FLOPS } from '../../../src/analyzers/cost-model.js';
import { ops } from '../../../src/analyzers/ops/rnn.js';
import { f32, runOp, weight, opFinder, describeOpRows, type OpRow } from '../../helpers/op-context.js';

const byType = opFinder(ops, 'rnn');

function perElementFlops(opType: string): number {
  const flops = PER_ELEMENT_FLOPS[opType];
  if (flops === undefined) throw new Error(`no cost-model entry for ${opType}`);
  return flops;
}

const SIGMOID = perElementFlops('Sigmoid');
const TANH = perElementFlops('Tanh');
const RELU = perElementFlops('Relu');

/**
 * Recurrent FLOPs per hidden unit and step: gate matmuls G*(input + hidden), the two bias vectors 2*G when B is
 * given, then the cell's element-wise work (see rnn.ts).
 */
const lstmStep = (input: number, hidden: number, bias: boolean) =>
  4 * hidden * (input + hidden) + (bias ? 2 * 4 * hidden : 0) + hidden * (3 * SIGMOID + 2 * TANH + 3);
const gruStep = (input: number, hidden: number) => 3 * hidden * (input + hidden) + hidden * (2 * SIGMOID + TANH + 4);

const rows: OpRow[] = [
  // LSTM: X [seq, batch, input] -> Y [seq, dirs, batch, hidden], Y_h and Y_c [dirs, batch, hidden].
  {
    name: 'LSTM forward with bias',
    op: 'LSTM',
    inputs: [f32(5, 2, 10), weight(1, 80, 10), weight(1, 80, 20), weight(1, 160)],
    attrs: { hidden_size: 20 },
    outputs: 3,
    shapes: [
      [5, 1, 2, 20],
      [1, 2, 20],
      [1, 2, 20],
    ],
    flops: 5 * 2 * lstmStep(10, 20, true),
  },
  {
    name: 'LSTM hidden size from R, no bias',
    op: 'LSTM',
    inputs: [f32(5, 2, 10), weight(1, 80, 10), weight(1, 80, 20)],
    outputs: 2,
    shapes: [
      [5, 1, 2, 20],
      [1, 2, 20],
    ],
    flops: 5 * 2 * lstmStep(10, 20, false),
  },
  {
    name: 'GRU-14 bidirectional, layout=1',
    op: 'GRU',
    inputs: [f32(2, 5, 10), weight(2, 60, 10), weight(2, 60, 20)],
    attrs: { hidden_size: 20, direction: 'bidirectional', layout: 1 },
    opset: 14,
    outputs: 2,
    shapes: [
      [2, 5, 2, 20],
      [2, 2, 20],
    ],
    flops: 5 * 2 * 2 * gruStep(10, 20),
  },
  {
    name: 'RNN with a Relu activation',
    op: 'RNN',
    inputs: [f32(7, 1, 4), weight(1, 8, 4), weight(1, 8, 8)],
    attrs: { hidden_size: 8, activations: { type: 'strings', value: ['Relu'] } },
    outputs: 2,
    shapes: [
      [7, 1, 1, 8],
      [1, 1, 8],
    ],
    flops: 7 * (8 * (4 + 8) + 8 * RELU),
  },
  {
    name: 'LSTM with a symbolic sequence length',
    op: 'LSTM',
    inputs: [f32('seq', 2, 10), weight(1, 80, 10), weight(1, 80, 20)],
    outputs: 1,
    shapes: [['seq', 1, 2, 20]],
    flops: null,
  },
];

describeOpRows('rnn', ops, rows);

describe('rnn family: params and errors', () => {
  it('recurrent layers count W, R, B (and P for LSTM) as parameters, not the initial states', () => {
    const lstm = runOp(byType('LSTM'), {
      opType: 'LSTM',
      inputs: [f32(5, 2, 10), weight(1, 80, 10), weight(1, 80, 20)],
    });
    expect(lstm.cost?.paramInputs).toEqual([1, 2, 3, 7]);
    const gru = runOp(byType('GRU'), { opType: 'GRU', inputs: [f32(5, 2, 10), weight(1, 60, 10), weight(1, 60, 20)] });
    expect(gru.cost?.paramInputs).toEqual([1, 2, 3]);
  });

  it('LSTM with a 2-D X throws', () => {
    expect(() =>
      runOp(byType('LSTM'), { opType: 'LSTM', inputs: [f32(5, 10), weight(1, 80, 10), weight(1, 80, 20)] }),
    ).toThrow(/3-D/);
  });
});
