import type { Dim } from '../model/ir.js';
import { ADD_FLOPS, DIV_FLOPS, MUL_FLOPS, perElement, SQRT_FLOPS, sumFlops } from './cost-model.js';
import { normalizeAxis, numel } from './shape-utils.js';

/**
 * Counting shared by RMS normalisations over the trailing axes [axis, rank): ai.onnx RMSNormalization and
 * onnxruntime's SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization and GroupQueryAttention's Q/K norms.
 */

/**
 * RMS normalization (SimplifiedLayerNormalization, RMSNormalization, the Skip variants): y = x / sqrt(mean(x^2) +
 * eps) * scale. Per element: square-accumulate (multiply-add), normalise (multiply), scale (multiply); per row:
 * divide by the count, add epsilon, sqrt, reciprocal.
 */
export const RMS_NORM_PER_ELEMENT = MUL_FLOPS + MUL_FLOPS + MUL_FLOPS;

export const RMS_NORM_PER_ROW = DIV_FLOPS + ADD_FLOPS + SQRT_FLOPS + DIV_FLOPS;

/** FLOPs of an RMS norm over `elements` in `rows` rows. */
export function rmsNormFlops(elements: number | null, rows: number | null): number | null {
  return sumFlops(perElement(elements, RMS_NORM_PER_ELEMENT), perElement(rows, RMS_NORM_PER_ROW));
}

/** Element count and row count of a normalisation over the axes [axis, rank). */
export function normRows(
  xs: readonly Dim[] | null,
  axisAttr: number,
): { elements: number | null; rows: number | null } {
  if (!xs) return { elements: null, rows: null };
  if (xs.length === 0) return { elements: 1, rows: 1 };
  const axis = normalizeAxis(axisAttr, xs.length);
  return { elements: numel(xs), rows: numel(xs.slice(0, axis)) };
}

/** Statistics output shape X[:axis] + [1] * (rank - axis), or null. */
export function statShape(xs: readonly Dim[] | null, axisAttr: number): Dim[] | null {
  if (!xs || xs.length === 0) return null;
  const axis = normalizeAxis(axisAttr, xs.length);
  return [...xs.slice(0, axis), ...xs.slice(axis).map(() => 1)];
}
