import { at } from '../util/at.js';
import type { TraceKernel } from './trace-types.js';
import { parseTrtLayerName } from './trt-profile.js';

/**
 * Joins measured kernels to the ONNX nodes they computed.
 *
 * Every kernel gets "anchors": the ONNX tensors it produces. A kernel's source nodes are found by
 * walking the original graph backwards from its anchors until reaching tensors some other kernel
 * produced (or graph inputs, initializers, folded constants). With no fusion each kernel anchors its
 * node's outputs and the walk yields exactly that node; a fused kernel (Conv+BN+ReLU) anchors the
 * last tensor of the fused chain and the walk collects the whole chain; a node onnxruntime removed
 * (Identity, Dropout) lands in the group of the kernel that consumes its output.
 *
 * Anchors come from, in order of trust:
 * 1. the optimized model onnxruntime wrote (`optimizedModelFilePath`): the kernel's node and its
 *    output tensor names, with tensors onnxruntime renamed mapped back through layout nodes
 *    (ReorderInput/ReorderOutput), its `<tensor>_nchwc` naming, nodes that kept their name and
 *    `<node>/<Name>Fusion/` names;
 *    fusions the names hide (a conv's sum input, a trailing activation) are followed in the graph;
 * 2. the kernel name: an ONNX node name (unfused), `<tensor>_nchwc`, or a TensorRT layer name
 *    (`A + B`, `PWN(A, B)`, `{ForeignNode[A...B]}`).
 */

/** A node of the original model, in topological order (from the analysis). */
export interface SourceNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** All inputs constant: onnxruntime folds it at load; its outputs count as initializers. */
  readonly folded?: boolean;
}

/** A node of the optimized model onnxruntime saved (file order is topological). */
export interface OptimizedNode {
  /** NodeProto.name as stored: '' when unnamed (onnxruntime then traces it as `<opType>_<runtime index>`). */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributeNames: readonly string[];
}

export type AnchorSource = 'optimized-model' | 'node-name' | 'tensorrt-name' | 'none';

export interface KernelJoin {
  readonly kernel: TraceKernel;
  /** Source ONNX nodes whose work this kernel did, in graph order; empty for nodes onnxruntime/TensorRT inserted. */
  readonly nodes: readonly string[];
  readonly anchoredBy: AnchorSource;
  /** The kernel's node in the optimized model, when one was matched. */
  readonly optimized: { readonly opType: string; readonly domain: string } | null;
  /** Position of that node in the optimized model (file order), when one was matched. */
  readonly optimizedIndex?: number | null;
  /** A TensorRT reformatting copy, or an onnxruntime layout/copy node (ReorderInput, MemcpyToHost...). */
  readonly inserted: boolean;
}

export interface JoinResult {
  readonly joins: readonly KernelJoin[];
  /** Source nodes no kernel claimed: folded at load, removed, or not executed. */
  readonly unclaimed: readonly string[];
}

export interface JoinOptions {
  /** How kernel names are formed. */
  readonly naming: 'onnxruntime' | 'tensorrt';
  /** The optimized model onnxruntime wrote for this run, when available. */
  readonly optimized?: readonly OptimizedNode[] | null;
}

/** onnxruntime nodes that only move or re-layout data: their output holds their input's values. */
const LAYOUT_OPS = new Set(['ReorderInput', 'ReorderOutput', 'MemcpyToHost', 'MemcpyFromHost']);
/** Activations onnxruntime fuses into a preceding conv (`activation` attribute). */
const FUSABLE_ACTIVATIONS = new Set(['Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'LeakyRelu', 'Tanh', 'HardSwish']);
/** Conv kernels whose 4th input is a tensor added to the result (NCHWc Conv `Sum`, FusedConv `Z`). */
const CONV_OPS = new Set(['Conv', 'FusedConv', 'NhwcFusedConv']);
const NCHWC_SUFFIX = '_nchwc';
const UNNAMED = /^(.*)_(\d+)$/;

/**
 * The original tensor an NCHWc node is named after: `<tensor>_nchwc` for a Conv or pooling,
 * `<tensor>_bn_nchwc` / `<tensor>_mul_nchwc` for a BatchNormalization or per-channel Mul it turned into a Conv.
 */
function nchwcTensor(name: string, src: SourceGraph): string | null {
  const t = name.slice(0, -NCHWC_SUFFIX.length);
  for (const c of [t, t.replace(/_(bn|mul)$/, '')]) if (src.producer.has(c)) return c;
  return null;
}

export function isInsertedOp(opType: string | null): boolean {
  return opType !== null && LAYOUT_OPS.has(opType);
}

class SourceGraph {
  readonly producer = new Map<string, number>();
  readonly consumers = new Map<string, number[]>();
  readonly byName = new Map<string, number>();
  constructor(readonly nodes: readonly SourceNode[]) {
    nodes.forEach((n, i) => {
      this.byName.set(n.name, i);
      for (const o of n.outputs) if (o) this.producer.set(o, i);
      for (const t of n.inputs) {
        if (!t) continue;
        const list = this.consumers.get(t);
        if (list) list.push(i);
        else this.consumers.set(t, [i]);
      }
    });
  }
  /** A tensor name that exists in the original graph (produced by a node or read as input/initializer). */
  has(t: string): boolean {
    return this.producer.has(t) || this.consumers.has(t);
  }
}

/** Maps kernels to optimized-model nodes: by name, else (unnamed) by `<opType>_<index>` and order. */
function matchOptimized(
  kernels: readonly TraceKernel[],
  optimized: readonly OptimizedNode[],
  src: SourceGraph,
): (number | null)[] {
  const named = new Map<string, number>();
  const unnamed = new Map<string, number[]>();
  optimized.forEach((n, i) => {
    if (n.name) {
      named.set(n.name, i);
      return;
    }
    const list = unnamed.get(n.opType);
    if (list) list.push(i);
    else unnamed.set(n.opType, [i]);
  });
  const used = new Set<number>();
  return kernels.map((k) => {
    const byName = named.get(k.name);
    if (byName !== undefined) return byName;
    const m = UNNAMED.exec(k.name);
    const op = k.opType ?? m?.[1];
    if (!m || !op || m[1] !== op) return null;
    const candidates = (unnamed.get(op) ?? []).filter((i) => !used.has(i));
    // An unfused unnamed node keeps its original index, so its outputs come from the source node of that name.
    const exact = candidates.find((i) =>
      at(optimized, i).outputs.some((o) => {
        const p = src.producer.get(o);
        return p !== undefined && at(src.nodes, p).name === k.name;
      }),
    );
    const pick = exact ?? candidates[0];
    if (pick === undefined) return null;
    used.add(pick);
    return pick;
  });
}

/** `<node>/<Name>Fusion/`: how onnxruntime's newer fusions name their node after the last node they replaced. */
const FUSION_NAME = /^(.*)\/[A-Za-z0-9]+Fusion\/$/;

/** The original tensors a node's outputs stand for, from its own names only (null where unknown). */
function directAnchors(n: OptimizedNode, src: SourceGraph): (string | null)[] {
  return n.outputs.map((o, i): string | null => {
    if (src.has(o)) return o;
    if (n.outputs.length === 1 && n.name.endsWith(NCHWC_SUFFIX)) {
      const t = nchwcTensor(n.name, src);
      if (t !== null) return t;
    }
    // A node that kept its name but computes in another layout (NCHWc Concat, pooling...), or a
    // fusion named after the last node it replaced (`stage1.silu.mul/QuickGeluFusion/`).
    const base = FUSION_NAME.exec(n.name)?.[1] ?? n.name;
    const same = base ? src.byName.get(base) : undefined;
    const sameNode = same === undefined ? undefined : at(src.nodes, same);
    if (sameNode?.outputs.length !== n.outputs.length) return null;
    // Same output count, so output i exists; '' marks an absent optional output.
    const t = at(sameNode.outputs, i);
    return t === '' ? null : t;
  });
}

/** Original-graph equivalents of each optimized node's outputs (null where unknown), in file (topological) order. */
function optimizedAnchors(optimized: readonly OptimizedNode[], src: SourceGraph): (string | null)[][] {
  const direct = optimized.map((n) => (LAYOUT_OPS.has(n.opType) ? n.outputs.map(() => null) : directAnchors(n, src)));
  // Layout nodes only re-expose a value another kernel computed: their anchors do not block a fusion.
  const directlyAnchored = new Set(direct.flat().filter((t): t is string => t !== null));
  const eqOf = new Map<string, string>();
  const eqInput = (t: string): string | null => (src.has(t) ? t : (eqOf.get(t) ?? null));
  return optimized.map((n, i) => {
    // `direct` maps `optimized` one to one, and each entry maps its node's outputs one to one.
    const nodeDirect = at(direct, i);
    const eq = n.outputs.map((o, k): string | null => {
      const data = n.inputs[0];
      if (LAYOUT_OPS.has(n.opType)) return src.has(o) ? o : data ? eqInput(data) : null;
      const t = at(nodeDirect, k);
      if (t === null || n.outputs.length !== 1) return t;
      // Fusions the names do not show: a conv's sum input (Conv + Add), then a trailing activation.
      let cur = t;
      const sum = n.inputs[3];
      const sumInput = CONV_OPS.has(n.opType) && sum ? eqInput(sum) : null;
      if (sumInput) {
        const add = (src.consumers.get(cur) ?? [])
          .map((c) => at(src.nodes, c))
          .find((c) => (c.opType === 'Add' || c.opType === 'Sum') && c.inputs.includes(sumInput));
        if (add?.outputs[0] && !directlyAnchored.has(add.outputs[0])) cur = add.outputs[0];
      }
      if (n.attributeNames.includes('activation')) {
        const cons = src.consumers.get(cur) ?? [];
        const act = cons.length === 1 ? at(src.nodes, at(cons, 0)) : undefined;
        if (act && FUSABLE_ACTIVATIONS.has(act.opType) && act.outputs[0] && !directlyAnchored.has(act.outputs[0]))
          cur = act.outputs[0];
      }
      return cur;
    });
    n.outputs.forEach((o, k) => {
      const e = eq[k];
      if (e) eqOf.set(o, e);
    });
    return eq;
  });
}

/** Anchors from the kernel name alone. */
function nameAnchors(
  k: TraceKernel,
  naming: JoinOptions['naming'],
  src: SourceGraph,
): { anchors: string[]; inserted: boolean } {
  if (naming === 'tensorrt') {
    const parsed = parseTrtLayerName(k.name);
    if (parsed.reformat) return { anchors: [], inserted: true };
    const members: number[] = [];
    if (parsed.range) {
      const from = resolveMember(parsed.range.from, src);
      const to = resolveMember(parsed.range.to, src);
      if (from !== null && to !== null) for (let i = Math.min(from, to); i <= Math.max(from, to); i++) members.push(i);
    }
    for (const m of parsed.members) {
      const i = resolveMember(m, src);
      if (i !== null) members.push(i);
    }
    return { anchors: members.flatMap((i) => at(src.nodes, i).outputs.filter(Boolean)), inserted: false };
  }
  const i = src.byName.get(k.name);
  if (i !== undefined) return { anchors: at(src.nodes, i).outputs.filter(Boolean), inserted: false };
  if (k.name.endsWith(NCHWC_SUFFIX)) {
    const t = nchwcTensor(k.name, src);
    if (t !== null) return { anchors: [t], inserted: false };
  }
  return { anchors: [], inserted: isInsertedOp(k.opType) };
}

/** A TensorRT member: a node name, a tensor name (its producer), or `node_of_<tensor>` (old ONNX parser). */
function resolveMember(m: string, src: SourceGraph): number | null {
  const byName = src.byName.get(m);
  if (byName !== undefined) return byName;
  const byTensor = src.producer.get(m);
  if (byTensor !== undefined) return byTensor;
  if (m.startsWith('node_of_')) return src.producer.get(m.slice('node_of_'.length)) ?? null;
  return null;
}

/** Joins kernels to source nodes (see the module comment for the method). */
export function joinKernels(
  sourceNodes: readonly SourceNode[],
  kernels: readonly TraceKernel[],
  options: JoinOptions,
): JoinResult {
  const src = new SourceGraph(sourceNodes);
  const optimized = options.optimized ?? null;
  const matched = optimized ? matchOptimized(kernels, optimized, src) : kernels.map(() => null);
  const optAnchors = optimized ? optimizedAnchors(optimized, src) : [];

  // `matched` maps `kernels` one to one; `optAnchors` maps `optimized` one to one.
  const plan = kernels.map((k, ki) => {
    const oi = at(matched, ki);
    if (oi !== null && optimized) {
      const node = at(optimized, oi);
      const anchors = at(optAnchors, oi).filter((t): t is string => t !== null);
      return {
        anchors,
        source: 'optimized-model' as AnchorSource,
        optimized: { opType: node.opType, domain: node.domain },
        optimizedIndex: oi,
        inserted: LAYOUT_OPS.has(node.opType),
      };
    }
    const byName = nameAnchors(k, options.naming, src);
    const source: AnchorSource =
      byName.anchors.length === 0 ? 'none' : options.naming === 'tensorrt' ? 'tensorrt-name' : 'node-name';
    return { anchors: byName.anchors, source, optimized: null, optimizedIndex: null, inserted: byName.inserted };
  });

  // The first kernel (in execution order) to produce a tensor owns it.
  const owner = new Map<string, number>();
  plan.forEach((p, ki) => {
    for (const t of p.anchors) if (!owner.has(t)) owner.set(t, ki);
  });

  const claimedBy = new Map<number, number>();
  const groups: number[][] = plan.map(() => []);
  plan.forEach((p, ki) => {
    const group = at(groups, ki);
    const stack = p.anchors.filter((t) => owner.get(t) === ki);
    const seen = new Set<string>();
    while (stack.length > 0) {
      const t = stack.pop() as string;
      if (seen.has(t)) continue;
      seen.add(t);
      const ni = src.producer.get(t);
      if (ni === undefined || claimedBy.has(ni)) continue;
      const node = at(src.nodes, ni);
      if (node.folded) continue;
      claimedBy.set(ni, ki);
      group.push(ni);
      for (const input of node.inputs) {
        if (!input) continue;
        const o = owner.get(input);
        if (o !== undefined && o !== ki) continue;
        stack.push(input);
      }
    }
  });

  const joins = plan.map((p, ki) => ({
    kernel: at(kernels, ki),
    nodes: [...at(groups, ki)].sort((a, b) => a - b).map((i) => at(sourceNodes, i).name),
    anchoredBy: p.source,
    optimized: p.optimized,
    optimizedIndex: p.optimizedIndex,
    inserted: p.inserted,
  }));
  const unclaimed = sourceNodes.filter((_, i) => !claimedBy.has(i)).map((n) => n.name);
  return { joins, unclaimed };
}
