import type { Analysis, LayerReport } from '../analyze.js';
import type { Dim, DType } from '../../model/ir.js';
import type { ExecutionPlan, FusionKind, LayerFusion, PlannedKernel, RuntimeName } from './types.js';
import { at, mapGet } from '../../util/at.js';

/**
 * The main graph as a runtime loads it, before any fusion: which layers run at all and which tensors
 * are known at load time. Every runtime model starts from this view; the `none` plan is this view
 * with one kernel per layer.
 */
export interface RuntimeGraph {
  readonly analysis: Analysis;
  /**
   * Indices (into Analysis.layers) of the main-graph layers that run: not folded, not a Constant, not a
   * Shape of a tensor whose shape is static (onnxruntime's constant folding evaluates those at load
   * time), in the analysis' topological order.
   */
  readonly layers: readonly number[];
  /** A tensor whose value is known at load time: an initializer, a Constant's output or a folded result. */
  isConstant(tensor: string): boolean;
  isGraphInput(tensor: string): boolean;
  isGraphOutput(tensor: string): boolean;
  /** The inferred shape of a tensor of the main graph, or null. */
  shapeOf(tensor: string): readonly Dim[] | null;
  dtypeOf(tensor: string): DType | null;
  /** Elements of a tensor whose shape is fully numeric, else null. */
  elementsOf(tensor: string): number | null;
}

function staticShape(shape: readonly Dim[] | null): shape is readonly number[] {
  return shape?.every((d) => typeof d === 'number') ?? false;
}

/** Builds the load-time view of the main graph described at {@link RuntimeGraph}. */
export function buildRuntimeGraph(analysis: Analysis): RuntimeGraph {
  const graphInputs = new Set(analysis.inputs.map((i) => i.name));
  const graphOutputs = new Set(analysis.outputs.map((o) => o.name));
  const shapes = new Map<string, readonly Dim[] | null>();
  const dtypes = new Map<string, DType | null>();
  for (const i of analysis.inputs) {
    shapes.set(i.name, i.shape);
    dtypes.set(i.name, i.dtype);
  }
  const produced = new Set<string>();
  const main: number[] = [];
  analysis.layers.forEach((l, i) => {
    if (l.scope !== '') return;
    main.push(i);
    l.outputs.forEach((o, k) => {
      if (!o) return;
      produced.add(o);
      shapes.set(o, l.outputShapes[k] ?? null);
      dtypes.set(o, l.outputDtypes[k] ?? null);
    });
    l.inputs.forEach((t, k) => {
      if (t && !shapes.has(t)) shapes.set(t, l.inputShapes[k] ?? null);
    });
  });
  const constants = new Set<string>();
  const isConstant = (t: string): boolean =>
    t !== '' && (constants.has(t) || (!produced.has(t) && !graphInputs.has(t)));
  const running: number[] = [];
  for (const i of main) {
    const l = at(analysis.layers, i);
    const inputs = l.inputs.filter((t) => t !== '');
    const loadTime =
      l.folded ||
      (l.domain === '' && l.opType === 'Constant') ||
      (inputs.length > 0 && inputs.every(isConstant)) ||
      (l.domain === '' && l.opType === 'Shape' && staticShape(l.inputShapes[0] ?? null));
    if (loadTime) {
      for (const o of l.outputs) if (o) constants.add(o);
    } else {
      running.push(i);
    }
  }
  return {
    analysis,
    layers: running,
    isConstant,
    isGraphInput: (t) => graphInputs.has(t),
    isGraphOutput: (t) => graphOutputs.has(t),
    shapeOf: (t) => shapes.get(t) ?? null,
    dtypeOf: (t) => dtypes.get(t) ?? null,
    elementsOf: (t) => {
      const s = shapes.get(t) ?? null;
      return staticShape(s) ? s.reduce((a, b) => a * b, 1) : null;
    },
  };
}

/** One kernel of a plan under construction. */
export interface KernelDraft {
  /** The runtime's op (see PlannedKernel.opType). */
  readonly opType: string;
  /** Member layers, anchor first. */
  readonly layers: readonly number[];
  /** How each non-anchor member is fused into the anchor. */
  readonly kinds: ReadonlyMap<number, FusionKind>;
  readonly inserted?: PlannedKernel['inserted'];
  /** Sort key giving a topological order (a member's layer index; inserted kernels sit between). */
  readonly position: number;
}

/** Orders drafts by position (stable) and fills the plan's lookup maps. */
export function assemblePlan(
  runtime: RuntimeName,
  source: ExecutionPlan['source'],
  drafts: readonly KernelDraft[],
  assumptions: Readonly<Record<string, string | number>>,
): ExecutionPlan {
  const ordered = drafts
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.position - b.d.position || a.i - b.i)
    .map((x) => x.d);
  const kernels: PlannedKernel[] = [];
  const fusions = new Map<number, LayerFusion>();
  const kernelOfLayer = new Map<number, number>();
  ordered.forEach((d, k) => {
    kernels.push(
      d.inserted
        ? { opType: d.opType, layers: d.layers, inserted: d.inserted }
        : { opType: d.opType, layers: d.layers },
    );
    const anchor = d.layers[0];
    // An inserted kernel (a layout reorder) runs no layer of the model.
    if (anchor === undefined) return;
    for (const l of d.layers) {
      kernelOfLayer.set(l, k);
      const kind = d.kinds.get(l);
      if (l !== anchor && kind !== undefined) fusions.set(l, { kind, into: anchor });
    }
  });
  return { runtime, source, kernels, fusions, kernelOfLayer, assumptions };
}

/** The op name plans show: `domain:op` for a non-default domain, the plain op otherwise. */
export function displayOp(layer: Pick<LayerReport, 'opType' | 'domain'>): string {
  return layer.domain && layer.domain !== 'ai.onnx' ? `${layer.domain}:${layer.opType}` : layer.opType;
}

/** A mutable node of a graph being fused: the layers it runs and the tensors it reads and writes. */
export interface FusionNode {
  /** The anchor layer (index into Analysis.layers). */
  readonly layer: number;
  opType: string;
  domain: string;
  /** Tensor names, '' for an omitted optional input. Changed through the graph (setInputs, setOutputs), which indexes them. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Member layers, anchor first, with the fusion kind of every non-anchor member. */
  readonly members: Map<number, FusionKind | null>;
  /** Activation applied in the node's epilogue, if any. */
  activation: string | null;
  /** True once a residual operand has been folded into the node (NCHWc Conv `Sum`, FusedConv `Z`). */
  sum: boolean;
  /** Topological sort key: the largest member layer index. */
  position: number;
  /** Set by FusionGraph.remove or absorb. */
  readonly removed: boolean;
}

/**
 * Input `k` of a node, '' (as for an omitted optional input) when the model gave the node fewer inputs: a
 * fusion pattern then simply does not match.
 */
export function inputOf(node: FusionNode, k: number): string {
  return node.inputs[k] ?? '';
}

/** Output `k` of a node, '' when the model gave the node fewer outputs (see {@link inputOf}). */
export function outputOf(node: FusionNode, k: number): string {
  return node.outputs[k] ?? '';
}

/** The fields of a node only the graph changes. */
interface IndexedFields {
  inputs: readonly string[];
  outputs: readonly string[];
  removed: boolean;
}

/**
 * The running layers of a {@link RuntimeGraph} as mutable nodes, with producer/consumer look-ups, for
 * the graph rewrites the runtime models apply.
 *
 * The look-ups are kept up to date as nodes change (a fusion pass queries them after every rewrite, so
 * rebuilding them over the whole graph made a plan quadratic in the node count). They equal a fresh
 * scan of the live nodes in `nodes` order: a tensor's readers are listed by node order, one entry per
 * input slot, and its producer is the last live node writing it.
 */
export class FusionGraph {
  readonly nodes: FusionNode[];
  /** Position of each node in `nodes`: the order the look-ups list nodes in. */
  private readonly order = new Map<FusionNode, number>();
  /** Live writers of each tensor in node order (one in a valid model). */
  private readonly writers = new Map<string, FusionNode[]>();
  /** Live readers of each tensor in node order, one entry per input slot. */
  private readonly readers = new Map<string, FusionNode[]>();

  constructor(readonly view: RuntimeGraph) {
    this.nodes = view.layers.map((i) => {
      const l = at(view.analysis.layers, i);
      return {
        layer: i,
        opType: l.opType,
        domain: l.domain === 'ai.onnx' ? '' : l.domain,
        inputs: [...l.inputs],
        outputs: [...l.outputs],
        members: new Map<number, FusionKind | null>([[i, null]]),
        activation: null,
        sum: false,
        position: i,
        removed: false,
      };
    });
    this.nodes.forEach((n, k) => {
      this.order.set(n, k);
      this.list(this.writers, n, n.outputs);
      this.list(this.readers, n, n.inputs);
    });
  }

  report(node: FusionNode): LayerReport {
    return at(this.view.analysis.layers, node.layer);
  }

  /** Nodes still in the graph, in topological order. */
  live(): FusionNode[] {
    return this.nodes.filter((n) => !n.removed).sort((a, b) => a.position - b.position);
  }

  producer(tensor: string): FusionNode | undefined {
    const list = this.writers.get(tensor);
    return list?.[list.length - 1];
  }

  /**
   * One entry per (node, input slot) reading the tensor: onnxruntime's edge count. The list is live:
   * copy it before changing the graph while walking it.
   */
  edges(tensor: string): readonly FusionNode[] {
    return this.readers.get(tensor) ?? [];
  }

  /** Distinct nodes reading the tensor. */
  consumers(tensor: string): FusionNode[] {
    return [...new Set(this.edges(tensor))];
  }

  /** The single node reading `tensor` through a single edge when it is not a graph output, else null. */
  loneConsumer(tensor: string): FusionNode | null {
    if (this.view.isGraphOutput(tensor)) return null;
    const e = this.edges(tensor);
    return e.length === 1 ? at(e, 0) : null;
  }

  isConstant(tensor: string): boolean {
    return this.view.isConstant(tensor);
  }

  /** Replaces a node's inputs. */
  setInputs(node: FusionNode, inputs: readonly string[]): void {
    if (!node.removed) this.unlist(this.readers, node, node.inputs);
    (node as IndexedFields).inputs = inputs;
    if (!node.removed) this.list(this.readers, node, inputs);
  }

  /** Replaces one input of a node (slot `k`, which may be one past the last). */
  setInput(node: FusionNode, k: number, tensor: string): void {
    const inputs = [...node.inputs];
    inputs[k] = tensor;
    this.setInputs(node, inputs);
  }

  /** Replaces a node's outputs. */
  setOutputs(node: FusionNode, outputs: readonly string[]): void {
    if (!node.removed) this.unlist(this.writers, node, node.outputs);
    (node as IndexedFields).outputs = outputs;
    if (!node.removed) this.list(this.writers, node, outputs);
  }

  /** Takes a node out of the graph (its layers are accounted elsewhere or nowhere). */
  remove(node: FusionNode): void {
    if (node.removed) return;
    this.unlist(this.readers, node, node.inputs);
    this.unlist(this.writers, node, node.outputs);
    (node as IndexedFields).removed = true;
  }

  /** Adds `node` to the lists of `tensors` (one entry per occurrence), keeping node order. */
  private list(index: Map<string, FusionNode[]>, node: FusionNode, tensors: readonly string[]): void {
    const k = mapGet(this.order, node);
    for (const t of tensors) {
      if (!t) continue;
      const list = index.get(t);
      if (!list) index.set(t, [node]);
      else list.splice(this.bound(list, k + 1), 0, node);
    }
  }

  /** Drops every entry of `node` from the lists of `tensors`. */
  private unlist(index: Map<string, FusionNode[]>, node: FusionNode, tensors: readonly string[]): void {
    const k = mapGet(this.order, node);
    for (const t of new Set(tensors)) {
      const list = t ? index.get(t) : undefined;
      if (!list) continue;
      const from = this.bound(list, k);
      const to = this.bound(list, k + 1);
      if (to - from === list.length) index.delete(t);
      else list.splice(from, to - from);
    }
  }

  /** First position in `list` (sorted by node order) holding a node of order `k` or later. */
  private bound(list: readonly FusionNode[], k: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (mapGet(this.order, at(list, mid)) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Moves `other` into `into` as a member of the given kind; `into` takes over `other`'s outputs. Layers
   * `other` had merged element-wise (a Relu merged into a Clip) become part of the epilogue with it.
   */
  absorb(into: FusionNode, other: FusionNode, kind: FusionKind, takeOutputs = true): void {
    for (const [l, k] of other.members) {
      const inherited = k === null || (k === 'pointwise-merge' && kind === 'epilogue-activation') ? kind : k;
      into.members.set(l, l === other.layer ? kind : inherited);
    }
    this.remove(other);
    if (takeOutputs) this.setOutputs(into, [...other.outputs]);
    into.position = Math.max(into.position, other.position);
  }

  /** Replaces every read of `from` by `to`. */
  rewire(from: string, to: string): void {
    for (const n of new Set(this.edges(from)))
      this.setInputs(
        n,
        n.inputs.map((t) => (t === from ? to : t)),
      );
  }

  /** Drafts for the nodes still in the graph, with `display` naming each node's op. */
  drafts(display: (n: FusionNode) => string): KernelDraft[] {
    return this.live().map((n) => {
      const kinds = new Map<number, FusionKind>();
      for (const [l, k] of n.members) if (k !== null && l !== n.layer) kinds.set(l, k);
      const layers = [n.layer, ...[...n.members.keys()].filter((l) => l !== n.layer)];
      return { opType: display(n), layers, kinds, position: n.position };
    });
  }
}

/** Which kernel an eliminated layer is accounted to: the one reading its output, or the one now writing it. */
export type EliminatedAt = 'consumer' | 'producer';

/**
 * Identity and Dropout (inference) elimination, as onnxruntime's EliminateIdentity/EliminateDropout
 * and TensorRT do: readers take the input instead; a graph-output Identity goes when its input's
 * writer can write the output directly. Returns the eliminated layers.
 */
export function eliminateNoOps(g: FusionGraph): Map<number, EliminatedAt> {
  const eliminated = new Map<number, EliminatedAt>();
  for (const n of g.live()) {
    if (n.domain !== '' || (n.opType !== 'Identity' && n.opType !== 'Dropout')) continue;
    if (n.opType === 'Dropout') {
      const mask = n.outputs[1];
      if (mask && (g.edges(mask).length > 0 || g.view.isGraphOutput(mask))) continue;
      const training = n.inputs[2];
      if (training && !g.isConstant(training)) continue;
    }
    const x = n.inputs[0];
    const y = n.outputs[0];
    if (!x || !y) continue;
    if (!g.view.isGraphOutput(y)) {
      g.remove(n);
      g.rewire(y, x);
      eliminated.set(n.layer, 'consumer');
      continue;
    }
    // A graph-output Identity goes when its input can take the output's name instead.
    const p = g.producer(x);
    if (p && !g.view.isGraphOutput(x) && g.edges(x).length === 1) {
      g.setOutputs(
        p,
        p.outputs.map((o) => (o === x ? y : o)),
      );
      g.remove(n);
      eliminated.set(n.layer, 'producer');
    }
  }
  return eliminated;
}

/**
 * Where an eliminated Identity/Dropout lands, the way the profile join places it: with the kernel that
 * reads its output (the first in execution order), or with the kernel that now writes its output.
 */
export function placeEliminated(
  g: FusionGraph,
  drafts: KernelDraft[],
  eliminated: ReadonlyMap<number, EliminatedAt>,
): KernelDraft[] {
  if (eliminated.size === 0) return drafts;
  const layers = g.view.analysis.layers;
  const ordered = [...drafts].sort((a, b) => a.position - b.position);
  const extra = new Map<KernelDraft, number[]>();
  const kernelOf = new Map<number, KernelDraft>();
  for (const d of ordered) for (const l of d.layers) kernelOf.set(l, d);
  // Look-ups by tensor, each list in the order the search below takes (first match wins).
  const writers = new Map<string, number[]>();
  for (const i of g.view.layers) {
    for (const o of new Set(at(layers, i).outputs)) {
      const list = writers.get(o);
      if (list) list.push(i);
      else writers.set(o, [i]);
    }
  }
  const firstKernelReading = new Map<string, KernelDraft>();
  for (const d of ordered)
    for (const l of d.layers)
      for (const t of at(layers, l).inputs) if (!firstKernelReading.has(t)) firstKernelReading.set(t, d);
  const firstEliminatedReading = new Map<string, number>();
  for (const l of eliminated.keys())
    for (const t of at(layers, l).inputs) if (!firstEliminatedReading.has(t)) firstEliminatedReading.set(t, l);
  const target = (layer: number, seen: Set<number>): KernelDraft | undefined => {
    if (seen.has(layer)) return undefined;
    seen.add(layer);
    const mode = eliminated.get(layer);
    // eliminateNoOps only eliminates a layer with an input and an output.
    const l = at(layers, layer);
    const out = at(l.outputs, 0);
    if (mode === 'producer') {
      const p = writers.get(at(l.inputs, 0))?.find((i) => i !== layer);
      return p === undefined ? undefined : (kernelOf.get(p) ?? target(p, seen));
    }
    const reader = firstKernelReading.get(out);
    if (reader) return reader;
    const next = firstEliminatedReading.get(out);
    return next === undefined ? undefined : target(next, seen);
  };
  for (const layer of eliminated.keys()) {
    const d = target(layer, new Set());
    if (!d) continue;
    extra.set(d, [...(extra.get(d) ?? []), layer]);
  }
  return drafts.map((d) => {
    const more = extra.get(d);
    if (!more) return d;
    const kinds = new Map(d.kinds);
    for (const l of more) kinds.set(l, 'eliminated');
    return { ...d, layers: [...d.layers, ...more], kinds };
  });
}
