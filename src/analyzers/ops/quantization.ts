import { type DType, dtypeFromCode } from '../../model/ir.js';
import { perElement } from '../cost-model.js';
import { fitOutputs, inputAt } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { noParams, tableFlops, unaryOp } from '../pointwise.js';
import { elementsOf, normalizeAxis } from '../shape-utils.js';
import { defineOp, type OpContext } from '../types.js';
import { OpSpecError } from '../../errors.js';

/**
 * The ONNX quantization family (onnx/defs/quantization): QuantizeLinear, DequantizeLinear (point-wise, per tensor,
 * per axis or blocked) and DynamicQuantizeLinear.
 */

/** The node's output dtype override via an `output_dtype`/`to`-style integer attribute (0 = unset). */
function outputDTypeAttr(ctx: OpContext, name: string): DType | null {
  const code = ctx.attrs.int(name, 0);
  return code > 0 ? dtypeFromCode(code) : null;
}

/** Output dtype of QuantizeLinear: y_zero_point's type, else `output_dtype` (opset 21), else uint8. */
function quantizedDType(ctx: OpContext): DType {
  return inputAt(ctx, 2)?.dtype ?? outputDTypeAttr(ctx, 'output_dtype') ?? 'uint8';
}

/**
 * Per-axis (1-D scale) quantization needs one scale per slice along `axis` (QuantizeLinear/DequantizeLinear,
 * opset 13+). A scalar or length-1 scale is per-tensor; a scale of the input's rank is blocked (opset 21).
 */
function checkQuantScale(ctx: OpContext): void {
  const x = inputAt(ctx, 0);
  const scale = inputAt(ctx, 1);
  if (!x?.shape || scale?.shape?.length !== 1 || ctx.attrs.int('block_size', 0) !== 0) return;
  const len = scale.shape[0];
  if (len === 1 || typeof len !== 'number' || x.shape.length === 0) return;
  const axis = normalizeAxis(ctx.attrs.int('axis', 1), x.shape.length);
  const d = x.shape[axis];
  if (typeof d === 'number' && d !== len) {
    throw new OpSpecError(`per-axis scale has ${len} elements but input axis ${axis} has size ${d}`);
  }
}

/**
 * QuantizeLinear and DequantizeLinear count no parameters: in a QDQ weight chain (W -> Q -> DQ -> Conv)
 * the chain folds to a constant and the consuming Conv/Gemm counts the dequantized weight, once.
 */
const quantizeLinear = unaryOp('QuantizeLinear', {
  outDType: quantizedDType,
  paramInputs: noParams,
  check: checkQuantScale,
});

const dequantizeLinear = unaryOp('DequantizeLinear', {
  // Before opset 19 the output is float32; from 19 it has x_scale's type; from 23 `output_dtype` may set it.
  outDType: (ctx) =>
    outputDTypeAttr(ctx, 'output_dtype') ?? (ctx.opset >= 19 ? inputAt(ctx, 1)?.dtype : null) ?? 'float32',
  paramInputs: noParams,
  check: checkQuantScale,
});

/** y (uint8, shape of x), y_scale (float32 scalar), y_zero_point (uint8 scalar). */
const dynamicQuantizeLinear = defineOp({
  opType: 'DynamicQuantizeLinear',
  category: 'elementwise',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    return fitOutputs(ctx, [
      { dtype: 'uint8', shape: x?.shape ?? null },
      { dtype: 'float32', shape: [] },
      { dtype: 'uint8', shape: [] },
    ]);
  },
  cost: (ctx) => ({ flops: perElement(elementsOf(inputAt(ctx, 0)), tableFlops('DynamicQuantizeLinear')) }),
});

/** ai.onnx quantization ops, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([quantizeLinear, dequantizeLinear, dynamicQuantizeLinear], {
  QuantizeLinear: 10,
  DequantizeLinear: 10,
  DynamicQuantizeLinear: 11,
});
