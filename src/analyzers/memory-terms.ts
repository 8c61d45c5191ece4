import type { DType } from '../model/ir.js';
import { bytesPerElement } from './memory-models.js';
import type { MemoryModel } from './types.js';

/** Explicit memory models built from (element count, dtype) terms, for ops that read or write only part of a tensor. */

/** Element and byte counts of a list of (element count, dtype) terms; the 'io' model when one count is unknown. */
export function memoryOf(terms: readonly (readonly [number | null, DType | null])[]): MemoryModel {
  let elements = 0;
  let bytes = 0;
  for (const [n, dtype] of terms) {
    if (n === null) return 'io';
    elements += n;
    bytes += n * bytesPerElement(dtype);
  }
  return { elements, bytes };
}
