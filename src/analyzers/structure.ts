import type { Analysis, LayerReport } from './analyze.js';

/**
 * Graph structure of the main graph, for rules about fragmentation (ShuffleNet V2 G3) and about
 * patterns of neighbouring ops (Conv+BN, Reshape->Transpose->Reshape...).
 *
 * Only *data* tensors count as edges: tensors that depend on a graph input and are not shape
 * arithmetic (outputs of Shape/Size and of ops fed only by such tensors). Constants, initializers
 * and Constant nodes are not edges, and nodes off every input-to-output path (dead ends, pure
 * constant sub-graphs) are left out. Subgraph and function bodies (`scope !== ''`) are left out.
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
  readonly dataflow: Dataflow;
  /** Tensors through which every input-to-output path passes, in topological order. */
  readonly cutTensors: readonly string[];
  readonly blocks: readonly Block[];
  readonly chains: readonly OpChain[];
}

const SHAPE_SOURCES = new Set(['Shape', 'Size']);
const FRAGMENT_CATEGORIES = new Set(['conv', 'gemm', 'pooling']);

/** True for a layer that runs a kernel: free views (memAccess 0) and folded constants do not. */
export function isKernel(layer: LayerReport): boolean {
  return !layer.folded && layer.memAccess !== 0;
}

/** Builds the data-edge view of the main graph described above. */
export function buildDataflow(analysis: Analysis): Dataflow {
  const layers = analysis.layers;
  const graphInputs = new Set(analysis.inputs.map((i) => i.name));
  const graphOutputs = new Set(analysis.outputs.map((o) => o.name));
  const main: number[] = [];
  layers.forEach((l, i) => {
    if (l.scope === '' && !l.folded) main.push(i);
  });

  // Forward pass: which tensors carry data that depends on a graph input, and which are shape arithmetic.
  const dynamic = new Set<string>(graphInputs);
  const shapeTensors = new Set<string>();
  const producer = new Map<string, number>();
  const reached: number[] = [];
  for (const i of main) {
    const l = layers[i];
    const dynInputs = l.inputs.filter((t) => t !== '' && dynamic.has(t));
    if (dynInputs.length === 0) continue;
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
    const i = reached[k];
    const l = layers[i];
    if (!l.outputs.some((o) => useful.has(o))) continue;
    kept.add(i);
    for (const t of l.inputs) if (isData(t)) useful.add(t);
  }
  const nodes = reached.filter((i) => kept.has(i));

  const consumers = new Map<string, number[]>();
  const inputsOf = new Map<number, string[]>();
  for (const i of nodes) {
    const ins = [...new Set(layers[i].inputs.filter(isData))];
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
      layers[i].outputs.filter((o) => isData(o) && ((consumers.get(o)?.length ?? 0) > 0 || graphOutputs.has(o))),
    );
  }
  return {
    layers,
    nodes,
    producerOf: (t) => (kept.has(producer.get(t) ?? -1) ? producer.get(t) : undefined),
    consumersOf: (t) => consumers.get(t) ?? [],
    dataInputsOf: (i) => inputsOf.get(i) ?? [],
    dataOutputsOf: (i) => outputsOf.get(i) ?? [],
    isGraphInput: (t) => graphInputs.has(t),
    isGraphOutput: (t) => graphOutputs.has(t),
  };
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
    const readers = flow.consumersOf(t);
    const last = flow.isGraphOutput(t) ? Infinity : readers.length ? position.get(readers[readers.length - 1])! : -1;
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
  if (live.size === 1) cuts.push({ tensor: [...live][0], position: -1 });
  flow.nodes.forEach((n, p) => {
    for (const t of flow.dataOutputsOf(n)) {
      note(t);
      if (lastUse.get(t)! > p) live.add(t);
    }
    for (const t of flow.dataInputsOf(n)) if (lastUse.get(t) === p) live.delete(t);
    if (live.size === 1) {
      const [t] = live;
      if (cuts.length === 0 || cuts[cuts.length - 1].tensor !== t) cuts.push({ tensor: t, position: p });
    }
  });
  return cuts;
}

/**
 * Largest set of conv/Gemm/pooling layers of a block with no path between any two of them (a maximum
 * antichain), by Dilworth's theorem: |F| minus a maximum matching of the reachability relation.
 * Counting operators rather than paths keeps element-wise diamonds (x * sigmoid(x)) and identity
 * shortcuts from inflating the count; blocks are small, so the cubic bound does not matter.
 */
function parallelFragments(flow: Dataflow, layerIndices: readonly number[]): number {
  const fragments = layerIndices.filter((i) => FRAGMENT_CATEGORIES.has(flow.layers[i].category));
  if (fragments.length <= 1) return 1;
  const inBlock = new Set(layerIndices);
  const successors = (n: number): number[] =>
    flow.dataOutputsOf(n).flatMap((t) => flow.consumersOf(t).filter((m) => inBlock.has(m)));
  const reach = new Map<number, Set<number>>();
  for (const f of fragments) {
    const seen = new Set<number>();
    const stack = successors(f);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...successors(n));
    }
    reach.set(f, seen);
  }
  const matchOf = new Map<number, number>();
  const tryMatch = (u: number, visited: Set<number>): boolean => {
    for (const v of fragments) {
      if (!reach.get(u)!.has(v) || visited.has(v)) continue;
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
    const l = flow.layers[i];
    if (isKernel(l)) kernels += 1;
    if (FRAGMENT_CATEGORIES.has(l.category)) fragments += 1;
    flops += l.flops ?? 0;
  }
  return { entry, exit, layers: layerIndices, branches: parallelFragments(flow, layerIndices), kernels, fragments, flops };
}

function findChains(flow: Dataflow): OpChain[] {
  const next = new Map<number, number>();
  const hasPrev = new Set<number>();
  for (const n of flow.nodes) {
    const outs = flow.dataOutputsOf(n);
    if (outs.length !== 1 || flow.isGraphOutput(outs[0])) continue;
    const readers = flow.consumersOf(outs[0]);
    if (readers.length !== 1) continue;
    const m = readers[0];
    if (flow.dataInputsOf(m).length !== 1) continue;
    next.set(n, m);
    hasPrev.add(m);
  }
  const chains: OpChain[] = [];
  for (const n of flow.nodes) {
    if (hasPrev.has(n)) continue;
    const chain = [n];
    let cur = n;
    while (next.has(cur)) {
      cur = next.get(cur)!;
      chain.push(cur);
    }
    chains.push({ layers: chain });
  }
  return chains;
}

/** Cut points, blocks between them, and linear op chains of the main graph. */
export function analyzeStructure(analysis: Analysis): GraphStructure {
  const flow = buildDataflow(analysis);
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
