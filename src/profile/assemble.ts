import type { Analysis, LayerReport } from '../analyzers/analyze.js';
import type { DeviceProfile, RooflinePoint } from '../analyzers/roofline.js';
import { roofline } from '../analyzers/roofline.js';
import type { KernelFamily, TimeEstimate } from '../analyzers/runtime/time-estimate.js';
import { estimateKernel, estimatePlanTime } from '../analyzers/runtime/time-estimate.js';
import type { ExecutionPlan, PlannedKernel } from '../analyzers/runtime/types.js';
import { numel } from '../analyzers/shape-utils.js';
import { BYTES_PER_ELEMENT } from '../model/ir.js';
import { at } from '../util/at.js';
import type { TimeCategory } from './categories.js';
import { runtimeOpCategory, TIME_CATEGORIES, timeCategory } from './categories.js';
import type { JoinResult, KernelJoin, SourceNode } from './join.js';
import { latencyStats, median, spearman } from './stats.js';
import type { ParsedTrace, TraceKernel } from './trace-types.js';
import type {
  BytesMismatch,
  CategoryShare,
  Coverage,
  MemoryCheck,
  OpTypeShare,
  ProfileLayer,
  ProfileResult,
} from './types.js';
import { PROFILE_SCHEMA_VERSION } from './types.js';

/** Providers whose Node events time the work itself (not an asynchronous launch). */
const HOST_PROVIDERS = new Set([
  'CPUExecutionProvider',
  'XnnpackExecutionProvider',
  'DnnlExecutionProvider',
  'TensorRT',
]);

/** Relative tolerance for "measured bytes agree with memBytes". */
export const BYTES_TOLERANCE = 0.05;

/** Main-graph layers of an analysis as join input (subgraph bodies are not joined). */
export function sourceNodes(analysis: Analysis): SourceNode[] {
  return analysis.layers
    .filter((l) => l.scope === '')
    .map((l) => ({ name: l.name, opType: l.opType, inputs: l.inputs, outputs: l.outputs, folded: l.folded }));
}

/** How the profile was taken; the fields named after ProfileResult's are copied into it as they are. */
export interface AssembleContext extends Pick<
  ProfileResult,
  'model' | 'source' | 'ep' | 'onnxruntimeVersion' | 'optLevel' | 'threads' | 'batch' | 'warmup' | 'inputs'
> {
  /** The provider asked for (`CPUExecutionProvider`); null: the trace's main provider. */
  readonly expectedProvider: string | null;
  /** Unprofiled session.run() wall times, milliseconds. */
  readonly latencySamplesMs: readonly number[] | null;
  /** CPU time of the same runs (process.cpuUsage), when measured. */
  readonly latencyCpuSamplesMs?: readonly number[] | null;
  readonly deviceProfile: DeviceProfile | null;
  /**
   * What the runtime executed (read off onnxruntime's optimized graph, else efflint's static model):
   * with a device profile, every kernel's predictedUs is its plan kernel's estimate
   * (runtime/time-estimate.ts), the model `lint` ranks findings with. Absent: a per-kernel roofline
   * of the joined nodes' FLOPs and bytes.
   */
  readonly plan?: ExecutionPlan | null;
  readonly warnings: readonly string[];
}

/** Predicts each joined kernel from the plan: the plan kernel it ran, else (inserted, unmatched) one built from the trace. */
function planPredictor(
  analysis: Analysis,
  plan: ExecutionPlan,
  profile: DeviceProfile,
): (j: KernelJoin) => (RooflinePoint & { readonly family: KernelFamily }) | null {
  const estimate: TimeEstimate = estimatePlanTime(analysis, plan, profile);
  const layerIndex = new Map<string, number>();
  analysis.layers.forEach((l, i) => {
    if (l.scope === '' && !layerIndex.has(l.name)) layerIndex.set(l.name, i);
  });
  // The estimate holds one entry per plan kernel, and `k` is always a plan kernel's index.
  const fromPlan = (k: number): RooflinePoint & { readonly family: KernelFamily } => ({
    predictedUs: at(estimate.kernelUs, k),
    bound: at(estimate.kernelBound, k),
    family: at(estimate.kernelFamily, k),
  });
  return (j) => {
    if (
      plan.source === 'onnxruntime-optimized-graph' &&
      typeof j.optimizedIndex === 'number' &&
      j.optimizedIndex < plan.kernels.length
    )
      return fromPlan(j.optimizedIndex);
    const layers = j.nodes.map((n) => layerIndex.get(n)).filter((i): i is number => i !== undefined);
    // The plan kernel anchored at one of the kernel's nodes, else any plan kernel running one of them.
    const anchored = layers
      .map((i) => plan.kernelOfLayer.get(i))
      .find((k, n) => k !== undefined && at(plan.kernels, k).layers[0] === layers[n]);
    if (anchored !== undefined) return fromPlan(anchored);
    const member = layers.map((i) => plan.kernelOfLayer.get(i)).find((k) => k !== undefined);
    if (member !== undefined) return fromPlan(member);
    if (!j.inserted) return null;
    const shape = j.kernel.outputShapes?.[0] ?? j.kernel.inputShapes?.[0] ?? null;
    const elements = shape ? shape.reduce((a, b) => a * b, 1) : null;
    if (elements === null) return null;
    const kernel: PlannedKernel = {
      opType: j.kernel.opType ?? 'ReorderOutput',
      layers: [],
      inserted: { kind: j.kernel.opType === 'ReorderInput' ? 'reorder-input' : 'reorder-output', tensor: '', elements },
    };
    return estimateKernel(analysis, plan, kernel, profile);
  };
}

function sumOrNull(values: readonly (number | null)[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) {
    if (v === null) return null;
    s += v;
  }
  return s;
}

/** Which count is off when traced bytes and memBytes disagree (investigated cases, docs/profile.md). */
export function explainBytes(
  layer: LayerReport,
  kernel: TraceKernel,
  measured: number,
): Pick<BytesMismatch, 'side' | 'reason'> {
  const mem = layer.memBytes ?? 0;
  if (mem === 0 && measured > 0) {
    return {
      side: 'onnxruntime',
      reason:
        'metadata-only op: the output aliases the input, so no data moves (efflint counts 0); the trace reports tensor sizes, not traffic',
    };
  }
  const declared = layer.inputs.filter((i) => i !== '').length;
  const traced = kernel.inputShapes?.length ?? declared;
  if (traced < declared && measured < mem) {
    return {
      side: 'onnxruntime',
      reason: `onnxruntime pre-packed ${declared - traced} weight input(s) at load and its profiler leaves pre-packed inputs out of parameter_size; the kernel still reads them`,
    };
  }
  return {
    side: 'unknown',
    reason: 'unexplained: compare input_type_shape/output_type_shape in the trace with the node',
  };
}

/**
 * Memory traffic of a fused group: the nodes' memBytes minus the tensors that stay inside the
 * kernel (written by one member and read only by members), which a fused kernel never stores.
 * null when a size is unknown.
 */
export function fusedMemBytes(
  nodes: readonly LayerReport[],
  consumers: ReadonlyMap<string, readonly string[]>,
): number | null {
  const total = sumOrNull(nodes.map((n) => n.memBytes));
  if (total === null || nodes.length < 2) return total;
  const members = new Set(nodes.map((n) => n.name));
  let bytes = total;
  for (const n of nodes) {
    for (const [i, t] of n.outputs.entries()) {
      const readers = consumers.get(t) ?? [];
      if (readers.length === 0 || !readers.every((r) => members.has(r))) continue;
      // The analysis keeps outputShapes and outputDtypes parallel to outputs.
      const count = numel(at(n.outputShapes, i));
      const dtype = at(n.outputDtypes, i);
      if (count === null || dtype === null) return null;
      // One write by the producer and one read per reading member never happen.
      bytes -= count * BYTES_PER_ELEMENT[dtype] * (1 + readers.filter((r) => members.has(r)).length);
    }
  }
  return Math.max(0, bytes);
}

function categoryOf(join: KernelJoin, nodes: readonly LayerReport[]): TimeCategory {
  if (join.inserted) return runtimeOpCategory(join.kernel.opType) ?? 'data-movement';
  if (nodes.length === 0) return runtimeOpCategory(join.kernel.opType) ?? 'other';
  // The node doing most of the work decides (a Conv+BN+ReLU group is conv time).
  const primary = nodes.reduce((p, n) => ((n.flops ?? 0) > (p.flops ?? 0) ? n : p));
  return timeCategory(primary.category);
}

function opTypeOf(join: KernelJoin, nodes: readonly LayerReport[]): string {
  if (nodes.length === 0) return join.kernel.opType ?? 'unknown';
  const seen: string[] = [];
  for (const n of nodes) if (!seen.includes(n.opType)) seen.push(n.opType);
  return seen.join('+');
}

/** Builds the profile result from a parsed trace joined to an analysis (pure; no I/O). */
export function assembleProfile(
  analysis: Analysis,
  trace: ParsedTrace,
  joined: JoinResult,
  ctx: AssembleContext,
): ProfileResult {
  const byName = new Map(analysis.layers.filter((l) => l.scope === '').map((l) => [l.name, l]));
  const totalUs = trace.kernels.reduce((s, k) => s + (k.deviceUs ?? k.medianUs), 0);
  const mainProvider = ctx.expectedProvider ?? trace.providers[0] ?? 'unknown';

  const consumers = new Map<string, string[]>();
  const addConsumer = (tensor: string, reader: string): void => {
    const list = consumers.get(tensor);
    if (list) list.push(reader);
    else consumers.set(tensor, [reader]);
  };
  for (const l of analysis.layers) if (l.scope === '') for (const t of l.inputs) if (t) addConsumer(t, l.name);
  for (const o of analysis.outputs) addConsumer(o.name, '<graph output>');

  const predict = ctx.deviceProfile && ctx.plan ? planPredictor(analysis, ctx.plan, ctx.deviceProfile) : null;
  const rows = joined.joins.map((j) => {
    const nodes = j.nodes.map((n) => byName.get(n)).filter((l): l is LayerReport => l !== undefined);
    const measuredUs = j.kernel.deviceUs ?? j.kernel.medianUs;
    const flops = nodes.length ? sumOrNull(nodes.map((n) => n.flops)) : null;
    const memAccess = nodes.length ? sumOrNull(nodes.map((n) => n.memAccess)) : null;
    const memBytes = nodes.length ? sumOrNull(nodes.map((n) => n.memBytes)) : null;
    const measuredBytes = j.kernel.bytes?.total ?? null;
    // Bytes are comparable only when the kernel is the node itself (same op and domain, nothing fused in).
    // An NCHWc kernel keeps the op name but pads channels to its block size: not the same op.
    const single = nodes.length === 1 ? at(nodes, 0) : null;
    const oneToOne =
      single !== null &&
      !j.inserted &&
      (j.kernel.opType === null || j.kernel.opType === single.opType) &&
      (j.optimized === null || j.optimized.domain === single.domain);
    const bytesRatio = oneToOne && measuredBytes !== null && memBytes ? measuredBytes / memBytes : null;
    const trafficBytes = nodes.length > 1 ? fusedMemBytes(nodes, consumers) : memBytes;
    const point: (RooflinePoint & { readonly family?: KernelFamily }) | null = predict
      ? predict(j)
      : ctx.deviceProfile && flops !== null && trafficBytes !== null
        ? roofline(flops, trafficBytes, ctx.deviceProfile)
        : null;
    const layer: ProfileLayer = {
      name: j.kernel.name,
      opType: opTypeOf(j, nodes),
      category: categoryOf(j, nodes),
      nodes: j.nodes,
      kernelOp: j.kernel.opType,
      provider: j.kernel.provider,
      joinedBy: j.anchoredBy,
      inserted: j.inserted,
      measuredUs,
      share: totalUs > 0 ? measuredUs / totalUs : 0,
      flops,
      memAccess,
      memBytes,
      measuredBytes,
      bytesRatio,
      predictedUs: point?.predictedUs ?? null,
      bound: point?.bound ?? null,
      ...(point?.family !== undefined ? { family: point.family } : {}),
    };
    return { layer, join: j, nodes, oneToOne };
  });

  const layers = rows.map((r) => r.layer).sort((a, b) => b.measuredUs - a.measuredUs);

  // Figure 2 breakdown; FLOPs and memAccess shares over the nodes that were measured.
  const measuredFlops = layers.reduce((s, l) => s + (l.flops ?? 0), 0);
  const measuredMem = layers.reduce((s, l) => s + (l.memAccess ?? 0), 0);
  const categories: CategoryShare[] = TIME_CATEGORIES.map((category) => {
    const ls = layers.filter((l) => l.category === category);
    const us = ls.reduce((s, l) => s + l.measuredUs, 0);
    return {
      category,
      measuredUs: us,
      share: totalUs > 0 ? us / totalUs : 0,
      flopsShare: measuredFlops > 0 ? ls.reduce((s, l) => s + (l.flops ?? 0), 0) / measuredFlops : 0,
      memAccessShare: measuredMem > 0 ? ls.reduce((s, l) => s + (l.memAccess ?? 0), 0) / measuredMem : 0,
    };
  });

  const byOp = new Map<string, { category: TimeCategory; count: number; us: number }>();
  for (const l of layers) {
    const e = byOp.get(l.opType) ?? { category: l.category, count: 0, us: 0 };
    e.count += 1;
    e.us += l.measuredUs;
    byOp.set(l.opType, e);
  }
  const opTypes: OpTypeShare[] = [...byOp]
    .map(([opType, e]) => ({
      opType,
      category: e.category,
      count: e.count,
      measuredUs: e.us,
      share: totalUs > 0 ? e.us / totalUs : 0,
    }))
    .sort((a, b) => b.measuredUs - a.measuredUs);

  // Coverage.
  const main = analysis.layers.filter((l) => l.scope === '');
  const shouldRun = main.filter((l) => !l.folded);
  const unclaimed = new Set(joined.unclaimed);
  const unmeasured = shouldRun.filter((l) => unclaimed.has(l.name));
  const joinedRows = rows.filter((r) => r.join.nodes.length > 0);
  const joinedUs = joinedRows.reduce((s, r) => s + r.layer.measuredUs, 0);
  const profiledRunMs = trace.runDurationsUs?.length ? latencyStats(trace.runDurationsUs.map((u) => u / 1000)) : null;
  const latencyMs = ctx.latencySamplesMs?.length ? latencyStats(ctx.latencySamplesMs) : null;
  const coverage: Coverage = {
    kernels: trace.kernels.length,
    joinedKernels: joinedRows.length,
    unjoined: rows
      .filter((r) => r.join.nodes.length === 0)
      .map((r) => ({ name: r.layer.name, measuredUs: r.layer.measuredUs, inserted: r.join.inserted })),
    joinedTimeShare: totalUs > 0 ? joinedUs / totalUs : 0,
    nodes: shouldRun.length,
    measuredNodes: shouldRun.length - unmeasured.length,
    unmeasuredNodes: unmeasured.map((l) => l.name),
    costlyUnmeasured: unmeasured.filter((l) => (l.flops ?? 0) > 0).map((l) => l.name),
    foldedNodes: main.length - shouldRun.length,
    kernelSumUs: totalUs,
    kernelSumOverProfiledRun: profiledRunMs ? totalUs / (profiledRunMs.median * 1000) : null,
    kernelSumOverLatency: latencyMs ? totalUs / (latencyMs.median * 1000) : null,
  };

  // Measured bytes vs memBytes, kernels that are exactly one node.
  let memoryCheck: MemoryCheck | null = null;
  if (trace.kernels.some((k) => k.bytes !== null)) {
    const compared = rows.filter((r) => r.oneToOne && r.layer.measuredBytes !== null && r.layer.memBytes !== null);
    const mismatches: BytesMismatch[] = [];
    for (const r of compared) {
      const mem = r.layer.memBytes as number;
      const measured = r.layer.measuredBytes as number;
      if (mem > 0 ? Math.abs(measured / mem - 1) <= BYTES_TOLERANCE : measured === 0) continue;
      const node = at(r.nodes, 0); // oneToOne: exactly one node
      mismatches.push({
        node: node.name,
        opType: node.opType,
        memBytes: mem,
        measuredBytes: measured,
        ratio: mem > 0 ? measured / mem : null,
        ...explainBytes(node, r.join.kernel, measured),
      });
    }
    const ratios = compared.filter((r) => r.layer.bytesRatio !== null).map((r) => r.layer.bytesRatio as number);
    const unexplained = mismatches.filter((m) => m.side === 'unknown').length;
    memoryCheck = {
      compared: compared.length,
      within5Percent: compared.length - mismatches.length,
      agreement: compared.length ? (compared.length - mismatches.length) / compared.length : 0,
      explained: mismatches.length - unexplained,
      unexplained,
      medianRatio: ratios.length ? median(ratios) : null,
      mismatches,
    };
  }

  // Rank correlation over joined layers whose cost is known.
  const ranked = layers.filter((l) => l.nodes.length > 0 && l.flops !== null);
  // Predictions cover the kernels the runtime inserted too (layout reorders) when a plan times them.
  const predicted = layers.filter((l) => l.predictedUs !== null && (l.nodes.length > 0 || l.inserted));
  const correlation = {
    flopsSpearman: spearman(
      ranked.map((l) => l.flops as number),
      ranked.map((l) => l.measuredUs),
    ),
    predictedSpearman: ctx.deviceProfile
      ? spearman(
          predicted.map((l) => l.predictedUs as number),
          predicted.map((l) => l.measuredUs),
        )
      : null,
    layers: ranked.length,
  };

  const fallback = layers
    .filter((l) => l.provider !== null && l.provider !== mainProvider)
    .map((l) => ({ kernel: l.name, nodes: l.nodes, provider: l.provider as string }));

  const warnings = [...ctx.warnings];
  const hostTimed = trace.kernels.filter(
    (k) => k.deviceUs === null && k.provider !== null && !HOST_PROVIDERS.has(k.provider),
  );
  if (hostTimed.length > 0) {
    // Without CUPTI events onnxruntime times a GPU node's Compute(), which only enqueues work.
    warnings.push(
      `${hostTimed.length} kernel(s) on ${[...new Set(hostTimed.map((k) => k.provider))].join(', ')} carry host-side launch times only (this onnxruntime build records no device kernel events); per-node shares are not GPU time, whole-model latency is`,
    );
  }
  if (coverage.costlyUnmeasured.length > 0) {
    warnings.push(
      `${coverage.costlyUnmeasured.length} node(s) with FLOPs were not matched to any kernel: ${coverage.costlyUnmeasured.slice(0, 5).join(', ')}${coverage.costlyUnmeasured.length > 5 ? ', ...' : ''}`,
    );
  }

  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    model: ctx.model,
    source: ctx.source,
    ep: ctx.ep,
    provider: mainProvider,
    onnxruntimeVersion: ctx.onnxruntimeVersion,
    optLevel: ctx.optLevel,
    threads: ctx.threads,
    batch: ctx.batch,
    warmup: ctx.warmup,
    inputs: ctx.inputs,
    latencyMs,
    latencyCpuMs: ctx.latencyCpuSamplesMs?.length ? latencyStats(ctx.latencyCpuSamplesMs) : null,
    profiledRunMs,
    layers,
    opTypes,
    categories,
    coverage,
    memoryCheck,
    correlation,
    fallback,
    deviceProfile: ctx.deviceProfile?.name ?? null,
    conventions: {
      measuredUs: 'median over timed runs of the kernel time in microseconds (warm-up runs excluded)',
      flops: 'multiply-adds: one multiply-add = 1 FLOP (ShuffleNet V2 footnote 1)',
      memBytes: "efflint's memory access cost in bytes: every input (weights included) read, every output written",
      measuredBytes: "onnxruntime's activation_size + parameter_size + output_size of the kernel",
    },
    warnings,
  };
}
