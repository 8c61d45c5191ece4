import { foldMovement, knownElements, withElements } from '../../fold.js';
import { movementCost } from '../../memory-models.js';
import { requireInput } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { broadcastShapes, dynamicDim, materialisableRank } from '../../shape-utils.js';
import { defineOp } from '../../types.js';
import { at } from '../../../util/at.js';

/** Expand of the ONNX math family (onnx/defs/math): broadcasts its input to a shape, a copy with no arithmetic. */

const expandOp = defineOp({
  opType: 'Expand',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    const s = requireInput(ctx, 1, 'shape');
    const target = knownElements(s);
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const inShape = x.shape;
    if (!target) {
      const len = s.shape?.length === 1 ? s.shape[0] : null;
      if (typeof len !== 'number') return [{ dtype: x.dtype, shape: null }];
      const rank = Math.max(len, inShape.length);
      if (!materialisableRank(ctx, rank)) return [{ dtype: x.dtype, shape: null }];
      const offset = rank - inShape.length;
      // A dim of the input larger than 1 fixes the output dim; the others depend on the unknown shape values.
      return [
        {
          dtype: x.dtype,
          shape: Array.from({ length: rank }, (_, i) => {
            const d = inShape[i - offset];
            return typeof d === 'number' && d > 1 ? d : dynamicDim(ctx, 0, i);
          }),
        },
      ];
    }
    const shape = broadcastShapes([inShape, target]);
    if (!shape) return [{ dtype: x.dtype, shape: null }];
    const offset = shape.length - inShape.length;
    const values = foldMovement(x, shape, (o, strides, dims) =>
      dims.reduce((acc, d, i) => acc + (d === 1 ? 0 : at(o, i + offset)) * at(strides, i), 0),
    );
    return [withElements({ dtype: x.dtype, shape }, values)];
  },
  cost: () => movementCost(),
});

/** ai.onnx Expand, with its first opset. */
export const ops: readonly VersionedOpDef[] = withOpsets([expandOp], { Expand: 8 });
