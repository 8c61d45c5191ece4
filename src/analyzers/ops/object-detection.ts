import { BILINEAR_FLOPS, CMP_FLOPS, perElement } from '../cost-model.js';
import { readsOnlyMemory } from '../memory-models.js';
import { fitOutputs, inputAt, requireInput, scalarOf } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { dynamicDim, elementsOf } from '../shape-utils.js';
import { defineOp } from '../types.js';
import { roiShape } from '../window.js';

/** The ONNX object_detection family (onnx/defs/object_detection): NonMaxSuppression and RoiAlign. */

const nonMaxSuppressionOp = defineOp({
  opType: 'NonMaxSuppression',
  category: 'other',
  inferShape(ctx) {
    requireInput(ctx, 0, 'boxes');
    requireInput(ctx, 1, 'scores');
    // max_output_boxes_per_class defaults to 0: no box is selected.
    const max = ctx.inputs[2] ? scalarOf(ctx.inputs[2]) : 0;
    return [{ dtype: 'int64', shape: [max === 0 ? 0 : dynamicDim(ctx, 0, 0), 3] }];
  },
  // Greedy NMS does one IoU per surviving pair: anywhere from 0 to S^2/2 per class, so FLOPs are unknown.
  cost: (ctx) => ({ flops: null, memory: readsOnlyMemory(ctx, [0, 1]), paramInputs: [] }),
});

/**
 * RoiAlign: sampling_ratio^2 bilinear samples per output bin, each 4 multiply-adds, plus one add/compare to pool
 * them. With sampling_ratio 0 (adaptive, ceil(roi_size / output_size)) the count depends on data: FLOPs unknown.
 */
const roiAlign = defineOp({
  opType: 'RoiAlign',
  category: 'pooling',
  inferShape(ctx) {
    const h = ctx.attrs.int('output_height', 1);
    const w = ctx.attrs.int('output_width', 1);
    return fitOutputs(ctx, [{ dtype: inputAt(ctx, 0)?.dtype ?? null, shape: roiShape(ctx, h, w) }]);
  },
  cost(ctx, outputs) {
    const sr = ctx.attrs.int('sampling_ratio', 0);
    if (sr <= 0) return { flops: null };
    return { flops: perElement(elementsOf(outputs[0]), sr * sr * (BILINEAR_FLOPS + CMP_FLOPS)) };
  },
});

/** ai.onnx object detection, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([nonMaxSuppressionOp, roiAlign], {
  NonMaxSuppression: 10,
  RoiAlign: 10,
});
