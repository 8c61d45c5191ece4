import { constantInputs, dtypeAndShape, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { normRows, rmsNormFlops, statShape } from '../../rms-norm.js';
import { defineOp } from '../../types.js';

/**
 * onnxruntime contrib ops that onnxruntime registers in the default (ai.onnx) domain although the ONNX spec has no
 * such operator: SimplifiedLayerNormalization (contrib_defs.cc, ai.onnx opset 1), which is where its fusion tools
 * write it.
 */

/**
 * SimplifiedLayerNormalization(X, scale): RMS norm over [axis, rank) (default -1). onnxruntime registers it in the
 * ai.onnx domain (opset 1, contrib_defs.cc), which is where its fusion tools write it. The optional inv_std_var
 * output is float32 with shape X[:axis] + [1, ...].
 */
const simplifiedLayerNormalization = defineOp({
  opType: 'SimplifiedLayerNormalization',
  category: 'normalization',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const xs = x?.shape ?? null;
    const axis = ctx.attrs.int('axis', -1);
    return fitOutputs(ctx, [dtypeAndShape(x), { dtype: 'float32', shape: statShape(xs, axis) }]);
  },
  cost(ctx) {
    const { elements, rows } = normRows(inputAt(ctx, 0)?.shape ?? null, ctx.attrs.int('axis', -1));
    return { flops: rmsNormFlops(elements, rows), paramInputs: constantInputs(ctx, [1]) };
  },
});

/** onnxruntime's default-domain contrib ops, with the first opset onnxruntime registers each at. */
export const ops: readonly VersionedOpDef[] = withOpsets([simplifiedLayerNormalization], {
  SimplifiedLayerNormalization: 1,
});
