import type { Analysis } from '../analyze.js';

/**
 * The runtime a model is linted for. Rules judge the graph that runtime executes, after its own
 * graph rewrites: work it fuses away is not a finding.
 * - `onnxruntime-cpu`: onnxruntime's CPU execution provider at graph optimization level "all"
 *   (BN folding, Conv/Gemm activation epilogues, MatMul+Add, SiLU, the NCHWc layout transform);
 * - `tensorrt`: TensorRT's layer fusions (conv+BN+activation, conv+add+activation, point-wise chains);
 * - `none`: the raw graph, every node its own kernel.
 */
export type RuntimeName = 'onnxruntime-cpu' | 'tensorrt' | 'none';

/** Every runtime, default first. */
export const RUNTIME_NAMES: readonly RuntimeName[] = ['onnxruntime-cpu', 'tensorrt', 'none'];

/** The default target when neither `--runtime` nor the config names one. */
export const DEFAULT_RUNTIME: RuntimeName = 'onnxruntime-cpu';

/** Why a layer runs no kernel of its own. */
export type FusionKind =
  /** BatchNormalization (or a constant Mul/Add) folded into the preceding conv's weights at load time. */
  | 'weight-fold'
  /** Activation applied in the producing kernel's epilogue (FusedConv, NCHWc Conv `activation`, FusedGemm). */
  | 'epilogue-activation'
  /** Residual Add folded into the conv that produces one of its operands (NCHWc Conv `Sum` input, TensorRT conv+add). */
  | 'epilogue-add'
  /** Bias Add after MatMul/Gemm folded into Gemm's C input (MatMulAddFusion). */
  | 'bias-fold'
  /** x*sigmoid(x) (or x*hardsigmoid(x)) merged into one element-wise kernel (QuickGelu, HardSwish). */
  | 'pointwise-merge'
  /** Layer removed as a no-op (Identity, Dropout at inference). */
  | 'eliminated'
  /** Reshape/Transpose/Flatten merged with its neighbour into one layout copy (TensorRT Shuffle+Shuffle fusion). */
  | 'shuffle-merge';

/** One fusion: `layer` runs inside the kernel anchored at `into`. */
export interface LayerFusion {
  readonly kind: FusionKind;
  /** Layer index (into Analysis.layers) of the kernel that absorbs the layer. */
  readonly into: number;
}

/** One kernel the runtime runs. */
export interface PlannedKernel {
  /** The runtime's op, e.g. `Conv`, `FusedConv`, `com.microsoft.nchwc:Conv`, `QuickGelu`, `ReorderInput`. */
  readonly opType: string;
  /**
   * Layer indices (Analysis.layers) this kernel executes, anchor first (the layer whose output the
   * kernel writes: the conv of a conv+BN+ReLU). Empty for a kernel the runtime inserts (layout reorders).
   */
  readonly layers: readonly number[];
  /** For inserted kernels: what they convert and how many elements they copy (read once, written once). */
  readonly inserted?: {
    /**
     * `layout-reshape`: a Reshape onnxruntime's NCHWc transformer puts around an Add whose operands it
     * cannot prove equal in shape (it adds the blocked tensors as 5-D views).
     */
    readonly kind: 'reorder-input' | 'reorder-output' | 'layout-transpose' | 'layout-reshape';
    /** The original-graph tensor whose layout is converted. */
    readonly tensor: string;
    readonly elements: number;
  };
}

/** What the target runtime executes for one analysed model (main graph; bodies run as written). */
export interface ExecutionPlan {
  readonly runtime: RuntimeName;
  /** `static-model`: efflint's model of the runtime; `onnxruntime-optimized-graph`: read from the graph onnxruntime saved. */
  readonly source: 'static-model' | 'onnxruntime-optimized-graph';
  /** Kernels in execution (topological) order. */
  readonly kernels: readonly PlannedKernel[];
  /** Layer index -> how it is fused away; layers not in the map run as (the anchor of) their own kernel or are free/folded. */
  readonly fusions: ReadonlyMap<number, LayerFusion>;
  /** Layer index -> index into `kernels` (absent: folded constant, free view or a layer the plan does not cover). */
  readonly kernelOfLayer: ReadonlyMap<number, number>;
  /** Facts the plan depends on, shown in reports (e.g. `nchwcBlock: 16`). */
  readonly assumptions: Readonly<Record<string, string | number>>;
}

/** Builds the plan of one runtime for an analysed model. */
export type PlanBuilder = (analysis: Analysis) => ExecutionPlan;
