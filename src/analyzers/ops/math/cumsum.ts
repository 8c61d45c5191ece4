import { ADD_FLOPS, perElement } from '../../cost-model.js';
import { constantInts, dtypeAndShape, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { elementsOf, normalizeAxis } from '../../shape-utils.js';
import { defineOp } from '../../types.js';
import { at } from '../../../util/at.js';

/** CumSum of the ONNX math family (onnx/defs/math): a running sum along one axis. */

/** CumSum(x, axis): same shape; one add per element. */
const cumSum = defineOp({
  opType: 'CumSum',
  category: 'reduction',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const axis = constantInts(inputAt(ctx, 1));
    if (x?.shape && axis?.length === 1) normalizeAxis(at(axis, 0), x.shape.length);
    return fitOutputs(ctx, [dtypeAndShape(x)]);
  },
  cost: (ctx) => ({ flops: perElement(elementsOf(inputAt(ctx, 0)), ADD_FLOPS), paramInputs: [] }),
});

/** ai.onnx CumSum, with its first opset. */
export const ops: readonly VersionedOpDef[] = withOpsets([cumSum], { CumSum: 11 });
