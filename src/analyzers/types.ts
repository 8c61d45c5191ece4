import type { AttributeValue, Dim, DType, Graph, Node, TensorRef } from '../model/ir.js';

/** What shape inference knows about one tensor. */
export interface TensorInfo {
  readonly dtype: DType | null;
  /** null when even the rank is unknown; a string dim is symbolic. */
  readonly shape: readonly Dim[] | null;
  /**
   * Constant-folded values for small tensors (shape arithmetic: Shape -> Gather -> Concat ->
   * Reshape). Present only when every element is known. Row-major, int64 as number.
   */
  readonly value?: readonly number[];
  /**
   * Folded values where some elements are symbolic dims; set only by shape-carrying ops (Shape of `[N, 3, H, W]` is
   * `['N', 3, 'H', 'W']`), so Reshape/Expand/ConstantOfShape can still produce `[N, ...]` when a dim is dynamic.
   * Never set together with `value`.
   */
  readonly symbolicValue?: readonly Dim[];
  /** True when the tensor is a weight/constant (initializer or Constant output). */
  readonly isConstant?: boolean;
}

export const UNKNOWN_TENSOR: TensorInfo = { dtype: null, shape: null };

/** Typed access to a node's attributes with ONNX-spec defaults. */
export interface Attrs {
  has(name: string): boolean;
  raw(name: string): AttributeValue | undefined;
  int(name: string, fallback: number): number;
  intOr(name: string): number | undefined;
  float(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
  ints(name: string): readonly number[] | undefined;
  floats(name: string): readonly number[] | undefined;
  tensor(name: string): TensorRef | undefined;
  graph(name: string): Graph | undefined;
}

/** What inferring a subgraph that may fail gave: its outputs, or why it failed and how many layers it lists. */
export type SubgraphOutcome =
  { readonly outputs: readonly TensorInfo[] } | { readonly failure: string; readonly layers: number };

/** Everything an op's inferShape/cost may look at. */
export interface OpContext {
  readonly node: Node;
  /** Opset version imported for the node's domain. */
  readonly opset: number;
  /** One entry per node input; null for an omitted optional input ('' name) or a missing one. */
  readonly inputs: readonly (TensorInfo | null)[];
  readonly attrs: Attrs;
  /** Decoded values of a small tensor attribute (Constant value), or null. */
  readTensor(ref: TensorRef): number[] | null;
  /** Infers a subgraph (If/Loop/Scan body) given its formal input infos; returns its outputs. */
  inferSubgraph(graph: Graph, inputs: readonly TensorInfo[]): readonly TensorInfo[];
  /**
   * Infers a subgraph that the runtime may never run with these inputs (an If branch whose condition is not
   * known). A node that fails inside it does not abort the analysis: the body's layers are listed with unknown
   * cost and the outcome says why, for the caller to report with `warn`.
   */
  tryInferSubgraph(graph: Graph, inputs: readonly TensorInfo[]): SubgraphOutcome;
  /** Records a non-fatal analysis warning for this node. */
  warn(message: string): void;
}

export type OpCategory =
  | 'conv'
  | 'gemm'
  | 'normalization'
  | 'activation'
  | 'elementwise'
  | 'pooling'
  | 'reduction'
  | 'data-movement'
  | 'metadata'
  | 'control-flow'
  | 'other';

/**
 * How a layer touches memory. 'io' (the default): reads every input (weights included) and writes
 * every output, the ShuffleNet V2 MAC. 'none': metadata-only (Shape, Identity, Squeeze...).
 * An object gives explicit element and byte counts (e.g. Gather reads only the rows it gathers).
 */
export type MemoryModel = 'io' | 'none' | { readonly elements: number; readonly bytes: number };

export interface OpCost {
  /** Multiply-adds count as one FLOP (ShuffleNet V2 footnote 1); null = cannot be known. */
  readonly flops: number | null;
  readonly memory?: MemoryModel;
  /**
   * Input positions whose constant tensors count as trainable parameters. Default: every
   * floating-point constant input. BatchNormalization lists only scale and bias.
   */
  readonly paramInputs?: readonly number[];
  /**
   * How many times each of the node's bodies runs per run of the node: a Loop's trip count, a Scan's sequence length;
   * null when that is only known at run time. Absent: once (an If branch, a function body).
   */
  readonly bodyRuns?: number | null;
}

export interface OpDef {
  readonly opType: string;
  /** '' for ai.onnx (default). */
  readonly domain?: string;
  readonly category: OpCategory;
  /** One TensorInfo per node output; UNKNOWN_TENSOR where it cannot be known statically. */
  inferShape(ctx: OpContext): TensorInfo[];
  /** Cost given the inferred outputs. Omit only for ops whose cost is truly unknown. */
  cost?(ctx: OpContext, outputs: readonly TensorInfo[]): OpCost;
}

/** Identity helper that exists for typing, like ESLint's createRule. */
export function defineOp(def: OpDef): OpDef {
  return def;
}
