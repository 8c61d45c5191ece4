import type { KernelFamily } from '../analyzers/runtime/time-estimate.js';
import type { DType } from '../model/ir.js';
import type { TimeCategory } from './categories.js';
import type { AnchorSource } from './join.js';
import type { LatencyStats } from './stats.js';

export const PROFILE_SCHEMA_VERSION = 1;

/** onnxruntime graph optimisation levels (`graphOptimizationLevel`). */
export type OptLevel = 'disabled' | 'basic' | 'extended' | 'all';
export const OPT_LEVELS: readonly OptLevel[] = ['disabled', 'basic', 'extended', 'all'];

/** Where the measurements come from. */
export type ProfileSource = 'onnxruntime-node' | 'onnxruntime-trace' | 'tensorrt-trace';

/** One measured kernel joined to the ONNX nodes it computed. */
export interface ProfileLayer {
  /** Kernel name as the runtime reports it (for unfused kernels: the ONNX node name). */
  readonly name: string;
  /** The node's op type; fused groups join their ops with '+' (`Conv+BatchNormalization+Relu`). */
  readonly opType: string;
  /** Figure 2 bucket. */
  readonly category: TimeCategory;
  /** Source ONNX nodes, graph order; empty for kernels the runtime inserted (layout conversion, copies). */
  readonly nodes: readonly string[];
  /** The runtime's op (`FusedConv`, `Conv` in com.microsoft.nchwc...); null for TensorRT. */
  readonly kernelOp: string | null;
  readonly provider: string | null;
  /** How the join was made. */
  readonly joinedBy: AnchorSource;
  /** A kernel the runtime inserted (layout reorder, device copy, TensorRT reformat): no ONNX node of its own. */
  readonly inserted: boolean;
  /** Median over timed runs, microseconds (device time when the trace has it). */
  readonly measuredUs: number;
  /** measuredUs / sum of every kernel's measuredUs. */
  readonly share: number;
  /** Sums over `nodes` (null when a node's cost is unknown or there is no node). */
  readonly flops: number | null;
  readonly memAccess: number | null;
  readonly memBytes: number | null;
  /** activation + parameter + output bytes from the trace (onnxruntime only). */
  readonly measuredBytes: number | null;
  /** measuredBytes / memBytes for kernels that map to exactly one node of the same op type (memBytes > 0). */
  readonly bytesRatio: number | null;
  /**
   * Predicted kernel time with the device profile (null without one): the estimate of the plan
   * kernel this kernel ran (runtime/time-estimate.ts, the model `lint` ranks findings with: kernel
   * families, NCHWc channel padding, copy bandwidth, per-op overhead), layout reorders included. Without
   * a plan (imported traces), a roofline of the group's flops and memBytes less the tensors that stay
   * inside the kernel.
   */
  readonly predictedUs: number | null;
  readonly bound: 'compute' | 'memory' | 'overhead' | null;
  /** The kernel family predictedUs was computed for (a conv family, `copy`, `elementwise`, `gemm`, `other`); absent without a plan. */
  readonly family?: KernelFamily;
}

export interface CategoryShare {
  readonly category: TimeCategory;
  readonly measuredUs: number;
  /** Share of measured time. */
  readonly share: number;
  /** Share of the FLOPs of the measured nodes. */
  readonly flopsShare: number;
  /** Share of the memory access (elements) of the measured nodes. */
  readonly memAccessShare: number;
}

export interface OpTypeShare {
  readonly opType: string;
  readonly category: TimeCategory;
  readonly count: number;
  readonly measuredUs: number;
  readonly share: number;
}

export interface Coverage {
  /** Kernels in the trace. */
  readonly kernels: number;
  /** Kernels joined to at least one ONNX node. */
  readonly joinedKernels: number;
  /** Kernels joined to none, with their time: runtime-inserted or unrecognised names. */
  readonly unjoined: readonly { readonly name: string; readonly measuredUs: number; readonly inserted: boolean }[];
  /** Share of measured time on joined kernels. */
  readonly joinedTimeShare: number;
  /** Main-graph nodes that are not folded constants (the nodes that should run). */
  readonly nodes: number;
  readonly measuredNodes: number;
  /** Nodes that should have run but no kernel claimed (removed by the optimizer or not executed). */
  readonly unmeasuredNodes: readonly string[];
  /** Of those, the ones with FLOPs > 0. */
  readonly costlyUnmeasured: readonly string[];
  /** Nodes onnxruntime folds at load (constant inputs only). */
  readonly foldedNodes: number;
  /** Sum of per-kernel medians, microseconds. */
  readonly kernelSumUs: number;
  /** kernelSumUs / median profiled run (`model_run`); the rest is executor overhead between kernels. */
  readonly kernelSumOverProfiledRun: number | null;
  /** kernelSumUs / median unprofiled latency. */
  readonly kernelSumOverLatency: number | null;
}

/** Agreement of onnxruntime's traced bytes with efflint's memBytes, per 1:1 kernel. */
export interface MemoryCheck {
  /** Kernels that are exactly one node (same op type and domain, nothing fused), with both byte counts. */
  readonly compared: number;
  readonly within5Percent: number;
  /** within5Percent / compared. */
  readonly agreement: number;
  /** Mismatches whose cause is known (see `mismatches[].reason`). */
  readonly explained: number;
  readonly unexplained: number;
  /** Median of measuredBytes / memBytes over compared nodes with memBytes > 0. */
  readonly medianRatio: number | null;
  readonly mismatches: readonly BytesMismatch[];
}

export interface BytesMismatch {
  readonly node: string;
  readonly opType: string;
  readonly memBytes: number;
  readonly measuredBytes: number;
  /** measuredBytes / memBytes; null when memBytes is 0. */
  readonly ratio: number | null;
  /** Which count does not describe the traffic: onnxruntime's trace, efflint's model, or unknown. */
  readonly side: 'onnxruntime' | 'efflint' | 'unknown';
  readonly reason: string;
}

/** A measured profile: latency (wall and CPU clocks), per-layer measured time joined to the analysis, coverage. */
export interface ProfileResult {
  readonly schemaVersion: typeof PROFILE_SCHEMA_VERSION;
  /** File path or zoo:NAME. */
  readonly model: string;
  readonly source: ProfileSource;
  /** Requested execution provider (`cpu`, `cuda`...); null for imported traces. */
  readonly ep: string | null;
  /** Provider that ran most of the time (`CPUExecutionProvider`, `TensorRT`...). */
  readonly provider: string;
  readonly onnxruntimeVersion: string | null;
  readonly optLevel: OptLevel | null;
  /** Intra-op threads; null = onnxruntime's default (one per physical core). */
  readonly threads: number | null;
  readonly batch: number | null;
  /** Warm-up runs excluded from every statistic. */
  readonly warmup: number;
  readonly inputs: readonly { readonly name: string; readonly dtype: DType; readonly shape: readonly number[] }[];
  /** Whole-model latency from unprofiled runs, wall clock (the clock of every other number here); null for imported traces. */
  readonly latencyMs: LatencyStats | null;
  /**
   * The same runs on the process CPU-time clock (user + system, all threads): steadier than wall time
   * on a busy machine with 1 thread; comparisons between models use it (`efflint validate`). Null for
   * imported traces.
   */
  readonly latencyCpuMs?: LatencyStats | null;
  /** `model_run` durations of the profiled runs (slower: profiling overhead). */
  readonly profiledRunMs: LatencyStats | null;
  /** Measured kernels, most time first. */
  readonly layers: readonly ProfileLayer[];
  /** Per op type (with its Figure 2 bucket), most time first. */
  readonly opTypes: readonly OpTypeShare[];
  /** Figure 2 breakdown: conv, elementwise, data-movement, other. */
  readonly categories: readonly CategoryShare[];
  readonly coverage: Coverage;
  /** null when the trace has no byte counts (TensorRT). */
  readonly memoryCheck: MemoryCheck | null;
  readonly correlation: {
    /** Spearman rank correlation of measured per-layer time with FLOPs. */
    readonly flopsSpearman: number | null;
    /** ... with predictedUs, over every kernel that has one, inserted reorders included (null without a device profile). */
    readonly predictedSpearman: number | null;
    /** Layers in the correlation (joined, cost known). */
    readonly layers: number;
  };
  /** Kernels that ran on another provider than the requested (or main) one: CPU fallback. */
  readonly fallback: readonly {
    readonly kernel: string;
    readonly nodes: readonly string[];
    readonly provider: string;
  }[];
  /** Device profile name used for predictedUs. */
  readonly deviceProfile: string | null;
  readonly conventions: {
    readonly measuredUs: string;
    readonly flops: string;
    readonly memBytes: string;
    readonly measuredBytes: string;
  };
  readonly warnings: readonly string[];
}
