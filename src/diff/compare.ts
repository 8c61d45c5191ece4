import type { Analysis, LayerReport } from '../analyzers/analyze.js';
import { CONVENTIONS } from '../analyzers/analyze.js';
import type { OpCategory } from '../analyzers/types.js';
import type { Dim } from '../model/ir.js';
import type { LatencyStats } from '../profile/stats.js';
import type { ProfileResult } from '../profile/types.js';
import type { Finding, LintSummary } from '../rules/lint.js';
import { summarize } from '../rules/lint.js';
import { at } from '../util/at.js';

/** A number in the base and the head model, with the change. */
export interface Change {
  readonly before: number;
  readonly after: number;
  /** after - before. */
  readonly delta: number;
  /**
   * 100 * delta / before. 0 when both are 0; null when before is 0 and after is not (growth from
   * nothing has no percentage, and JSON has no Infinity).
   */
  readonly percent: number | null;
}

/** Model totals compared (the Analysis `totals`; `unknownCostLayers` as a count). */
export interface TotalsDiff {
  readonly flops: Change;
  readonly params: Change;
  readonly memAccess: Change;
  readonly memBytes: Change;
  readonly layers: Change;
  readonly unknownCostLayers: Change;
}

/**
 * Totals of one group of layers (an op type or a category) in both models. `count` counts every
 * layer; `flops` and `memAccess` leave out folded layers and unknown costs, as the model totals do, so
 * the groups add up to the totals. `params` sums each layer's weights (a weight shared by two layers
 * counts in both, unlike the model total).
 */
export interface GroupTotals {
  readonly count: Change;
  readonly flops: Change;
  readonly params: Change;
  readonly memAccess: Change;
}

/** One op type's totals in both models (matched by domain and op type). */
export interface OpTypeDiff extends GroupTotals {
  readonly opType: string;
  /** '' = ai.onnx. */
  readonly domain: string;
  /** The category of the op type's layers (head's when both models have it). */
  readonly category: OpCategory | 'unknown';
}

/** One op category's totals in both models. */
export interface CategoryDiff extends GroupTotals {
  readonly category: OpCategory | 'unknown';
}

/** The parts of a layer the diff reports. */
export interface LayerSnapshot {
  readonly name: string;
  readonly opType: string;
  readonly category: OpCategory | 'unknown';
  readonly outputShapes: readonly (readonly Dim[] | null)[];
  readonly flops: number | null;
  readonly params: number;
  readonly memAccess: number | null;
}

/** What made a layer count as changed. */
export type LayerChangeKind = 'opType' | 'outputShape' | 'flops';

/** A layer present in both models under the same name, with a different op type, output shape or FLOPs. */
export interface LayerChange {
  readonly name: string;
  readonly changes: readonly LayerChangeKind[];
  readonly before: LayerSnapshot;
  readonly after: LayerSnapshot;
  /** null when either side's cost is unknown. */
  readonly flops: Change | null;
  readonly memAccess: Change | null;
}

/** Layers matched by node name. */
export interface LayersDiff {
  /** In head only, head graph order. */
  readonly added: readonly LayerSnapshot[];
  /** In base only, base graph order. */
  readonly removed: readonly LayerSnapshot[];
  /** In both, changed; head graph order. */
  readonly changed: readonly LayerChange[];
  /** In both, same op type, output shapes and FLOPs. */
  readonly unchanged: number;
}

/** Findings matched by rule id, node and message id. */
export interface FindingsDiff {
  /** Head findings with no counterpart in base (same rule id, node and message id), head order. */
  readonly new: readonly Finding[];
  /** Base findings with no counterpart in head, base order. */
  readonly fixed: readonly Finding[];
  /** Findings present in both. */
  readonly unchanged: number;
}

/** Profiling settings, identical for both models. */
export interface LatencySettings {
  readonly ep: string | null;
  /** Provider that ran most of the time in the head model. */
  readonly provider: string;
  readonly runs: number;
  readonly warmup: number;
  readonly threads: number | null;
  readonly optLevel: string | null;
  readonly onnxruntimeVersion: string | null;
}

/** Measured whole-model latency of both models (unprofiled runs, milliseconds). */
export interface LatencyDiff {
  readonly before: LatencyStats;
  readonly after: LatencyStats;
  /** Medians compared. */
  readonly median: Change;
  /**
   * Interleaved: 2 x the block spread (interquartile range) of the per-block ratio, in percent.
   * Separate sessions: 2 x the larger coefficient of variation. A smaller |median.percent| is noise.
   */
  readonly noisePercent: number;
  /** |median.percent| < noisePercent. */
  readonly withinNoise: boolean;
  readonly settings: LatencySettings;
  /**
   * How `median` was measured: `interleaved` (both models in one process, run-level interleaving,
   * per-block ratio of medians, on `clock`), or `separate-sessions` (the two profiles' wall medians,
   * when interleaving was not possible, e.g. another execution provider).
   */
  readonly measuredBy: 'interleaved' | 'separate-sessions';
  readonly clock: 'cpu' | 'wall';
}

/** The two models measured interleaved in one process (src/profile/measure/interleaved.ts). */
export interface InterleavedLatency {
  readonly clock: 'cpu' | 'wall';
  /** Median over blocks of the per-block medians, milliseconds. */
  readonly baseMedianMs: number;
  readonly headMedianMs: number;
  /** Head's throughput relative to base, median over blocks (base time / head time). */
  readonly ratio: number;
  /** Interquartile range of the per-block ratios. */
  readonly spread: number;
}

/** One side of the comparison, as named on the command line, with its finding counts. */
export interface DiffSide {
  readonly model: string;
  readonly summary: LintSummary;
}

/** Everything that differs between two models: the input to the diff verdict and formatters. */
export interface ModelDiff {
  readonly base: DiffSide;
  readonly head: DiffSide;
  readonly conventions: { readonly flops: string; readonly memAccess: string };
  readonly totals: TotalsDiff;
  /** Every op type in either model, largest |FLOPs change| first. */
  readonly opTypes: readonly OpTypeDiff[];
  /** Every category in either model, largest |FLOPs change| first. */
  readonly categories: readonly CategoryDiff[];
  readonly layers: LayersDiff;
  readonly findings: FindingsDiff;
  /** Only when both models were profiled. */
  readonly latency: LatencyDiff | null;
  /** Why the comparison may mislead (different input shapes, unknown costs, one side unprofiled). */
  readonly warnings: readonly string[];
}

/** One model to compare: its analysis, and optionally its lint findings and measurements. */
export interface CompareInput {
  /** Name shown for the model (default: analysis.model.path). */
  readonly model?: string;
  readonly analysis: Analysis;
  /** Lint findings of the model (a LintResult fits); none when absent. */
  readonly findings?: readonly Finding[];
  /** `profileModel` result; latency is compared when both sides have one. */
  readonly profile?: ProfileResult | null;
}

/** A before/after pair. */
export function change(before: number, after: number): Change {
  const delta = after - before;
  const percent = before === 0 ? (after === 0 ? 0 : null) : (100 * delta) / before;
  return { before, after, delta, percent };
}

function snapshot(l: LayerReport): LayerSnapshot {
  return {
    name: l.name,
    opType: l.opType,
    category: l.category,
    outputShapes: l.outputShapes,
    flops: l.flops,
    params: l.params,
    memAccess: l.memAccess,
  };
}

function nullableChange(before: number | null, after: number | null): Change | null {
  return before === null || after === null ? null : change(before, after);
}

interface Sums {
  count: number;
  flops: number;
  params: number;
  memAccess: number;
}

function groupSums(layers: readonly LayerReport[], keyOf: (l: LayerReport) => string): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const l of layers) {
    const key = keyOf(l);
    const s = out.get(key) ?? { count: 0, flops: 0, params: 0, memAccess: 0 };
    s.count += 1;
    s.params += l.params;
    if (!l.folded) {
      s.flops += l.flops ?? 0;
      s.memAccess += l.memAccess ?? 0;
    }
    out.set(key, s);
  }
  return out;
}

const NO_SUMS: Sums = { count: 0, flops: 0, params: 0, memAccess: 0 };

function groupDiff(base: Map<string, Sums>, head: Map<string, Sums>): { key: string; totals: GroupTotals }[] {
  const keys = [...new Set([...base.keys(), ...head.keys()])];
  return keys
    .map((key) => {
      const b = base.get(key) ?? NO_SUMS;
      const h = head.get(key) ?? NO_SUMS;
      return {
        key,
        totals: {
          count: change(b.count, h.count),
          flops: change(b.flops, h.flops),
          params: change(b.params, h.params),
          memAccess: change(b.memAccess, h.memAccess),
        },
      };
    })
    .sort(
      (a, b) =>
        Math.abs(b.totals.flops.delta) - Math.abs(a.totals.flops.delta) ||
        Math.abs(b.totals.memAccess.delta) - Math.abs(a.totals.memAccess.delta) ||
        Math.abs(b.totals.count.delta) - Math.abs(a.totals.count.delta) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
}

/**
 * Layer identity: the node name, plus its occurrence number when a (non-conforming) model repeats a
 * name, so the n-th `conv` of base meets the n-th `conv` of head.
 */
function keyedLayers(layers: readonly LayerReport[]): Map<string, LayerReport> {
  const seen = new Map<string, number>();
  const out = new Map<string, LayerReport>();
  for (const l of layers) {
    const n = seen.get(l.name) ?? 0;
    seen.set(l.name, n + 1);
    out.set(n === 0 ? l.name : `${l.name}\u0000${n}`, l);
  }
  return out;
}

function sameShapes(a: LayerReport['outputShapes'], b: LayerReport['outputShapes']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function compareLayers(base: readonly LayerReport[], head: readonly LayerReport[]): LayersDiff {
  const b = keyedLayers(base);
  const h = keyedLayers(head);
  const added: LayerSnapshot[] = [];
  const changed: LayerChange[] = [];
  let unchanged = 0;
  for (const [key, after] of h) {
    const before = b.get(key);
    if (!before) {
      added.push(snapshot(after));
      continue;
    }
    const changes: LayerChangeKind[] = [];
    if (before.opType !== after.opType || before.domain !== after.domain) changes.push('opType');
    if (!sameShapes(before.outputShapes, after.outputShapes)) changes.push('outputShape');
    if (before.flops !== after.flops) changes.push('flops');
    if (changes.length === 0) {
      unchanged += 1;
      continue;
    }
    changed.push({
      name: after.name,
      changes,
      before: snapshot(before),
      after: snapshot(after),
      flops: nullableChange(before.flops, after.flops),
      memAccess: nullableChange(before.memAccess, after.memAccess),
    });
  }
  const removed = [...b].filter(([key]) => !h.has(key)).map(([, l]) => snapshot(l));
  return { added, removed, changed, unchanged };
}

/** A finding's identity across models: its fingerprint (rule, node, cause), never the numbers in the message. */
export function findingKey(f: Finding): string {
  return f.fingerprint;
}

/** A node's own amounts: when they are equal in base and head, the node did not change. */
function layerAmounts(layers: readonly LayerReport[]): Map<string, string> {
  return new Map(layers.map((l) => [l.name, `${l.opType}:${l.flops}:${l.memAccess}:${l.params}`]));
}

/**
 * Findings matched as multisets of fingerprints: when base has a key twice and head three times, the
 * third head finding is new. A head finding on a node whose own amounts (op, FLOPs, memAccess, params)
 * are the same in base is never new: it describes the same work, and only a relative cut (the top N
 * offenders, a share of a total that shrank elsewhere) moved it into view.
 */
function compareFindings(
  base: readonly Finding[],
  head: readonly Finding[],
  baseLayers: readonly LayerReport[],
  headLayers: readonly LayerReport[],
): FindingsDiff {
  const count = (fs: readonly Finding[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const f of fs) m.set(findingKey(f), (m.get(findingKey(f)) ?? 0) + 1);
    return m;
  };
  const extra = (fs: readonly Finding[], other: Map<string, number>): Finding[] => {
    const left = new Map(other);
    const out: Finding[] = [];
    for (const f of fs) {
      const k = findingKey(f);
      const n = left.get(k) ?? 0;
      if (n > 0) left.set(k, n - 1);
      else out.push(f);
    }
    return out;
  };
  const before = layerAmounts(baseLayers);
  const after = layerAmounts(headLayers);
  const unchangedNode = (f: Finding): boolean =>
    f.node !== null && before.has(f.node) && before.get(f.node) === after.get(f.node);
  const fresh = extra(head, count(base)).filter((f) => !unchangedNode(f));
  const fixed = extra(base, count(head)).filter((f) => !unchangedNode(f));
  return { new: fresh, fixed, unchanged: head.length - fresh.length };
}

function compareLatency(
  base: ProfileResult,
  head: ProfileResult,
  interleaved: InterleavedLatency | undefined,
): LatencyDiff | null {
  if (!base.latencyMs || !head.latencyMs) return null;
  if (interleaved) {
    // Head's time relative to base is 1 / ratio; its spread carries over to first order.
    const percent = (1 / interleaved.ratio - 1) * 100;
    const noisePercent = 2 * interleaved.spread * 100;
    return {
      before: base.latencyMs,
      after: head.latencyMs,
      median: { ...change(interleaved.baseMedianMs, interleaved.headMedianMs), percent },
      noisePercent,
      withinNoise: Math.abs(percent) < noisePercent,
      settings: latencySettings(head),
      measuredBy: 'interleaved',
      clock: interleaved.clock,
    };
  }
  const median = change(base.latencyMs.median, head.latencyMs.median);
  const noisePercent = 2 * Math.max(base.latencyMs.cv, head.latencyMs.cv) * 100;
  return {
    before: base.latencyMs,
    after: head.latencyMs,
    median,
    noisePercent,
    withinNoise: median.percent !== null && Math.abs(median.percent) < noisePercent,
    settings: latencySettings(head),
    measuredBy: 'separate-sessions',
    clock: 'wall',
  };
}

function latencySettings(head: ProfileResult): LatencySettings {
  return {
    ep: head.ep,
    provider: head.provider,
    runs: head.latencyMs?.runs ?? 0,
    warmup: head.warmup,
    threads: head.threads,
    optLevel: head.optLevel,
    onnxruntimeVersion: head.onnxruntimeVersion,
  };
}

function profileSettings(p: ProfileResult): string {
  return JSON.stringify([p.ep, p.latencyMs?.runs ?? null, p.warmup, p.threads, p.optLevel, p.onnxruntimeVersion]);
}

function shapeText(shape: readonly Dim[] | null): string {
  return shape === null ? '?' : `[${shape.join(',')}]`;
}

function comparisonWarnings(base: CompareInput, head: CompareInput): string[] {
  const warnings: string[] = [];
  const inputs = (a: Analysis): string => a.inputs.map((i) => `${i.name}${shapeText(i.shape)}`).join(', ');
  if (inputs(base.analysis) !== inputs(head.analysis)) {
    warnings.push(
      `the models' inputs differ (base ${inputs(base.analysis) || 'none'}; head ${inputs(head.analysis) || 'none'}): costs are compared at different input sizes`,
    );
  }
  for (const [side, input] of [
    ['base', base],
    ['head', head],
  ] as const) {
    const n = input.analysis.totals.unknownCostLayers.length;
    if (n > 0) warnings.push(`${side} has ${n} layer${n === 1 ? '' : 's'} of unknown cost, left out of its totals`);
  }
  if (Boolean(base.profile) !== Boolean(head.profile))
    warnings.push(`only the ${base.profile ? 'base' : 'head'} model was profiled: latency is not compared`);
  if (base.profile && head.profile && profileSettings(base.profile) !== profileSettings(head.profile)) {
    warnings.push(
      'the two models were profiled with different settings (provider, runs, warm-up, threads or opt level)',
    );
  }
  if (base.profile && head.profile && (!base.profile.latencyMs || !head.profile.latencyMs)) {
    warnings.push('a profile holds no whole-model latency (an imported trace): latency is not compared');
  }
  return warnings;
}

/**
 * Compares two analysed models (base = before the change, head = after): totals, op types,
 * categories, layers matched by node name, findings matched by rule, node and message id, and the
 * measured latency when both sides were profiled. Pure: no I/O.
 */
export function compareModels(
  base: CompareInput,
  head: CompareInput,
  options: { readonly interleaved?: InterleavedLatency } = {},
): ModelDiff {
  const bt = base.analysis.totals;
  const ht = head.analysis.totals;
  const opKey = (l: LayerReport): string => `${l.domain}\u0000${l.opType}`;
  const categoryOf = new Map<string, OpCategory | 'unknown'>();
  for (const l of [...base.analysis.layers, ...head.analysis.layers]) categoryOf.set(opKey(l), l.category);
  const baseFindings = base.findings ?? [];
  const headFindings = head.findings ?? [];
  return {
    base: { model: base.model ?? base.analysis.model.path, summary: summarize(baseFindings) },
    head: { model: head.model ?? head.analysis.model.path, summary: summarize(headFindings) },
    conventions: { flops: CONVENTIONS.flops, memAccess: CONVENTIONS.memAccess },
    totals: {
      flops: change(bt.flops, ht.flops),
      params: change(bt.params, ht.params),
      memAccess: change(bt.memAccess, ht.memAccess),
      memBytes: change(bt.memBytes, ht.memBytes),
      layers: change(bt.layers, ht.layers),
      unknownCostLayers: change(bt.unknownCostLayers.length, ht.unknownCostLayers.length),
    },
    opTypes: groupDiff(groupSums(base.analysis.layers, opKey), groupSums(head.analysis.layers, opKey)).map(
      ({ key, totals }) => {
        const parts = key.split('\u0000'); // opKey: always two or more parts
        return { opType: at(parts, 1), domain: at(parts, 0), category: categoryOf.get(key) ?? 'unknown', ...totals };
      },
    ),
    categories: groupDiff(
      groupSums(base.analysis.layers, (l) => l.category),
      groupSums(head.analysis.layers, (l) => l.category),
    ).map(({ key, totals }) => ({
      category: key as OpCategory | 'unknown',
      ...totals,
    })),
    layers: compareLayers(base.analysis.layers, head.analysis.layers),
    findings: compareFindings(baseFindings, headFindings, base.analysis.layers, head.analysis.layers),
    latency: base.profile && head.profile ? compareLatency(base.profile, head.profile, options.interleaved) : null,
    warnings: comparisonWarnings(base, head),
  };
}
