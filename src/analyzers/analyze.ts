import type { Dim, DType, Model } from '../model/ir.js';
import { BYTES_PER_ELEMENT, isFloatDType, isIntegerDType } from '../model/ir.js';
import type { InferOptions, InferredBody, InferredNode } from './infer.js';
import { inferModel } from './infer.js';
import { numel } from './shape-utils.js';
import { at } from '../util/at.js';
import type { OpCategory, TensorInfo } from './types.js';

export const SCHEMA_VERSION = 1;

/** Stated in every output that shows numbers. */
export const CONVENTIONS = {
  flops:
    'multiply-adds: one multiply-add = 1 FLOP (ShuffleNet V2 footnote 1); element-wise ops count per output element',
  params:
    'elements of constant tensors consumed as weights (float, or the integer weights of quantized ops); BatchNormalization counts scale and bias only',
  memAccess: 'ShuffleNet V2 memory access cost: elements read + written per layer, weights included',
  memBytes: 'memAccess in bytes, by dtype',
  intensity: 'flops / memBytes',
} as const;

/** Scalar attributes worth showing to rules and reports (group, kernel_shape, strides...). */
export type LayerAttribute = number | string | readonly number[];

/** One node's shapes and costs (FLOPs, params, memory access) as `analyze` reports it. */
export interface LayerReport {
  /** Node name; `<opType>_<index>` when the model leaves it empty (onnxruntime's convention). */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly category: OpCategory | 'unknown';
  /**
   * '' for the main graph; the path of the body otherwise: `<If>/then`, `<If>/else`, `<Loop or Scan>/body`,
   * `<call>/<function>`, nested bodies joined with `/` (`outer/then/inner/body`). `name` is `<scope>/<node>`.
   */
  readonly scope: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly inputShapes: readonly (readonly Dim[] | null)[];
  /** `outputShapes[i]` belongs to `outputs[i]`; null = unknown. */
  readonly outputShapes: readonly (readonly Dim[] | null)[];
  readonly outputDtypes: readonly (DType | null)[];
  readonly attributes: Readonly<Record<string, LayerAttribute>>;
  /** null when the cost cannot be known (unknown op, symbolic dims). */
  readonly flops: number | null;
  readonly params: number;
  readonly memAccess: number | null;
  readonly memBytes: number | null;
  readonly intensity: number | null;
  /**
   * onnxruntime computes the node at load time (every input constant, for an If also everything its taken branch
   * reads from the outer scope); its cost is not in totals.
   */
  readonly folded: boolean;
  /**
   * Times the layer runs per inference: 1 in the main graph, If branches and function bodies; inside a Loop or Scan
   * body the trip count (products through nested bodies); null when a trip count is only known at run time, in which
   * case totals count the layer once. `flops`, `memAccess` and `params` are per run; totals multiply by `runs`.
   */
  readonly runs: number | null;
}

/** A subgraph or function body whose layers are listed (a body that runs, or may run), as inference records it. */
export type SubgraphSummary = InferredBody;

/** Whole-model sums over layers of known cost (Loop bodies counted per run); unknown-cost layers are listed, not guessed. */
export interface Totals {
  readonly flops: number;
  readonly params: number;
  readonly memAccess: number;
  readonly memBytes: number;
  readonly layers: number;
  /** Names of layers whose flops are unknown: totals exclude them. */
  readonly unknownCostLayers: readonly string[];
}

/** A graph input or output: name, element type and shape after input binding. */
export interface TensorSummary {
  readonly name: string;
  readonly dtype: DType | null;
  readonly shape: readonly Dim[] | null;
}

/** What `analyze` returns for one model: inputs and outputs as bound, one report per layer, totals, warnings. */
export interface Analysis {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly model: {
    readonly path: string;
    readonly irVersion: number;
    readonly opsets: Readonly<Record<string, number>>;
    readonly producer: string;
    readonly producerVersion: string;
    readonly metadata: Readonly<Record<string, string>>;
  };
  readonly conventions: typeof CONVENTIONS;
  readonly inputs: readonly TensorSummary[];
  readonly outputs: readonly TensorSummary[];
  readonly layers: readonly LayerReport[];
  /** The bodies whose layers `layers` lists, outer bodies before the bodies nested in them. */
  readonly subgraphs: readonly SubgraphSummary[];
  readonly totals: Totals;
  readonly warnings: readonly string[];
}

export type AnalyzeOptions = InferOptions;

/** Keeps numbers finite: a huge shape saturates instead of overflowing to Infinity. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : Number.MAX_VALUE;
}

function bytesOf(t: TensorInfo): number | null {
  const n = numel(t.shape);
  if (n === null || t.dtype === null) return null;
  return finite(n * BYTES_PER_ELEMENT[t.dtype]);
}

interface MemoryCount {
  elements: number | null;
  bytes: number | null;
}

/** ShuffleNet V2 MAC of one layer: every input (weights included) read, every output written. */
function ioMemory(tensors: readonly (TensorInfo | null)[]): MemoryCount {
  let elements = 0;
  let bytes: number | null = 0;
  for (const t of tensors) {
    if (!t) continue;
    const n = numel(t.shape);
    if (n === null) return { elements: null, bytes: null };
    elements += n;
    const b = bytesOf(t);
    bytes = b === null || bytes === null ? null : bytes + b;
  }
  return { elements: finite(elements), bytes: bytes === null ? null : finite(bytes) };
}

function memoryOf(r: InferredNode): MemoryCount {
  const model = r.cost?.memory ?? 'io';
  if (model === 'none') return { elements: 0, bytes: 0 };
  if (model === 'io') return ioMemory([...r.inputs, ...r.outputs]);
  return { elements: finite(model.elements), bytes: finite(model.bytes) };
}

/**
 * Constant inputs that count as trainable parameters, with their tensor names. By default only float
 * constants count; at positions an op lists explicitly (QLinearConv's w, MatMulInteger's b) quantized
 * integer weights count too.
 */
function paramTensors(r: InferredNode): { name: string; elements: number }[] {
  const explicit = r.cost?.paramInputs;
  const positions = explicit ?? r.inputs.map((_, i) => i);
  const out: { name: string; elements: number }[] = [];
  for (const i of positions) {
    const t = r.inputs[i];
    if (!t || !t.isConstant || t.dtype === null) continue;
    if (!isFloatDType(t.dtype) && !(explicit !== undefined && isIntegerDType(t.dtype) && t.dtype !== 'bool')) continue;
    const n = numel(t.shape);
    // By default a constant scalar (Clip bound, Resize scale, x*0.5) is a hyper-parameter, not a weight.
    if (n === null || (explicit === undefined && n <= 1)) continue;
    // r.inputs is aligned with the node's inputs, so a present tensor has a name.
    out.push({ name: at(r.node.inputs, i), elements: n });
  }
  return out;
}

function layerAttributes(r: InferredNode): Record<string, LayerAttribute> {
  const out: Record<string, LayerAttribute> = {};
  for (const [name, a] of r.node.attributes) {
    if (a.type === 'int' || a.type === 'float' || a.type === 'string') out[name] = a.value;
    else if ((a.type === 'ints' || a.type === 'floats') && a.value.length <= 16) out[name] = a.value;
  }
  return out;
}

/** Per-layer FLOPs, params and memory access, plus model totals. */
export function analyzeModel(model: Model, options: AnalyzeOptions = {}): Analysis {
  const inferred = inferModel(model, options);
  const layers: LayerReport[] = [];
  const countedParams = new Set<string>();
  let flops = 0;
  let params = 0;
  let memAccess = 0;
  let memBytes = 0;
  const unknown: string[] = [];
  const warnings = [...model.warnings, ...inferred.warnings];
  let uncounted = 0;
  for (const r of inferred.nodes) {
    const mem = memoryOf(r);
    const layerFlops = r.cost ? (r.cost.flops === null ? null : finite(r.cost.flops)) : null;
    const weights = paramTensors(r);
    const layerParams = weights.reduce((s, w) => s + w.elements, 0);
    for (const w of weights) {
      if (!countedParams.has(w.name)) {
        countedParams.add(w.name);
        params = finite(params + w.elements);
      }
    }
    const name = r.scope ? `${r.scope}/${r.node.name}` : r.node.name;
    if (r.runs === null) uncounted += 1;
    if (layerFlops === null) unknown.push(name);
    if (!r.folded) {
      // A body layer runs once per trip of its Loop/Scan; an unknown trip count counts it once.
      const runs = r.runs ?? 1;
      flops = finite(flops + (layerFlops ?? 0) * runs);
      memAccess = finite(memAccess + (mem.elements ?? 0) * runs);
      memBytes = finite(memBytes + (mem.bytes ?? 0) * runs);
    }
    layers.push({
      name,
      opType: r.node.opType,
      domain: r.node.domain,
      category: r.def?.category ?? (r.expandedFunction ? 'other' : 'unknown'),
      scope: r.scope,
      inputs: r.node.inputs,
      outputs: r.node.outputs,
      inputShapes: r.inputs.map((t) => t?.shape ?? null),
      outputShapes: r.outputs.map((t) => t.shape),
      outputDtypes: r.outputs.map((t) => t.dtype),
      attributes: layerAttributes(r),
      flops: layerFlops,
      params: layerParams,
      memAccess: mem.elements,
      memBytes: mem.bytes,
      intensity: layerFlops !== null && mem.bytes ? layerFlops / mem.bytes : null,
      folded: r.folded,
      runs: r.runs,
    });
  }
  if (uncounted > 0) {
    warnings.push(
      `${uncounted} layers belong to Loop/Scan bodies whose trip count is only known at run time (runs: null): totals count them once, as if the body ran once`,
    );
  }
  // An If whose condition is known lists only the branch that runs; one listing both could take either.
  const branches = new Map<string, number>();
  for (const b of inferred.bodies) {
    if (!b.scope.endsWith('/then') && !b.scope.endsWith('/else')) continue;
    const owner = b.scope.slice(0, b.scope.lastIndexOf('/'));
    branches.set(owner, (branches.get(owner) ?? 0) + 1);
  }
  const bothBranches = [...branches.values()].filter((n) => n === 2).length;
  if (bothBranches > 0) {
    warnings.push(
      `${bothBranches} If nodes have a condition known only at run time: both branches are counted (either may run)`,
    );
  }
  if (unknown.length > 0) {
    warnings.push(
      `${unknown.length} layers have unknown cost and are excluded from totals (see totals.unknownCostLayers)`,
    );
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    model: {
      path: model.path,
      irVersion: model.irVersion,
      opsets: Object.fromEntries([...model.opsets].map(([d, v]) => [d === '' ? 'ai.onnx' : d, v])),
      producer: model.producerName,
      producerVersion: model.producerVersion,
      metadata: Object.fromEntries(model.metadata),
    },
    conventions: CONVENTIONS,
    inputs: inferred.inputs.map((i) => ({ name: i.name, dtype: i.info.dtype, shape: i.info.shape })),
    outputs: inferred.outputs.map((o) => ({ name: o.name, dtype: o.info.dtype, shape: o.info.shape })),
    layers,
    subgraphs: inferred.bodies,
    totals: { flops, params, memAccess, memBytes, layers: layers.length, unknownCostLayers: unknown },
    warnings,
  };
}
