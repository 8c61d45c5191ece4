import { METADATA_COST } from '../memory-models.js';
import { requireInput } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { defineOp, UNKNOWN_TENSOR } from '../types.js';

/** The ONNX optional family (onnx/defs/optional): Optional, OptionalGetElement and OptionalHasElement. */

const optionalOp = defineOp({
  opType: 'Optional',
  category: 'metadata',
  inferShape(ctx) {
    const x = ctx.inputs[0];
    if (x) return [{ ...x }];
    const type = ctx.attrs.raw('type');
    return [type?.type === 'type_proto' ? { dtype: type.value.dtype, shape: type.value.shape } : UNKNOWN_TENSOR];
  },
  cost: () => METADATA_COST,
});

const optionalGetElementOp = defineOp({
  opType: 'OptionalGetElement',
  category: 'metadata',
  inferShape: (ctx) => [{ ...requireInput(ctx, 0, 'input') }],
  cost: () => METADATA_COST,
});

const optionalHasElementOp = defineOp({
  opType: 'OptionalHasElement',
  category: 'metadata',
  inferShape: () => [{ dtype: 'bool', shape: [] }],
  cost: () => METADATA_COST,
});

/** ai.onnx optional ops, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([optionalOp, optionalGetElementOp, optionalHasElementOp], {
  Optional: 15,
  OptionalGetElement: 15,
  OptionalHasElement: 15,
});
