import type { Dim } from '../model/ir.js';
import { at } from '../util/at.js';
import { isStaticShape, numel, stridesOf } from './shape-utils.js';
import type { TensorInfo } from './types.js';

/**
 * Value folding of small tensors. Exporters compute shapes inside the graph (Shape -> Gather -> Unsqueeze -> Concat
 * -> Reshape), so ops carry the values of their outputs whenever their inputs are known and the output is small.
 */

/** Largest tensor whose values are folded (the engine reads integer constants up to the same size). */
export const MAX_FOLD_ELEMENTS = 1024;

/**
 * The known elements of a small tensor: `value` (every element numeric), else `symbolicValue` (some elements are
 * dim names, as in the Shape of `[N, 3, 224, 224]`); undefined when unknown.
 */
export function knownElements(t: TensorInfo | null | undefined): readonly Dim[] | undefined {
  if (!t) return undefined;
  return t.value ?? t.symbolicValue;
}

/**
 * Attaches folded elements to an info: `value` when all are numbers, `symbolicValue` otherwise. Leaves the info
 * as it is when there are no elements, too many, or a count that does not match its shape.
 */
export function withElements(info: TensorInfo, elements: readonly Dim[] | undefined): TensorInfo {
  if (!elements || elements.length > MAX_FOLD_ELEMENTS) return info;
  const n = numel(info.shape);
  if (n !== null && n !== elements.length) return info;
  if (elements.every((e): e is number => typeof e === 'number')) return { ...info, value: elements };
  return { ...info, symbolicValue: elements };
}

/**
 * Visits every multi-index of a static shape in row-major order, with its flat position. `visit` returns false to
 * stop early; the result is false then, true when every index was visited.
 */
export function forEachIndex(
  shape: readonly number[],
  visit: (index: readonly number[], flat: number) => boolean,
): boolean {
  const total = numel(shape) ?? Infinity;
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    if (!visit(index, flat)) return false;
    for (let a = shape.length - 1; a >= 0; a--) {
      const next = at(index, a) + 1;
      if (next < at(shape, a)) {
        index[a] = next;
        break;
      }
      index[a] = 0;
    }
  }
  return true;
}

/**
 * Builds the elements of an output by mapping each output index to a source position (data movement as an index
 * function). Returns undefined when the output is not static or too large to fold.
 */
export function gatherElements<T>(
  outShape: readonly Dim[] | null,
  source: readonly T[],
  sourceIndex: (index: readonly number[]) => number,
): T[] | undefined {
  if (!isStaticShape(outShape)) return undefined;
  if ((numel(outShape) ?? Infinity) > MAX_FOLD_ELEMENTS) return undefined;
  const out: T[] = [];
  const complete = forEachIndex(outShape, (index) => {
    // An index outside the source (or not an integer) means the values cannot be folded.
    const value = source[sourceIndex(index)];
    if (value === undefined) return false;
    out.push(value);
    return true;
  });
  return complete ? out : undefined;
}

/**
 * Folded elements of a data-movement op whose output index maps to a flat position of input `x`, given x's
 * row-major strides and static shape. Undefined unless x's elements are known and its shape is static.
 */
export function foldMovement(
  x: TensorInfo,
  outShape: readonly Dim[] | null,
  sourceIndex: (index: readonly number[], strides: readonly number[], inShape: readonly number[]) => number,
): Dim[] | undefined {
  const elements = knownElements(x);
  const inShape = x.shape;
  if (!elements || !isStaticShape(inShape)) return undefined;
  const strides = stridesOf(inShape);
  return gatherElements(outShape, elements, (index) => sourceIndex(index, strides, inShape));
}

/**
 * Element-wise values of a broadcast op, computed when every input carries a value, its shape is static and the
 * output has at most MAX_FOLD_ELEMENTS elements. `fn` returns undefined to give up (division by zero, NaN).
 */
export function foldBroadcast(
  inputs: readonly (TensorInfo | null)[],
  outShape: readonly Dim[] | null,
  fn: (xs: readonly number[]) => number | undefined,
): number[] | undefined {
  if (!isStaticShape(outShape)) return undefined;
  const n = numel(outShape);
  if (n === null || n > MAX_FOLD_ELEMENTS) return undefined;
  const rank = outShape.length;
  // Per input, its values and its strides over the output's axes (0 along a broadcast axis).
  const operands: { readonly values: readonly number[]; readonly strides: readonly number[] }[] = [];
  for (const t of inputs) {
    if (!t?.value || !isStaticShape(t.shape) || t.value.length !== numel(t.shape)) return undefined;
    const s = t.shape;
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let j = s.length - 1; j >= 0; j--) {
      const axis = rank - s.length + j;
      const d = at(s, j);
      st[axis] = d === 1 ? 0 : acc;
      acc *= d;
    }
    operands.push({ values: t.value, strides: st });
  }
  const out: number[] = [];
  const args = new Array<number>(operands.length);
  const complete = forEachIndex(outShape, (idx) => {
    for (let v = 0; v < operands.length; v++) {
      const { values, strides } = at(operands, v);
      let off = 0;
      for (let a = 0; a < rank; a++) off += at(idx, a) * at(strides, a);
      args[v] = at(values, off);
    }
    const r = fn(args);
    if (r === undefined || !Number.isFinite(r)) return false;
    out.push(r);
    return true;
  });
  return complete ? out : undefined;
}
