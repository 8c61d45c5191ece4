import type { Analysis, LayerReport, SubgraphSummary } from './analyze.js';
import { at, mapGet } from '../util/at.js';

/**
 * Graph structure of one graph (the main graph, or a subgraph or function body that runs), for rules about
 * fragmentation (ShuffleNet V2 G3) and about patterns of neighbouring ops (Conv+BN, Reshape->Transpose->Reshape...).
 *
 * Only *data* tensors count as edges: tensors that depend on a graph input and are not shape
 * arithmetic (outputs of Shape/Size and of ops fed only by such tensors). Constants, initializers
 * and Constant nodes are not edges, and nodes off every input-to-output path (dead ends, pure
 * constant sub-graphs) are left out. Each body is a graph of its own: its inputs are its formal inputs (a Loop's
 * carried values, a Scan's slices) and the data tensors it reads from enclosing graphs; its outputs are the body's.
 * An If/Loop/Scan node reads, besides its inputs, every data tensor its bodies read from outside.
 */
export interface Dataflow {
  readonly layers: readonly LayerReport[];
  /** Indices into `layers` of the nodes on some graph-input -> graph-output data path, in topological order. */
  readonly nodes: readonly number[];
  /** Layer index that produces a data tensor. */
  producerOf(tensor: string): number | undefined;
  /** Layer indices (structure nodes only) that read a data tensor, each once, in topological order. */
  consumersOf(tensor: string): readonly number[];
  /** Distinct data tensors a structure node reads, in input order. */
  dataInputsOf(layer: number): readonly string[];
  /** Data tensors a structure node writes that someone reads (or that are graph outputs). */
  dataOutputsOf(layer: number): readonly string[];
  isGraphInput(tensor: string): boolean;
  isGraphOutput(tensor: string): boolean;
}

/** A part of the graph between two consecutive single-tensor cut points. */
export interface Block {
  /** Tensor every path enters through; null when the graph has several inputs and no cut before. */
  readonly entry: string | null;
  /** Tensor every path leaves through; null for a trailing part with several graph outputs. */
  readonly exit: string | null;
  /** Layer indices, topological order. */
  readonly layers: readonly number[];
  /**
   * Parallel branches: the most conv/Gemm/pooling layers with no path between any two of them
   * (1 for a chain or a residual unit, 2 for a ShuffleNet V2 down-sampling unit, 4 for four parallel convs).
   */
  readonly branches: number;
  /** Layers that run a kernel (everything except free views such as Reshape: memAccess 0). */
  readonly kernels: number;
  /** Convolution, Gemm/MatMul and pooling layers: the paper's "fragmented operators". */
  readonly fragments: number;
  /** Sum of the layers' FLOPs (unknown counts as 0). */
  readonly flops: number;
}

/** A maximal run of layers where each one feeds only the next and the next reads only it. */
export interface OpChain {
  readonly layers: readonly number[];
}

export interface GraphStructure {
  /** '' for the main graph, else the body's scope (LayerReport.scope of its layers). */
  readonly scope: string;
  readonly dataflow: Dataflow;
  /** Tensors through which every input-to-output path passes, in topological order. */
  readonly cutTensors: readonly string[];
  readonly blocks: readonly Block[];
  readonly chains: readonly OpChain[];
  /**
   * The structures of the bodies whose layers the analysis lists (Analysis.subgraphs: the branch an If takes, both
   * branches when its condition is unknown, Loop/Scan and function bodies), outer bodies first. Empty on a body's
   * own structure: the main graph's list holds every body, however deep.
   */
  readonly subgraphs: readonly GraphStructure[];
}

/** The main graph's structure, then every body's: what rules that walk the graph visit. */
export function graphStructures(structure: GraphStructure): readonly GraphStructure[] {
  return [structure, ...structure.subgraphs];
}

const SHAPE_SOURCES = new Set(['Shape', 'Size']);
const FRAGMENT_CATEGORIES = new Set(['conv', 'gemm', 'pooling']);

/** True for a layer that runs a kernel: free views (memAccess 0) and folded constants do not. */
export function isKernel(layer: LayerReport): boolean {
  return !layer.folded && layer.memAccess !== 0;
}

/** A set of tensor names that may only be asked. */
interface TensorSet {
  has(tensor: string): boolean;
}

/**
 * A graph's own tensors on top of those of the graphs around it: a body shares its enclosing graph's sets instead of
 * copying them (thousands of function calls each copying the main graph's tensors took gigabytes).
 */
class ScopedTensorSet implements TensorSet {
  private readonly own: Set<string>;

  constructor(
    private readonly outer: TensorSet,
    own: Iterable<string>,
  ) {
    this.own = new Set(own);
  }

  has(tensor: string): boolean {
    return this.own.has(tensor) || this.outer.has(tensor);
  }

  add(tensor: string): void {
    this.own.add(tensor);
  }
}

const NO_TENSORS: TensorSet = { has: () => false };

/** Tensors of enclosing graphs a body sees: which carry run-time data, and which of those are shape arithmetic. */
interface OuterTensors {
  readonly dynamic: TensorSet;
  readonly shapeTensors: TensorSet;
}

/**
 * The layers of each graph, and each layer's label: its name within its graph, with `#<k>` for the k-th layer of that
 * name there, the way the analysis scopes bodies (LayerReport.scope) when node names repeat.
 */
interface LayerIndex {
  /** Layer indices by scope, in analysis order. */
  readonly byScope: ReadonlyMap<string, readonly number[]>;
  readonly labels: readonly string[];
}

function indexLayers(analysis: Analysis): LayerIndex {
  const byScope = new Map<string, number[]>();
  const seen = new Map<string, number>();
  const labels = analysis.layers.map((l, i) => {
    const list = byScope.get(l.scope);
    if (list) list.push(i);
    else byScope.set(l.scope, [i]);
    const name = l.scope ? l.name.slice(l.scope.length + 1) : l.name;
    const key = `${l.scope}\0${name}`;
    const k = (seen.get(key) ?? 0) + 1;
    seen.set(key, k);
    return k === 1 ? name : `${name}#${k}`;
  });
  return { byScope, labels };
}

/** Key of the layer owning a body: its graph's scope and its label (read off the body's scope). */
function ownerKey(body: SubgraphSummary): string {
  const prefix = body.parentScope ? `${body.parentScope}/` : '';
  const suffix = /^#(\d+)\//.exec(body.scope.slice(prefix.length + body.owner.length));
  return `${body.parentScope}\0${suffix ? `${body.owner}#${suffix[1]}` : body.owner}`;
}

/** What one graph of the analysis is: its layers' scope, its inputs and outputs, and what it sees from outside. */
interface GraphView {
  readonly scope: string;
  /** Formal inputs that carry data (a Loop body's iteration number and condition are control values). */
  readonly inputs: readonly string[];
  /** Formal inputs that are control values: dynamic, but shape arithmetic like a Shape's output. */
  readonly controlInputs: readonly string[];
  readonly outputs: readonly string[];
  readonly outer: OuterTensors;
}

/**
 * For each layer that owns bodies (keyed by its scope and label), the tensors those bodies read from outside them:
 * implicit inputs of the owner. Computed innermost body first.
 */
function implicitInputs(analysis: Analysis, index: LayerIndex): Map<string, Set<string>> {
  const byOwner = new Map<string, Set<string>>();
  const bodies = analysis.subgraphs;
  for (let k = bodies.length - 1; k >= 0; k--) {
    const b = at(bodies, k);
    const members = index.byScope.get(b.scope) ?? [];
    const defined = new Set<string>(b.inputs);
    for (const i of members) for (const o of at(analysis.layers, i).outputs) if (o) defined.add(o);
    const free = new Set<string>();
    for (const i of members) {
      for (const t of at(analysis.layers, i).inputs) if (t && !defined.has(t)) free.add(t);
      for (const t of byOwner.get(`${b.scope}\0${at(index.labels, i)}`) ?? []) if (!defined.has(t)) free.add(t);
    }
    for (const o of b.outputs) if (!defined.has(o)) free.add(o);
    const key = ownerKey(b);
    const owned = byOwner.get(key) ?? new Set<string>();
    for (const t of free) owned.add(t);
    byOwner.set(key, owned);
  }
  return byOwner;
}

/** Builds the data-edge view of the main graph described above. */
export function buildDataflow(analysis: Analysis): Dataflow {
  const index = indexLayers(analysis);
  return scopeDataflow(analysis, mainView(analysis), index, implicitInputs(analysis, index)).flow;
}

function mainView(analysis: Analysis): GraphView {
  return {
    scope: '',
    inputs: analysis.inputs.map((i) => i.name),
    controlInputs: [],
    outputs: analysis.outputs.map((o) => o.name),
    outer: { dynamic: NO_TENSORS, shapeTensors: NO_TENSORS },
  };
}

/** The data-edge view of one graph, and the tensors its bodies see. */
function scopeDataflow(
  analysis: Analysis,
  view: GraphView,
  index: LayerIndex,
  implicit: ReadonlyMap<string, ReadonlySet<string>>,
): { flow: Dataflow; seen: OuterTensors } {
  const layers = analysis.layers;
  const graphOutputs = new Set(view.outputs);
  const main = (index.byScope.get(view.scope) ?? []).filter((i) => !at(layers, i).folded);
  /** Explicit inputs, then what the layer's bodies read from outside them. */
  const readsOf = (i: number): readonly string[] => {
    const l = at(layers, i);
    const extra = implicit.get(`${view.scope}\0${at(index.labels, i)}`);
    return extra ? [...l.inputs, ...[...extra].filter((t) => !l.inputs.includes(t))] : l.inputs;
  };

  // Forward pass: which tensors carry data that depends on a graph input, and which are shape arithmetic.
  const dynamic = new ScopedTensorSet(view.outer.dynamic, [...view.inputs, ...view.controlInputs]);
  const shapeTensors = new ScopedTensorSet(view.outer.shapeTensors, view.controlInputs);
  const graphInputs = new Set<string>(view.inputs);
  const producer = new Map<string, number>();
  const reached: number[] = [];
  for (const i of main) {
    const l = at(layers, i);
    const dynInputs = readsOf(i).filter((t) => t !== '' && dynamic.has(t));
    if (dynInputs.length === 0) continue;
    // A body reads data of enclosing graphs as inputs of its own.
    for (const t of dynInputs)
      if (!shapeTensors.has(t) && !producer.has(t) && view.outer.dynamic.has(t)) graphInputs.add(t);
    reached.push(i);
    const isShape = SHAPE_SOURCES.has(l.opType) || dynInputs.every((t) => shapeTensors.has(t));
    for (const o of l.outputs) {
      if (o === '') continue;
      dynamic.add(o);
      producer.set(o, i);
      if (isShape) shapeTensors.add(o);
    }
  }
  const isData = (t: string): boolean => t !== '' && dynamic.has(t) && !shapeTensors.has(t);

  // Backward pass: keep only layers from which a graph output can be reached.
  const useful = new Set<string>([...graphOutputs].filter(isData));
  const kept = new Set<number>();
  for (let k = reached.length - 1; k >= 0; k--) {
    const i = at(reached, k);
    const l = at(layers, i);
    if (!l.outputs.some((o) => useful.has(o))) continue;
    kept.add(i);
    for (const t of readsOf(i)) if (isData(t)) useful.add(t);
  }
  const nodes = reached.filter((i) => kept.has(i));

  const consumers = new Map<string, number[]>();
  const inputsOf = new Map<number, string[]>();
  for (const i of nodes) {
    const ins = [...new Set(readsOf(i).filter(isData))];
    inputsOf.set(i, ins);
    for (const t of ins) {
      const list = consumers.get(t) ?? [];
      list.push(i);
      consumers.set(t, list);
    }
  }
  const outputsOf = new Map<number, string[]>();
  for (const i of nodes) {
    outputsOf.set(
      i,
      at(layers, i).outputs.filter((o) => isData(o) && ((consumers.get(o)?.length ?? 0) > 0 || graphOutputs.has(o))),
    );
  }
  const flow: Dataflow = {
    layers,
    nodes,
    producerOf: (t) => (kept.has(producer.get(t) ?? -1) ? producer.get(t) : undefined),
    consumersOf: (t) => consumers.get(t) ?? [],
    dataInputsOf: (i) => inputsOf.get(i) ?? [],
    dataOutputsOf: (i) => outputsOf.get(i) ?? [],
    isGraphInput: (t) => graphInputs.has(t),
    isGraphOutput: (t) => graphOutputs.has(t),
  };
  return { flow, seen: { dynamic, shapeTensors } };
}

/**
 * Single-tensor cut points by one sweep in topological order: after a node, the tensors still
 * live (written and read later, or graph outputs) are exactly those crossing the cut. When only one
 * is live, every path passes through it. With dead ends removed this does not depend on which
 * topological order is used (every node is an ancestor or a descendant of a cut tensor).
 */
function findCuts(flow: Dataflow): { tensor: string; position: number }[] {
  const position = new Map<number, number>();
  flow.nodes.forEach((n, p) => position.set(n, p));
  const lastUse = new Map<string, number>();
  const note = (t: string): void => {
    const lastReader = flow.consumersOf(t).at(-1);
    const last = flow.isGraphOutput(t) ? Infinity : lastReader === undefined ? -1 : mapGet(position, lastReader);
    lastUse.set(t, last);
  };
  const live = new Set<string>();
  const entries = new Set<string>();
  for (const n of flow.nodes) {
    for (const t of flow.dataInputsOf(n)) if (flow.isGraphInput(t)) entries.add(t);
  }
  for (const t of entries) {
    note(t);
    live.add(t);
  }
  const cuts: { tensor: string; position: number }[] = [];
  const first = soleTensor(live);
  if (first !== undefined) cuts.push({ tensor: first, position: -1 });
  flow.nodes.forEach((n, p) => {
    for (const t of flow.dataOutputsOf(n)) {
      note(t);
      if (mapGet(lastUse, t) > p) live.add(t);
    }
    for (const t of flow.dataInputsOf(n)) if (lastUse.get(t) === p) live.delete(t);
    const sole = soleTensor(live);
    if (sole !== undefined && cuts.at(-1)?.tensor !== sole) cuts.push({ tensor: sole, position: p });
  });
  return cuts;
}

/** The tensor of a set that holds exactly one, else undefined. */
function soleTensor(tensors: ReadonlySet<string>): string | undefined {
  if (tensors.size !== 1) return undefined;
  const [t] = tensors;
  return t;
}

/**
 * Largest set of conv/Gemm/pooling layers of a block with no path between any two of them (a maximum
 * antichain), by Dilworth's theorem: |F| minus a maximum matching of the reachability relation.
 * Counting operators rather than paths keeps element-wise diamonds (x * sigmoid(x)) and identity
 * shortcuts from inflating the count; blocks are small, so the cubic bound does not matter.
 */
function parallelFragments(flow: Dataflow, layerIndices: readonly number[]): number {
  const fragments = layerIndices.filter((i) => FRAGMENT_CATEGORIES.has(at(flow.layers, i).category));
  if (fragments.length <= 1) return 1;
  const inBlock = new Set(layerIndices);
  const successors = (n: number): number[] =>
    flow.dataOutputsOf(n).flatMap((t) => flow.consumersOf(t).filter((m) => inBlock.has(m)));
  const reach = new Map<number, Set<number>>();
  for (const f of fragments) {
    const seen = new Set<number>();
    const stack = successors(f);
    for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...successors(n));
    }
    reach.set(f, seen);
  }
  const matchOf = new Map<number, number>();
  const tryMatch = (u: number, visited: Set<number>): boolean => {
    for (const v of fragments) {
      if (!mapGet(reach, u).has(v) || visited.has(v)) continue;
      visited.add(v);
      const current = matchOf.get(v);
      if (current === undefined || tryMatch(current, visited)) {
        matchOf.set(v, u);
        return true;
      }
    }
    return false;
  };
  let matching = 0;
  for (const u of fragments) if (tryMatch(u, new Set())) matching += 1;
  return fragments.length - matching;
}

function makeBlock(flow: Dataflow, layerIndices: number[], entry: string | null, exit: string | null): Block {
  let kernels = 0;
  let fragments = 0;
  let flops = 0;
  for (const i of layerIndices) {
    const l = at(flow.layers, i);
    if (isKernel(l)) kernels += 1;
    if (FRAGMENT_CATEGORIES.has(l.category)) fragments += 1;
    flops += l.flops ?? 0;
  }
  return {
    entry,
    exit,
    layers: layerIndices,
    branches: parallelFragments(flow, layerIndices),
    kernels,
    fragments,
    flops,
  };
}

function findChains(flow: Dataflow): OpChain[] {
  const next = new Map<number, number>();
  const hasPrev = new Set<number>();
  for (const n of flow.nodes) {
    const outs = flow.dataOutputsOf(n);
    const [out] = outs;
    if (outs.length !== 1 || out === undefined || flow.isGraphOutput(out)) continue;
    const readers = flow.consumersOf(out);
    const [m] = readers;
    if (readers.length !== 1 || m === undefined) continue;
    if (flow.dataInputsOf(m).length !== 1) continue;
    next.set(n, m);
    hasPrev.add(m);
  }
  const chains: OpChain[] = [];
  for (const n of flow.nodes) {
    if (hasPrev.has(n)) continue;
    const chain = [n];
    for (let cur = next.get(n); cur !== undefined; cur = next.get(cur)) chain.push(cur);
    chains.push({ layers: chain });
  }
  return chains;
}

/**
 * Cut points, blocks between them, and linear op chains of the main graph, and the same for every body the analysis
 * lists (`subgraphs`). Bodies see the data tensors of the graphs around them.
 */
export function analyzeStructure(analysis: Analysis): GraphStructure {
  const index = indexLayers(analysis);
  const implicit = implicitInputs(analysis, index);
  const main = scopeDataflow(analysis, mainView(analysis), index, implicit);
  const seen = new Map<string, OuterTensors>([['', main.seen]]);
  const owners = new Map<string, LayerReport>();
  analysis.layers.forEach((l, i) => {
    const key = `${l.scope}\0${at(index.labels, i)}`;
    if (!owners.has(key)) owners.set(key, l);
  });
  const subgraphs: GraphStructure[] = [];
  for (const body of analysis.subgraphs) {
    const outer = seen.get(body.parentScope);
    if (!outer) continue;
    const owner = owners.get(ownerKey(body));
    // A Loop body's first two inputs are the iteration number and the condition.
    const control = owner?.opType === 'Loop' && owner.domain === '' ? 2 : 0;
    const view: GraphView = {
      scope: body.scope,
      inputs: body.inputs.slice(control),
      controlInputs: body.inputs.slice(0, control),
      outputs: body.outputs,
      outer,
    };
    const built = scopeDataflow(analysis, view, index, implicit);
    seen.set(body.scope, built.seen);
    subgraphs.push({ ...structureOf(built.flow), scope: body.scope, subgraphs: [] });
  }
  return { ...structureOf(main.flow), scope: '', subgraphs };
}

function structureOf(flow: Dataflow): Omit<GraphStructure, 'scope' | 'subgraphs'> {
  const cuts = findCuts(flow);
  const blocks: Block[] = [];
  let start = 0;
  let entry: string | null = null;
  for (const cut of cuts) {
    if (cut.position < start) {
      entry = cut.tensor;
      continue;
    }
    blocks.push(makeBlock(flow, flow.nodes.slice(start, cut.position + 1), entry, cut.tensor));
    start = cut.position + 1;
    entry = cut.tensor;
  }
  if (start < flow.nodes.length) blocks.push(makeBlock(flow, flow.nodes.slice(start), entry, null));
  return { dataflow: flow, cutTensors: cuts.map((c) => c.tensor), blocks, chains: findChains(flow) };
}
