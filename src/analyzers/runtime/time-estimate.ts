import type { Analysis, LayerReport } from '../analyze.js';
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
 * - `elementwise`: activations, element-wise arithmetic and normalisation, also at the copy bandwidth
 *   (they stream the same activation-sized tensors);
 * - `gemm` and `other` (pooling, reductions, anything else): the profile's peak and bandwidth.
 */
export type KernelFamily = ConvFamily | 'gemm' | 'copy' | 'elementwise' | 'other';

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
  /** Time of the kernel a layer runs in when it anchors that kernel; 0 for layers fused away, folded or free. */
  layerUs(layer: number): number;
  /** Time to move `bytes` more through memory at the profile's bandwidth (no overlap with compute assumed). */
  bytesUs(bytes: number): number;
  /** Launch overhead of `kernels` extra kernels. */
  overheadUs(kernels: number): number;
}

/** FLOPs and bytes of one kernel: its layers' FLOPs; the anchor's traffic plus a fused Add's second operand. */
function kernelWork(analysis: Analysis, plan: ExecutionPlan, kernel: PlannedKernel): { flops: number; bytes: number } {
  if (kernel.inserted) return { flops: 0, bytes: 2 * kernel.inserted.elements * INSERTED_BYTES_PER_ELEMENT };
  let flops = 0;
  let bytes = 0;
  kernel.layers.forEach((i, position) => {
    const layer = analysis.layers[i];
    flops += layer.flops ?? 0;
    if (position === 0) {
      bytes += layer.memBytes ?? 0;
    } else if (plan.fusions.get(i)?.kind === 'epilogue-add') {
      // The fused Add reads its other operand inside the conv's epilogue: one input's worth of bytes.
      const out = layer.memBytes ?? 0;
      bytes += out / 3;
    }
  });
  return { flops, bytes };
}

function isConvLayer(layer: LayerReport): boolean {
  return (layer.domain === '' || layer.domain === 'ai.onnx') && (layer.opType === 'Conv' || layer.opType === 'ConvTranspose');
}

function channelsOf(shape: LayerReport['inputShapes'][number]): number | null {
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
  const anchor = analysis.layers[kernel.layers[0]];
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

/**
 * The roofs of a kernel family on a profile, and whether it is timed with the profile's family
 * fields. A profile without `convRoofs`/`copyBandwidthBytesPerSecond` gives every family its peak
 * and bandwidth (the plain roofline).
 */
export function familyRoofs(profile: DeviceProfile, family: KernelFamily): Roofs {
  const peak = profile.peakFlopsPerSecond;
  const bandwidth = profile.bandwidthBytesPerSecond;
  const copy = profile.copyBandwidthBytesPerSecond ?? bandwidth;
  const conv = profile.convRoofs;
  switch (family) {
    case 'dense':
    case 'depthwise':
    case 'grouped':
    case 'unaligned':
      return { flopsPerSecond: conv?.[family] ?? peak, bytesPerSecond: bandwidth };
    case 'depthwiseUnaligned':
      return { flopsPerSecond: conv ? (conv.depthwiseUnaligned ?? conv.depthwise) : peak, bytesPerSecond: bandwidth };
    case 'copy':
    case 'elementwise':
      return { flopsPerSecond: peak, bytesPerSecond: copy };
    case 'gemm':
    case 'other':
      return { flopsPerSecond: peak, bytesPerSecond: bandwidth };
  }
}

/** The NCHWc block a plan assumes (static model), else the one of this machine (a plan read off onnxruntime here). */
function planBlock(plan: ExecutionPlan): number {
  const b = plan.assumptions.nchwcBlock;
  if (typeof b === 'number') return b;
  return plan.runtime === 'onnxruntime-cpu' ? detectNchwcBlock().block : 0;
}

/**
 * Time of one plan kernel: the profile's per-op overhead plus max(FLOPs / compute roof, bytes /
 * memory roof), the roofs of its {@link KernelFamily}. With `convRoofs` in the profile, an NCHWc
 * convolution is charged the multiply-adds of its block-padded channels ({@link paddedFlops}).
 */
export function estimateKernel(
  analysis: Analysis,
  plan: ExecutionPlan,
  kernel: PlannedKernel,
  profile: DeviceProfile,
  block = planBlock(plan),
): RooflinePoint & { readonly family: KernelFamily } {
  const family = kernelFamily(analysis, kernel);
  const work = kernelWork(analysis, plan, kernel);
  let flops = work.flops;
  if (profile.convRoofs && (family === 'dense' || family === 'depthwise')) {
    flops = paddedFlops(analysis.layers[kernel.layers[0]], family, flops, block);
  }
  return { ...roofline(flops, work.bytes, profile, familyRoofs(profile, family)), family };
}

/** Estimates the time of every kernel the plan runs. */
export function estimatePlanTime(analysis: Analysis, plan: ExecutionPlan, profile: DeviceProfile): TimeEstimate {
  const block = planBlock(plan);
  const points = plan.kernels.map((k) => estimateKernel(analysis, plan, k, profile, block));
  const kernelUs = points.map((p) => p.predictedUs);
  const anchorKernel = new Map<number, number>();
  plan.kernels.forEach((k, i) => {
    if (k.layers.length > 0) anchorKernel.set(k.layers[0], i);
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
      return k === undefined ? 0 : kernelUs[k];
    },
    bytesUs: (bytes) => (Math.max(0, bytes) / profile.bandwidthBytesPerSecond) * 1e6,
    overheadUs: (kernels) => Math.max(0, kernels) * profile.perOpOverheadUs,
  };
}
