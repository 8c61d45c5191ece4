import type { Analysis, LayerReport } from '../analyzers/analyze.js';
import type { ConfirmationKind } from '../analyzers/confirmation.js';
import { elementwiseKind } from '../analyzers/elementwise.js';
import type { GraphStructure } from '../analyzers/structure.js';
import { analyzeStructure } from '../analyzers/structure.js';
import { at } from '../util/at.js';
import { formatPercent } from '../util/number.js';
import type { CounterfactualPair, CounterfactualSpec } from './counterfactual.js';
import {
  buildCounterfactualPair,
  counterfactualFor,
  findBlock,
  hasCounterfactual,
  noCheckDeclared,
} from './counterfactual.js';
import type { InterleavedResult, MeasureOptLevel } from './measure/interleaved.js';
import { measureInterleaved } from './measure/interleaved.js';
import { summarizeRatios } from './measure/interleaved-stats.js';
import { MIN_EFFECT } from './measure/verdict.js';
import { median } from './stats.js';
import type { ProfileLayer, ProfileResult } from './types.js';

/**
 * Confirms lint findings by counterfactual measurement. Each rule declares per message which check its
 * findings admit (`meta.confirmation`, a ConfirmationKind of analyzers/confirmation.ts, carried on the
 * finding as `confirmation`); this module maps the kind to a procedure and names no rule. For a finding
 * with a pair kind (G1, G2, G3's parallel or fragmented block, G4's element-wise layer, E101 declare
 * one), a pair of small ONNX models is built from the flagged layer's own shapes (counterfactual.ts): the
 * layer as it is, and the replacement the finding asks for (equal FLOPs for balanced-channels,
 * dense-conv and merged-block; the op removed for removed-elementwise, the BatchNormalization folded for
 * folded-batchnorm). All pairs of one model run in one interleaved
 * measurement (measure/interleaved.ts: one worker, one session per variant, one intra-op thread,
 * runs interleaved with a rotating start, several blocks), decided on process CPU time, at opt level
 * 'all' (onnxruntime's own fusions apply to both sides) or 'disabled' when the profile ran there.
 *
 * **The rule.** Each side runs as a model with N copies of its unit (4 to 16, sized from the layer's
 * profiled time) and as one with a single copy; per block, the time of one copy is (median run with N
 * copies - median run with 1) / (N - 1), so what a run pays once cancels (counterfactual.ts), and
 * ratio = that time of the original / that time of the replacement. `measuredRatio` is the median over
 * blocks, `measuredSpread` the interquartile range of the per-block ratios (as `efflint validate`).
 * The finding is **confirmed** when
 * measuredRatio - 1 > max(5%, 2 x measuredSpread): the layer as it is, is slower than what the
 * guideline asks for by more than 5% and by more than twice the block-to-block noise. Otherwise it is
 * **not confirmed** (false), whether the original is as fast, faster, or slower by less than the margin.
 *
 * **null, with the reason in the evidence**, when: the runtime already removes the work
 * (`fixedByRuntime`), or onnxruntime fused the node into another kernel (a ReLU inside a FusedConv);
 * the node ran no kernel; the layer is below the **floor**: its measured time in the profile is under
 * 20 µs or under 1% of the model's kernel time (per-kernel overhead, not the guideline, decides the
 * time of such a layer, and its removal would not be felt); no counterfactual can be built (an op the
 * builder does not re-create, dynamic shapes; the reason names it); in the pair, onnxruntime fused the
 * element-wise op into its producer while the model runs it as a kernel of its own; the pair was not
 * among the `top` pairs measured; the profile ran on another execution provider; or the rule declares
 * no measurement check for the message (E102-E104, G3's tiny-op chains: "this rule declares no
 * measurement check"), whose evidence still gives the node's measured time.
 *
 * A whole-model `elementwise-time-share` finding (G4's) is confirmed when element-wise kernels
 * (analyzers/elementwise.ts: depthwise convs count, copies do not) take at least 5% of the measured time
 * and at least one node-level counterfactual of the same rule in the same run is confirmed; not
 * confirmed when they take less, or every measured node-level counterfactual of the rule is not
 * confirmed; null when none was measured.
 */

/** The fields of a lint finding this module reads (src/rules/lint.ts `Finding` has them all). */
export interface FindingLike {
  readonly ruleId: string;
  /** Graph node name; null for a finding about the whole model. */
  readonly node: string | null;
  readonly message: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly messageId?: string;
  /** Structured message data (G1's balanced widths, G3's block entry and exit). */
  readonly data?: Readonly<Record<string, string | number>>;
  /** Orders which counterfactuals are measured first. */
  readonly impact?: { readonly estimatedUs: number };
  /** The target runtime already removes the work (lint's info findings): nothing to confirm. */
  readonly fixedByRuntime?: boolean;
  /** The check its rule declares for its message (rules' `meta.confirmation`); absent: none, the verdict is null. */
  readonly confirmation?: ConfirmationKind | null;
}

/** Defaults of the floor: below either, a layer's confirmation is null. */
export const CONFIRM_FLOOR_US = 20;
export const CONFIRM_FLOOR_SHARE_PERCENT = 1;
/** Counterfactual pairs measured per model by default (largest estimated impact first). */
export const DEFAULT_CONFIRM_TOP = 8;
/** Fewest copies per variant: the per-copy time is a difference over at least 3 copies. */
const MIN_COPIES = 4;
/** Most copies per variant (a 20 µs layer gets 16: about 320 µs of it per run). */
const MAX_COPIES = 16;
/** Whole-model element-wise finding: element-wise kernels must take at least this share of measured time. */
export const ELEMENTWISE_MIN_SHARE_PERCENT = 5;

/** The rule in words (docs, evidence of not-confirmed findings). */
export const CONFIRM_RULE =
  'confirmed when the original is slower than the replacement by more than max(5%, 2 x block spread) on CPU time ' +
  '(per block: time of one copy = (median run of N copies - median run of 1) / (N - 1), ratio = original / replacement; ' +
  'measuredRatio = median over blocks; block spread = interquartile range of the per-block ratios)';

export interface ConfirmOptions {
  /** Counterfactual pairs measured, by the largest estimated impact of their findings (default 8; 0: none). */
  readonly top?: number;
  /** Floor: a layer measured below this many microseconds is not confirmed either way (default 20). */
  readonly floorUs?: number;
  /** Floor: ... or below this percentage of the model's measured kernel time (default 1). */
  readonly floorSharePercent?: number;
  /** Interleaved blocks (default 5), timed runs of each variant per block (default 8), warm-up rounds (default 2). */
  readonly blocks?: number;
  readonly runsPerBlock?: number;
  readonly warmup?: number;
  /**
   * Copies of the unit per variant: enough for about this many microseconds of the layer per run
   * (from its profiled time), at least 4 and at most `maxCopies` (default 2000).
   */
  readonly targetRunUs?: number;
  /** Default 16. */
  readonly maxCopies?: number;
  /** balanced-channels: the widths' rounding (counterfactual.ts); default 8. */
  readonly channelAlign?: number;
  /** Progress of the measurement (runs done, runs in all). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A finding with its measured evidence. `metrics` gains `measured*` entries. */
export type ConfirmedFinding<F extends FindingLike> = Omit<F, 'metrics' | 'message'> & {
  /** true: the counterfactual supports the finding; false: it does not; null: nothing measured applies (the evidence says why). */
  readonly confirmed: boolean | null;
  /** One sentence with the measured numbers, or why nothing was measured. */
  readonly evidence: string;
  /** The original message followed by "Measured: <evidence>." */
  readonly message: string;
  readonly metrics: Readonly<Record<string, number>>;
};

/** The decision on one counterfactual's per-block medians. */
export interface CounterfactualVerdict {
  readonly confirmed: boolean;
  /** Median over blocks of original / replacement (above 1: the original is slower). */
  readonly ratio: number;
  /** Interquartile range of the per-block ratios. */
  readonly spread: number;
  /** max(5%, 2 x spread). */
  readonly margin: number;
  readonly perBlock: readonly number[];
}

/**
 * Time of one copy of a unit in each block: (block median with `copies` copies - block median with one)
 * / (copies - 1). What every run pays once (feeding the input, layout conversion of the input) cancels.
 */
export function perCopyMs(oneBlockMs: readonly number[], manyBlockMs: readonly number[], copies: number): number[] {
  if (oneBlockMs.length !== manyBlockMs.length)
    throw new RangeError('one-copy and many-copy runs need the same number of blocks');
  return manyBlockMs.map((t, b) => (t - at(oneBlockMs, b)) / (copies - 1));
}

/**
 * Applies the rule to per-block times of the original and the replacement (milliseconds, same blocks;
 * `perCopyMs`). null when a block's time is not positive (the difference drowned in noise).
 */
export function counterfactualVerdict(
  originalBlockMs: readonly number[],
  replacementBlockMs: readonly number[],
): CounterfactualVerdict | null {
  if (originalBlockMs.length === 0 || originalBlockMs.length !== replacementBlockMs.length)
    throw new RangeError('original and replacement need the same, non-zero number of blocks');
  if ([...originalBlockMs, ...replacementBlockMs].some((t) => !(t > 0))) return null;
  const s = summarizeRatios(originalBlockMs.map((t, b) => t / at(replacementBlockMs, b)));
  const margin = Math.max(MIN_EFFECT, 2 * s.iqr);
  return { confirmed: s.median - 1 > margin, ratio: s.median, spread: s.iqr, margin, perBlock: s.perBlock };
}

interface Evaluation {
  readonly confirmed: boolean | null;
  readonly evidence: string;
  readonly metrics: Record<string, number>;
  /** The evidence already names how the pair was measured (no profile suffix). */
  readonly measuredPair?: boolean;
}

interface Candidate {
  readonly index: number;
  readonly spec: CounterfactualSpec;
  readonly layerUs: number;
  readonly impactUs: number;
  readonly metrics: Record<string, number>;
}

/**
 * Evidence text precision (one sentence per finding, not a table): percentages with one decimal below
 * 10% and whole above, kernel time in µs with one decimal below 10, per-copy time in ms with three
 * decimals below 1 ms (the copies of a pair differ by microseconds), multiply-adds in M.
 */
const evidencePercent = (x: number): string => formatPercent(x, Math.abs(x) < 0.1 ? 1 : 0);
const evidenceUs = (x: number): string => `${x.toFixed(x < 10 ? 1 : 0)} µs`;
const evidenceMs = (x: number): string => `${x.toFixed(x < 1 ? 3 : 2)} ms`;
const evidenceMega = (x: number): string => `${(x / 1e6).toFixed(x < 1e7 ? 2 : 1)}M`;

interface Context {
  readonly analysis: Analysis;
  readonly structure: GraphStructure;
  readonly byNode: ReadonlyMap<string, ProfileLayer>;
  readonly totalUs: number;
  readonly floorUs: number;
  readonly floorShare: number;
}

/** Measured time of the kernels that ran a merged-block finding's block (each kernel once). */
function blockUs(ctx: Context, f: FindingLike): number | null {
  const block = findBlock(ctx.structure, f.data);
  if (!block) return null;
  const kernels = new Set<ProfileLayer>();
  for (const i of block.layers) {
    const k = ctx.byNode.get(at(ctx.analysis.layers, i).name);
    if (k) kernels.add(k);
  }
  return kernels.size ? [...kernels].reduce((s, k) => s + k.measuredUs, 0) : null;
}

function timeMetrics(ctx: Context, layerUs: number): Record<string, number> {
  return { measuredUs: layerUs, measuredTimeSharePercent: ctx.totalUs > 0 ? (100 * layerUs) / ctx.totalUs : 0 };
}

/** What needs no measurement: fused, unmeasured, below the floor, no counterfactual. */
function precheck(
  f: FindingLike,
  ctx: Context,
  cpu: string | null,
  top: number,
  channelAlign: number,
): Evaluation | { spec: CounterfactualSpec; layerUs: number; metrics: Record<string, number> } {
  if (f.fixedByRuntime)
    return {
      confirmed: null,
      evidence: 'the runtime already removes this work; there is no time of its own to measure',
      metrics: {},
    };
  const kernel = f.node === null ? undefined : ctx.byNode.get(f.node);
  if (!hasCounterfactual(f)) {
    const timing = kernel
      ? `; its kernel '${kernel.name}' took ${evidenceUs(kernel.measuredUs)}, ${evidencePercent(ctx.totalUs > 0 ? kernel.measuredUs / ctx.totalUs : 0)} of measured time`
      : '';
    return {
      confirmed: null,
      evidence: `${noCheckDeclared(f)}${timing}`,
      metrics: kernel ? timeMetrics(ctx, kernel.measuredUs) : {},
    };
  }
  if (cpu !== null) return { confirmed: null, evidence: cpu, metrics: {} };
  let layerUs: number;
  if (f.confirmation === 'merged-block') {
    const t = blockUs(ctx, f);
    if (t === null) return { confirmed: null, evidence: 'no kernel of the block was measured', metrics: {} };
    layerUs = t;
  } else {
    if (!kernel)
      return {
        confirmed: null,
        evidence: `node '${f.node}' was not measured (folded at load or not executed)`,
        metrics: {},
      };
    // A node inside another layer's kernel (a ReLU in a FusedConv, depthwise or not) costs no kernel of
    // its own; a node of an element-wise kernel (Sigmoid+Mul run as one SiLU kernel) is measured as that kernel.
    const anchor = ctx.analysis.layers.find((l) => l.name === kernel.nodes[0]);
    const anchorKind = anchor ? elementwiseKind(anchor) : null;
    const elementwiseKernel = anchorKind !== null && anchorKind !== 'depthwise-conv';
    if (kernel.nodes.length > 1 && kernel.nodes[0] !== f.node && !elementwiseKernel) {
      return {
        confirmed: null,
        evidence: `onnxruntime fused it into kernel '${kernel.name}' (${kernel.opType}); not separately measurable`,
        metrics: { measuredFused: 1 },
      };
    }
    layerUs = kernel.measuredUs;
  }
  const metrics = timeMetrics(ctx, layerUs);
  const share = ctx.totalUs > 0 ? layerUs / ctx.totalUs : 0;
  if (layerUs < ctx.floorUs || share < ctx.floorShare) {
    return {
      confirmed: null,
      evidence: `below the floor: ${evidenceUs(layerUs)}, ${evidencePercent(share)} of measured time (floor: ${ctx.floorUs} µs and ${evidencePercent(ctx.floorShare)}); per-kernel overhead, not the guideline, decides the time of a layer this small`,
      metrics,
    };
  }
  if (top === 0) return { confirmed: null, evidence: 'counterfactual confirmation is off (--confirm-top 0)', metrics };
  const spec = counterfactualFor(f, ctx.analysis, ctx.structure, { channelAlign, kernelNodes: kernel?.nodes });
  if ('unavailable' in spec) return { confirmed: null, evidence: `no counterfactual: ${spec.unavailable}`, metrics };
  return { spec, layerUs, metrics };
}

/** `null` when the profile ran on onnxruntime's CPU provider, else why no counterfactual runs. */
function cpuOnly(profile: ProfileResult): string | null {
  if (profile.source !== 'onnxruntime-node')
    return `counterfactual pairs need onnxruntime-node; this profile was imported (${profile.source})`;
  if (profile.ep !== null && profile.ep !== 'cpu')
    return `counterfactual pairs run on onnxruntime's CPU provider only; this profile ran on --ep ${profile.ep}`;
  return null;
}

function optLevelFor(profile: ProfileResult): MeasureOptLevel {
  return profile.optLevel === 'disabled' ? 'disabled' : 'all';
}

/** Nodes in onnxruntime's optimized graph of a variant. */
function nodeCount(ops: Readonly<Record<string, number>>): number {
  return Object.values(ops).reduce((s, n) => s + n, 0);
}

/** `offset`: where the pair's four variants (original, replacement, and their one-copy models) start in `result`. */
function decide(pair: CounterfactualPair, result: InterleavedResult, offset: number): Evaluation {
  // measureInterleaved answers one variant per model it was given, in order.
  const o = at(result.variants, offset);
  const r = at(result.variants, offset + 1);
  const o1 = at(result.variants, offset + 2);
  const r1 = at(result.variants, offset + 3);
  const where = `CPUExecutionProvider, opt ${result.optLevel}, 1 thread, CPU time, ${result.blocks} blocks of ${result.runsPerBlock} runs`;
  const { spec } = pair;
  if (
    spec.removedOps !== null &&
    o.optimizedOps !== null &&
    r.optimizedOps !== null &&
    nodeCount(o.optimizedOps) - nodeCount(r.optimizedOps) < pair.copies
  ) {
    return {
      confirmed: null,
      evidence: `in the pair (${pair.original.text}) onnxruntime fused the ${spec.removedOps} into its producer, while the model runs it as a kernel of its own: the pair does not represent the model (${where})`,
      metrics: {},
      measuredPair: true,
    };
  }
  const oMs = perCopyMs(o1.cpu.blockMediansMs, o.cpu.blockMediansMs, pair.copies);
  const rMs = perCopyMs(r1.cpu.blockMediansMs, r.cpu.blockMediansMs, pair.copies);
  const v = counterfactualVerdict(oMs, rMs);
  if (v === null) {
    return {
      confirmed: null,
      evidence: `counterfactual ${pair.original.text} vs ${pair.replacement.text}: the time of one copy did not stand out of the run-to-run noise in every block (${where})`,
      metrics: {},
      measuredPair: true,
    };
  }
  const oMedian = median(oMs);
  const rMedian = median(rMs);
  const flops =
    spec.kind === 'equal-flops'
      ? `, ${evidenceMega(pair.original.flopsPerCopy)} vs ${evidenceMega(pair.replacement.flopsPerCopy)} multiply-adds`
      : '';
  const slower = v.ratio - 1;
  const verdict = v.confirmed
    ? `the original is ${evidencePercent(slower)} slower, more than the margin`
    : slower > MIN_EFFECT
      ? `the original is ${evidencePercent(slower)} slower, within the margin (block noise)`
      : slower >= 0
        ? `the original is at most ${evidencePercent(Math.max(slower, 0))} slower`
        : `the original is ${evidencePercent(-slower)} faster`;
  return {
    confirmed: v.confirmed,
    evidence:
      `counterfactual ${pair.original.text} vs ${pair.replacement.text}${flops}: ` +
      `${evidenceMs(oMedian)} vs ${evidenceMs(rMedian)} per copy (runs of ${pair.copies} copies less runs of 1), ratio ${v.ratio.toFixed(2)} (block spread ${v.spread.toFixed(3)}, margin ${evidencePercent(v.margin)}): ${verdict} (${where})`,
    metrics: {
      measuredRatio: v.ratio,
      measuredSpread: v.spread,
      measuredMargin: v.margin,
      measuredOriginalMs: oMedian,
      measuredReplacementMs: rMedian,
      measuredCopies: pair.copies,
    },
    measuredPair: true,
  };
}

/** Share of measured time in kernels whose first node is element-wise (shared definition, copies excluded). */
function elementwiseShare(ctx: Context, layers: readonly ProfileLayer[]): number {
  const byName = new Map<string, LayerReport>(ctx.analysis.layers.map((l) => [l.name, l]));
  let t = 0;
  for (const k of layers) {
    const first = k.nodes[0];
    const anchor = first === undefined ? undefined : byName.get(first);
    const kind = anchor ? elementwiseKind(anchor) : null;
    if (kind !== null && kind !== 'copy') t += k.measuredUs;
  }
  return ctx.totalUs > 0 ? t / ctx.totalUs : 0;
}

/** elementwise-time-share: the measured element-wise share, and the node-level pairs of the same rule (`ruleId`). */
function elementwiseTimeShare(
  ctx: Context,
  profile: ProfileResult,
  ruleId: string,
  nodeLevel: readonly Evaluation[],
): Evaluation {
  const share = elementwiseShare(ctx, profile.layers);
  const metrics = { measuredTimeSharePercent: 100 * share };
  const head = `element-wise kernels (depthwise convs included) take ${evidencePercent(share)} of measured time`;
  if (100 * share < ELEMENTWISE_MIN_SHARE_PERCENT)
    return { confirmed: false, evidence: `${head}, under ${ELEMENTWISE_MIN_SHARE_PERCENT}%`, metrics };
  const measured = nodeLevel.filter((e) => e.confirmed !== null);
  const yes = measured.filter((e) => e.confirmed === true).length;
  if (measured.length === 0)
    return {
      confirmed: null,
      evidence: `${head}; no node-level ${ruleId} counterfactual was measured, so nothing decides it`,
      metrics,
    };
  return {
    confirmed: yes > 0,
    evidence: `${head}; ${yes} of ${measured.length} node-level ${ruleId} counterfactuals confirmed`,
    metrics,
  };
}

/**
 * Marks each finding confirmed, not confirmed or null by counterfactual measurement (see the module
 * comment for the rule and the floor) and appends the evidence to its message. `analysis` and
 * `profile` must be of the same model (node names join them). Runs onnxruntime (one worker, one
 * measurement for all pairs); a failed measurement turns the measured findings null with the error.
 */
export async function confirmFindings<F extends FindingLike>(
  findings: readonly F[],
  analysis: Analysis,
  profile: ProfileResult,
  options: ConfirmOptions = {},
): Promise<ConfirmedFinding<F>[]> {
  const top = options.top ?? DEFAULT_CONFIRM_TOP;
  const byNode = new Map<string, ProfileLayer>();
  for (const l of profile.layers) for (const n of l.nodes) byNode.set(n, l);
  const ctx: Context = {
    analysis,
    structure: analyzeStructure(analysis),
    byNode,
    totalUs: profile.layers.reduce((s, l) => s + l.measuredUs, 0),
    floorUs: options.floorUs ?? CONFIRM_FLOOR_US,
    floorShare: (options.floorSharePercent ?? CONFIRM_FLOOR_SHARE_PERCENT) / 100,
  };
  const cpu = cpuOnly(profile);
  const evaluations: (Evaluation | undefined)[] = findings.map(() => undefined);
  const candidates: Candidate[] = [];
  findings.forEach((f, index) => {
    if (f.confirmation === 'elementwise-time-share') return; // decided last, from the node-level pairs
    const r = precheck(f, ctx, cpu, top, options.channelAlign ?? 8);
    if ('spec' in r)
      candidates.push({
        index,
        spec: r.spec,
        layerUs: r.layerUs,
        impactUs: f.impact?.estimatedUs ?? 0,
        metrics: r.metrics,
      });
    else evaluations[index] = r;
  });

  // One pair per key (identically shaped layers share it), the largest impacts first.
  const groups = new Map<string, Candidate[]>();
  for (const c of [...candidates].sort((a, b) => b.impactUs - a.impactUs || a.index - b.index))
    groups.set(c.spec.key, [...(groups.get(c.spec.key) ?? []), c]);
  const ranked = [...groups.values()];
  const measured = ranked.slice(0, top);
  for (const g of ranked.slice(top)) {
    for (const c of g)
      evaluations[c.index] = {
        confirmed: null,
        evidence: `not measured: beyond the ${top} counterfactual pairs measured per model (--confirm-top), ranked by estimated impact`,
        metrics: c.metrics,
      };
  }
  if (measured.length > 0) {
    const target = options.targetRunUs ?? 2000;
    const maxCopies = options.maxCopies ?? MAX_COPIES;
    const pairs = measured.map((g) => {
      const lead = at(g, 0); // a group holds at least the candidate that created it
      return buildCounterfactualPair(
        lead.spec,
        Math.min(maxCopies, Math.max(MIN_COPIES, Math.ceil(target / Math.max(lead.layerUs, 1)))),
      );
    });
    let result: InterleavedResult | null = null;
    let failure = '';
    try {
      result = await measureInterleaved(
        pairs.flatMap((p) =>
          [p.original, p.replacement, p.originalOne, p.replacementOne].map((m) => ({
            label: m.label,
            model: m.model,
            inputs: m.inputs,
          })),
        ),
        {
          optLevel: optLevelFor(profile),
          blocks: options.blocks,
          runsPerBlock: options.runsPerBlock,
          warmup: options.warmup,
          clock: 'cpu',
          inspectOptimizedGraphs: pairs.some((p) => p.spec.removedOps !== null),
          onProgress: options.onProgress,
        },
      );
    } catch (err) {
      failure = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0] ?? '';
    }
    measured.forEach((g, k) => {
      const e: Evaluation = result
        ? decide(at(pairs, k), result, 4 * k)
        : { confirmed: null, evidence: `the counterfactual measurement failed: ${failure}`, metrics: {} };
      for (const c of g) evaluations[c.index] = { ...e, metrics: { ...c.metrics, ...e.metrics } };
    });
  }
  // Node-level evaluations as they stand before the whole-model findings are decided.
  const nodeLevel = (ruleId: string): Evaluation[] =>
    findings.flatMap((f, i) => (f.ruleId === ruleId && f.node !== null && evaluations[i] ? [evaluations[i]] : []));
  const decidedLast = findings.flatMap((f, i) =>
    evaluations[i] === undefined ? [{ i, ruleId: f.ruleId, nodeLevel: nodeLevel(f.ruleId) }] : [],
  );
  // Left: the whole-model element-wise findings.
  for (const { i, ruleId, nodeLevel: pairs } of decidedLast) {
    if (cpu !== null) evaluations[i] = { confirmed: null, evidence: cpu, metrics: {} };
    else if (top === 0)
      evaluations[i] = {
        confirmed: null,
        evidence: 'counterfactual confirmation is off (--confirm-top 0)',
        metrics: {},
      };
    else evaluations[i] = elementwiseTimeShare(ctx, profile, ruleId, pairs);
  }

  const where = `${profile.provider}${profile.optLevel ? `, opt ${profile.optLevel}` : ''}`;
  return findings.map((f, i) => {
    const r = evaluations[i] as Evaluation;
    const evidence = r.measuredPair ? r.evidence : `${r.evidence} (profile: ${where})`;
    return {
      ...f,
      confirmed: r.confirmed,
      evidence,
      message: `${f.message}${/[.!?]$/.test(f.message) ? '' : '.'} Measured: ${evidence}.`,
      metrics: { ...f.metrics, ...r.metrics },
    };
  });
}
