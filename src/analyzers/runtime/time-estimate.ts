import type { Analysis } from '../analyze.js';
import type { DeviceProfile } from '../roofline.js';
import { roofline } from '../roofline.js';
import type { ExecutionPlan, PlannedKernel } from './types.js';

/** Bytes per element assumed for runtime-inserted kernels (layout reorders copy float32 activations). */
const INSERTED_BYTES_PER_ELEMENT = 4;

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

/** Estimates the time of every kernel the plan runs. */
export function estimatePlanTime(analysis: Analysis, plan: ExecutionPlan, profile: DeviceProfile): TimeEstimate {
  const kernelUs = plan.kernels.map((k) => {
    const { flops, bytes } = kernelWork(analysis, plan, k);
    return roofline(flops, bytes, profile).predictedUs;
  });
  const anchorKernel = new Map<number, number>();
  plan.kernels.forEach((k, i) => {
    if (k.layers.length > 0) anchorKernel.set(k.layers[0], i);
  });
  const modelUs = kernelUs.reduce((a, b) => a + b, 0);
  return {
    profile,
    modelUs,
    kernelUs,
    layerUs: (layer) => {
      const k = anchorKernel.get(layer);
      return k === undefined ? 0 : kernelUs[k];
    },
    bytesUs: (bytes) => (Math.max(0, bytes) / profile.bandwidthBytesPerSecond) * 1e6,
    overheadUs: (kernels) => Math.max(0, kernels) * profile.perOpOverheadUs,
  };
}
