import type { Analysis, LayerReport } from '../analyze.js';
import { BYTES_PER_ELEMENT, type Dim } from '../../model/ir.js';
import { at } from '../../util/at.js';
import type { ConvFamily, DeviceProfile, Roofs, RooflinePoint } from '../roofline.js';
import { roofline } from '../roofline.js';
import { detectNchwcBlock } from './onnxruntime-cpu.js';
import type { ExecutionPlan, PlannedKernel } from './types.js';

/** Bytes per element assumed for runtime-inserted kernels (layout reorders copy float32 activations). */
const INSERTED_BYTES_PER_ELEMENT = 4;

/** onnxruntime's domain for its blocked-layout kernels. */
const NCHWC_PREFIX = 'com.microsoft.nchwc:';

/**
 * Which roofs a plan kernel runs under:
 * - a convolution family (see ConvRoofs in roofline.ts), decided by the kernel's anchor layer and op;
 * - `copy`: layout reorders onnxruntime inserts and the data-movement ops (Transpose, Concat, Split,
 *   Slice, Pad...), at the profile's copy bandwidth;
 * - `elementwise`: activations, element-wise arithmetic and normalisation, and `pooling`: pooling and
 *   reductions, at the activation bandwidth;
 * - `gemm` (weights streamed from memory at batch 1) and `other` (anything else): the profile's peak
 *   and bandwidth.
 */
export type KernelFamily = ConvFamily | 'gemm' | 'copy' | 'elementwise' | 'pooling' | 'other';

/**
 * Roofline time of every kernel of an execution plan on a device profile, and the helpers rules use
 * to put a time on the excess they report. One estimate per lint run; findings' `impact` shares are
 * all relative to `modelUs`.
 */
export interface TimeEstimate {
  readonly profile: DeviceProfile;
  /** Sum of the kernels' estimated times. */
  readonly modelUs: number;
  /** Estimated time of each plan kernel (same order as `plan.kernels`). */
  readonly kernelUs: readonly number[];
  /** Which roof limits each plan kernel (same order as `plan.kernels`). */
  readonly kernelBound: readonly RooflinePoint['bound'][];
  /** The family each plan kernel was timed as (same order as `plan.kernels`). */
  readonly kernelFamily: readonly KernelFamily[];
  /**
   * Time of the kernel a layer runs in when it anchors that kernel; 0 for layers fused away, folded or free. A layer of
   * a subgraph body (outside the main-graph plan) is timed as a kernel of its own, per run.
   */
  layerUs(layer: number): number;
  /**
   * Time to move `bytes` more through memory (no overlap with compute assumed): at the profile's
   * activation bandwidth when it has one (the excess traffic rules report is activations), else its bandwidth.
   */
  bytesUs(bytes: number): number;
  /** Launch overhead of `kernels` extra kernels. */
  overheadUs(kernels: number): number;
}

/** Activations onnxruntime's convolution kernels apply inside their FMA loop; any other fused activation is a pass over the output. */
const IN_LOOP_ACTIVATIONS: ReadonlySet<string> = new Set(['Relu']);

/**
 * FLOPs and bytes of one kernel: its layers' FLOPs; the anchor's traffic plus a fused Add's second
 * operand; `weightBytes`: the part of it that is the anchor's weights. With `activationPasses`, an
 * activation fused into the kernel other than Relu also counts its own read and write of the output: MLAS applies Relu inside its convolution kernels but every
 * other activation (Clip for ReLU6, Sigmoid, HardSigmoid...) with a separate MlasActivation pass over
 * the output (measured: a depthwise 3x3 convolution on 192x28x28 took 40 µs with Relu fused, 64 µs
 * with Clip, one more read and write of its 600 KB output at the activation bandwidth).
 */
export function kernelWork(
  analysis: Analysis,
  plan: ExecutionPlan,
  kernel: PlannedKernel,
  options: { readonly activationPasses?: boolean } = {},
): { flops: number; bytes: number; weightBytes: number } {
  if (kernel.inserted)
    return { flops: 0, bytes: 2 * kernel.inserted.elements * INSERTED_BYTES_PER_ELEMENT, weightBytes: 0 };
  let flops = 0;
  let bytes = 0;
  let weightBytes = 0;
  kernel.layers.forEach((i, position) => {
    const layer = at(analysis.layers, i);
    flops += layer.flops ?? 0;
    const kind = plan.fusions.get(i)?.kind;
    if (position === 0) {
      bytes += layer.memBytes ?? 0;
      const dtype = layer.outputDtypes[0];
      weightBytes = Math.min(layer.memBytes ?? 0, layer.params * (dtype ? BYTES_PER_ELEMENT[dtype] : 4));
    } else if (kind === 'epilogue-add') {
      // The fused Add reads its other operand inside the conv's epilogue: one input's worth of bytes.
      const out = layer.memBytes ?? 0;
      bytes += out / 3;
    } else if (kind === 'epilogue-activation' && options.activationPasses && !IN_LOOP_ACTIVATIONS.has(layer.opType)) {
      bytes += layer.memBytes ?? 0;
    }
  });
  return { flops, bytes, weightBytes };
}

function isConvLayer(layer: LayerReport): boolean {
  return (
    (layer.domain === '' || layer.domain === 'ai.onnx') && (layer.opType === 'Conv' || layer.opType === 'ConvTranspose')
  );
}

function channelsOf(shape: readonly Dim[] | null | undefined): number | null {
  const c = shape?.[1];
  return typeof c === 'number' && c > 0 ? c : null;
}

/**
 * The convolution family of a kernel anchored at a Conv/ConvTranspose layer: depthwise when group
 * equals the input channels, grouped when 1 < group, dense otherwise; the NCHWc families when
 * onnxruntime runs it as `com.microsoft.nchwc:Conv`, the NCHW ones when it stays `Conv`/`FusedConv`
 * (channels that miss the NCHWc block, graph optimisation off, a runtime without NCHWc). ConvTranspose
 * has no NCHWc kernel (col2im + GEMM): unaligned.
 */
export function convFamily(layer: LayerReport, kernelOpType: string): ConvFamily {
  const group = typeof layer.attributes.group === 'number' ? layer.attributes.group : 1;
  const cin = channelsOf(layer.inputShapes[0]);
  const depthwise = layer.opType === 'Conv' && group > 1 && cin === group;
  const blocked = layer.opType === 'Conv' && kernelOpType.startsWith(NCHWC_PREFIX);
  if (!blocked) return depthwise ? 'depthwiseUnaligned' : 'unaligned';
  return depthwise ? 'depthwise' : group > 1 ? 'grouped' : 'dense';
}

/** The family a plan kernel is timed as (see {@link KernelFamily}). */
export function kernelFamily(analysis: Analysis, kernel: PlannedKernel): KernelFamily {
  if (kernel.inserted) return 'copy';
  const first = kernel.layers[0];
  const anchor = first === undefined ? undefined : analysis.layers[first];
  if (anchor === undefined) return 'other';
  if (isConvLayer(anchor)) return convFamily(anchor, kernel.opType);
  switch (anchor.category) {
    case 'gemm':
      return 'gemm';
    case 'data-movement':
    case 'metadata':
      return 'copy';
    case 'elementwise':
    case 'activation':
    case 'normalization':
      return 'elementwise';
    case 'pooling':
    case 'reduction':
      return 'pooling';
    default:
      return 'other';
  }
}

/**
 * Multiply-adds an NCHWc kernel really computes: MLAS pads channels to whole blocks (an input with
 * fewer channels than the block is read in NCHW as it is), so a 116-channel 1x1 conv costs as much as
 * a 128-channel one with block 16. Grouped NCHWc convs have whole blocks per group already.
 */
export function paddedFlops(layer: LayerReport, family: ConvFamily, flops: number, block: number): number {
  if (block <= 1 || (family !== 'dense' && family !== 'depthwise')) return flops;
  const cin = channelsOf(layer.inputShapes[0]);
  const cout = channelsOf(layer.outputShapes[0]);
  if (cin === null || cout === null) return flops;
  const up = (c: number): number => Math.ceil(c / block) * block;
  if (family === 'depthwise') return (flops * up(cout)) / cout;
  return (flops * (cin < block ? cin : up(cin)) * up(cout)) / (cin * cout);
}

const CONV_FAMILY_SET: ReadonlySet<KernelFamily> = new Set<KernelFamily>([
  'dense',
  'depthwise',
  'grouped',
  'unaligned',
  'depthwiseUnaligned',
]);

/** True for the convolution families of ConvRoofs. */
export function isConvFamily(family: KernelFamily): family is ConvFamily {
  return CONV_FAMILY_SET.has(family);
}

/**
 * The roofs of a kernel family on a profile. A profile without `convRoofs` and the copy and
 * activation bandwidths gives every family its peak and bandwidth (the plain roofline). Data
 * movement runs at the copy bandwidth; element-wise ops, pooling and reductions, and the bytes a
 * convolution moves, at the activation bandwidth (they stream the same cache-sized tensors).
 */
export function familyRoofs(profile: DeviceProfile, family: KernelFamily): Roofs {
  const peak = profile.peakFlopsPerSecond;
  const bandwidth = profile.bandwidthBytesPerSecond;
  const copy = profile.copyBandwidthBytesPerSecond ?? bandwidth;
  const activation = profile.activationBandwidthBytesPerSecond ?? copy;
  const conv = profile.convRoofs;
  switch (family) {
    case 'dense':
    case 'depthwise':
    case 'grouped':
    case 'unaligned':
      return conv
        ? { flopsPerSecond: conv[family], bytesPerSecond: activation }
        : { flopsPerSecond: peak, bytesPerSecond: bandwidth };
    case 'depthwiseUnaligned':
      return conv
        ? { flopsPerSecond: conv.depthwiseUnaligned ?? conv.depthwise, bytesPerSecond: activation }
        : { flopsPerSecond: peak, bytesPerSecond: bandwidth };
    case 'copy':
      return { flopsPerSecond: peak, bytesPerSecond: copy };
    case 'elementwise':
    case 'pooling':
      return { flopsPerSecond: peak, bytesPerSecond: activation };
    case 'gemm':
    case 'other':
      return { flopsPerSecond: peak, bytesPerSecond: bandwidth };
  }
}

/**
 * Time of a convolution on its family's roofs: per-op overhead + convolution overhead + FLOPs / roof
 * + activation bytes / activation bandwidth + weight bytes / bandwidth. The terms add rather than overlap: at batch 1
 * MLAS's convolution kernels stream their input and output around the FMA loops, and a fit of
 * onnxruntime's kernel times (1 thread, opt all, 257 dense NCHWc convolutions of 9 networks) with
 * FLOPs / roof alone left a per-byte term of ~60 GB/s (docs/benchmarks.md, "Prediction"). Weights are
 * read once per inference, a whole model's traffic after their last use, so they come from memory
 * at the profile's bandwidth (a squeeze-excitation 1x1 conv of EfficientNet-B0 is all weights).
 * `calibrate` measures each roof with this same formula.
 */
export function convTime(
  flops: number,
  bytes: number,
  weightBytes: number,
  profile: DeviceProfile,
  roofs: Roofs,
): RooflinePoint {
  const computeUs = (flops / roofs.flopsPerSecond) * 1e6;
  const memoryUs = ((bytes - weightBytes) / roofs.bytesPerSecond + weightBytes / profile.bandwidthBytesPerSecond) * 1e6;
  const work = computeUs + memoryUs;
  const overheadUs = profile.perOpOverheadUs + (profile.convOverheadUs ?? 0);
  const bound = overheadUs > work ? 'overhead' : computeUs >= memoryUs ? 'compute' : 'memory';
  return { predictedUs: overheadUs + work, bound };
}

/** The NCHWc block a plan assumes (static model), else the one of this machine (a plan read off onnxruntime here). */
function planBlock(plan: ExecutionPlan): number {
  const b = plan.assumptions.nchwcBlock;
  if (typeof b === 'number') return b;
  return plan.runtime === 'onnxruntime-cpu' ? detectNchwcBlock().block : 0;
}

/**
 * Time of one plan kernel: the profile's per-op overhead plus max(FLOPs / compute roof, bytes /
 * memory roof), the roofs of its {@link KernelFamily}. With `convRoofs` in the profile, a
 * convolution is timed by {@link convTime} on its family's roof, and an NCHWc convolution is
 * charged the multiply-adds of its block-padded channels ({@link paddedFlops}). The profile's
 * `inNetworkFactor` scales everything but the overheads.
 */
export function estimateKernel(
  analysis: Analysis,
  plan: ExecutionPlan,
  kernel: PlannedKernel,
  profile: DeviceProfile,
  block = planBlock(plan),
): RooflinePoint & { readonly family: KernelFamily } {
  const family = kernelFamily(analysis, kernel);
  const work = kernelWork(analysis, plan, kernel, {
    activationPasses: profile.convRoofs !== undefined && isConvFamily(family),
  });
  const roofs = familyRoofs(profile, family);
  // A convolution family means kernelFamily found the kernel's anchor layer.
  const point =
    profile.convRoofs && isConvFamily(family)
      ? convTime(
          paddedFlops(at(analysis.layers, at(kernel.layers, 0)), family, work.flops, block),
          work.bytes,
          work.weightBytes,
          profile,
          roofs,
        )
      : roofline(work.flops, work.bytes, profile, roofs);
  const factor = profile.inNetworkFactor ?? 1;
  if (factor === 1) return { ...point, family };
  const overheadUs =
    profile.perOpOverheadUs + (profile.convRoofs && isConvFamily(family) ? (profile.convOverheadUs ?? 0) : 0);
  return { ...point, predictedUs: overheadUs + factor * (point.predictedUs - overheadUs), family };
}

/** Estimates the time of every kernel the plan runs. */
export function estimatePlanTime(analysis: Analysis, plan: ExecutionPlan, profile: DeviceProfile): TimeEstimate {
  const block = planBlock(plan);
  const points = plan.kernels.map((k) => estimateKernel(analysis, plan, k, profile, block));
  const kernelUs = points.map((p) => p.predictedUs);
  const anchorKernel = new Map<number, number>();
  plan.kernels.forEach((k, i) => {
    const anchor = k.layers[0];
    if (anchor !== undefined) anchorKernel.set(anchor, i);
  });
  const modelUs = kernelUs.reduce((a, b) => a + b, 0);
  return {
    profile,
    modelUs,
    kernelUs,
    kernelBound: points.map((p) => p.bound),
    kernelFamily: points.map((p) => p.family),
    layerUs: (layer) => {
      const k = anchorKernel.get(layer);
      if (k !== undefined) return at(kernelUs, k);
      // Plans cover the main graph; a layer of a body that runs is timed as a kernel of its own.
      const l = analysis.layers[layer];
      if (!l || l.scope === '' || l.folded || !l.memAccess) return 0;
      return estimateKernel(analysis, plan, { opType: l.opType, layers: [layer] }, profile, block).predictedUs;
    },
    bytesUs: (bytes) =>
      (Math.max(0, bytes) / (profile.activationBandwidthBytesPerSecond ?? profile.bandwidthBytesPerSecond)) * 1e6,
    overheadUs: (kernels) => Math.max(0, kernels) * profile.perOpOverheadUs,
  };
}
