import type { Dim } from '../model/ir.js';
import type { TensorInfo } from './types.js';

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

export function isStaticShape(shape: readonly Dim[] | null | undefined): shape is readonly number[] {
  return !!shape && shape.every((d) => typeof d === 'number');
}

/** Normalises a possibly negative axis against a rank; throws RangeError when out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
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
        throw new RangeError(`shapes [${known.map((k) => k.join(',')).join('] [')}] do not broadcast`);
      } else if (typeof dim === 'string' && typeof d === 'number') dim = d;
    }
    out.push(dim);
  }
  return out;
}

/** A symbolic name for a dim that depends on runtime data, unique per node output and axis. */
export function dynamicDim(nodeName: string, outputIndex: number, axis: number): string {
  return `${nodeName}:${outputIndex}:${axis}`;
}
