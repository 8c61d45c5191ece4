import type { Dim } from '../model/ir.js';
import { at } from '../util/at.js';
import type { OpContext, TensorInfo } from './types.js';
import { OpSpecError } from '../errors.js';

/** Element count of a fully known shape, else null. Stays finite: huge shapes saturate, never overflow. */
export function numel(shape: readonly Dim[] | null | undefined): number | null {
  if (!shape) return null;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return Number.isFinite(n) ? n : Number.MAX_VALUE;
}

/** Element count of a tensor info, null when unknown. */
export function elementsOf(t: TensorInfo | null | undefined): number | null {
  return t ? numel(t.shape) : null;
}

/** Whether a dim is a concrete size (not a symbolic name). */
export function isKnownDim(d: Dim | null | undefined): d is number {
  return typeof d === 'number';
}

/** Whether every dim of a shape is a concrete size. */
export function isStaticShape(shape: readonly Dim[] | null | undefined): shape is readonly number[] {
  return !!shape && shape.every((d) => typeof d === 'number');
}

/** Normalises a possibly negative axis against a rank; throws RangeError when out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new OpSpecError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/**
 * Multidirectional (numpy) broadcasting, ONNX Broadcasting.md. Returns null when a rank is
 * unknown. A symbolic dim against 1 stays symbolic; two different symbols give a fresh symbol-less
 * unknown (kept as the first symbol, the common case of one dynamic batch name).
 */
export function broadcastShapes(shapes: readonly (readonly Dim[] | null)[]): Dim[] | null {
  if (shapes.some((s) => s === null)) return null;
  const known = shapes as readonly (readonly Dim[])[];
  const rank = Math.max(0, ...known.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of known) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1) dim = d;
      else if (typeof dim === 'number' && typeof d === 'number' && dim !== d) {
        throw new OpSpecError(`shapes [${known.map((k) => k.join(',')).join('] [')}] do not broadcast`);
      } else if (typeof dim === 'string' && typeof d === 'number') dim = d;
    }
    out.push(dim);
  }
  return out;
}

/**
 * Unidirectional broadcasting (ONNX Broadcasting.md): whether `other` broadcasts to `target` without changing it.
 * Symbolic dims are given the benefit of the doubt.
 */
export function broadcastsTo(other: readonly Dim[], target: readonly Dim[]): boolean {
  if (other.length > target.length) return false;
  return other.every((d, j) => {
    const t = target[target.length - other.length + j];
    return d === 1 || d === t || typeof d !== 'number' || typeof t !== 'number';
  });
}

/** Row-major strides of a static shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= at(shape, i);
  }
  return strides;
}

/** Product of dims: a number when all are numeric, the one symbolic dim when the others are 1, else null. */
export function productDim(dims: readonly Dim[]): Dim | null {
  let n = 1;
  let symbol: string | null = null;
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else if (symbol === null) symbol = d;
    else return null;
  }
  if (symbol === null) return n;
  if (n === 0) return 0;
  return n === 1 ? symbol : null;
}

/**
 * A dim that depends on runtime data: a symbolic name unique per node, output and axis (`node:output:axis`), so
 * two unknown dims of one model never compare equal by accident.
 */
export function dynamicDim(ctx: Pick<OpContext, 'node'>, output: number, axis: number): string {
  return `${ctx.node.name}:${output}:${axis}`;
}

/**
 * Largest rank efflint builds a shape of when the rank comes from a tensor's declared length (a Reshape target
 * declared `int64[n]` whose values are not known, Unsqueeze axes, Expand's shape input). ONNX sets no limit, so a
 * hostile but valid model may declare `int64[2147483647]`; beyond this rank the output's rank is left unknown instead
 * of allocating billions of dims. numpy allows 64 dims, onnxruntime's kernels far fewer in practice.
 */
export const MAX_RANK = 1024;

/**
 * Whether a rank read from a declared length can be materialised (a whole number up to MAX_RANK). When it cannot, the
 * node gets a warning and the caller leaves the output's rank unknown.
 */
export function materialisableRank(ctx: Pick<OpContext, 'warn'>, rank: number): boolean {
  if (Number.isInteger(rank) && rank >= 0 && rank <= MAX_RANK) return true;
  ctx.warn(
    `output rank ${rank} (from a declared input length) is beyond the ${MAX_RANK} dims efflint builds; its shape is unknown`,
  );
  return false;
}

/**
 * A shape of `rank` data-dependent dims for one output; null when the rank is unknown (null), or beyond MAX_RANK
 * (with a warning).
 */
export function dynamicShape(ctx: Pick<OpContext, 'node' | 'warn'>, rank: number | null, output = 0): Dim[] | null {
  if (rank === null || !materialisableRank(ctx, rank)) return null;
  return Array.from({ length: rank }, (_, i) => dynamicDim(ctx, output, i));
}

/**
 * Element count of a static shape when it is a safe integer (at most 2^53 - 1), else null. A tensor beyond that
 * cannot exist on any machine and its count is no longer exact as a double.
 */
export function safeElementCount(shape: readonly number[]): number | null {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

/** The flat (row-major) offset of a multi-index, given the strides of its shape (stridesOf). */
export function ravel(index: readonly number[], strides: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < index.length; i++) {
    const x = index[i];
    const stride = strides[i];
    // Fewer strides than indices (strides of a shape that was not static) give NaN: no valid offset.
    if (x === undefined || stride === undefined) return NaN;
    flat += x * stride;
  }
  return flat;
}
