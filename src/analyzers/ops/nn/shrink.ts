import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { unaryOp } from '../../pointwise.js';

/** Shrink, the one activation-like op of the ONNX nn family (onnx/defs/nn): point-wise, per-element FLOPs from cost-model.ts. */

/** ai.onnx Shrink, with its first opset. */
export const ops: readonly VersionedOpDef[] = withOpsets([unaryOp('Shrink', { category: 'activation' })], {
  Shrink: 9,
});
