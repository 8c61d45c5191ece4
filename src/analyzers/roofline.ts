/**
 * Device profile and roofline prediction. A profile is measured by `efflint calibrate`
 * (src/profile/calibrate.ts) or written by hand for a target device.
 */
export interface DeviceProfile {
  readonly schemaVersion: 1;
  /** e.g. 'cpu:onnxruntime-1.30:2 threads' */
  readonly name: string;
  /** Multiply-adds per second (efflint's FLOP convention) the device sustains on a large GEMM/conv. */
  readonly peakFlopsPerSecond: number;
  /** Bytes per second it sustains on a large element-wise op (read + write). */
  readonly bandwidthBytesPerSecond: number;
  /** Fixed cost of launching one kernel, microseconds (G3's kernel-launch overhead). */
  readonly perOpOverheadUs: number;
  /** Channel count multiple the device's fast conv/GEMM kernels need (8 for FP16 tensor cores); absent: none. */
  readonly channelMultiple?: number;
  /** Free-form facts about how it was measured (threads, EP, date). */
  readonly measuredWith?: Readonly<Record<string, string | number>>;
}

export interface RooflinePoint {
  /** Predicted time in microseconds: overhead + max(compute time, memory time). */
  readonly predictedUs: number;
  /** Which roof limits the layer. */
  readonly bound: 'compute' | 'memory' | 'overhead';
}

/**
 * Roofline model (Williams et al., CACM 2009) plus a per-kernel overhead term: a layer takes at
 * least flops/peak and memBytes/bandwidth, and every kernel launch costs a fixed overhead.
 */
export function roofline(flops: number, memBytes: number, profile: DeviceProfile): RooflinePoint {
  const computeUs = (flops / profile.peakFlopsPerSecond) * 1e6;
  const memoryUs = (memBytes / profile.bandwidthBytesPerSecond) * 1e6;
  const work = Math.max(computeUs, memoryUs);
  const bound = profile.perOpOverheadUs > work ? 'overhead' : computeUs >= memoryUs ? 'compute' : 'memory';
  return { predictedUs: profile.perOpOverheadUs + work, bound };
}

/** Arithmetic intensity (FLOPs per byte) at which the two roofs meet. */
export function ridgePoint(profile: DeviceProfile): number {
  return profile.peakFlopsPerSecond / profile.bandwidthBytesPerSecond;
}
