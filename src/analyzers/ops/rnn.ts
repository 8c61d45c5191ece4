import type { Dim } from '../../model/ir.js';
import { MUL_FLOPS, PER_ELEMENT_FLOPS } from '../cost-model.js';
import { requireInput } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { tableFlops } from '../pointwise.js';
import { dynamicDim } from '../shape-utils.js';
import { defineOp, type OpContext, type OpDef } from '../types.js';
import { OpSpecError } from '../../errors.js';
import { at } from '../../util/at.js';

/** The ONNX rnn family (onnx/defs/rnn): RNN, GRU and LSTM, counted per time step and direction. */

/** Per-element cost of a named recurrent activation (ONNX activation names match op types), else `fallback`. */
function activationFlops(name: string | undefined, fallback: string): number {
  return PER_ELEMENT_FLOPS[name ?? fallback] ?? tableFlops(fallback);
}

interface RecurrentSpec {
  readonly opType: 'RNN' | 'GRU' | 'LSTM';
  /** Gate blocks in W and R: 1, 3, 4. */
  readonly gates: number;
  /** Default activation names, per direction (ONNX spec). */
  readonly activations: readonly string[];
  /** Element-wise FLOPs per hidden unit per step, given the activations in use. */
  pointwise(acts: readonly string[], ctx: OpContext): number;
}

/**
 * Per hidden unit and time step, besides the gate matmuls:
 * - RNN: f(.) once.
 * - GRU: z and r through f, h~ through g; r*(R h) (1), (1-z)*h~ + z*h (3).
 * - LSTM: i, f, o through f, c~ through g, C through h; f*C + i*c~ (2), o*h(C) (1); peepholes P add 3.
 */
const RECURRENT: readonly RecurrentSpec[] = [
  {
    opType: 'RNN',
    gates: 1,
    activations: ['Tanh'],
    pointwise: (a) => activationFlops(a[0], 'Tanh'),
  },
  {
    opType: 'GRU',
    gates: 3,
    activations: ['Sigmoid', 'Tanh'],
    pointwise: (a) => 2 * activationFlops(a[0], 'Sigmoid') + activationFlops(a[1], 'Tanh') + 4 * MUL_FLOPS,
  },
  {
    opType: 'LSTM',
    gates: 4,
    activations: ['Sigmoid', 'Tanh', 'Tanh'],
    pointwise: (a, ctx) =>
      3 * activationFlops(a[0], 'Sigmoid') +
      activationFlops(a[1], 'Tanh') +
      activationFlops(a[2], 'Tanh') +
      3 * MUL_FLOPS +
      (ctx.inputs[7] ? 3 * MUL_FLOPS : 0),
  },
];

interface RecurrentDims {
  seq: Dim;
  batch: Dim;
  input: Dim;
  hidden: Dim;
  directions: number;
  layout: number;
}

function recurrentDims(ctx: OpContext, gates: number): RecurrentDims {
  const x = requireInput(ctx, 0, 'X');
  const w = requireInput(ctx, 1, 'W');
  const r = requireInput(ctx, 2, 'R');
  const layout = ctx.opset >= 14 ? ctx.attrs.int('layout', 0) : 0;
  const direction = ctx.attrs.string('direction', 'forward');
  const directions = direction === 'bidirectional' ? 2 : 1;
  if (x.shape && x.shape.length !== 3)
    throw new OpSpecError(`${ctx.node.opType}: X must be 3-D, got rank ${x.shape.length}`);
  let hidden: Dim | undefined = ctx.attrs.intOr('hidden_size');
  if (hidden === undefined && typeof r.shape?.[2] === 'number') hidden = r.shape[2];
  if (hidden === undefined && typeof w.shape?.[1] === 'number') hidden = w.shape[1] / gates;
  // X is (seq, batch, input), or (batch, seq, input) with layout 1; its rank is checked above.
  const xs = x.shape ?? [dynamicDim(ctx, 0, 0), dynamicDim(ctx, 0, 1), dynamicDim(ctx, 0, 2)];
  const a = at(xs, 0);
  const b = at(xs, 1);
  const input = at(xs, 2);
  return {
    seq: layout === 0 ? a : b,
    batch: layout === 0 ? b : a,
    input,
    hidden: hidden ?? dynamicDim(ctx, 0, 3),
    directions,
    layout,
  };
}

function recurrentOp(spec: RecurrentSpec): OpDef {
  return defineOp({
    opType: spec.opType,
    category: 'gemm',
    inferShape(ctx) {
      const dtype = requireInput(ctx, 0, 'X').dtype;
      const { seq, batch, hidden, directions, layout } = recurrentDims(ctx, spec.gates);
      const y = layout === 0 ? [seq, directions, batch, hidden] : [batch, seq, directions, hidden];
      const state = layout === 0 ? [directions, batch, hidden] : [batch, directions, hidden];
      return ctx.node.outputs.map((_, i) => ({ dtype, shape: i === 0 ? y : state }));
    },
    cost(ctx) {
      const { seq, batch, input, hidden, directions } = recurrentDims(ctx, spec.gates);
      const paramInputs = spec.opType === 'LSTM' ? [1, 2, 3, 7] : [1, 2, 3];
      if (
        typeof seq !== 'number' ||
        typeof batch !== 'number' ||
        typeof input !== 'number' ||
        typeof hidden !== 'number'
      ) {
        return { flops: null, memory: 'io', paramInputs };
      }
      const acts = ctx.attrs.raw('activations');
      const names = acts?.type === 'strings' ? acts.value : spec.activations;
      const g = spec.gates * hidden;
      // Gate matmuls W x and R h (one multiply-add each), the two bias vectors, then the element-wise cell update.
      const perStep = g * (input + hidden) + (ctx.inputs[3] ? 2 * g : 0) + hidden * spec.pointwise(names, ctx);
      return { flops: seq * batch * directions * perStep, memory: 'io', paramInputs };
    },
  });
}

/** ai.onnx recurrent layers, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([...RECURRENT.map(recurrentOp)], { RNN: 1, GRU: 1, LSTM: 1 });
