import { BYTES_PER_ELEMENT, type DType } from '../model/ir.js';
import { numel } from './shape-utils.js';
import type { MemoryModel, OpContext, OpCost, TensorInfo } from './types.js';

/** Element size of a dtype in bytes; unknown dtypes count as 4 (float32), the common case. */
export function bytesPerElement(dtype: DType | null | undefined): number {
  return dtype ? BYTES_PER_ELEMENT[dtype] : 4;
}

/**
 * Cost of a pure data-movement op: no arithmetic; memory as given (default 'io'). Parameters are not counted here
 * (the consumer of a transposed or cast weight counts it) unless `countParams`: a gather from an embedding table
 * keeps the engine's default, every constant float input.
 */
export function movementCost(memory: MemoryModel = 'io', countParams = false): OpCost {
  return countParams ? { flops: 0, memory } : { flops: 0, memory, paramInputs: [] };
}

/** Metadata-only cost: onnxruntime runs these as views of the input buffer (or folds them). */
export const METADATA_COST: OpCost = { flops: 0, memory: 'none', paramInputs: [] };

/** `start` plus every element and byte of the given inputs (omitted ones skipped); 'io' when a size is unknown. */
function plusInputs(
  ctx: OpContext,
  indices: readonly number[],
  start: { elements: number; bytes: number },
): MemoryModel {
  let { elements, bytes } = start;
  for (const i of indices) {
    const t = ctx.inputs[i];
    if (!t) continue;
    const n = numel(t.shape);
    if (n === null) return 'io';
    elements += n;
    bytes += n * bytesPerElement(t.dtype);
  }
  return { elements, bytes };
}

/**
 * Memory of a gather-like op that reads only what it writes: small index inputs in full, plus the output's worth
 * of data elements, plus the output write. Falls back to 'io' when the output size is unknown.
 */
export function gatherMemory(ctx: OpContext, out: TensorInfo, indexInputs: readonly number[]): MemoryModel {
  const n = numel(out.shape);
  if (n === null) return 'io';
  return plusInputs(ctx, indexInputs, { elements: 2 * n, bytes: 2 * n * bytesPerElement(out.dtype) });
}

/** Memory of an op whose output size depends on data and is small: reads of the given inputs only. */
export function readsOnlyMemory(ctx: OpContext, indices: readonly number[]): MemoryModel {
  return plusInputs(ctx, indices, { elements: 0, bytes: 0 });
}

/** Memory of an op that only writes its output (ConstantOfShape, Range, EyeLike); 'io' when the size is unknown. */
export function writeOnlyMemory(out: TensorInfo): MemoryModel {
  const n = numel(out.shape);
  return n === null ? 'io' : { elements: n, bytes: n * bytesPerElement(out.dtype) };
}
