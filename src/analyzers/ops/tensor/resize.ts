import type { Dim } from '../../../model/ir.js';
import { MUL_FLOPS } from '../../cost-model.js';
import { requireInput } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, dynamicShape, normalizeAxis, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpCost, type TensorInfo, UNKNOWN_TENSOR } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/** Resampling of the ONNX tensor family (onnx/defs/tensor): Resize, Upsample and GridSample. */

/** Interpolation taps per output element: nearest copies; N-linear reads 2^k, N-cubic 4^k inputs (k resized axes). */
function interpolationFlops(mode: string, input: TensorInfo, output: TensorInfo): number | null {
  const n = numel(output.shape);
  if (n === null) return null;
  if (mode === 'nearest') return 0;
  const inShape = input.shape;
  const outShape = output.shape;
  if (!inShape || !outShape) return null;
  const k = outShape.filter((d, i) => d !== inShape[i]).length;
  const base = mode === 'cubic' ? 4 : 2;
  return n * base ** k * MUL_FLOPS;
}

/** Cost of resampling X (input 0) in `mode`: interpolationFlops, and the 'io' memory model. */
function interpolationCost(ctx: OpContext, outputs: readonly TensorInfo[], mode: string): OpCost {
  return {
    flops: interpolationFlops(mode, requireInput(ctx, 0, 'X'), outputs[0] ?? UNKNOWN_TENSOR),
    memory: 'io',
    paramInputs: [],
  };
}

/**
 * Output shape by scales: floor(dim * scale) in float32 arithmetic, as onnxruntime and the ONNX shape inference
 * compute it (10 * 0.7f is 7 there, 6.99... in double). roi does not change the shape in either.
 */
function scaledShape(
  ctx: OpContext,
  inShape: readonly Dim[],
  axes: readonly number[],
  scales: readonly number[],
): Dim[] {
  const shape: Dim[] = [...inShape];
  // One scale per axis (the callers check the counts); the axes are normalised to inShape's rank.
  axes.forEach((a, k) => {
    const s = at(scales, k);
    if (!(s > 0)) throw new OpSpecError(`${ctx.node.opType}: scale ${s} must be positive`);
    const d = at(inShape, a);
    if (typeof d === 'number') shape[a] = Math.floor(Math.fround(Math.fround(d) * Math.fround(s)));
    else shape[a] = s === 1 ? d : dynamicDim(ctx, 0, a);
  });
  return shape;
}

const resizeOp = defineOp({
  opType: 'Resize',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const inShape = x.shape;
    const rank = inShape.length;
    const axesAttr = ctx.opset >= 18 ? ctx.attrs.ints('axes') : undefined;
    const axes = axesAttr ? axesAttr.map((a) => normalizeAxis(a, rank)) : inShape.map((_, i) => i);
    // The output while the sizes or scales are not known: each resized axis is a run-time dim.
    const resizedUnknown = (): Dim[] => inShape.map((d, i) => (axes.includes(i) ? dynamicDim(ctx, 0, i) : d));
    // Resize-10: (X, scales). Resize-11+: (X, roi, scales, sizes); an empty scales/sizes tensor means "not given".
    const scalesIn = ctx.opset < 11 ? ctx.inputs[1] : ctx.inputs[2];
    const sizesIn = ctx.opset < 11 ? null : ctx.inputs[3];
    const given = (t: TensorInfo | null | undefined) => !!t && !(t.shape?.length === 1 && t.shape[0] === 0);
    if (given(sizesIn)) {
      const sizes = sizesIn?.value;
      if (!sizes) return [{ dtype: x.dtype, shape: resizedUnknown() }];
      if (sizes.length !== axes.length) throw new OpSpecError(`Resize: ${sizes.length} sizes for ${axes.length} axes`);
      const policy = ctx.opset >= 18 ? ctx.attrs.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
      if (policy === 'stretch') {
        const shape: Dim[] = [...inShape];
        axes.forEach((a, k) => (shape[a] = at(sizes, k)));
        return [{ dtype: x.dtype, shape }];
      }
      // not_larger / not_smaller: one scale for all axes (min / max of sizes/in), out = round(scale * in).
      const dims = axes.map((a) => at(inShape, a));
      if (!dims.every((d): d is number => typeof d === 'number')) {
        return [{ dtype: x.dtype, shape: resizedUnknown() }];
      }
      const ratios = dims.map((d, k) => at(sizes, k) / d);
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      const shape: Dim[] = [...inShape];
      axes.forEach((a, k) => (shape[a] = Math.round(scale * at(dims, k))));
      return [{ dtype: x.dtype, shape }];
    }
    if (!given(scalesIn)) throw new OpSpecError('Resize needs scales or sizes');
    const scales = scalesIn?.value;
    if (!scales) return [{ dtype: x.dtype, shape: resizedUnknown() }];
    if (scales.length !== axes.length) throw new OpSpecError(`Resize: ${scales.length} scales for ${axes.length} axes`);
    return [{ dtype: x.dtype, shape: scaledShape(ctx, inShape, axes, scales) }];
  },
  cost: (ctx, outputs) => interpolationCost(ctx, outputs, ctx.attrs.string('mode', 'nearest')),
});

const upsampleOp = defineOp({
  opType: 'Upsample',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const rank = x.shape.length;
    let scales: readonly number[] | undefined;
    if (ctx.opset >= 9) scales = requireInput(ctx, 1, 'scales').value;
    else if (ctx.opset >= 7) scales = ctx.attrs.floats('scales');
    else {
      // Upsample-1: height_scale/width_scale on the last two axes of an NCHW tensor.
      const leading = new Array<number>(Math.max(rank - 2, 0)).fill(1);
      scales = [...leading, ctx.attrs.float('height_scale', 1), ctx.attrs.float('width_scale', 1)];
    }
    if (!scales) return [{ dtype: x.dtype, shape: dynamicShape(ctx, rank) }];
    if (scales.length !== rank) throw new OpSpecError(`Upsample: ${scales.length} scales for rank ${rank}`);
    return [
      {
        dtype: x.dtype,
        shape: scaledShape(
          ctx,
          x.shape,
          x.shape.map((_, i) => i),
          scales,
        ),
      },
    ];
  },
  cost(ctx, outputs) {
    const mode = ctx.attrs.string('mode', 'nearest');
    return interpolationCost(ctx, outputs, mode === 'bilinear' ? 'linear' : mode);
  },
});

const gridSampleOp = defineOp({
  opType: 'GridSample',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'X');
    const grid = requireInput(ctx, 1, 'grid');
    if (!x.shape || !grid.shape) return [{ dtype: x.dtype, shape: null }];
    if (grid.shape.length !== x.shape.length) {
      throw new OpSpecError(`GridSample: grid rank ${grid.shape.length} differs from X rank ${x.shape.length}`);
    }
    if (x.shape.length < 2) {
      throw new OpSpecError(`GridSample: X must have rank >= 2 (N, C, ...), got rank ${x.shape.length}`);
    }
    return [{ dtype: x.dtype, shape: [at(x.shape, 0), at(x.shape, 1), ...grid.shape.slice(1, -1)] }];
  },
  // Bilinear (opset 16) / linear (20) reads 2^k taps per output element, bicubic/cubic 4^k, nearest copies.
  cost(ctx, outputs) {
    const ys = outputs[0]?.shape ?? null;
    const n = numel(ys);
    const k = (ys?.length ?? 2) - 2;
    const mode = ctx.attrs.string('mode', ctx.opset >= 20 ? 'linear' : 'bilinear');
    const taps = mode === 'nearest' ? 0 : mode === 'bicubic' || mode === 'cubic' ? 4 ** k : 2 ** k;
    return { flops: n === null ? null : n * taps * MUL_FLOPS, memory: 'io', paramInputs: [] };
  },
});

/** ai.onnx resampling, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([resizeOp, upsampleOp, gridSampleOp], {
  Resize: 10,
  Upsample: 1,
  GridSample: 16,
});
