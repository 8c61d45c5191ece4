import type { Dim } from '../../model/ir.js';
import { CMP_FLOPS, MUL_FLOPS, PER_ELEMENT_FLOPS, perElement } from '../cost-model.js';
import { MAX_FOLD_ELEMENTS } from '../fold.js';
import { readsOnlyMemory } from '../memory-models.js';
import { requireInput, scalarOf } from '../op-inputs.js';
import { dynamicDim, isStaticShape, normalizeAxis, numel, stridesOf } from '../shape-utils.js';
import type { OpContext, OpDef, TensorInfo } from '../types.js';
import { defineOp } from '../types.js';
import { OpSpecError } from '../../errors.js';

/**
 * Ops whose output size depends on data (NonZero, NonMaxSuppression, Unique), recurrent layers (RNN, GRU, LSTM)
 * and GridSample.
 */

const nonZeroOp = defineOp({
  opType: 'NonZero',
  category: 'other',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    if (!x.shape) return [{ dtype: 'int64', shape: [dynamicDim(ctx, 0, 0), dynamicDim(ctx, 0, 1)] }];
    // A scalar is indexed like a one-element vector (onnxruntime, numpy's atleast_1d).
    const shape = x.shape.length === 0 ? [1] : x.shape;
    const rank = shape.length;
    const v = x.value;
    if (!v || !isStaticShape(shape)) return [{ dtype: 'int64', shape: [rank, dynamicDim(ctx, 0, 1)] }];
    const strides = stridesOf(shape);
    const hits = v.flatMap((e, i) => (e !== 0 ? [i] : []));
    const info: TensorInfo = { dtype: 'int64', shape: [rank, hits.length] };
    if (rank * hits.length > MAX_FOLD_ELEMENTS) return [info];
    const value: number[] = [];
    for (let a = 0; a < rank; a++) for (const flat of hits) value.push(Math.floor(flat / strides[a]) % shape[a]);
    return [{ ...info, value }];
  },
  // One comparison per input element; the index write is data movement.
  cost: (ctx) => ({ flops: perElement(numel(ctx.inputs[0]?.shape), CMP_FLOPS), memory: 'io', paramInputs: [] }),
});

const nonMaxSuppressionOp = defineOp({
  opType: 'NonMaxSuppression',
  category: 'other',
  inferShape(ctx) {
    requireInput(ctx, 0, 'boxes');
    requireInput(ctx, 1, 'scores');
    // max_output_boxes_per_class defaults to 0: no box is selected.
    const max = ctx.inputs[2] ? scalarOf(ctx.inputs[2]) : 0;
    return [{ dtype: 'int64', shape: [max === 0 ? 0 : dynamicDim(ctx, 0, 0), 3] }];
  },
  // Greedy NMS does one IoU per surviving pair: anywhere from 0 to S^2/2 per class, so FLOPs are unknown.
  cost: (ctx) => ({ flops: null, memory: readsOnlyMemory(ctx, [0, 1]), paramInputs: [] }),
});

/** Per-element cost of a named recurrent activation (ONNX activation names match op types), else `fallback`. */
function activationFlops(name: string | undefined, fallback: string): number {
  return PER_ELEMENT_FLOPS[name ?? fallback] ?? PER_ELEMENT_FLOPS[fallback];
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
  if (x.shape && x.shape.length !== 3) throw new OpSpecError(`${ctx.node.opType}: X must be 3-D, got rank ${x.shape.length}`);
  let hidden: Dim | undefined = ctx.attrs.intOr('hidden_size');
  if (hidden === undefined && typeof r.shape?.[2] === 'number') hidden = r.shape[2];
  if (hidden === undefined && typeof w.shape?.[1] === 'number') hidden = w.shape[1] / gates;
  const [a, b, input] = x.shape ?? [dynamicDim(ctx, 0, 0), dynamicDim(ctx, 0, 1), dynamicDim(ctx, 0, 2)];
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
      if (typeof seq !== 'number' || typeof batch !== 'number' || typeof input !== 'number' || typeof hidden !== 'number') {
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

const uniqueOp = defineOp({
  opType: 'Unique',
  category: 'other',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    const axisAttr = ctx.attrs.intOr('axis');
    const take = (infos: TensorInfo[]) => infos.slice(0, ctx.node.outputs.length);
    // Y, indices and counts share one data-dependent length U.
    const u = dynamicDim(ctx, 0, axisAttr === undefined || !x.shape ? 0 : normalizeAxis(axisAttr, x.shape.length));
    if (axisAttr === undefined) {
      const n = numel(x.shape);
      const v = x.value;
      if (v && n !== null) {
        const firsts = new Map<number, number>();
        v.forEach((e, i) => firsts.has(e) || firsts.set(e, i));
        const uniques = [...firsts.keys()];
        if (ctx.attrs.int('sorted', 1) === 1) uniques.sort((p, q) => p - q);
        const len = uniques.length;
        return take([
          { dtype: x.dtype, shape: [len], value: uniques },
          { dtype: 'int64', shape: [len], value: uniques.map((e) => firsts.get(e) as number) },
          { dtype: 'int64', shape: [n], value: v.map((e) => uniques.indexOf(e)) },
          { dtype: 'int64', shape: [len], value: uniques.map((e) => v.filter((o) => o === e).length) },
        ]);
      }
      return take([
        { dtype: x.dtype, shape: [u] },
        { dtype: 'int64', shape: [u] },
        { dtype: 'int64', shape: [n ?? dynamicDim(ctx, 2, 0)] },
        { dtype: 'int64', shape: [u] },
      ]);
    }
    const axis = x.shape ? normalizeAxis(axisAttr, x.shape.length) : -1;
    return take([
      { dtype: x.dtype, shape: x.shape ? x.shape.map((d, i) => (i === axis ? u : d)) : null },
      { dtype: 'int64', shape: [u] },
      { dtype: 'int64', shape: [x.shape ? x.shape[axis] : dynamicDim(ctx, 2, 0)] },
      { dtype: 'int64', shape: [u] },
    ]);
  },
  // A comparison sort: n * ceil(log2 n) comparisons.
  cost(ctx) {
    const n = numel(ctx.inputs[0]?.shape);
    const compares = n === null ? null : n * Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))));
    return { flops: perElement(compares, CMP_FLOPS), memory: 'io', paramInputs: [] };
  },
});

const gridSampleOp = defineOp({
  opType: 'GridSample',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    const grid = requireInput(ctx, 1, 'grid');
    if (!x.shape || !grid.shape) return [{ dtype: x.dtype, shape: null }];
    if (grid.shape.length !== x.shape.length) {
      throw new OpSpecError(`GridSample: grid rank ${grid.shape.length} differs from X rank ${x.shape.length}`);
    }
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...grid.shape.slice(1, -1)] }];
  },
  // Bilinear (opset 16) / linear (20) reads 2^k taps per output element, bicubic/cubic 4^k, nearest copies.
  cost(ctx, outputs) {
    const n = numel(outputs[0].shape);
    const k = (outputs[0].shape?.length ?? 2) - 2;
    const mode = ctx.attrs.string('mode', ctx.opset >= 20 ? 'linear' : 'bilinear');
    const taps = mode === 'nearest' ? 0 : mode === 'bicubic' || mode === 'cubic' ? 4 ** k : 2 ** k;
    return { flops: n === null ? null : n * taps * MUL_FLOPS, memory: 'io', paramInputs: [] };
  },
});

/** Data-dependent ops (NonZero, NonMaxSuppression, Unique), recurrent layers and GridSample. */
export const ops: readonly OpDef[] = [
  nonZeroOp,
  nonMaxSuppressionOp,
  ...RECURRENT.map(recurrentOp),
  uniqueOp,
  gridSampleOp,
];
