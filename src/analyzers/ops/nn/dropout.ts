import { METADATA_COST } from '../../memory-models.js';
import { requireInput, scalarOf } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { elementsOf } from '../../shape-utils.js';
import { defineOp, type OpContext, type TensorInfo } from '../../types.js';

/** Dropout of the ONNX nn family (onnx/defs/nn): an identity in inference, a mask and a scale when training. */

/**
 * Whether a Dropout trains: opset 12+ `training_mode` input (default false), Dropout-1/6 `is_test` (default 0, i.e.
 * training), Dropout-7..10 always inference. Undefined when training_mode is given but not known.
 */
function dropoutTraining(ctx: OpContext): boolean | undefined {
  if (ctx.opset >= 12) {
    const t = ctx.inputs[2];
    if (!t) return false;
    const v = scalarOf(t);
    return v === undefined ? undefined : v !== 0;
  }
  if (ctx.opset >= 7) return false;
  return ctx.attrs.int('is_test', 0) === 0;
}

const dropoutOp = defineOp({
  opType: 'Dropout',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    // Only an inference-mode Dropout is an identity whose folded value passes through.
    const outputs: TensorInfo[] = [dropoutTraining(ctx) === false ? { ...x } : { dtype: x.dtype, shape: x.shape }];
    if (ctx.node.outputs.length > 1) {
      // Dropout-1..7 return the mask in the input's type; from Dropout-10 it is bool.
      outputs.push({ dtype: ctx.opset >= 10 ? 'bool' : x.dtype, shape: x.shape });
    }
    return outputs;
  },
  cost(ctx, outputs) {
    // Inference (the default, and an unknown training_mode) is an identity; training draws and applies a mask.
    if (dropoutTraining(ctx) !== true) return METADATA_COST;
    return { flops: elementsOf(outputs[0]), memory: 'io', paramInputs: [] };
  },
});

/** ai.onnx Dropout, with its first opset. */
export const ops: readonly VersionedOpDef[] = withOpsets([dropoutOp], { Dropout: 1 });
