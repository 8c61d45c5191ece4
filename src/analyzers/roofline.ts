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
  /**
   * Multiply-adds per second of each convolution kernel family (see {@link ConvRoofs}); absent: every
   * convolution runs at `peakFlopsPerSecond`.
   */
  readonly convRoofs?: ConvRoofs;
  /**
   * Fixed time of one convolution kernel on top of `perOpOverheadUs`, microseconds (MLAS's set-up of
   * a convolution call; it dominates squeeze-excitation convolutions on a 1x1 map). Used with
   * `convRoofs`; absent: 0.
   */
  readonly convOverheadUs?: number;
  /**
   * Bytes per second of the layout copies onnxruntime inserts (NCHWc reorders) and the data-movement
   * ops (Transpose, Concat, Split, Slice...): strided copies of activation-sized tensors (a few MB at
   * batch 1, mostly cache-resident). Absent: `bandwidthBytesPerSecond`.
   */
  readonly copyBandwidthBytesPerSecond?: number;
  /**
   * Bytes per second of element-wise ops, pooling and reductions on activation-sized tensors, and of
   * the bytes a convolution moves on top of its FLOPs (with `convRoofs`). Absent: the copy bandwidth,
   * else `bandwidthBytesPerSecond`.
   */
  readonly activationBandwidthBytesPerSecond?: number;
  /**
   * How much slower kernels run inside a network than in the chains of identical kernels the roofs
   * were measured with (cache and prefetch state change from one kernel to the next): every kernel's
   * time beyond the per-op overhead is multiplied by it. `calibrate` measures it on a mixed network
   * (profile/calibration-network.ts). Absent: 1.
   */
  readonly inNetworkFactor?: number;
  /**
   * Free-form facts about how it was measured (threads, EP, date). `efflint calibrate` records
   * `optLevel` (the graph optimisation level its sessions ran at, as `efflint profile --opt-level`)
   * and `clock` (`cpu`: process CPU time around each run; `wall`: elapsed time).
   */
  readonly measuredWith?: Readonly<Record<string, string | number>>;
}

/**
 * Multiply-adds per second of the convolution kernels onnxruntime's CPU EP picks, by family. MLAS
 * runs a convolution with blocked NCHWc kernels when its channels fit the block
 * (runtime/onnxruntime-cpu.ts); dense, depthwise and grouped ones reach very different speeds there,
 * and a convolution left in NCHW (channel counts that miss the block, or graph optimisation
 * disabled) runs through im2col + GEMM, where a depthwise convolution is slowest of all.
 */
export interface ConvRoofs {
  /** group = 1, NCHWc kernel (`com.microsoft.nchwc:Conv`). */
  readonly dense: number;
  /** group = input channels (one input channel per group), NCHWc kernel. */
  readonly depthwise: number;
  /** 1 < group < input channels, NCHWc kernel. */
  readonly grouped: number;
  /** A dense or grouped convolution kept in NCHW (`Conv`/`FusedConv`), and ConvTranspose. */
  readonly unaligned: number;
  /** A depthwise convolution kept in NCHW; absent: `depthwise`. */
  readonly depthwiseUnaligned?: number;
}

/** The convolution families of {@link ConvRoofs}. */
export type ConvFamily = 'dense' | 'depthwise' | 'grouped' | 'unaligned' | 'depthwiseUnaligned';

export const CONV_FAMILIES: readonly ConvFamily[] = [
  'dense',
  'depthwise',
  'grouped',
  'unaligned',
  'depthwiseUnaligned',
];

export interface RooflinePoint {
  /** Predicted time in microseconds: overhead + max(compute time, memory time). */
  readonly predictedUs: number;
  /** Which roof limits the layer. */
  readonly bound: 'compute' | 'memory' | 'overhead';
}

/** The two roofs one kernel runs under (a kernel family's, or the profile's peak and bandwidth). */
export interface Roofs {
  readonly flopsPerSecond: number;
  readonly bytesPerSecond: number;
}

/**
 * Roofline model (Williams et al., CACM 2009) plus a per-kernel overhead term: a layer takes at
 * least flops/peak and memBytes/bandwidth, and every kernel launch costs a fixed overhead. `roofs`
 * replaces the profile's peak or bandwidth for one kernel family (runtime/time-estimate.ts).
 */
export function roofline(
  flops: number,
  memBytes: number,
  profile: DeviceProfile,
  roofs: Partial<Roofs> = {},
): RooflinePoint {
  const computeUs = (flops / (roofs.flopsPerSecond ?? profile.peakFlopsPerSecond)) * 1e6;
  const memoryUs = (memBytes / (roofs.bytesPerSecond ?? profile.bandwidthBytesPerSecond)) * 1e6;
  const work = Math.max(computeUs, memoryUs);
  const bound = profile.perOpOverheadUs > work ? 'overhead' : computeUs >= memoryUs ? 'compute' : 'memory';
  return { predictedUs: profile.perOpOverheadUs + work, bound };
}

/** Arithmetic intensity (FLOPs per byte) at which the two roofs meet. */
export function ridgePoint(profile: DeviceProfile): number {
  return profile.peakFlopsPerSecond / profile.bandwidthBytesPerSecond;
}
