import { perElement } from '../../cost-model.js';
import { foldBroadcast, withElements } from '../../fold.js';
import { fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { boolOutput, tableFlops, unaryOp } from '../../pointwise.js';
import { broadcastShapes, elementsOf } from '../../shape-utils.js';
import { defineOp } from '../../types.js';

/** Point-wise ops of the ONNX tensor family (onnx/defs/tensor): Where, IsNaN and IsInf. */

/** Where(condition, X, Y): three-way broadcast, X's dtype. */
const where = defineOp({
  opType: 'Where',
  category: 'elementwise',
  inferShape(ctx) {
    const ins = [inputAt(ctx, 0), inputAt(ctx, 1), inputAt(ctx, 2)];
    const shape = broadcastShapes(ins.map((t) => t?.shape ?? null));
    const dtype = ins[1]?.dtype ?? ins[2]?.dtype ?? null;
    return fitOutputs(ctx, [
      withElements(
        { dtype, shape },
        foldBroadcast(ins, shape, ([c, x, y]) => (c ? x : y)),
      ),
    ]);
  },
  cost: (_ctx, outputs) => ({ flops: perElement(elementsOf(outputs[0]), tableFlops('Where')), paramInputs: [] }),
});

/** ai.onnx point-wise tensor ops, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [where, unaryOp('IsNaN', { outDType: boolOutput }), unaryOp('IsInf', { outDType: boolOutput })],
  { Where: 9, IsNaN: 9, IsInf: 10 },
);
