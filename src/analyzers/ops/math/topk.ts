import type { Dim } from '../../../model/ir.js';
import { perElement } from '../../cost-model.js';
import { constantInts, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, elementsOf, normalizeAxis } from '../../shape-utils.js';
import { defineOp, type OpContext } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/** TopK of the ONNX math family (onnx/defs/math): the k largest or smallest elements along an axis, and their indices. */

/** K of TopK: attribute `k` in opset 1, a 1-element int64 input from opset 10. */
function topK(ctx: OpContext): number | null {
  if (ctx.opset < 10) return ctx.attrs.intOr('k') ?? null;
  const v = constantInts(inputAt(ctx, 1));
  return v?.length === 1 ? at(v, 0) : null;
}

/**
 * TopK: values (X's dtype) and int64 indices, X's shape with the `axis` dim (default -1) set to K. FLOPs: a heap
 * selection, numel(X) * ceil(log2 K) compares (at least one per element).
 */
const topKOp = defineOp({
  opType: 'TopK',
  category: 'reduction',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const xs = x?.shape ?? null;
    if (!xs)
      return fitOutputs(ctx, [
        { dtype: x?.dtype ?? null, shape: null },
        { dtype: 'int64', shape: null },
      ]);
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), xs.length);
    const k = topK(ctx);
    const d = xs[axis];
    if (k !== null && (k < 0 || (typeof d === 'number' && k > d))) {
      throw new OpSpecError(`K = ${k} is out of range for axis ${axis} of size ${d}`);
    }
    const kDim: Dim = k ?? dynamicDim(ctx, 0, axis);
    const shape = xs.map((dim, i) => (i === axis ? kDim : dim));
    return fitOutputs(ctx, [
      { dtype: x?.dtype ?? null, shape },
      { dtype: 'int64', shape },
    ]);
  },
  cost(ctx) {
    const k = topK(ctx);
    if (k === null) return { flops: null, paramInputs: [] };
    return {
      flops: perElement(elementsOf(inputAt(ctx, 0)), Math.max(1, Math.ceil(Math.log2(Math.max(k, 1))))),
      paramInputs: [],
    };
  },
});

/** ai.onnx TopK, with its first opset. */
export const ops: readonly VersionedOpDef[] = withOpsets([topKOp], { TopK: 1 });
