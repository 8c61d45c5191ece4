import { METADATA_COST } from '../../memory-models.js';
import { requireInput } from '../../op-inputs.js';
import { viewOf } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, productDim } from '../../shape-utils.js';
import { defineOp } from '../../types.js';
import { OpSpecError } from '../../../errors.js';

/** Flatten of the ONNX nn family (onnx/defs/nn): a 2-D view of its input, metadata only. */

const flattenOp = defineOp({
  opType: 'Flatten',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    if (!x.shape) return [{ dtype: x.dtype, shape: [dynamicDim(ctx, 0, 0), dynamicDim(ctx, 0, 1)] }];
    const rank = x.shape.length;
    let axis = ctx.attrs.int('axis', 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank)
      throw new OpSpecError(`Flatten: axis ${ctx.attrs.int('axis', 1)} out of range for rank ${rank}`);
    const outer = productDim(x.shape.slice(0, axis)) ?? dynamicDim(ctx, 0, 0);
    const inner = productDim(x.shape.slice(axis)) ?? dynamicDim(ctx, 0, 1);
    return [viewOf(x, [outer, inner])];
  },
  cost: () => METADATA_COST,
});

/** ai.onnx Flatten, with its first opset. */
export const ops: readonly VersionedOpDef[] = withOpsets([flattenOp], { Flatten: 1 });
