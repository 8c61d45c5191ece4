import type { Analysis } from '../analyzers/analyze.js';
import { at } from '../util/at.js';
import type { KernelDraft } from '../analyzers/runtime/plan-graph.js';
import { assemblePlan, buildRuntimeGraph } from '../analyzers/runtime/plan-graph.js';
import { onnxruntimeOpName } from '../analyzers/runtime/onnxruntime-cpu.js';
import type { ExecutionPlan, FusionKind, PlannedKernel } from '../analyzers/runtime/types.js';
import type { OptimizedNode, SourceNode } from './join.js';
import { joinKernels } from './join.js';
import type { TraceKernel } from './trace-types.js';

/**
 * The execution plan read off the graph onnxruntime saved (`optimizedModelFilePath`): one kernel per
 * node of the optimized graph, in its (topological) order, each holding the original layers
 * {@link joinKernels} maps it to. `lint --profile` uses this instead of the static model of
 * onnxruntime's CPU EP; the runtime-plan test checks the two agree on every zoo model.
 */

/** Layers that run in no kernel of their own but do no work either. */
const ELIMINATED = new Set(['Identity', 'Dropout']);
/** Activations onnxruntime applies in a Conv/Gemm epilogue. */
const ACTIVATIONS = new Set([
  'Relu',
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'HardSigmoid',
  'Clip',
  'Elu',
  'Selu',
  'Softplus',
  'Softsign',
  'ThresholdedRelu',
]);
const CONV_KERNELS = new Set(['Conv', 'FusedConv', 'NhwcFusedConv']);
const GEMM_KERNELS = new Set(['Gemm', 'FusedGemm']);
/** Synthetic trace names for unnamed optimized nodes: `<op>_<n>` with n far beyond any node index. */
const UNNAMED_BASE = 1_000_000_000;

function baseOp(opType: string): string {
  const colon = opType.lastIndexOf(':');
  return colon >= 0 ? opType.slice(colon + 1) : opType;
}

/**
 * The member a kernel is anchored at: its conv/Gemm, else the member running the kernel's own op, else the last one.
 * `members` (layer indices) is never empty.
 */
function anchorOf(analysis: Analysis, members: readonly number[], opType: string): number {
  const opOf = (i: number): string => at(analysis.layers, i).opType;
  const working = members.filter((i) => !ELIMINATED.has(opOf(i)));
  const pool = working.length > 0 ? working : members;
  const op = baseOp(opType);
  const find = (...ops: string[]): number | undefined => pool.find((i) => ops.includes(opOf(i)));
  if (CONV_KERNELS.has(op))
    return find('Conv', 'ConvTranspose') ?? find('BatchNormalization') ?? find('Mul') ?? at(pool, 0);
  if (GEMM_KERNELS.has(op)) return find('Gemm', 'MatMul') ?? at(pool, 0);
  const same = pool.filter((i) => opOf(i) === op);
  return same.length > 0 ? at(same, same.length - 1) : at(pool, pool.length - 1);
}

/** How a non-anchor member runs inside a kernel of `opType`. */
function kindOf(analysis: Analysis, isConstant: (t: string) => boolean, layer: number, opType: string): FusionKind {
  const l = at(analysis.layers, layer);
  if (ELIMINATED.has(l.opType)) return 'eliminated';
  const op = baseOp(opType);
  if (CONV_KERNELS.has(op)) {
    if (l.opType === 'BatchNormalization') return 'weight-fold';
    if ((l.opType === 'Add' || l.opType === 'Mul') && l.inputs.some((t) => t !== '' && isConstant(t)))
      return 'weight-fold';
    if (l.opType === 'Add' || l.opType === 'Sum') return 'epilogue-add';
    if (ACTIVATIONS.has(l.opType)) return 'epilogue-activation';
  }
  if (GEMM_KERNELS.has(op)) {
    if (l.opType === 'Add') return 'bias-fold';
    if (ACTIVATIONS.has(l.opType)) return 'epilogue-activation';
  }
  return 'pointwise-merge';
}

/** Reads the execution plan off the optimized graph onnxruntime saved for `analysis`' model. */
export function planFromOptimizedGraph(analysis: Analysis, optimized: readonly OptimizedNode[]): ExecutionPlan {
  const view = buildRuntimeGraph(analysis);
  const running = new Set(view.layers);
  const main: number[] = [];
  analysis.layers.forEach((l, i) => {
    if (l.scope === '') main.push(i);
  });
  const sources: SourceNode[] = main.map((i) => {
    const l = at(analysis.layers, i);
    return { name: l.name, opType: l.opType, inputs: l.inputs, outputs: l.outputs, folded: !running.has(i) };
  });
  const byName = new Map<string, number[]>();
  for (const i of main) {
    const name = at(analysis.layers, i).name;
    const list = byName.get(name) ?? [];
    list.push(i);
    byName.set(name, list);
  }
  const kernels: TraceKernel[] = optimized.map((n, i) => ({
    name: n.name || `${n.opType}_${UNNAMED_BASE + i}`,
    opType: n.opType,
    provider: 'CPUExecutionProvider',
    nodeIndex: i,
    medianUs: 0,
    runsUs: [],
    deviceUs: null,
    bytes: null,
    inputShapes: null,
    outputShapes: null,
  }));
  const { joins } = joinKernels(sources, kernels, { naming: 'onnxruntime', optimized });

  const taken = new Set<number>();
  const groups = joins.map((j) => {
    const members: number[] = [];
    for (const name of j.nodes) {
      const i = (byName.get(name) ?? []).find((k) => !taken.has(k));
      if (i === undefined) continue;
      taken.add(i);
      members.push(i);
    }
    return members;
  });
  moveNhwcTransposes(analysis, optimized, groups);
  // One join, hence one group, per optimized node, in file order.
  const drafts: KernelDraft[] = groups.map((members, position) => {
    const node = at(optimized, position);
    const opType = onnxruntimeOpName(node.opType, node.domain);
    if (members.length === 0) {
      return {
        opType,
        layers: [],
        kinds: new Map<number, FusionKind>(),
        inserted: insertedOf(node, (t) => view.elementsOf(t)),
        position,
      };
    }
    members.sort((a, b) => a - b);
    const anchor = anchorOf(analysis, members, opType);
    const kinds = new Map<number, FusionKind>();
    for (const m of members)
      if (m !== anchor)
        kinds.set(
          m,
          kindOf(analysis, (t) => view.isConstant(t), m, opType),
        );
    return { opType, layers: [anchor, ...members.filter((m) => m !== anchor)], kinds, position };
  });
  const unjoined = view.layers.filter((i) => !taken.has(i)).length;
  return assemblePlan('onnxruntime-cpu', 'onnxruntime-optimized-graph', drafts, {
    onnxruntime: 'optimized graph saved by onnxruntime',
    ...(unjoined > 0 ? { unjoinedLayers: unjoined } : {}),
  });
}

/**
 * The NCHWc transformer folds a Transpose from NHWC into the ReorderInput that follows it (which then
 * reads NHWC). The join finds no tensor of the Transpose's in the optimized graph and hands the
 * Transpose to the kernel reading its output; it belongs to the ReorderInput, which does its work.
 */
function moveNhwcTransposes(analysis: Analysis, optimized: readonly OptimizedNode[], groups: number[][]): void {
  const read = new Set(optimized.flatMap((n) => n.inputs));
  optimized.forEach((n, k) => {
    const group = at(groups, k);
    if (n.opType !== 'ReorderInput' || group.length > 0) return;
    const from = groups.findIndex((g) =>
      g.some((i) => {
        const l = at(analysis.layers, i);
        const perm = l.attributes.perm;
        const out = l.outputs[0];
        return (
          l.opType === 'Transpose' &&
          l.inputs[0] === n.inputs[0] &&
          Array.isArray(perm) &&
          perm.join() === '0,3,1,2' &&
          (out === undefined || !read.has(out))
        );
      }),
    );
    if (from < 0) return;
    const source = at(groups, from);
    // Found: `source` holds a Transpose reading the ReorderInput's input.
    const t = source.findIndex((i) => {
      const l = at(analysis.layers, i);
      return l.opType === 'Transpose' && l.inputs[0] === n.inputs[0];
    });
    group.push(at(source, t));
    source.splice(t, 1);
  });
}

/** What a kernel that runs no original layer does: a layout conversion onnxruntime inserted. */
function insertedOf(node: OptimizedNode, elementsOf: (t: string) => number | null): PlannedKernel['inserted'] {
  if (node.opType === 'ReorderInput') {
    const t = node.inputs[0] ?? '';
    return { kind: 'reorder-input', tensor: t, elements: elementsOf(t) ?? 0 };
  }
  if (node.opType === 'ReorderOutput') {
    const t = node.outputs[0] ?? '';
    return { kind: 'reorder-output', tensor: t, elements: elementsOf(t) ?? 0 };
  }
  if (node.opType === 'Reshape') {
    // NCHWc's 5-D views around an Add; onnxruntime's Reshape reuses its input buffer.
    return { kind: 'layout-reshape', tensor: node.outputs[0] ?? '', elements: 0 };
  }
  return { kind: 'layout-transpose', tensor: node.outputs[0] ?? '', elements: elementsOf(node.outputs[0] ?? '') ?? 0 };
}
