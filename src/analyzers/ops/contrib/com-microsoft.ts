import type { Dim, DType } from '../../../model/ir.js';
import { addDims, attentionFlops, headSize, ROTARY_FLOPS, scoreExtras } from '../../attention-cost.js';
import {
  ADD_FLOPS,
  CMP_FLOPS,
  GELU_ERF_FLOPS,
  GELU_TANH_FLOPS,
  MUL_FLOPS,
  NORM_AFFINE_PER_ELEMENT,
  NORM_STATS_PER_ELEMENT,
  NORM_STATS_PER_GROUP,
  PER_ELEMENT_FLOPS,
  perElement,
  sumFlops,
} from '../../cost-model.js';
import { gatherMemory, movementCost } from '../../memory-models.js';
import { memoryOf } from '../../memory-terms.js';
import { constantInputs, dtypeAndShape, dtypeOf, fitOutputs, inputAt, scalarOf } from '../../op-inputs.js';
import { QUICK_GELU_FLOPS } from '../math/activation.js';
import { invertFlops } from '../math/linalg.js';
import { firstDType, matmulLike, ops as matmulOps, transposeLast2 } from '../math/matmul.js';
import { ops as convOps } from '../nn/conv.js';
import { ops as poolingOps } from '../nn/pooling.js';
import { ops as movementOps } from '../tensor/movement.js';
import { rotaryEmbedding } from '../nn/attention.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { tableFlops, unaryOp } from '../../pointwise.js';
import { normRows, RMS_NORM_PER_ELEMENT, RMS_NORM_PER_ROW } from '../../rms-norm.js';
import { broadcastShapes, dynamicDim, elementsOf, isKnownDim, normalizeAxis, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpDef, type TensorInfo, UNKNOWN_TENSOR } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * onnxruntime contrib ops in the com.microsoft domain that its transformer optimizer, quantization tools and layout
 * transformer write into saved models. Shapes follow onnxruntime's docs/ContribOperators.md and its shape-inference
 * functions (bert_defs.cc, nhwc_schema_defs.cc); FLOPs use the primitives of cost-model.ts. Layout variants
 * (NhwcConv, channels_last) reuse the ai.onnx definitions on the transposed shapes rather than re-implementing them.
 */

const MS = 'com.microsoft';

/** The ai.onnx opset a reused core definition is evaluated at (contrib ops carry the com.microsoft opset, 1). */
const CORE_OPSET = 17;

/** The ai.onnx definition of `opType` in a family list; a missing one is a programming error at load time. */
function coreOp(family: readonly OpDef[], opType: string): OpDef {
  const def = family.find((d) => d.opType === opType && !d.domain);
  if (!def) throw new OpSpecError(`com-microsoft.ts: no ai.onnx ${opType} to reuse`);
  return def;
}

const CONV = coreOp(convOps, 'Conv');

const QLINEAR_CONV = coreOp(convOps, 'QLinearConv');

const GEMM = coreOp(matmulOps, 'Gemm');

const MATMUL = coreOp(matmulOps, 'MatMul');

const MAX_POOL = coreOp(poolingOps, 'MaxPool');

const AVERAGE_POOL = coreOp(poolingOps, 'AveragePool');

const CONCAT = coreOp(movementOps, 'Concat');

/** The same node seen with other inputs (and the core opset): how a contrib op reuses an ai.onnx definition. */
function withInputs(ctx: OpContext, inputs: readonly (TensorInfo | null)[]): OpContext {
  return { ...ctx, inputs, opset: CORE_OPSET };
}

/** FLOPs of a reused ai.onnx definition on a view of the node (see withInputs); null when it has no cost. */
function coreFlops(core: OpDef, view: OpContext, outputs: readonly TensorInfo[]): number | null {
  return core.cost?.(view, outputs).flops ?? null;
}

/** Replaces the dtype of an inferred output (quantized ops take the output dtype from a zero point). */
function retype(info: TensorInfo, dtype: DType | null): TensorInfo {
  return { dtype, shape: info.shape };
}

/**
 * Per-element FLOPs of an activation fused into a Conv or Gemm, named as onnxruntime writes the `activation`
 * attribute ('' or absent: none). Clip has two bounds; other names are the ai.onnx op types of the element-wise
 * table. null for a name the table does not know: never a guessed count.
 */
function fusedActivationFlops(ctx: OpContext): number | null {
  const name = ctx.attrs.string('activation', '');
  if (name === '') return 0;
  if (name === 'Clip') return 2 * CMP_FLOPS;
  return PER_ELEMENT_FLOPS[name] ?? null;
}

/** NHWC (channels last) to NCHW: [N, D1..Dn, C] -> [N, C, D1..Dn]. */
function toChannelsFirst(shape: readonly Dim[]): Dim[] {
  return shape.length < 2 ? [...shape] : [at(shape, 0), at(shape, shape.length - 1), ...shape.slice(1, -1)];
}

/** NCHW to NHWC: [N, C, D1..Dn] -> [N, D1..Dn, C]. */
function toChannelsLast(shape: readonly Dim[]): Dim[] {
  return shape.length < 2 ? [...shape] : [at(shape, 0), ...shape.slice(2), at(shape, 1)];
}

function channelsFirstInfo(t: TensorInfo | null): TensorInfo | null {
  return t?.shape ? { dtype: t.dtype, shape: toChannelsFirst(t.shape) } : t;
}

function channelsLastInfo(t: TensorInfo): TensorInfo {
  return t.shape ? { dtype: t.dtype, shape: toChannelsLast(t.shape) } : t;
}

/** Input 0 seen channels-first when `channelsLast`, the other inputs unchanged. */
function channelsFirstInputs(ctx: OpContext, channelsLast: boolean): (TensorInfo | null)[] {
  return ctx.inputs.map((t, i) => (channelsLast && i === 0 ? channelsFirstInfo(t) : t));
}

/**
 * A convolution that reuses ai.onnx Conv (or QLinearConv) on the channels-first view of X. `channelsLast` decides
 * the layout of X and Y (the weight stays (M, C/group, k...), as onnxruntime's NhwcConv and NhwcFusedConv document);
 * `fused` adds the `activation` attribute and the residual input Z (one add per output element).
 */
function convVariant(
  opType: string,
  o: {
    readonly core: OpDef;
    /** How many leading inputs the core op takes (FusedConv's Z is not Conv's); all when absent. */
    readonly coreInputs?: number;
    readonly channelsLast: (ctx: OpContext) => boolean;
    readonly fused: boolean;
    readonly params: readonly number[];
  },
): OpDef {
  const view = (ctx: OpContext): OpContext => {
    const inputs = channelsFirstInputs(ctx, o.channelsLast(ctx));
    return withInputs(ctx, o.coreInputs === undefined ? inputs : inputs.slice(0, o.coreInputs));
  };
  return defineOp({
    opType,
    domain: MS,
    category: 'conv',
    inferShape(ctx) {
      // No y when the node lists no outputs; fitOutputs then returns none either.
      const [y = UNKNOWN_TENSOR] = o.core.inferShape(view(ctx));
      return fitOutputs(ctx, [o.channelsLast(ctx) ? channelsLastInfo(y) : y]);
    },
    cost(ctx, outputs) {
      const conv = coreFlops(o.core, view(ctx), outputs);
      const act = o.fused ? fusedActivationFlops(ctx) : 0;
      const perOut = act === null ? null : act + (o.fused && inputAt(ctx, 3) ? ADD_FLOPS : 0);
      const extra = perOut === null ? null : perElement(elementsOf(outputs[0]), perOut);
      return { flops: sumFlops(conv, extra), paramInputs: constantInputs(ctx, o.params) };
    },
  });
}

const fusedConv = convVariant('FusedConv', {
  core: CONV,
  coreInputs: 3,
  channelsLast: () => false,
  fused: true,
  params: [1, 2],
});

const nhwcConv = convVariant('NhwcConv', {
  core: CONV,
  coreInputs: 3,
  channelsLast: () => true,
  fused: false,
  params: [1, 2],
});

const nhwcFusedConv = convVariant('NhwcFusedConv', {
  core: CONV,
  coreInputs: 3,
  channelsLast: () => true,
  fused: true,
  params: [1, 2],
});

// com.microsoft QLinearConv: ai.onnx QLinearConv with a `channels_last` attribute (nhwc_schema_defs.cc).
const qlinearConvMs = convVariant('QLinearConv', {
  core: QLINEAR_CONV,
  channelsLast: (ctx) => ctx.attrs.int('channels_last', 0) === 1,
  fused: false,
  params: [3, 8],
});

/** A pool that reuses ai.onnx MaxPool/AveragePool on the channels-first view of input 0. */
function poolVariant(opType: string, core: OpDef, channelsLast: (ctx: OpContext) => boolean): OpDef {
  const view = (ctx: OpContext): OpContext => withInputs(ctx, [channelsFirstInfo(inputAt(ctx, 0))]);
  return defineOp({
    opType,
    domain: MS,
    category: 'pooling',
    inferShape(ctx) {
      const [y = UNKNOWN_TENSOR] = core.inferShape(view(ctx));
      return fitOutputs(ctx, [channelsLast(ctx) ? channelsLastInfo(y) : y]);
    },
    cost: (ctx, outputs) => ({ flops: coreFlops(core, view(ctx), outputs), paramInputs: [] }),
  });
}

/**
 * QLinearAveragePool(X, x_scale, x_zp, y_scale, y_zp): AveragePool's shape and FLOPs (with `channels_last`); the
 * (de)quantization is not counted, as for QLinearConv.
 */
const qlinearAveragePool = defineOp({
  opType: 'QLinearAveragePool',
  domain: MS,
  category: 'pooling',
  inferShape(ctx) {
    const channelsLast = ctx.attrs.int('channels_last', 0) === 1;
    const view = withInputs(ctx, [channelsLast ? channelsFirstInfo(inputAt(ctx, 0)) : inputAt(ctx, 0)]);
    const [y = UNKNOWN_TENSOR] = AVERAGE_POOL.inferShape(view);
    return fitOutputs(ctx, [channelsLast ? channelsLastInfo(y) : y]);
  },
  cost: (ctx, outputs) => ({
    flops: coreFlops(AVERAGE_POOL, withInputs(ctx, [inputAt(ctx, 0)]), outputs),
    paramInputs: [],
  }),
});

/** QLinearGlobalAveragePool: (N, C, 1, ..., 1), or (N, 1, ..., 1, C) with channels_last; one add per input element. */
const qlinearGlobalAveragePool = defineOp({
  opType: 'QLinearGlobalAveragePool',
  domain: MS,
  category: 'pooling',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const xs = x?.shape ?? null;
    if (xs && xs.length < 2) throw new OpSpecError(`input must have rank >= 2, got rank ${xs.length}`);
    const last = ctx.attrs.int('channels_last', 0) === 1;
    let shape: Dim[] | null = null;
    if (xs) {
      shape = last
        ? [at(xs, 0), ...xs.slice(1, -1).map(() => 1), at(xs, xs.length - 1)]
        : [at(xs, 0), at(xs, 1), ...xs.slice(2).map(() => 1)];
    }
    return fitOutputs(ctx, [{ dtype: x?.dtype ?? null, shape }]);
  },
  cost: (ctx) => ({ flops: perElement(elementsOf(inputAt(ctx, 0)), ADD_FLOPS), paramInputs: [] }),
});

/** Gemm plus a fused activation (FusedGemm) or quantized operands (QGemm), reusing ai.onnx Gemm. */
const fusedGemm = defineOp({
  opType: 'FusedGemm',
  domain: MS,
  category: 'gemm',
  inferShape: (ctx) => fitOutputs(ctx, GEMM.inferShape(withInputs(ctx, ctx.inputs))),
  cost(ctx, outputs) {
    const act = fusedActivationFlops(ctx);
    const gemm = coreFlops(GEMM, withInputs(ctx, ctx.inputs), outputs);
    const activation = act === null ? null : perElement(elementsOf(outputs[0]), act);
    return { flops: sumFlops(gemm, activation), paramInputs: constantInputs(ctx, [0, 1, 2]) };
  },
});

/** QGemm seen as Gemm(A, B, C). */
function qgemmView(ctx: OpContext): OpContext {
  return withInputs(ctx, [inputAt(ctx, 0), inputAt(ctx, 3), inputAt(ctx, 6)]);
}

/** QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C?, y_scale?, y_zp?): Gemm's M x N x K; Y is y_zp's type, else float. */
const qgemm = defineOp({
  opType: 'QGemm',
  domain: MS,
  category: 'gemm',
  inferShape(ctx) {
    const [y = UNKNOWN_TENSOR] = GEMM.inferShape(qgemmView(ctx));
    return fitOutputs(ctx, [retype(y, dtypeOf(ctx, 8, 'float32'))]);
  },
  cost: (ctx, outputs) => ({
    flops: coreFlops(GEMM, qgemmView(ctx), outputs),
    paramInputs: constantInputs(ctx, [3, 6]),
  }),
});

/**
 * A matrix product with numpy.matmul shapes over inputs `a` and `b`, reusing ai.onnx MatMul; `perAElement` adds
 * work per element of A (its dynamic quantization).
 */
function matmulVariant(
  opType: string,
  o: {
    readonly a: number;
    readonly b: number;
    readonly dtype: (ctx: OpContext) => DType | null;
    readonly params: readonly number[];
    readonly perAElement?: number;
  },
): OpDef {
  const view = (ctx: OpContext): OpContext => withInputs(ctx, [inputAt(ctx, o.a), inputAt(ctx, o.b)]);
  return defineOp({
    opType,
    domain: MS,
    category: 'gemm',
    inferShape(ctx) {
      const [y = UNKNOWN_TENSOR] = MATMUL.inferShape(view(ctx));
      return fitOutputs(ctx, [retype(y, o.dtype(ctx))]);
    },
    cost(ctx, outputs) {
      const macs = coreFlops(MATMUL, view(ctx), outputs);
      const extra = o.perAElement ? perElement(elementsOf(inputAt(ctx, o.a)), o.perAElement) : 0;
      return { flops: sumFlops(macs, extra), paramInputs: constantInputs(ctx, o.params) };
    },
  });
}

/** DynamicQuantizeMatMul(A float, B int8, b_scale, b_zp?, bias?): A is quantized per call (DynamicQuantizeLinear). */
const dynamicQuantizeMatMul = matmulVariant('DynamicQuantizeMatMul', {
  a: 0,
  b: 1,
  dtype: (ctx) => dtypeOf(ctx, 0, 'float32'),
  params: [1, 4],
  perAElement: tableFlops('DynamicQuantizeLinear'),
});

/** MatMulIntegerToFloat(A, B, a_scale, b_scale, a_zp?, b_zp?, bias?): Y has a_scale's float type. */
const matMulIntegerToFloat = matmulVariant('MatMulIntegerToFloat', {
  a: 0,
  b: 1,
  dtype: (ctx) => dtypeOf(ctx, 2, 'float32'),
  params: [1, 6],
});

/**
 * MatMulNBits(A, B, scales, zero_points?, g_idx?, bias?): Y = A x dequant(B)^T with B the N x K weight packed into
 * uint8 blocks of `block_size` along K (`bits` per weight). Y is A's shape with the last dim K replaced by N.
 * FLOPs: prod(A[:-1]) * N * K multiply-adds; the per-call dequantization and the bias add are not counted (a Gemm's
 * C add is not either). Params: the engine counts the *stored* packed B (N * ceil(K / block_size) * block_size *
 * bits / 8 uint8 elements), not the N * K logical weights, because OpCost can only name parameter inputs.
 */
const matMulNBits = defineOp({
  opType: 'MatMulNBits',
  domain: MS,
  category: 'gemm',
  inferShape(ctx) {
    const a = inputAt(ctx, 0);
    const k = ctx.attrs.intOr('K');
    const n = ctx.attrs.intOr('N');
    if (k === undefined || n === undefined) throw new OpSpecError('K and N are required');
    const as = a?.shape ?? null;
    if (as?.length === 0) throw new OpSpecError('A must be at least 1-D');
    const ak = as?.[as.length - 1];
    if (isKnownDim(ak) && ak !== k) throw new OpSpecError(`A's last dim ${ak} differs from K=${k}`);
    return fitOutputs(ctx, [{ dtype: a?.dtype ?? null, shape: as ? [...as.slice(0, -1), n] : null }]);
  },
  cost(ctx) {
    const as = inputAt(ctx, 0)?.shape ?? null;
    const rows = as ? numel(as.slice(0, -1)) : null;
    return {
      flops: perElement(rows, ctx.attrs.int('N', 0) * ctx.attrs.int('K', 0)),
      paramInputs: constantInputs(ctx, [1]),
    };
  },
});

/**
 * GatherBlockQuantized(data, indices, scales, zero_points?): Gather on `gather_axis` (default 0) of block-quantized
 * data, dequantized to scales' type. uint8 data with bits < 8 packs 8/bits values per byte along the last axis,
 * so that axis grows by 8/bits. FLOPs: DequantizeLinear per output element; memory as Gather (rows read only).
 * Params: the stored (packed) table, as for MatMulNBits; scales and zero points are quantization constants.
 */
const gatherBlockQuantized = defineOp({
  opType: 'GatherBlockQuantized',
  domain: MS,
  category: 'data-movement',
  inferShape(ctx) {
    const data = inputAt(ctx, 0);
    const ds = data?.shape ?? null;
    const is = inputAt(ctx, 1)?.shape ?? null;
    const dtype = dtypeOf(ctx, 2, null);
    if (!ds || !is) return fitOutputs(ctx, [{ dtype, shape: null }]);
    const axis = normalizeAxis(ctx.attrs.int('gather_axis', 0), ds.length);
    const bits = ctx.attrs.int('bits', 4);
    const unpacked = ds.map((d, i): Dim => {
      if (i !== ds.length - 1 || data?.dtype !== 'uint8' || bits >= 8) return d;
      return isKnownDim(d) ? (d * 8) / bits : dynamicDim(ctx, 0, ds.length - 1 + is.length - 1);
    });
    return fitOutputs(ctx, [{ dtype, shape: [...unpacked.slice(0, axis), ...is, ...unpacked.slice(axis + 1)] }]);
  },
  cost: (ctx, outputs) => ({
    flops: perElement(elementsOf(outputs[0]), tableFlops('DequantizeLinear')),
    memory: gatherMemory(ctx, outputs[0] ?? UNKNOWN_TENSOR, [1]),
    paramInputs: constantInputs(ctx, [0]),
  }),
});

/** Element-wise contrib activations: output = input 0's shape, FLOPs per element from the primitives. */
function contribPointwise(
  opType: string,
  perEl: (ctx: OpContext) => number,
  category: 'activation' | 'elementwise' = 'activation',
): OpDef {
  return { ...unaryOp(opType, { category, flopsPerElement: perEl }), domain: MS };
}

const pointwiseOps: readonly OpDef[] = [
  // Gelu: the erf form, as ai.onnx Gelu with approximate='none'.
  contribPointwise('Gelu', () => GELU_ERF_FLOPS),
  // FastGelu(X, bias?): the tanh approximation, plus the bias add when given.
  contribPointwise('FastGelu', (ctx) => GELU_TANH_FLOPS + (inputAt(ctx, 1) ? ADD_FLOPS : 0)),
  // BiasGelu(A, B): Gelu(A + B), erf form.
  contribPointwise('BiasGelu', () => ADD_FLOPS + GELU_ERF_FLOPS),
  contribPointwise('QuickGelu', () => QUICK_GELU_FLOPS),
  // BiasAdd(X, bias, skip): X + bias + skip.
  contribPointwise('BiasAdd', () => 2 * ADD_FLOPS, 'elementwise'),
];

/**
 * BiasSplitGelu(X (N, S, D), bias (D)): (X + bias) split in halves on the last axis, left * Gelu(right):
 * Y is (N, S, D/2). FLOPs: one add per input element, Gelu (erf) and a multiply per output element.
 */
const biasSplitGelu = defineOp({
  opType: 'BiasSplitGelu',
  domain: MS,
  category: 'activation',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const xs = x?.shape ?? null;
    const d = xs?.[xs.length - 1];
    if (isKnownDim(d) && d % 2 !== 0) throw new OpSpecError(`the last dim ${d} is odd and cannot be split in halves`);
    const half: Dim | undefined = isKnownDim(d) ? d / 2 : xs ? dynamicDim(ctx, 0, xs.length - 1) : undefined;
    return fitOutputs(ctx, [
      { dtype: x?.dtype ?? null, shape: xs && half !== undefined ? [...xs.slice(0, -1), half] : null },
    ]);
  },
  cost: (ctx, outputs) => ({
    flops: sumFlops(
      perElement(elementsOf(inputAt(ctx, 0)), ADD_FLOPS),
      perElement(elementsOf(outputs[0]), GELU_ERF_FLOPS + MUL_FLOPS),
    ),
  }),
});

/** LayerNormalization with a per-element affine, as normalization.ts counts it (statistics, normalise, scale). */
const LAYER_NORM_PER_ELEMENT = NORM_STATS_PER_ELEMENT + NORM_AFFINE_PER_ELEMENT;

/**
 * SkipLayerNormalization(input, skip, gamma, beta?, bias?) and SkipSimplifiedLayerNormalization(input, skip, gamma,
 * bias?): s = input + skip (+ bias), normalised over the last axis. Outputs: Y and input_skip_bias_sum (input's
 * shape and type), and mean / inv_std_var (float32, input[:-1] + [1], as onnxruntime's CPU kernel writes them).
 */
function skipNorm(opType: string, rms: boolean): OpDef {
  const biasIndex = rms ? 3 : 4;
  return defineOp({
    opType,
    domain: MS,
    category: 'normalization',
    inferShape(ctx) {
      const x = inputAt(ctx, 0);
      const xs = x?.shape ?? null;
      if (xs && xs.length < 2) throw new OpSpecError(`input must have rank 2 or 3, got rank ${xs.length}`);
      const stat: TensorInfo = { dtype: 'float32', shape: xs ? [...xs.slice(0, -1), 1] : null };
      return fitOutputs(ctx, [dtypeAndShape(x), stat, stat, dtypeAndShape(x)]);
    },
    cost(ctx) {
      const { elements, rows } = normRows(inputAt(ctx, 0)?.shape ?? null, -1);
      const adds = ADD_FLOPS + (inputAt(ctx, biasIndex) ? ADD_FLOPS : 0);
      const perEl = adds + (rms ? RMS_NORM_PER_ELEMENT : LAYER_NORM_PER_ELEMENT);
      const perRow = rms ? RMS_NORM_PER_ROW : NORM_STATS_PER_GROUP;
      const flops = sumFlops(perElement(elements, perEl), perElement(rows, perRow));
      return { flops, paramInputs: constantInputs(ctx, rms ? [2, 3] : [2, 3, 4]) };
    },
  });
}

/** SiLU after a group norm: x * sigmoid(x). */
const SILU_FLOPS = tableFlops('Sigmoid') + MUL_FLOPS;

/**
 * GroupNorm(X, gamma, beta) and SkipGroupNorm(X, gamma, beta, skip, bias?) (diffusion fusions): X is NHWC when
 * channels_last (default 1). FLOPs as ai.onnx GroupNormalization-21 (per-channel affine), plus SiLU when
 * `activation` = 1 and the skip/bias adds. SkipGroupNorm's second output is the sum, X's shape.
 */
function groupNorm(opType: 'GroupNorm' | 'SkipGroupNorm'): OpDef {
  return defineOp({
    opType,
    domain: MS,
    category: 'normalization',
    inferShape(ctx) {
      const x = inputAt(ctx, 0);
      const xs = x?.shape ?? null;
      const groups = ctx.attrs.intOr('groups');
      if (groups === undefined || groups < 1) throw new OpSpecError('groups is required and must be >= 1');
      const c = xs ? (ctx.attrs.int('channels_last', 1) === 1 ? xs[xs.length - 1] : xs[1]) : undefined;
      if (isKnownDim(c) && c % groups !== 0)
        throw new OpSpecError(`${c} channels are not divisible by groups ${groups}`);
      return fitOutputs(ctx, [dtypeAndShape(x), dtypeAndShape(x)]);
    },
    cost(ctx) {
      const xs = inputAt(ctx, 0)?.shape ?? null;
      const n = xs?.[0];
      const groupsTotal = isKnownDim(n) ? n * ctx.attrs.int('groups', 1) : null;
      const adds = opType === 'SkipGroupNorm' ? ADD_FLOPS + (inputAt(ctx, 4) ? ADD_FLOPS : 0) : 0;
      const act = ctx.attrs.int('activation', 0) === 1 ? SILU_FLOPS : 0;
      return {
        flops: sumFlops(
          perElement(numel(xs), LAYER_NORM_PER_ELEMENT + adds + act),
          perElement(groupsTotal, NORM_STATS_PER_GROUP),
        ),
        paramInputs: constantInputs(ctx, [1, 2]),
      };
    },
  });
}

/**
 * EmbedLayerNormalization(input_ids, segment_ids?, word_embedding, position_embedding, segment_embedding?, gamma,
 * beta, mask?, position_ids?): the BERT embedding fusion. output and embedding_sum are (B, S, hidden), mask_index
 * is int32 (B). FLOPs per output element: the embedding adds plus LayerNormalization; one compare per mask element.
 * Memory reads only the gathered rows, as Gather does; the embedding tables count as parameters.
 */
const embedLayerNormalization = defineOp({
  opType: 'EmbedLayerNormalization',
  domain: MS,
  category: 'normalization',
  inferShape(ctx) {
    const ids = inputAt(ctx, 0)?.shape ?? null;
    const word = inputAt(ctx, 2);
    if (ids && ids.length !== 2)
      throw new OpSpecError(`input_ids must be 2-D (batch, sequence), got rank ${ids.length}`);
    const hidden = word?.shape?.[1] ?? inputAt(ctx, 5)?.shape?.[0];
    const shape = ids && hidden !== undefined ? [at(ids, 0), at(ids, 1), hidden] : null;
    const out: TensorInfo = { dtype: word?.dtype ?? null, shape };
    return fitOutputs(ctx, [out, { dtype: 'int32', shape: ids ? [at(ids, 0)] : null }, out]);
  },
  cost(ctx, outputs) {
    const ids = inputAt(ctx, 0);
    const tokens = elementsOf(ids);
    const hs = outputs[0]?.shape;
    const hidden = hs ? hs[2] : undefined;
    const tables = inputAt(ctx, 4) ? 3 : 2;
    const elements = elementsOf(outputs[0]);
    const flops = sumFlops(
      perElement(elements, (tables - 1) * ADD_FLOPS + LAYER_NORM_PER_ELEMENT),
      perElement(tokens, NORM_STATS_PER_GROUP),
      inputAt(ctx, 7) ? perElement(elementsOf(inputAt(ctx, 7)), CMP_FLOPS) : 0,
    );
    const dtype = outputs[0]?.dtype ?? null;
    const hiddenN = isKnownDim(hidden) ? hidden : null;
    const written = ctx.node.outputs.map((name, i) =>
      name ? ([elementsOf(outputs[i]), outputs[i]?.dtype ?? null] as const) : ([0, null] as const),
    );
    const memory = memoryOf([
      [tokens, ids?.dtype ?? null],
      [inputAt(ctx, 1) ? elementsOf(inputAt(ctx, 1)) : 0, inputAt(ctx, 1)?.dtype ?? null],
      [elements === null ? null : elements * tables, dtype],
      [hiddenN === null ? null : 2 * hiddenN, dtype],
      [inputAt(ctx, 7) ? elementsOf(inputAt(ctx, 7)) : 0, inputAt(ctx, 7)?.dtype ?? null],
      ...written,
    ]);
    return { flops, memory, paramInputs: constantInputs(ctx, [2, 3, 4, 5, 6]) };
  },
});

/**
 * com.microsoft Attention(input (B, S, Din), weights (Din, Dq + Dk + Dv), bias?, mask_index?, past?,
 * attention_bias?, past_sequence_length?): the fused QKV projection and self-attention. output is (B, S, Dv), with
 * Dq, Dk, Dv from qkv_hidden_sizes or a third of the weights' columns; present is (2, B, heads, past + S, Dq/heads),
 * or past's shape with past_present_share_buffer. FLOPs: the projection B*S*Din*(Dq+Dk+Dv), the bias adds, RoPE on
 * Q and K when do_rotary, and attentionFlops with total = past + S.
 */
function attentionGeometry(ctx: OpContext) {
  const x = inputAt(ctx, 0);
  const xs = x?.shape ?? null;
  if (xs && xs.length !== 3)
    throw new OpSpecError(`input must be 3-D (batch, sequence, hidden), got rank ${xs.length}`);
  const heads = ctx.attrs.intOr('num_heads');
  if (heads === undefined || heads < 1) throw new OpSpecError('num_heads is required and must be >= 1');
  const ws = inputAt(ctx, 1)?.shape ?? null;
  const bs = inputAt(ctx, 2)?.shape ?? null;
  const qkv = ctx.attrs.ints('qkv_hidden_sizes');
  if (qkv && qkv.length !== 3) throw new OpSpecError(`qkv_hidden_sizes has ${qkv.length} values, expected 3`);
  const packed = ws?.[1] ?? bs?.[0];
  const third = isKnownDim(packed) ? packed / 3 : null;
  if (!qkv && third !== null && !Number.isInteger(third))
    throw new OpSpecError(`weights have ${packed} columns, not 3 equal parts`);
  const [dq, dk, dv] = qkv ? [at(qkv, 0), at(qkv, 1), at(qkv, 2)] : [third, third, third];
  const past = inputAt(ctx, 4)?.shape ?? null;
  if (past && past.length !== 5)
    throw new OpSpecError(`past must be 5-D (2, batch, heads, past, head_size), got rank ${past.length}`);
  const share = ctx.attrs.int('past_present_share_buffer', 0) === 1;
  const seq = xs?.[1];
  let total: Dim | null = null;
  if (seq !== undefined) {
    if (!past) total = seq;
    else if (!share) total = addDims(ctx, at(past, 3), seq, 1, 3);
    else {
      const pastLen = scalarOf(inputAt(ctx, 6));
      total = pastLen !== undefined && isKnownDim(seq) ? pastLen + seq : null;
    }
  }
  const head = headSize(dq ?? undefined, heads, 'hidden size');
  let present: Dim[] | null = null;
  if (share && past) present = [...past];
  else if (xs && total !== null && head !== null) present = [2, at(xs, 0), heads, total, head];
  return { x, xs, heads, din: xs?.[2], dq, dk, dv, total, head, present };
}

const attention = defineOp({
  opType: 'Attention',
  domain: MS,
  category: 'gemm',
  inferShape(ctx) {
    const g = attentionGeometry(ctx);
    const out: TensorInfo = {
      dtype: g.x?.dtype ?? null,
      shape: g.xs && g.dv !== null ? [at(g.xs, 0), at(g.xs, 1), g.dv] : null,
    };
    return fitOutputs(ctx, [out, { dtype: g.x?.dtype ?? null, shape: g.present }]);
  },
  cost(ctx) {
    const g = attentionGeometry(ctx);
    const tokens = g.xs ? numel(g.xs.slice(0, 2)) : null;
    const width = isKnownDim(g.dq) && isKnownDim(g.dk) && isKnownDim(g.dv) ? g.dq + g.dk + g.dv : null;
    const projection = tokens === null || width === null || !isKnownDim(g.din) ? null : tokens * g.din * width;
    const bias = !inputAt(ctx, 2) ? 0 : width === null ? null : perElement(tokens, width);
    const vHead = headSize(g.dv ?? undefined, g.heads, 'v_hidden size');
    const core = attentionFlops(g.xs?.[0], g.heads, g.xs?.[1], g.total, g.head, vHead, scoreExtras(ctx, [3, 5]));
    let rotary: number | null = 0;
    if (ctx.attrs.int('do_rotary', 0) === 1) {
      const dim = ctx.attrs.int('rotary_embedding_dim', 0);
      const fraction = dim > 0 && isKnownDim(g.head) ? dim / g.head : 1;
      rotary =
        isKnownDim(g.dq) && isKnownDim(g.dk) ? perElement(tokens, (g.dq + g.dk) * fraction * ROTARY_FLOPS) : null;
    }
    return { flops: sumFlops(projection, bias, core, rotary), paramInputs: constantInputs(ctx, [1, 2]) };
  },
});

/**
 * MultiHeadAttention(query, key?, value?, bias?, key_padding_mask?, attention_bias?, past_key?, past_value?, ...)
 * (bert_defs.cc): query (B, S, Dq) or packed QKV (B, S, heads, 3, H); key (B, L, Dk), packed KV (B, L, heads, 2, H)
 * or cached (B, heads, L, H); value (B, L, Dv) or (B, heads, L, Hv). output (B, S, Dv); present_key/value
 * (B, heads, past + L, H); qk (B, heads, S, past + L).
 */
function mhaGeometry(ctx: OpContext) {
  const heads = ctx.attrs.intOr('num_heads');
  if (heads === undefined || heads < 1) throw new OpSpecError('num_heads is required and must be >= 1');
  const q = inputAt(ctx, 0)?.shape ?? null;
  const k = inputAt(ctx, 1)?.shape ?? null;
  const v = inputAt(ctx, 2)?.shape ?? null;
  if (q && q.length !== 3 && q.length !== 5)
    throw new OpSpecError(`query must be 3-D or packed 5-D, got rank ${q.length}`);
  const batch: Dim | undefined = q?.[0];
  const seq: Dim | undefined = q?.[1];
  let dq: Dim | null = null;
  let dk: Dim | null = null;
  let dv: Dim | null = null;
  let kvLen: Dim | undefined;
  let cached = false;
  const times = (a: Dim, b: Dim): Dim | null => (isKnownDim(a) && isKnownDim(b) ? a * b : null);
  // Every index below is within the rank just checked.
  if (q?.length === 5) {
    dq = dk = dv = times(at(q, 2), at(q, 4));
    kvLen = at(q, 1);
  } else if (q) {
    dq = at(q, 2);
    if (k?.length === 5) {
      dk = dv = times(at(k, 2), at(k, 4));
      kvLen = at(k, 1);
    } else if (k?.length === 4) {
      cached = true;
      dk = times(at(k, 1), at(k, 3));
      kvLen = at(k, 2);
      dv = v?.length === 4 ? times(at(v, 1), at(v, 3)) : null;
    } else if (k?.length === 3) {
      dk = at(k, 2);
      kvLen = at(k, 1);
      dv = v?.length === 3 ? at(v, 2) : v?.length === 4 ? times(at(v, 1), at(v, 3)) : null;
    }
  }
  const pastKey = inputAt(ctx, 6)?.shape ?? null;
  if (pastKey && pastKey.length !== 4) throw new OpSpecError(`past_key must be 4-D, got rank ${pastKey.length}`);
  let total: Dim | null = null;
  if (kvLen !== undefined) total = pastKey && !cached ? addDims(ctx, at(pastKey, 2), kvLen, 1, 2) : kvLen;
  const qHead = headSize(dq, heads, 'hidden size');
  const vHead = headSize(dv, heads, 'v_hidden size');
  return { heads, batch, seq, dq, dk, dv, total, qHead, vHead, kvLen };
}

const multiHeadAttention = defineOp({
  opType: 'MultiHeadAttention',
  domain: MS,
  category: 'gemm',
  inferShape(ctx) {
    const g = mhaGeometry(ctx);
    const dtype = dtypeOf(ctx, 0, null);
    const out: TensorInfo = {
      dtype,
      shape: g.batch !== undefined && g.seq !== undefined && g.dv !== null ? [g.batch, g.seq, g.dv] : null,
    };
    const kHead = headSize(g.dk ?? undefined, g.heads, 'key hidden size');
    const present = (h: Dim | null): TensorInfo => ({
      dtype,
      shape: g.batch !== undefined && g.total !== null && h !== null ? [g.batch, g.heads, g.total, h] : null,
    });
    const qkKnown = g.batch !== undefined && g.seq !== undefined && g.total !== null;
    const qk: TensorInfo = { dtype, shape: qkKnown ? [g.batch as Dim, g.heads, g.seq as Dim, g.total as Dim] : null };
    return fitOutputs(ctx, [out, present(kHead), present(g.vHead), qk]);
  },
  cost(ctx) {
    const g = mhaGeometry(ctx);
    const core = attentionFlops(g.batch, g.heads, g.seq, g.total, g.qHead, g.vHead, scoreExtras(ctx, [4, 5]));
    let bias: number | null = 0;
    if (inputAt(ctx, 3)) {
      const q = g.batch !== undefined && g.seq !== undefined ? numel([g.batch, g.seq]) : null;
      const kv = g.batch !== undefined && g.kvLen !== undefined ? numel([g.batch, g.kvLen]) : null;
      const known = q !== null && kv !== null && isKnownDim(g.dq) && isKnownDim(g.dk) && isKnownDim(g.dv);
      bias = known ? q * (g.dq as number) + kv * ((g.dk as number) + (g.dv as number)) : null;
    }
    return { flops: sumFlops(core, bias), paramInputs: constantInputs(ctx, [3]) };
  },
});

/**
 * GroupQueryAttention(query, key?, value?, past_key?, past_value?, seqlens_k, total_sequence_length, cos_cache?,
 * sin_cache?, position_ids?, attention_bias?, head_sink?, k_scale?, v_scale?, q_norm_weight?, k_norm_weight?)
 * (bert_defs.cc): query (B, S, num_heads * H), or packed QKV (B, S, (num_heads + 2 * kv_num_heads) * H) when key is
 * omitted. output (B, S, num_heads * H); present_key/value (B, kv_num_heads, max(past, total), H) where total is the
 * total_sequence_length input (prefill without past: total, else the key length); unknown total with a past cache is
 * a run-time length. FLOPs use total (the keys attended), RoPE on Q and K when do_rotary, the Q/K RMS norms.
 */
function gqaGeometry(ctx: OpContext) {
  const heads = ctx.attrs.intOr('num_heads');
  const kvHeads = ctx.attrs.intOr('kv_num_heads');
  if (heads === undefined || heads < 1 || kvHeads === undefined || kvHeads < 1) {
    throw new OpSpecError('num_heads and kv_num_heads are required and must be >= 1');
  }
  if (heads % kvHeads !== 0) throw new OpSpecError(`num_heads ${heads} is not a multiple of kv_num_heads ${kvHeads}`);
  const q = inputAt(ctx, 0)?.shape ?? null;
  if (q && q.length !== 3) throw new OpSpecError(`query must be 3-D, got rank ${q.length}`);
  const k = inputAt(ctx, 1)?.shape ?? null;
  const packed = inputAt(ctx, 1) === null;
  const head = q ? headSize(q[2], packed ? heads + 2 * kvHeads : heads, 'query hidden size') : null;
  const kvLen: Dim | undefined = packed ? q?.[1] : k?.[1];
  const pastKey = inputAt(ctx, 3);
  const pk = pastKey?.shape ?? null;
  if (pk && pk.length !== 4) throw new OpSpecError(`past_key must be 4-D, got rank ${pk.length}`);
  const totalValue = scalarOf(inputAt(ctx, 6));
  let attended: Dim | null = null;
  if (totalValue !== undefined) attended = totalValue;
  else if (!pastKey) attended = kvLen ?? null;
  let cacheLen: Dim | null;
  if (!pastKey) cacheLen = attended;
  else if (pk && isKnownDim(pk[2]) && totalValue !== undefined) cacheLen = Math.max(pk[2], totalValue);
  else cacheLen = null;
  return { heads, kvHeads, q, head, kvLen, pastKey, cacheLen, attended, packed };
}

const groupQueryAttention = defineOp({
  opType: 'GroupQueryAttention',
  domain: MS,
  category: 'gemm',
  inferShape(ctx) {
    const g = gqaGeometry(ctx);
    const dtype = dtypeOf(ctx, 0, null);
    const out: TensorInfo = {
      dtype,
      shape: g.q && g.head !== null ? [at(g.q, 0), at(g.q, 1), g.heads * g.head] : null,
    };
    const cacheDtype = g.pastKey?.dtype ?? dtype;
    const present: TensorInfo = {
      dtype: cacheDtype,
      shape: g.q && g.head !== null ? [at(g.q, 0), g.kvHeads, g.cacheLen ?? dynamicDim(ctx, 1, 2), g.head] : null,
    };
    const qk: TensorInfo = {
      dtype,
      shape: g.q && g.attended !== null ? [at(g.q, 0), g.heads, at(g.q, 1), g.attended] : null,
    };
    return fitOutputs(ctx, [out, present, { ...present, shape: present.shape ? [...present.shape] : null }, qk]);
  },
  cost(ctx) {
    const g = gqaGeometry(ctx);
    const core = attentionFlops(g.q?.[0], g.heads, g.q?.[1], g.attended, g.head, g.head, scoreExtras(ctx, [10]));
    const qTokens = g.q ? numel(g.q.slice(0, 2)) : null;
    const kTokens = g.q && g.kvLen !== undefined ? numel([at(g.q, 0), g.kvLen]) : null;
    const qElems = g.head === null ? null : perElement(qTokens, g.heads * g.head);
    const kElems = g.head === null ? null : perElement(kTokens, g.kvHeads * g.head);
    const rotary =
      ctx.attrs.int('do_rotary', 0) === 1
        ? sumFlops(perElement(qElems, ROTARY_FLOPS), perElement(kElems, ROTARY_FLOPS))
        : 0;
    let norms: number | null = 0;
    if (inputAt(ctx, 14) && inputAt(ctx, 15) && g.head !== null) {
      const rows = qTokens === null || kTokens === null ? null : qTokens * g.heads + kTokens * g.kvHeads;
      norms = sumFlops(perElement(sumFlops(qElems, kElems), RMS_NORM_PER_ELEMENT), perElement(rows, RMS_NORM_PER_ROW));
    }
    return { flops: sumFlops(core, rotary, norms), paramInputs: constantInputs(ctx, [11, 14, 15]) };
  },
});

/** Quantized element-wise ops: the float op's count; the (de)quantization around it is not counted, as for QLinearConv. */
const QLINEAR_ADD_FLOPS = tableFlops('Add');

const QLINEAR_MUL_FLOPS = tableFlops('Mul');

/** QLinearAdd / QLinearMul(A, A_scale, A_zp?, B, B_scale, B_zp?, C_scale, C_zp?): numpy broadcast of A and B. */
function qlinearBinary(opType: 'QLinearAdd' | 'QLinearMul', perEl: number): OpDef {
  return defineOp({
    opType,
    domain: MS,
    category: 'elementwise',
    inferShape(ctx) {
      const a = inputAt(ctx, 0);
      const b = inputAt(ctx, 3);
      const shape = broadcastShapes([a?.shape ?? null, b?.shape ?? null]);
      return fitOutputs(ctx, [{ dtype: a?.dtype ?? b?.dtype ?? null, shape }]);
    },
    cost: (ctx, outputs) => ({
      flops: perElement(elementsOf(outputs[0]), perEl),
      paramInputs: constantInputs(ctx, [0, 3]),
    }),
  });
}

/** QLinearSigmoid / QLinearLeakyRelu / QLinearSoftmax (X, X_scale, X_zp?, Y_scale, Y_zp?): X's shape and type. */
function qlinearUnary(opType: string, perEl: number, category: 'activation' | 'elementwise' = 'activation'): OpDef {
  return defineOp({
    opType,
    domain: MS,
    category,
    inferShape: (ctx) => fitOutputs(ctx, [dtypeAndShape(inputAt(ctx, 0))]),
    cost: (_ctx, outputs) => ({ flops: perElement(elementsOf(outputs[0]), perEl), paramInputs: [] }),
  });
}

/**
 * QLinearConcat(Y_scale, Y_zp, X1, X1_scale, X1_zp, X2, ...): Concat of the tensors at positions 2, 5, 8, ... on
 * `axis`; Y has Y_zp's type. Requantizing inputs whose scales differ from Y's is not counted (0 FLOPs).
 */
const qlinearConcat = defineOp({
  opType: 'QLinearConcat',
  domain: MS,
  category: 'data-movement',
  inferShape(ctx) {
    const tensors = ctx.inputs.filter((_, i) => i >= 2 && (i - 2) % 3 === 0);
    if (tensors.length === 0)
      throw new OpSpecError('QLinearConcat needs at least one (tensor, scale, zero point) triple');
    if (ctx.attrs.intOr('axis') === undefined) throw new OpSpecError('axis is required');
    const [y = UNKNOWN_TENSOR] = CONCAT.inferShape(withInputs(ctx, tensors));
    return fitOutputs(ctx, [retype(y, dtypeOf(ctx, 1, y.dtype))]);
  },
  cost: () => movementCost(),
});

/** com.microsoft Inverse: X (..., M, M) to the same shape; LU with partial pivoting and M triangular solve pairs. */
const inverse = defineOp({
  opType: 'Inverse',
  domain: MS,
  category: 'other',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const xs = x?.shape;
    if (xs) {
      if (xs.length < 2) throw new OpSpecError(`input must have rank >= 2, got rank ${xs.length}`);
      const [h, w] = xs.slice(-2);
      if (isKnownDim(h) && isKnownDim(w) && h !== w) throw new OpSpecError(`matrices must be square, got ${h} x ${w}`);
    }
    return fitOutputs(ctx, [dtypeAndShape(x)]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    if (!xs) return { flops: null, paramInputs: [] };
    const m = xs[xs.length - 1];
    const batch = numel(xs.slice(0, -2));
    return { flops: isKnownDim(m) ? perElement(batch, invertFlops(m)) : null, paramInputs: [] };
  },
});

/**
 * com.microsoft FusedMatMul: alpha * op(A) * op(B) where transA/transB swap the last two dims. transBatchA/B
 * (which move batch dims) are not modelled: shape and FLOPs unknown.
 */
function fusedOperands(
  ctx: OpContext,
  a: readonly Dim[] | null,
  b: readonly Dim[] | null,
): [readonly Dim[] | null, readonly Dim[] | null] | null {
  if (ctx.attrs.int('transBatchA', 0) || ctx.attrs.int('transBatchB', 0)) return null;
  return [
    a && ctx.attrs.int('transA', 0) ? transposeLast2(a) : a,
    b && ctx.attrs.int('transB', 0) ? transposeLast2(b) : b,
  ];
}

/** com.microsoft ops; every one is in com.microsoft opset 1, the only version onnxruntime defines. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    fusedConv,
    nhwcConv,
    nhwcFusedConv,
    qlinearConvMs,
    poolVariant('NhwcMaxPool', MAX_POOL, () => true),
    qlinearAveragePool,
    qlinearGlobalAveragePool,
    fusedGemm,
    qgemm,
    matmulLike('FusedMatMul', { a: 0, b: 1 }, firstDType(0), MS, fusedOperands),
    dynamicQuantizeMatMul,
    matMulIntegerToFloat,
    matMulNBits,
    gatherBlockQuantized,
    ...pointwiseOps,
    biasSplitGelu,
    skipNorm('SkipLayerNormalization', false),
    skipNorm('SkipSimplifiedLayerNormalization', true),
    groupNorm('GroupNorm'),
    groupNorm('SkipGroupNorm'),
    embedLayerNormalization,
    attention,
    multiHeadAttention,
    groupQueryAttention,
    // com.microsoft orders its inputs (input, position_ids, cos_cache, sin_cache).
    rotaryEmbedding(MS, 2),
    qlinearBinary('QLinearAdd', QLINEAR_ADD_FLOPS),
    qlinearBinary('QLinearMul', QLINEAR_MUL_FLOPS),
    qlinearUnary('QLinearSigmoid', tableFlops('Sigmoid')),
    qlinearUnary('QLinearLeakyRelu', tableFlops('LeakyRelu')),
    qlinearUnary('QLinearSoftmax', tableFlops('Softmax')),
    qlinearConcat,
    inverse,
  ],
  {
    FusedConv: 1,
    NhwcConv: 1,
    NhwcFusedConv: 1,
    QLinearConv: 1,
    NhwcMaxPool: 1,
    QLinearAveragePool: 1,
    QLinearGlobalAveragePool: 1,
    FusedGemm: 1,
    QGemm: 1,
    FusedMatMul: 1,
    DynamicQuantizeMatMul: 1,
    MatMulIntegerToFloat: 1,
    MatMulNBits: 1,
    GatherBlockQuantized: 1,
    Gelu: 1,
    FastGelu: 1,
    BiasGelu: 1,
    QuickGelu: 1,
    BiasAdd: 1,
    BiasSplitGelu: 1,
    SkipLayerNormalization: 1,
    SkipSimplifiedLayerNormalization: 1,
    GroupNorm: 1,
    SkipGroupNorm: 1,
    EmbedLayerNormalization: 1,
    Attention: 1,
    MultiHeadAttention: 1,
    GroupQueryAttention: 1,
    RotaryEmbedding: 1,
    QLinearAdd: 1,
    QLinearMul: 1,
    QLinearSigmoid: 1,
    QLinearLeakyRelu: 1,
    QLinearSoftmax: 1,
    QLinearConcat: 1,
    Inverse: 1,
  },
);
