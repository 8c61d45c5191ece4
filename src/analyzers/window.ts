import type { Dim } from '../model/ir.js';
import { at } from '../util/at.js';
import { inputAt } from './op-inputs.js';
import { dynamicDim } from './shape-utils.js';
import type { OpContext } from './types.js';
import { OpSpecError } from '../errors.js';

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

/** An attribute with one int per spatial axis (`n` of them), `fallback` for each when absent or empty. */
export function intsOfLength(ctx: OpContext, name: string, n: number, fallback: number): number[] {
  const v = ctx.attrs.ints(name);
  if (v === undefined || v.length === 0) return new Array<number>(n).fill(fallback);
  if (v.length !== n) throw new OpSpecError(`${name} has ${v.length} values, expected ${n} (one per spatial axis)`);
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
    throw new OpSpecError(`pads has ${pads.length} values, expected ${2 * n} (begin and end per spatial axis)`);
  }
  const window: Window = {
    kernel,
    strides: intsOfLength(ctx, 'strides', n, 1),
    dilations: intsOfLength(ctx, 'dilations', n, 1),
    pads: pads && pads.length > 0 ? [...pads] : new Array<number>(2 * n).fill(0),
    autoPad: ctx.attrs.string('auto_pad', 'NOTSET') || 'NOTSET',
    ceilMode: ctx.attrs.int('ceil_mode', 0) === 1,
  };
  // onnxruntime's ConvAttributes / PoolAttributes reject these when the session is created.
  for (const name of ['strides', 'dilations'] as const) {
    if (window[name].some((v) => v < 1)) throw new OpSpecError(`${name} must be >= 1, got [${window[name].join(',')}]`);
  }
  if (window.pads.some((p) => p < 0)) throw new OpSpecError(`pads must be >= 0, got [${window.pads.join(',')}]`);
  if (kernel.some((k) => typeof k === 'number' && k < 1)) {
    throw new OpSpecError(
      `${ctx.attrs.has('kernel_shape') ? 'kernel_shape' : "the weight's kernel dims"} must be >= 1, got [${kernel.join(',')}]`,
    );
  }
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(window.autoPad)) {
    throw new OpSpecError(`unknown auto_pad '${window.autoPad}'`);
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
  // readWindow gives strides and dilations n values and pads 2n; the kernel may be shorter (a weight whose rank
  // differs from X's), and a missing kernel extent counts as unknown.
  const n = w.strides.length;
  const s = at(w.strides, i);
  const d = at(w.dilations, i);
  const padBegin = at(w.pads, i);
  const k = w.kernel[i];
  const padTotal = padBegin + at(w.pads, i + n);
  const same = w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER';
  if (typeof inDim !== 'number') {
    const ek = typeof k === 'number' ? (k - 1) * d + 1 : null;
    if (s === 1 && (same || (w.autoPad === 'NOTSET' && ek !== null && padTotal === ek - 1))) return inDim;
    return dynamicDim(ctx, outIndex, axis);
  }
  if (same) return Math.ceil(inDim / s);
  if (typeof k !== 'number') return dynamicDim(ctx, outIndex, axis);
  const ek = (k - 1) * d + 1;
  const span = (w.autoPad === 'VALID' ? inDim : inDim + padTotal) - ek;
  if (span < 0) {
    throw new OpSpecError(
      `kernel extent ${ek} on spatial axis ${i} exceeds the ${w.autoPad === 'VALID' ? '' : 'padded '}input size ${span + ek}`,
    );
  }
  if (w.autoPad === 'VALID' || !w.ceilMode) return Math.floor(span / s) + 1;
  let out = Math.ceil(span / s) + 1;
  if ((out - 1) * s >= inDim + padBegin) out -= 1;
  return out;
}

/** Checks that X is (N, C, D1..Dn) with at least one spatial axis, as Conv and the windowed pools need. */
export function checkSpatialRank(shape: readonly Dim[] | null | undefined): void {
  if (shape && shape.length < 3)
    throw new OpSpecError(`input must have rank >= 3 (N, C, spatial...), got rank ${shape.length}`);
}

/** Shape (num_rois, C, out_h, out_w) of the RoI pools; rois is (num_rois, 4 or 5). */
export function roiShape(ctx: OpContext, outH: number, outW: number): Dim[] | null {
  const xs = inputAt(ctx, 0)?.shape ?? null;
  const rois = inputAt(ctx, 1)?.shape ?? null;
  if (xs && xs.length !== 4) throw new OpSpecError(`input must be 4-D (N, C, H, W), got rank ${xs.length}`);
  if (rois && rois.length !== 2)
    throw new OpSpecError(`rois must be 2-D (num_rois, coordinates), got rank ${rois.length}`);
  const numRois = rois ? at(rois, 0) : dynamicDim(ctx, 0, 0);
  const c = xs ? at(xs, 1) : dynamicDim(ctx, 0, 1);
  return [numRois, c, outH, outW];
}
