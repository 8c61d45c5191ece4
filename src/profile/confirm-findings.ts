import { percentile } from './stats.js';
import type { ProfileLayer, ProfileResult } from './types.js';

/**
 * Adds measured evidence to lint findings: does the layer a rule flags actually cost more time than
 * its FLOPs suggest on the profiled device? Pure; works on any finding with the lint shape.
 */

/** The fields of a lint finding this function reads (src/rules/lint.ts `Finding` has them all). */
export interface FindingLike {
  readonly ruleId: string;
  /** Graph node name; null for a finding about the whole model. */
  readonly node: string | null;
  readonly message: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly messageId?: string;
  /** The target runtime already removes the work (lint's info findings): nothing to confirm. */
  readonly fixedByRuntime?: boolean;
}

export interface ConfirmOptions {
  /** Node-level: confirmed when its share of time is at least this multiple of its share of FLOPs (default 2). */
  readonly minTimeToFlopsRatio?: number;
  /**
   * G1/G2/E102: confirmed when the conv's time per FLOP is at least this multiple of what the model's
   * efficient convs achieve (the 25th percentile of conv µs per MFLOP) (default 1.5).
   */
  readonly minConvSlowdown?: number;
  /** Model-level G4: confirmed when element-wise + data-movement time share is at least this multiple of their FLOPs share (default 2). */
  readonly minElementwiseRatio?: number;
  /** Node-level: a node must also take at least this percentage of measured time (default 0.5). */
  readonly minTimeSharePercent?: number;
  /** Model-level G4: element-wise + data-movement must also take at least this percentage of measured time (default 5). */
  readonly minModelTimeSharePercent?: number;
}

/** A finding with its measured evidence. `metrics` gains `measured*` entries. */
export type ConfirmedFinding<F extends FindingLike> = Omit<F, 'metrics' | 'message'> & {
  /** true: the measurement supports the finding; false: it does not; null: nothing measured applies. */
  readonly confirmed: boolean | null;
  /** One sentence with the measured numbers. */
  readonly evidence: string;
  /** The original message followed by "Measured: <evidence>". */
  readonly message: string;
  readonly metrics: Readonly<Record<string, number>>;
};

const CONV_EFFICIENCY_RULES = new Set(['G1', 'G2', 'E102']);
const pct = (x: number): string => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

interface Context {
  readonly layers: readonly ProfileLayer[];
  readonly totalUs: number;
  readonly totalFlops: number;
  readonly byNode: ReadonlyMap<string, ProfileLayer>;
  /** 25th percentile of µs per MFLOP over conv-category layers with FLOPs: what efficient convs achieve here. */
  readonly convUsPerMflop: number | null;
}

/**
 * Marks each finding confirmed or not by the profile and appends the evidence to its message.
 *
 * - A node that onnxruntime fused into another kernel (a ReLU or BatchNormalization inside a
 *   FusedConv) is confirmed null: it has no run-time cost of its own to measure on this device.
 * - G1, G2, E102 (conv shape): the conv's time per FLOP against the model's efficient convs (25th
 *   percentile of conv time per FLOP).
 * - Whole-model G4: element-wise and data-movement share of measured time against their share of
 *   FLOPs, and at least 5% of the time.
 * - Other node findings: the node's share of time against its share of FLOPs, and at least 0.5% of
 *   the time (a node that costs nothing confirms nothing).
 * - Findings with no node and no model-level measure, or on nodes not measured: confirmed null.
 */
export function confirmFindings<F extends FindingLike>(findings: readonly F[], profile: ProfileResult, options: ConfirmOptions = {}): ConfirmedFinding<F>[] {
  const minRatio = options.minTimeToFlopsRatio ?? 2;
  const minSlowdown = options.minConvSlowdown ?? 1.5;
  const minElementwise = options.minElementwiseRatio ?? 2;
  const minShare = (options.minTimeSharePercent ?? 0.5) / 100;
  const minModelShare = (options.minModelTimeSharePercent ?? 5) / 100;
  const byNode = new Map<string, ProfileLayer>();
  for (const l of profile.layers) for (const n of l.nodes) byNode.set(n, l);
  const convRates = profile.layers.filter((l) => l.category === 'conv' && (l.flops ?? 0) > 0).map((l) => l.measuredUs / ((l.flops as number) / 1e6));
  const ctx: Context = {
    layers: profile.layers,
    totalUs: profile.layers.reduce((s, l) => s + l.measuredUs, 0),
    totalFlops: profile.layers.reduce((s, l) => s + (l.flops ?? 0), 0),
    byNode,
    convUsPerMflop: convRates.length ? percentile(convRates, 25) : null,
  };
  const where = `${profile.provider}${profile.optLevel ? `, opt ${profile.optLevel}` : ''}`;
  return findings.map((f) => {
    const r = evaluate(f, ctx, { minRatio, minSlowdown, minElementwise, minShare, minModelShare });
    const evidence = `${r.evidence} (${where})`;
    return {
      ...f,
      confirmed: r.confirmed,
      evidence,
      message: `${f.message}${/[.!?]$/.test(f.message) ? '' : '.'} Measured: ${evidence}.`,
      metrics: { ...f.metrics, ...r.metrics },
    };
  });
}

interface Evaluation {
  readonly confirmed: boolean | null;
  readonly evidence: string;
  readonly metrics: Record<string, number>;
}

function evaluate(f: FindingLike, ctx: Context, t: { minRatio: number; minSlowdown: number; minElementwise: number; minShare: number; minModelShare: number }): Evaluation {
  if (f.fixedByRuntime) {
    return { confirmed: null, evidence: 'the runtime already removes this work; there is no time of its own to measure', metrics: {} };
  }
  if (f.node === null) {
    if (f.ruleId === 'G4') {
      const ew = ctx.layers.filter((l) => l.category === 'elementwise' || l.category === 'data-movement');
      const timeShare = ctx.totalUs > 0 ? ew.reduce((s, l) => s + l.measuredUs, 0) / ctx.totalUs : 0;
      const flopShare = ctx.totalFlops > 0 ? ew.reduce((s, l) => s + (l.flops ?? 0), 0) / ctx.totalFlops : 0;
      const confirmed = timeShare >= t.minElementwise * flopShare && timeShare >= t.minModelShare;
      return {
        confirmed,
        evidence: `element-wise and data-movement kernels are ${pct(flopShare)} of FLOPs and ${pct(timeShare)} of measured time`,
        metrics: { measuredTimeSharePercent: 100 * timeShare, measuredFlopSharePercent: 100 * flopShare },
      };
    }
    return { confirmed: null, evidence: 'no per-node measurement applies to a whole-model finding of this rule', metrics: {} };
  }
  const layer = ctx.byNode.get(f.node);
  if (!layer) {
    return { confirmed: null, evidence: `node '${f.node}' was not measured (folded at load or not executed)`, metrics: {} };
  }
  const timeShare = ctx.totalUs > 0 ? layer.measuredUs / ctx.totalUs : 0;
  const metrics: Record<string, number> = { measuredUs: layer.measuredUs, measuredTimeSharePercent: 100 * timeShare };
  // A conv kernel with fused followers (BN, ReLU, Add): the conv (first in graph order) keeps the
  // cost; the followers cost no kernel of their own on this device.
  if (layer.nodes.length > 1 && layer.category === 'conv' && layer.nodes[0] !== f.node) {
    if (CONV_EFFICIENCY_RULES.has(f.ruleId)) {
      // A conv inside a larger fused region (a TensorRT Myelin block): its own time is not separable.
      return { confirmed: null, evidence: `measured only as part of kernel '${layer.name}' (${layer.nodes.length} nodes)`, metrics };
    }
    // Not separately measurable: the runtime already removed this work, which is what the finding
    // (then an info, fixedByRuntime) says; neither confirmed nor refuted by a time.
    return {
      confirmed: null,
      evidence: `onnxruntime fused it into kernel '${layer.name}' (${layer.opType}); not separately measurable`,
      metrics: { ...metrics, measuredFused: 1 },
    };
  }
  const flopShare = ctx.totalFlops > 0 ? (layer.flops ?? 0) / ctx.totalFlops : 0;
  metrics.measuredFlopSharePercent = 100 * flopShare;
  if (CONV_EFFICIENCY_RULES.has(f.ruleId) && ctx.convUsPerMflop && (layer.flops ?? 0) > 0) {
    const rate = layer.measuredUs / ((layer.flops as number) / 1e6);
    const slowdown = rate / ctx.convUsPerMflop;
    metrics.measuredUsPerMflop = rate;
    metrics.measuredConvSlowdown = slowdown;
    return {
      confirmed: slowdown >= t.minSlowdown,
      evidence: `${rate.toFixed(1)} µs per M multiply-adds, ${slowdown.toFixed(2)}x the model's efficient convs (25th percentile, ${ctx.convUsPerMflop.toFixed(1)}); ${pct(timeShare)} of measured time`,
      metrics,
    };
  }
  const ratio = flopShare > 0 ? timeShare / flopShare : Infinity;
  if (Number.isFinite(ratio)) metrics.measuredTimeToFlopsRatio = ratio;
  return {
    confirmed: ratio >= t.minRatio && timeShare >= t.minShare,
    evidence: `${layer.measuredUs.toFixed(1)} µs, ${pct(timeShare)} of measured time for ${pct(flopShare)} of FLOPs`,
    metrics,
  };
}
