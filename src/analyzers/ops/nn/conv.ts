import type { Dim, DType } from '../../../model/ir.js';
import { ADD_FLOPS, BILINEAR_FLOPS, MUL_FLOPS, perElement } from '../../cost-model.js';
import { constantInputs, fitOutputs, inputAt, requireInput } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, elementsOf, isKnownDim, materialisableRank, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpDef, type TensorInfo } from '../../types.js';
import { checkSpatialRank, intsOfLength, readWindow, windowOutputDim } from '../../window.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Convolutions of the ONNX nn family (onnx/defs/nn): Conv, ConvTranspose, ConvInteger, QLinearConv, DeformConv and
 * Col2Im. One multiply-add counts as one FLOP.
 */

interface ConvLayout {
  /** Input positions of X, W and the optional bias. */
  readonly x: number;
  readonly w: number;
  readonly b: number | null;
  /** Output dtype (null: X's). */
  readonly dtype?: (ctx: OpContext) => DType | null;
  /** Whether auto_pad is an attribute of this op (DeformConv has none). */
  readonly autoPad?: boolean;
}

interface ConvGeometry {
  readonly out: TensorInfo;
  /** Input channels per group times kernel size: the MACs per output element, or null when unknown. */
  readonly macsPerOutput: number | null;
  readonly kernelSize: number | null;
  readonly inChannels: Dim | null;
}

/** X, and the X and W shapes and `group` of a convolution, checked: group >= 1, X of rank >= 3, W of X's rank. */
function convOperands(
  ctx: OpContext,
  xIndex: number,
  wIndex: number,
  weightLayout: string,
): { x: TensorInfo | null; xs: readonly Dim[] | null; ws: readonly Dim[] | null; group: number } {
  const x = inputAt(ctx, xIndex);
  const group = ctx.attrs.int('group', 1);
  if (group < 1) throw new OpSpecError(`group must be >= 1, got ${group}`);
  const xs = x?.shape ?? null;
  const ws = inputAt(ctx, wIndex)?.shape ?? null;
  checkSpatialRank(xs);
  if (xs && ws && ws.length !== xs.length) {
    throw new OpSpecError(`weight has rank ${ws.length} but the input has rank ${xs.length}; expected ${weightLayout}`);
  }
  return { x, xs, ws, group };
}

/**
 * Conv output shape (Operators.md Conv): X is (N, C, D1..Dn), W is (M, C/group, k1..kn), Y is (N, M, O1..On).
 * Throws on a weight of the wrong rank, channels that do not match `group`, or M not divisible by `group`.
 */
function convGeometry(ctx: OpContext, layout: ConvLayout): ConvGeometry {
  const { x, xs, ws, group } = convOperands(ctx, layout.x, layout.w, '(M, C/group, k1..kn)');
  const dtype = layout.dtype ? layout.dtype(ctx) : (x?.dtype ?? null);
  if (!xs && ws && ws.length < 3)
    throw new OpSpecError(`weight must have rank >= 3 (M, C/group, k1..kn), got rank ${ws.length}`);
  const rank = xs?.length ?? ws?.length ?? null;
  const c = xs?.[1];
  const cPerGroup = ws?.[1];
  const m = ws?.[0];
  if (isKnownDim(c) && c % group !== 0) throw new OpSpecError(`group ${group} does not divide the ${c} input channels`);
  if (isKnownDim(c) && isKnownDim(cPerGroup) && c !== cPerGroup * group) {
    throw new OpSpecError(
      `input has ${c} channels but the weight expects ${cPerGroup} x group ${group} = ${cPerGroup * group}`,
    );
  }
  if (isKnownDim(m) && m % group !== 0)
    throw new OpSpecError(`${m} output channels are not divisible by group ${group}`);
  const bias = layout.b === null ? null : inputAt(ctx, layout.b);
  if (bias?.shape && isKnownDim(m) && bias.shape.length === 1 && isKnownDim(bias.shape[0]) && bias.shape[0] !== m) {
    throw new OpSpecError(`bias has ${bias.shape[0]} elements but the weight has ${m} output channels`);
  }
  if (rank === null) return { out: { dtype, shape: null }, macsPerOutput: null, kernelSize: null, inChannels: null };
  const n = rank - 2;
  const kernelAttr = ctx.attrs.ints('kernel_shape');
  if (kernelAttr && kernelAttr.length !== n)
    throw new OpSpecError(`kernel_shape has ${kernelAttr.length} values, expected ${n}`);
  checkKernelShape(kernelAttr);
  const kernel: Dim[] = kernelAttr ? [...kernelAttr] : ws ? ws.slice(2) : new Array<Dim>(n).fill('?');
  if (kernelAttr && ws) {
    ws.slice(2).forEach((d, i) => {
      if (isKnownDim(d) && d !== kernelAttr[i])
        throw new OpSpecError(`kernel_shape ${kernelAttr.join('x')} does not match the weight`);
    });
  }
  const window = readWindow(ctx, n, kernel);
  if (layout.autoPad === false && window.autoPad !== 'NOTSET')
    throw new OpSpecError(`${ctx.node.opType} has no auto_pad`);
  const shape: Dim[] = [
    xs ? at(xs, 0) : dynamicDim(ctx, 0, 0),
    m ?? dynamicDim(ctx, 0, 1),
    ...Array.from({ length: n }, (_, i) =>
      xs ? windowOutputDim(ctx, window, i, at(xs, i + 2), 0, i + 2) : dynamicDim(ctx, 0, i + 2),
    ),
  ];
  const kernelSize = numel(kernel);
  const perGroup = isKnownDim(cPerGroup) ? cPerGroup : isKnownDim(c) ? c / group : null;
  return {
    out: { dtype, shape },
    macsPerOutput: kernelSize === null || perGroup === null ? null : kernelSize * perGroup,
    kernelSize,
    inChannels: c ?? null,
  };
}

/** kernel_shape, when given, must be positive on every axis (onnxruntime's ConvAttributes). */
function checkKernelShape(kernel: readonly number[] | undefined): void {
  if (kernel?.some((k) => k < 1)) throw new OpSpecError(`kernel_shape must be >= 1, got [${kernel.join(',')}]`);
}

/** Conv FLOPs: N * M * prod(O) * (C/group) * prod(k) multiply-adds; the bias add is not counted (see docs). */
function convFlops(outputs: readonly TensorInfo[], g: ConvGeometry): number | null {
  const outElems = elementsOf(outputs[0]);
  return outElems === null || g.macsPerOutput === null ? null : outElems * g.macsPerOutput;
}

function convLike(opType: string, layout: ConvLayout, paramPositions: readonly number[]): OpDef {
  return defineOp({
    opType,
    category: 'conv',
    inferShape: (ctx) => fitOutputs(ctx, [convGeometry(ctx, layout).out]),
    cost: (ctx, outputs) => ({
      flops: convFlops(outputs, convGeometry(ctx, layout)),
      paramInputs: constantInputs(ctx, paramPositions),
    }),
  });
}

/**
 * ConvTranspose (Operators.md): X is (N, C, D1..Dn), W is (C, M/group, k1..kn), Y is (N, M, O1..On) with
 * O_i = output_shape[i] when given; in * stride for SAME_UPPER/SAME_LOWER; else
 * stride * (in - 1) + output_padding + ((k - 1) * dilation + 1) - pad_begin - pad_end (VALID: no pads).
 * FLOPs: every input element is multiplied into (M/group) * prod(k) outputs: N * C * prod(D) * (M/group) * prod(k).
 */
function convTransposeGeometry(ctx: OpContext): { out: TensorInfo; macsPerInput: number | null } {
  const { x, xs, ws, group } = convOperands(ctx, 0, 1, '(C, M/group, k1..kn)');
  // Found by fuzzing: an unshaped input with a weight of rank < 3 gave a negative spatial rank.
  if (!xs && ws && ws.length < 3)
    throw new OpSpecError(`weight must have rank >= 3 (C, M/group, k1..kn), got rank ${ws.length}`);
  const dtype = x?.dtype ?? null;
  const c = xs?.[1];
  const wc = ws?.[0];
  if (isKnownDim(c) && isKnownDim(wc) && c !== wc) {
    throw new OpSpecError(`input has ${c} channels but the weight's first dim is ${wc}`);
  }
  if (isKnownDim(c) && c % group !== 0)
    throw new OpSpecError(`${c} input channels are not divisible by group ${group}`);
  const mPerGroup = ws?.[1];
  const rank = xs?.length ?? ws?.length ?? null;
  if (rank === null) return { out: { dtype, shape: null }, macsPerInput: null };
  const n = rank - 2;
  const kernelAttr = ctx.attrs.ints('kernel_shape');
  checkKernelShape(kernelAttr);
  const kernel: Dim[] = kernelAttr?.length === n ? [...kernelAttr] : ws ? ws.slice(2) : new Array<Dim>(n).fill('?');
  const window = readWindow(ctx, n, kernel);
  const outputPadding = intsOfLength(ctx, 'output_padding', n, 0);
  const outputShape = ctx.attrs.ints('output_shape');
  const explicit = outputShape && outputShape.length > 0 ? outputShape.slice(-n) : null;
  if (explicit && explicit.length !== n)
    throw new OpSpecError(`output_shape has ${outputShape?.length} values, expected ${n}`);
  const spatial = Array.from({ length: n }, (_, i): Dim => {
    if (explicit) return at(explicit, i);
    const d = xs?.[i + 2];
    const k = kernel[i];
    if (!isKnownDim(d) || !isKnownDim(k)) return dynamicDim(ctx, 0, i + 2);
    // readWindow and intsOfLength give one value per spatial axis (two for pads).
    const s = at(window.strides, i);
    if (window.autoPad === 'SAME_UPPER' || window.autoPad === 'SAME_LOWER') return d * s;
    const pads = window.autoPad === 'VALID' ? 0 : at(window.pads, i) + at(window.pads, i + n);
    const out = s * (d - 1) + at(outputPadding, i) + (k - 1) * at(window.dilations, i) + 1 - pads;
    if (out <= 0) throw new OpSpecError(`output size ${out} on spatial axis ${i} is not positive`);
    return out;
  });
  const m = isKnownDim(mPerGroup) ? mPerGroup * group : dynamicDim(ctx, 0, 1);
  const shape: Dim[] = [xs ? at(xs, 0) : dynamicDim(ctx, 0, 0), m, ...spatial];
  const k = numel(kernel);
  return { out: { dtype, shape }, macsPerInput: isKnownDim(mPerGroup) && k !== null ? mPerGroup * k : null };
}

const convTranspose = defineOp({
  opType: 'ConvTranspose',
  category: 'conv',
  inferShape: (ctx) => fitOutputs(ctx, [convTransposeGeometry(ctx).out]),
  cost(ctx) {
    const inElems = elementsOf(inputAt(ctx, 0));
    const { macsPerInput } = convTransposeGeometry(ctx);
    return {
      flops: inElems === null || macsPerInput === null ? null : inElems * macsPerInput,
      paramInputs: constantInputs(ctx, [1, 2]),
    };
  },
});

const DEFORM_LAYOUT: ConvLayout = { x: 0, w: 1, b: 3, autoPad: false };

/**
 * DeformConv (opset 19): the Conv MACs plus one bilinear sample per (output position, input channel, kernel tap),
 * times a mask multiply when the mask input is present.
 */
const deformConv = defineOp({
  opType: 'DeformConv',
  category: 'conv',
  inferShape: (ctx) => fitOutputs(ctx, [convGeometry(ctx, DEFORM_LAYOUT).out]),
  cost(ctx, outputs) {
    const g = convGeometry(ctx, DEFORM_LAYOUT);
    const macs = convFlops(outputs, g);
    const y = outputs[0]?.shape;
    const spatialOut = y ? numel([at(y, 0), ...y.slice(2)]) : null;
    const perSample = BILINEAR_FLOPS + (inputAt(ctx, 4) ? MUL_FLOPS : 0);
    const samples =
      spatialOut === null || g.kernelSize === null || !isKnownDim(g.inChannels)
        ? null
        : spatialOut * g.inChannels * g.kernelSize;
    return {
      flops: macs === null || samples === null ? null : macs + samples * perSample,
      paramInputs: constantInputs(ctx, [1, 3]),
    };
  },
});

const col2ImOp = defineOp({
  opType: 'Col2Im',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    const image = requireInput(ctx, 1, 'image_shape').value;
    const block = requireInput(ctx, 2, 'block_shape').value;
    const imageLen = ctx.inputs[1]?.shape?.[0];
    const spatial: Dim[] | null = image
      ? [...image]
      : typeof imageLen === 'number' && materialisableRank(ctx, imageLen)
        ? Array.from({ length: imageLen }, (_, i) => dynamicDim(ctx, 0, 2 + i))
        : null;
    if (!x.shape || !spatial) return [{ dtype: x.dtype, shape: null }];
    if (x.shape.length !== 3)
      throw new OpSpecError(`Col2Im needs a 3-D input [N, C*prod(block), L], got rank ${x.shape.length}`);
    const n = at(x.shape, 0);
    const cb = at(x.shape, 1);
    let c: Dim = dynamicDim(ctx, 0, 1);
    if (block && typeof cb === 'number') {
      const k = block.reduce((a, v) => a * v, 1);
      if (cb % k !== 0) throw new OpSpecError(`Col2Im: dim 1 (${cb}) is not a multiple of the block size ${k}`);
      c = cb / k;
    }
    return [{ dtype: x.dtype, shape: [n, c, ...spatial] }];
  },
  // Each column element is added into its image position: one add per input element.
  cost: (ctx) => ({ flops: perElement(numel(ctx.inputs[0]?.shape), ADD_FLOPS), memory: 'io', paramInputs: [] }),
});

/** ai.onnx convolutions, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    convLike('Conv', { x: 0, w: 1, b: 2 }, [1, 2]),
    convTranspose,
    // ConvInteger(x, w, x_zero_point, w_zero_point) -> int32.
    convLike('ConvInteger', { x: 0, w: 1, b: null, dtype: () => 'int32' }, [1]),
    // QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): y has y_zero_point's type.
    convLike(
      'QLinearConv',
      { x: 0, w: 3, b: 8, dtype: (ctx) => inputAt(ctx, 7)?.dtype ?? inputAt(ctx, 0)?.dtype ?? null },
      [3, 8],
    ),
    deformConv,
    col2ImOp,
  ],
  { Conv: 1, ConvTranspose: 1, ConvInteger: 10, QLinearConv: 10, DeformConv: 19, Col2Im: 18 },
);
