import type { Dim, DType } from '../../model/ir.js';
import { BILINEAR_FLOPS, MUL_FLOPS } from '../cost-model.js';
import { dynamicDim, elementsOf, numel } from '../shape-utils.js';
import { defineOp, type OpContext, type OpDef, type TensorInfo } from '../types.js';
import { constantInputs, fitOutputs, inputAt } from './elementwise.js';

/** Sliding-window attributes shared by Conv, ConvTranspose and the pooling ops, with ONNX defaults filled in. */
export interface Window {
  /** Kernel extent per spatial axis; a non-number when unknown (symbolic weight shape). */
  readonly kernel: readonly Dim[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** [x1_begin, x2_begin, ..., x1_end, x2_end, ...] as in the ONNX `pads` attribute. */
  readonly pads: readonly number[];
  /** NOTSET, SAME_UPPER, SAME_LOWER or VALID. */
  readonly autoPad: string;
  readonly ceilMode: boolean;
}

function intsOfLength(ctx: OpContext, name: string, n: number, fallback: number): number[] {
  const v = ctx.attrs.ints(name);
  if (v === undefined || v.length === 0) return new Array<number>(n).fill(fallback);
  if (v.length !== n) throw new RangeError(`${name} has ${v.length} values, expected ${n} (one per spatial axis)`);
  return [...v];
}

/**
 * Reads strides, dilations, pads, auto_pad and ceil_mode for `n` spatial axes. `kernel` comes from the caller
 * (kernel_shape attribute or the weight's spatial dims). Defaults per Operators.md: strides and dilations 1, pads 0,
 * auto_pad NOTSET, ceil_mode 0.
 */
export function readWindow(ctx: OpContext, n: number, kernel: readonly Dim[]): Window {
  const pads = ctx.attrs.ints('pads');
  if (pads !== undefined && pads.length > 0 && pads.length !== 2 * n) {
    throw new RangeError(`pads has ${pads.length} values, expected ${2 * n} (begin and end per spatial axis)`);
  }
  const window: Window = {
    kernel,
    strides: intsOfLength(ctx, 'strides', n, 1),
    dilations: intsOfLength(ctx, 'dilations', n, 1),
    pads: pads && pads.length > 0 ? [...pads] : new Array<number>(2 * n).fill(0),
    autoPad: ctx.attrs.string('auto_pad', 'NOTSET') || 'NOTSET',
    ceilMode: ctx.attrs.int('ceil_mode', 0) === 1,
  };
  if (window.strides.some((s) => s <= 0) || window.dilations.some((d) => d <= 0)) {
    throw new RangeError('strides and dilations must be positive');
  }
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(window.autoPad)) {
    throw new RangeError(`unknown auto_pad '${window.autoPad}'`);
  }
  return window;
}

/**
 * Output size of spatial axis i (Operators.md, Conv and MaxPool):
 * - NOTSET: floor((in + pad_begin + pad_end - ((k-1)*d + 1)) / s) + 1, or ceil(...) + 1 with ceil_mode, dropping a
 *   last window that would start in the end padding (MaxPool-22: "Sliding windows that would start in the right
 *   padded region are ignored", as PyTorch does);
 * - SAME_UPPER / SAME_LOWER: ceil(in / s);
 * - VALID: floor((in - ((k-1)*d + 1)) / s) + 1 (= ceil((in - ((k-1)*d + 1) + 1) / s)).
 * A symbolic input size stays the same symbol when the window preserves size (stride 1 with SAME or "same" padding),
 * else it becomes a fresh dynamic dim. Throws when the kernel does not fit the padded input.
 */
export function windowOutputDim(ctx: OpContext, w: Window, i: number, inDim: Dim, outIndex: number, axis: number): Dim {
  const n = w.strides.length;
  const s = w.strides[i];
  const k = w.kernel[i];
  const padTotal = w.pads[i] + w.pads[i + n];
  const same = w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER';
  if (typeof inDim !== 'number') {
    const ek = typeof k === 'number' ? (k - 1) * w.dilations[i] + 1 : null;
    if (s === 1 && (same || (w.autoPad === 'NOTSET' && ek !== null && padTotal === ek - 1))) return inDim;
    return dynamicDim(ctx.node.name, outIndex, axis);
  }
  if (same) return Math.ceil(inDim / s);
  if (typeof k !== 'number') return dynamicDim(ctx.node.name, outIndex, axis);
  const ek = (k - 1) * w.dilations[i] + 1;
  const span = (w.autoPad === 'VALID' ? inDim : inDim + padTotal) - ek;
  if (span < 0) {
    throw new RangeError(
      `kernel extent ${ek} on spatial axis ${i} exceeds the ${w.autoPad === 'VALID' ? '' : 'padded '}input size ${span + ek}`,
    );
  }
  if (w.autoPad === 'VALID' || !w.ceilMode) return Math.floor(span / s) + 1;
  let out = Math.ceil(span / s) + 1;
  if ((out - 1) * s >= inDim + w.pads[i]) out -= 1;
  return out;
}

const known = (d: Dim | null | undefined): d is number => typeof d === 'number';

interface ConvLayout {
  /** Input positions of X, W and the optional bias. */
  readonly x: number;
  readonly w: number;
  readonly b: number | null;
  /** Output dtype (null: X's). */
  readonly dtype?: (ctx: OpContext) => DType | null;
  /** Whether auto_pad is an attribute of this op (DeformConv has none). */
  readonly autoPad?: boolean;
}

interface ConvGeometry {
  readonly out: TensorInfo;
  /** Input channels per group times kernel size: the MACs per output element, or null when unknown. */
  readonly macsPerOutput: number | null;
  readonly kernelSize: number | null;
  readonly inChannels: Dim | null;
}

/**
 * Conv output shape (Operators.md Conv): X is (N, C, D1..Dn), W is (M, C/group, k1..kn), Y is (N, M, O1..On).
 * Throws on a weight of the wrong rank, channels that do not match `group`, or M not divisible by `group`.
 */
function convGeometry(ctx: OpContext, layout: ConvLayout): ConvGeometry {
  const x = inputAt(ctx, layout.x);
  const wt = inputAt(ctx, layout.w);
  const dtype = layout.dtype ? layout.dtype(ctx) : (x?.dtype ?? null);
  const group = ctx.attrs.int('group', 1);
  if (group < 1) throw new RangeError(`group must be >= 1, got ${group}`);
  const xs = x?.shape ?? null;
  const ws = wt?.shape ?? null;
  if (xs && xs.length < 3) throw new RangeError(`input must have rank >= 3 (N, C, spatial...), got rank ${xs.length}`);
  if (xs && ws && ws.length !== xs.length) {
    throw new RangeError(`weight has rank ${ws.length} but the input has rank ${xs.length}; expected (M, C/group, k1..kn)`);
  }
  if (!xs && ws && ws.length < 3) throw new RangeError(`weight must have rank >= 3 (M, C/group, k1..kn), got rank ${ws.length}`);
  const rank = xs?.length ?? ws?.length ?? null;
  const c = xs?.[1];
  const cPerGroup = ws?.[1];
  const m = ws?.[0];
  if (known(c) && known(cPerGroup) && c !== cPerGroup * group) {
    throw new RangeError(`input has ${c} channels but the weight expects ${cPerGroup} x group ${group} = ${cPerGroup * group}`);
  }
  if (known(m) && m % group !== 0) throw new RangeError(`${m} output channels are not divisible by group ${group}`);
  const bias = layout.b === null ? null : inputAt(ctx, layout.b);
  if (bias?.shape && known(m) && bias.shape.length === 1 && known(bias.shape[0]) && bias.shape[0] !== m) {
    throw new RangeError(`bias has ${bias.shape[0]} elements but the weight has ${m} output channels`);
  }
  if (rank === null) return { out: { dtype, shape: null }, macsPerOutput: null, kernelSize: null, inChannels: null };
  const n = rank - 2;
  const kernelAttr = ctx.attrs.ints('kernel_shape');
  if (kernelAttr && kernelAttr.length !== n) throw new RangeError(`kernel_shape has ${kernelAttr.length} values, expected ${n}`);
  const kernel: Dim[] = kernelAttr ? [...kernelAttr] : ws ? ws.slice(2) : new Array<Dim>(n).fill('?');
  if (kernelAttr && ws) {
    ws.slice(2).forEach((d, i) => {
      if (known(d) && d !== kernelAttr[i]) throw new RangeError(`kernel_shape ${kernelAttr.join('x')} does not match the weight`);
    });
  }
  const window = readWindow(ctx, n, kernel);
  if (layout.autoPad === false && window.autoPad !== 'NOTSET') throw new RangeError(`${ctx.node.opType} has no auto_pad`);
  const shape: Dim[] = [
    xs ? xs[0] : dynamicDim(ctx.node.name, 0, 0),
    m ?? dynamicDim(ctx.node.name, 0, 1),
    ...Array.from({ length: n }, (_, i) =>
      xs ? windowOutputDim(ctx, window, i, xs[i + 2], 0, i + 2) : dynamicDim(ctx.node.name, 0, i + 2),
    ),
  ];
  const kernelSize = numel(kernel);
  const perGroup = known(cPerGroup) ? cPerGroup : known(c) ? c / group : null;
  return {
    out: { dtype, shape },
    macsPerOutput: kernelSize === null || perGroup === null ? null : kernelSize * perGroup,
    kernelSize,
    inChannels: c ?? null,
  };
}

/** Conv FLOPs: N * M * prod(O) * (C/group) * prod(k) multiply-adds; the bias add is not counted (see docs). */
function convFlops(outputs: readonly TensorInfo[], g: ConvGeometry): number | null {
  const outElems = elementsOf(outputs[0]);
  return outElems === null || g.macsPerOutput === null ? null : outElems * g.macsPerOutput;
}

function convLike(opType: string, layout: ConvLayout, paramPositions: readonly number[]): OpDef {
  return defineOp({
    opType,
    category: 'conv',
    inferShape: (ctx) => fitOutputs(ctx, [convGeometry(ctx, layout).out]),
    cost: (ctx, outputs) => ({
      flops: convFlops(outputs, convGeometry(ctx, layout)),
      paramInputs: constantInputs(ctx, paramPositions),
    }),
  });
}

/**
 * ConvTranspose (Operators.md): X is (N, C, D1..Dn), W is (C, M/group, k1..kn), Y is (N, M, O1..On) with
 * O_i = output_shape[i] when given; in * stride for SAME_UPPER/SAME_LOWER; else
 * stride * (in - 1) + output_padding + ((k - 1) * dilation + 1) - pad_begin - pad_end (VALID: no pads).
 * FLOPs: every input element is multiplied into (M/group) * prod(k) outputs: N * C * prod(D) * (M/group) * prod(k).
 */
function convTransposeGeometry(ctx: OpContext): { out: TensorInfo; macsPerInput: number | null } {
  const x = inputAt(ctx, 0);
  const wt = inputAt(ctx, 1);
  const dtype = x?.dtype ?? null;
  const group = ctx.attrs.int('group', 1);
  if (group < 1) throw new RangeError(`group must be >= 1, got ${group}`);
  const xs = x?.shape ?? null;
  const ws = wt?.shape ?? null;
  if (xs && xs.length < 3) throw new RangeError(`input must have rank >= 3 (N, C, spatial...), got rank ${xs.length}`);
  if (xs && ws && ws.length !== xs.length) {
    throw new RangeError(`weight has rank ${ws.length} but the input has rank ${xs.length}; expected (C, M/group, k1..kn)`);
  }
  const c = xs?.[1];
  if (known(c) && known(ws?.[0]) && c !== ws?.[0]) {
    throw new RangeError(`input has ${c} channels but the weight's first dim is ${ws?.[0]}`);
  }
  if (known(c) && c % group !== 0) throw new RangeError(`${c} input channels are not divisible by group ${group}`);
  const mPerGroup = ws?.[1];
  const rank = xs?.length ?? ws?.length ?? null;
  if (rank === null) return { out: { dtype, shape: null }, macsPerInput: null };
  const n = rank - 2;
  const kernelAttr = ctx.attrs.ints('kernel_shape');
  const kernel: Dim[] = kernelAttr && kernelAttr.length === n ? [...kernelAttr] : ws ? ws.slice(2) : new Array<Dim>(n).fill('?');
  const window = readWindow(ctx, n, kernel);
  const outputPadding = intsOfLength(ctx, 'output_padding', n, 0);
  const outputShape = ctx.attrs.ints('output_shape');
  const explicit = outputShape && outputShape.length > 0 ? outputShape.slice(-n) : null;
  if (explicit && explicit.length !== n) throw new RangeError(`output_shape has ${outputShape?.length} values, expected ${n}`);
  const spatial = Array.from({ length: n }, (_, i): Dim => {
    if (explicit) return explicit[i];
    const d = xs?.[i + 2];
    const k = kernel[i];
    if (!known(d) || !known(k)) return dynamicDim(ctx.node.name, 0, i + 2);
    const s = window.strides[i];
    if (window.autoPad === 'SAME_UPPER' || window.autoPad === 'SAME_LOWER') return d * s;
    const pads = window.autoPad === 'VALID' ? 0 : window.pads[i] + window.pads[i + n];
    const out = s * (d - 1) + outputPadding[i] + (k - 1) * window.dilations[i] + 1 - pads;
    if (out <= 0) throw new RangeError(`output size ${out} on spatial axis ${i} is not positive`);
    return out;
  });
  const m = known(mPerGroup) ? mPerGroup * group : dynamicDim(ctx.node.name, 0, 1);
  const shape: Dim[] = [xs ? xs[0] : dynamicDim(ctx.node.name, 0, 0), m, ...spatial];
  const k = numel(kernel);
  return { out: { dtype, shape }, macsPerInput: known(mPerGroup) && k !== null ? mPerGroup * k : null };
}

const convTranspose = defineOp({
  opType: 'ConvTranspose',
  category: 'conv',
  inferShape: (ctx) => fitOutputs(ctx, [convTransposeGeometry(ctx).out]),
  cost(ctx) {
    const inElems = elementsOf(inputAt(ctx, 0));
    const { macsPerInput } = convTransposeGeometry(ctx);
    return {
      flops: inElems === null || macsPerInput === null ? null : inElems * macsPerInput,
      paramInputs: constantInputs(ctx, [1, 2]),
    };
  },
});

const DEFORM_LAYOUT: ConvLayout = { x: 0, w: 1, b: 3, autoPad: false };

/**
 * DeformConv (opset 19): the Conv MACs plus one bilinear sample per (output position, input channel, kernel tap),
 * times a mask multiply when the mask input is present.
 */
const deformConv = defineOp({
  opType: 'DeformConv',
  category: 'conv',
  inferShape: (ctx) => fitOutputs(ctx, [convGeometry(ctx, DEFORM_LAYOUT).out]),
  cost(ctx, outputs) {
    const g = convGeometry(ctx, DEFORM_LAYOUT);
    const macs = convFlops(outputs, g);
    const y = outputs[0]?.shape;
    const spatialOut = y ? numel([y[0], ...y.slice(2)]) : null;
    const perSample = BILINEAR_FLOPS + (inputAt(ctx, 4) ? MUL_FLOPS : 0);
    const samples =
      spatialOut === null || g.kernelSize === null || !known(g.inChannels) ? null : spatialOut * g.inChannels * g.kernelSize;
    return {
      flops: macs === null || samples === null ? null : macs + samples * perSample,
      paramInputs: constantInputs(ctx, [1, 3]),
    };
  },
});

/** ai.onnx convolutions. */
export const ops: readonly OpDef[] = [
  convLike('Conv', { x: 0, w: 1, b: 2 }, [1, 2]),
  convTranspose,
  // ConvInteger(x, w, x_zero_point, w_zero_point) -> int32.
  convLike('ConvInteger', { x: 0, w: 1, b: null, dtype: () => 'int32' }, [1]),
  // QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): y has y_zero_point's type.
  convLike('QLinearConv', { x: 0, w: 3, b: 8, dtype: (ctx) => inputAt(ctx, 7)?.dtype ?? inputAt(ctx, 0)?.dtype ?? null }, [3, 8]),
  deformConv,
];
