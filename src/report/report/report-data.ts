import type { Analysis } from '../../analyzers/analyze.js';
import type { DeviceProfile } from '../../analyzers/roofline.js';
import { roofline } from '../../analyzers/roofline.js';
import type { TimeCategory } from '../../profile/categories.js';
import { TIME_CATEGORIES, timeCategory } from '../../profile/categories.js';
import type { LatencyStats } from '../../profile/stats.js';
import type { ProfileResult } from '../../profile/types.js';
import type { AnyRule, FindingSeverity } from '../../rules/define-rule.js';
import { DOCS_BASE_URL } from '../../rules/define-rule.js';
import type { LintResult, LintSummary, RuleSetting } from '../../rules/lint.js';
import { resolveRuleSetting } from '../../rules/lint.js';
import { at } from '../../util/at.js';
import { formatPercent, formatRho, humanCount } from '../shared/numbers.js';

/**
 * Everything the latency report shows, computed once: the HTML and Markdown reporters only format
 * these numbers. Built by `buildReportData` from an analysis, its lint result and (optionally) a
 * measured profile.
 */

export const REPORT_SCHEMA_VERSION = 1;

/** Where the report's own documentation lives (next to the rule pages). */
export const REPORT_DOCS_URL = new URL('../report.md', DOCS_BASE_URL).href;

/** Default number of layers in "top layers". */
export const DEFAULT_TOP_LAYERS = 15;
/** Coefficient of variation of latency above which the summary warns that the machine was noisy. */
export const NOISY_CV = 0.1;
/** Layers in "where FLOPs mislead" (largest time share above FLOPs share). */
export const MISLEADING_LAYERS = 8;

/** Display names of the Figure 2 buckets. */
export const CATEGORY_LABELS: Readonly<Record<TimeCategory, string>> = {
  conv: 'conv / GEMM',
  elementwise: 'element-wise',
  'data-movement': 'data movement',
  other: 'other',
};

/**
 * The headline numbers of a report. Each is computed once, here, and every section and format (HTML,
 * Markdown, `analyze` text) prints its `text`: the summary, the tables and the charts cannot disagree.
 */
export type FigureId =
  | 'flops'
  | 'params'
  | 'memAccess'
  | 'elementwiseGraphMemAccess'
  | 'elementwiseGraphFlops'
  | 'elementwiseKernelMemAccess'
  | 'elementwiseKernelFlops'
  | 'elementwiseKernelTime'
  | 'g4MemAccess'
  | 'g4Flops'
  | 'g4EstimatedTime';

/**
 * What each figure measures, its population included: the same words ("element-wise", "share of
 * memory access") over a different population (the ONNX graph as exported, the kernels as measured,
 * the graph the runtime executes) are different numbers, so they never share a label.
 */
export const FIGURE_LABELS: Readonly<Record<FigureId, string>> = {
  flops: 'FLOPs (multiply-adds, whole model)',
  params: 'parameters (whole model)',
  memAccess: 'memory access (elements read + written, whole model)',
  elementwiseGraphMemAccess: 'element-wise layers, share of memory access (ONNX graph before fusion)',
  elementwiseGraphFlops: 'element-wise layers, share of FLOPs (ONNX graph before fusion)',
  elementwiseKernelMemAccess: 'element-wise kernels, share of memory access (measured kernels after fusion)',
  elementwiseKernelFlops: 'element-wise kernels, share of FLOPs (measured kernels after fusion)',
  elementwiseKernelTime: 'element-wise kernels, share of measured time (measured kernels after fusion)',
  g4MemAccess: 'element-wise work as G4 counts it, share of memory access (graph the runtime executes)',
  g4Flops: 'element-wise work as G4 counts it, share of FLOPs (whole model)',
  g4EstimatedTime: 'element-wise work as G4 counts it, share of estimated time (graph the runtime executes)',
};

/** How the populations differ, printed under the key figures by every format. */
export const FIGURES_NOTE =
  'Element-wise layers and kernels are the Figure 2 bucket (activations, arithmetic, normalisation; depthwise convolutions count as conv). ' +
  'G4 counts the element-wise work the runtime still runs after fusion, depthwise convolutions and the residual read of an Add fused into a convolution included, over the graph the runtime executes: its finding prints the same numbers.';

/** One headline number, with the text every format prints. */
export interface KeyFigure {
  readonly id: FigureId;
  /** FIGURE_LABELS[id]. */
  readonly label: string;
  /** A count, or a fraction for shares (0.25 = 25%); NaN when a total saturated (a huge shape). */
  readonly value: number;
  /** The value formatted once: humanCount for counts, formatPercent for shares. */
  readonly text: string;
}

/** The machine the report was made on (gathered by the CLI; the builder stays pure). */
export interface ReportEnvironment {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** `linux 6.1.0 x64` */
  readonly os: string;
  /** `v20.19.0` */
  readonly node: string;
}

/** The machine as both reports' methodology states it (each format escapes the line its own way). */
export function machineText(e: ReportEnvironment): string {
  return `${e.cpu}, ${e.cores} logical cores, ${e.memoryGiB.toFixed(0)} GiB RAM, ${e.os}, Node.js ${e.node}`;
}

/** The roofline prediction of a device profile as both reports' methodology states it (without the profile's name). */
export function rooflineFormula(
  p: Pick<DeviceProfile, 'perOpOverheadUs' | 'peakFlopsPerSecond' | 'bandwidthBytesPerSecond'>,
): string {
  return `predicted µs = ${p.perOpOverheadUs.toFixed(2)} µs per kernel + max(FLOPs / ${(p.peakFlopsPerSecond / 1e9).toFixed(1)} G multiply-adds/s, memBytes / ${(p.bandwidthBytesPerSecond / 1e9).toFixed(1)} GB/s)`;
}

/** How latency was measured (null in the report when nothing was measured). */
export interface ReportMeasurement extends Pick<
  ProfileResult,
  'source' | 'ep' | 'provider' | 'onnxruntimeVersion' | 'optLevel' | 'threads' | 'batch' | 'warmup'
> {
  /** Whole-model latency of the unprofiled session, milliseconds. */
  readonly latencyMs: LatencyStats | null;
  /** Latency of the profiled session (slower: profiling overhead), milliseconds. */
  readonly profiledRunMs: LatencyStats | null;
  /** Median profiled run / median latency: how much profiling slows a run (null without both). */
  readonly profilingSlowdown: number | null;
  /** Sum of per-kernel medians, microseconds. */
  readonly kernelSumUs: number;
  readonly deviceProfile: string | null;
}

/** One Figure 2 bucket. Shares are fractions (0.25 = 25%). */
export interface BreakdownRow {
  readonly category: TimeCategory;
  readonly label: string;
  readonly flopsShare: number;
  readonly memAccessShare: number;
  /** null when nothing was measured. */
  readonly timeShare: number | null;
  readonly measuredUs: number | null;
  /** Layers (or kernels, on the kernel basis) in the bucket. */
  readonly count: number;
}

/**
 * The Figure 2 breakdown. On the `kernels` basis (a profile) FLOPs, memAccess and time are summed
 * over measured kernels, so an op fused into a conv kernel counts as conv; on the `graph` basis
 * (no profile) over the ONNX nodes, before any fusion.
 */
export interface Breakdown {
  readonly basis: 'kernels' | 'graph';
  readonly rows: readonly BreakdownRow[];
}

/** What a breakdown's shares are over: the caption every format prints above its table. */
export const BREAKDOWN_CAPTIONS: Readonly<Record<Breakdown['basis'], string>> = {
  kernels: 'Measured kernels, after fusion',
  graph: 'ONNX graph, before fusion',
};

/** One row of "top layers": a measured kernel, or (no profile) an ONNX layer. */
export interface TopLayer {
  readonly name: string;
  readonly opType: string;
  readonly category: TimeCategory;
  /** ONNX nodes the kernel computed (a fused kernel has several; an inserted one none). */
  readonly nodes: readonly string[];
  readonly flops: number | null;
  readonly memAccess: number | null;
  /** Roofline prediction with a device profile, microseconds. */
  readonly predictedUs: number | null;
  readonly measuredUs: number | null;
  /** Share of measured time (profile) or of memAccess (no profile). */
  readonly share: number;
  readonly bound: 'compute' | 'memory' | 'overhead' | null;
}

export interface TopLayers {
  /** What orders them: measured time, or memory access when nothing was measured. */
  readonly by: 'measured' | 'memAccess';
  readonly rows: readonly TopLayer[];
  /** Layers or kernels in all. */
  readonly total: number;
}

/** One point of the per-layer scatter plot. */
export interface LayerPoint {
  readonly name: string;
  readonly opType: string;
  readonly category: TimeCategory;
  readonly flops: number;
  /** measuredUs with a profile, else memAccess (elements). */
  readonly y: number;
}

export interface Scatter {
  /** The y axis: measured time (µs) or memory access (elements). */
  readonly y: 'measuredUs' | 'memAccess';
  readonly points: readonly LayerPoint[];
}

export interface Correlation {
  /** Spearman rank correlation of per-kernel measured time with FLOPs. */
  readonly flops: number | null;
  /** ... with the roofline prediction (null without a device profile). */
  readonly predicted: number | null;
  readonly layers: number;
  readonly deviceProfile: string | null;
}

/** A layer whose share of time is far above its share of FLOPs. */
export interface MisleadingLayer {
  readonly name: string;
  readonly opType: string;
  readonly category: TimeCategory;
  readonly timeShare: number;
  readonly flopsShare: number;
  readonly measuredUs: number;
}

/** A finding's verdict from counterfactual measurement. */
export interface FindingConfirmation {
  readonly confirmed: boolean | null;
  readonly evidence: string;
}

export interface ReportFinding {
  readonly severity: FindingSeverity;
  readonly node: string | null;
  readonly opType: string | null;
  /** The rule's message (without the measured evidence). */
  readonly message: string;
  readonly suggestion: string;
  /** true/false: the counterfactual measurement supports the finding or not; null: nothing measured applies (evidence says why); undefined: not confirmed at all. */
  readonly confirmed?: boolean | null;
  readonly evidence?: string;
}

/** Whether a rule ran. */
export type RuleStatus = 'ran' | 'off' | 'needs-device-profile';

export interface RuleGroup {
  readonly id: string;
  readonly name: string;
  readonly category: 'guideline' | 'extra';
  readonly description: string;
  readonly docsUrl: string;
  readonly status: RuleStatus;
  readonly findings: readonly ReportFinding[];
  readonly counts: LintSummary;
  /** With confirmations: findings confirmed, not confirmed, not measurable (null). */
  readonly verdicts: { readonly confirmed: number; readonly notConfirmed: number; readonly notMeasured: number } | null;
}

export interface ReportCoverage {
  readonly kernels: number;
  readonly joinedKernels: number;
  readonly joinedTimeShare: number;
  readonly nodes: number;
  readonly measuredNodes: number;
  readonly foldedNodes: number;
  /** Kernels that ran several ONNX nodes fused together. */
  readonly fusedKernels: number;
  readonly fusedNodes: number;
  /** Sum of kernel medians / median profiled run. */
  readonly kernelSumOverProfiledRun: number | null;
  readonly costlyUnmeasured: readonly string[];
}

export interface ReportData {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** Model argument as given (a path, or zoo:NAME). */
  readonly model: string;
  readonly producer: string;
  readonly opsets: Readonly<Record<string, number>>;
  readonly inputs: readonly { readonly name: string; readonly dtype: string; readonly shape: string }[];
  readonly totals: {
    readonly flops: number;
    readonly params: number;
    readonly memAccess: number;
    readonly memBytes: number;
    readonly layers: number;
    readonly unknownCostLayers: number;
  };
  readonly conventions: {
    readonly flops: string;
    readonly params: string;
    readonly memAccess: string;
    readonly measuredUs: string | null;
  };
  /**
   * The headline numbers (totals, element-wise shares per population), in display order. The KPI
   * tiles, the summary, the key-figures list and the breakdown tables all print these texts.
   */
  readonly figures: readonly KeyFigure[];
  /** null: no latency was measured (`--no-profile`). */
  readonly measurement: ReportMeasurement | null;
  /** Why nothing was measured (shown when measurement is null). */
  readonly noProfileReason: string | null;
  readonly breakdown: Breakdown;
  /** The same buckets over ONNX nodes before fusion (FLOPs and memAccess only). */
  readonly graphBreakdown: Breakdown;
  readonly takeaways: readonly string[];
  readonly topLayers: TopLayers;
  readonly scatter: Scatter;
  readonly correlation: Correlation | null;
  readonly misleading: readonly MisleadingLayer[];
  readonly findings: {
    readonly summary: LintSummary;
    /** Verdicts were given (counterfactual confirmation ran). */
    readonly measured: boolean;
    readonly groups: readonly RuleGroup[];
  };
  readonly coverage: ReportCoverage | null;
  readonly deviceProfile: {
    readonly name: string;
    readonly peakFlopsPerSecond: number;
    readonly bandwidthBytesPerSecond: number;
    readonly perOpOverheadUs: number;
  } | null;
  readonly environment: ReportEnvironment | null;
  readonly warnings: readonly string[];
  readonly tool: { readonly version: string; readonly generatedAt: string | null; readonly docsUrl: string };
}

export interface ReportInput {
  readonly lint: LintResult;
  /** Measured profile of the same model; null/absent for an analysis-only report. */
  readonly profile?: ProfileResult | null;
  /** Shown when there is no profile (default: "not requested"). */
  readonly noProfileReason?: string;
  /**
   * Verdicts on `lint.findings`, index for index (`confirmFindings` in profile/confirm-findings.ts:
   * counterfactual measurement); absent or null: no verdicts are shown.
   */
  readonly confirmations?: readonly FindingConfirmation[] | null;
  /** The rules linting ran with, in report order. */
  readonly rules: readonly AnyRule[];
  /** Rule settings of the configuration (to tell 'off' rules from clean ones). */
  readonly ruleSettings?: Readonly<Record<string, RuleSetting>>;
  readonly deviceProfile?: DeviceProfile | null;
  readonly environment?: ReportEnvironment | null;
  readonly version: string;
  /** ISO time stamp; null keeps the output byte-identical between runs. */
  readonly generatedAt?: string | null;
  /** Rows of "top layers" (default 15). */
  readonly top?: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
/** part / whole; 0 of nothing is 0; NaN (printed "n/a") when a sum overflowed: saturated costs have no meaningful share. */
const frac = (part: number, whole: number): number =>
  !Number.isFinite(whole) || !Number.isFinite(part) ? NaN : whole > 0 ? part / whole : 0;

/**
 * The Figure 2 buckets over the ONNX graph as exported: every layer onnxruntime does not fold at
 * load, weighted by how often it runs (a Loop body's layers once per trip), the population of the
 * model totals.
 */
export function graphBreakdown(analysis: Analysis): Breakdown {
  const layers = analysis.layers.filter((l) => !l.folded);
  const flopsOf = (l: (typeof layers)[number]): number => (l.flops ?? 0) * (l.runs ?? 1);
  const memOf = (l: (typeof layers)[number]): number => (l.memAccess ?? 0) * (l.runs ?? 1);
  const flops = sum(layers.map(flopsOf));
  const mem = sum(layers.map(memOf));
  return {
    basis: 'graph',
    rows: TIME_CATEGORIES.map((category) => {
      const ls = layers.filter((l) => timeCategory(l.category) === category);
      return {
        category,
        label: CATEGORY_LABELS[category],
        flopsShare: frac(sum(ls.map(flopsOf)), flops),
        memAccessShare: frac(sum(ls.map(memOf)), mem),
        timeShare: null,
        measuredUs: null,
        count: ls.length,
      };
    }),
  };
}

function kernelBreakdown(profile: ProfileResult): Breakdown {
  return {
    basis: 'kernels',
    rows: profile.categories.map((c) => ({
      category: c.category,
      label: CATEGORY_LABELS[c.category],
      flopsShare: c.flopsShare,
      memAccessShare: c.memAccessShare,
      timeShare: c.share,
      measuredUs: c.measuredUs,
      count: profile.layers.filter((l) => l.category === c.category).length,
    })),
  };
}

function topMeasured(profile: ProfileResult, top: number): TopLayers {
  return {
    by: 'measured',
    total: profile.layers.length,
    rows: profile.layers.slice(0, top).map((l) => ({
      name: l.name,
      opType: l.opType,
      category: l.category,
      nodes: l.nodes,
      flops: l.flops,
      memAccess: l.memAccess,
      predictedUs: l.predictedUs,
      measuredUs: l.measuredUs,
      share: l.share,
      bound: l.bound,
    })),
  };
}

function topByMemAccess(analysis: Analysis, top: number, device: DeviceProfile | null): TopLayers {
  const layers = analysis.layers.filter((l) => !l.folded);
  const mem = sum(layers.map((l) => l.memAccess ?? 0));
  const order = new Map(layers.map((l, i) => [l, i]));
  const sorted = [...layers].sort(
    (a, b) => (b.memAccess ?? 0) - (a.memAccess ?? 0) || (order.get(a) ?? 0) - (order.get(b) ?? 0),
  );
  return {
    by: 'memAccess',
    total: layers.length,
    rows: sorted.slice(0, top).map((l) => {
      const point = device && l.flops !== null && l.memBytes !== null ? roofline(l.flops, l.memBytes, device) : null;
      return {
        name: l.name,
        opType: l.opType,
        category: timeCategory(l.category),
        nodes: [l.name],
        flops: l.flops,
        memAccess: l.memAccess,
        predictedUs: point?.predictedUs ?? null,
        measuredUs: null,
        share: frac(l.memAccess ?? 0, mem),
        bound: point?.bound ?? null,
      };
    }),
  };
}

function misleadingLayers(profile: ProfileResult): MisleadingLayer[] {
  const totalUs = sum(profile.layers.map((l) => l.measuredUs));
  const totalFlops = sum(profile.layers.map((l) => l.flops ?? 0));
  return profile.layers
    .map((l) => ({
      name: l.name,
      opType: l.opType,
      category: l.category,
      measuredUs: l.measuredUs,
      timeShare: frac(l.measuredUs, totalUs),
      flopsShare: frac(l.flops ?? 0, totalFlops),
    }))
    .filter((l) => l.timeShare > l.flopsShare)
    .sort((a, b) => b.timeShare - b.flopsShare - (a.timeShare - a.flopsShare) || a.name.localeCompare(b.name))
    .slice(0, MISLEADING_LAYERS);
}

function ruleStatus(
  rule: AnyRule,
  settings: Readonly<Record<string, RuleSetting>> | undefined,
  hasDevice: boolean,
): RuleStatus {
  if (resolveRuleSetting(rule, settings?.[rule.meta.id]).severity === 'off') return 'off';
  if (rule.meta.requires?.includes('deviceProfile') && !hasDevice) return 'needs-device-profile';
  return 'ran';
}

function findingGroups(input: ReportInput): RuleGroup[] {
  const { lint } = input;
  const confirmed = input.confirmations ?? null;
  if (confirmed && confirmed.length !== lint.findings.length)
    throw new RangeError(`${confirmed.length} confirmations for ${lint.findings.length} findings`);
  const findings: ReportFinding[] = lint.findings.map((f, i) => ({
    severity: f.severity,
    node: f.node,
    opType: f.opType,
    message: f.message,
    suggestion: f.suggestion,
    ...(confirmed ? { confirmed: at(confirmed, i).confirmed, evidence: at(confirmed, i).evidence } : {}),
  }));
  const byRule = new Map<string, ReportFinding[]>();
  lint.findings.forEach((f, i) => byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), at(findings, i)]));
  const known = new Set(input.rules.map((r) => r.meta.id));
  const groups: RuleGroup[] = input.rules.map((rule) => {
    const mine = byRule.get(rule.meta.id) ?? [];
    return {
      id: rule.meta.id,
      name: rule.meta.name,
      category: rule.meta.category,
      description: rule.meta.description,
      docsUrl: rule.meta.docsUrl,
      status: ruleStatus(rule, input.ruleSettings, !!input.deviceProfile),
      findings: mine,
      counts: countSeverities(mine),
      verdicts: confirmed ? verdicts(mine) : null,
    };
  });
  // Findings of rules the caller did not list (a custom rule set): still shown, never dropped.
  for (const [id, mine] of byRule) {
    if (known.has(id)) continue;
    const first = lint.findings.find((f) => f.ruleId === id);
    groups.push({
      id,
      name: first?.ruleName ?? id,
      category: id.startsWith('G') ? 'guideline' : 'extra',
      description: '',
      docsUrl: first?.docsUrl ?? '',
      status: 'ran',
      findings: mine,
      counts: countSeverities(mine),
      verdicts: confirmed ? verdicts(mine) : null,
    });
  }
  return groups;
}

function countSeverities(findings: readonly ReportFinding[]): LintSummary {
  return {
    error: findings.filter((f) => f.severity === 'error').length,
    warn: findings.filter((f) => f.severity === 'warn').length,
    info: findings.filter((f) => f.severity === 'info').length,
  };
}

function verdicts(findings: readonly ReportFinding[]): RuleGroup['verdicts'] {
  return {
    confirmed: findings.filter((f) => f.confirmed === true).length,
    notConfirmed: findings.filter((f) => f.confirmed === false).length,
    notMeasured: findings.filter((f) => f.confirmed === null || f.confirmed === undefined).length,
  };
}

/** The row of a Figure 2 bucket (every breakdown has all four). */
export function categoryRow(b: Breakdown, c: TimeCategory): BreakdownRow {
  return b.rows.find((r) => r.category === c) as BreakdownRow;
}

function figure(id: FigureId, value: number, kind: 'count' | 'share'): KeyFigure {
  return { id, label: FIGURE_LABELS[id], value, text: kind === 'share' ? formatPercent(value) : humanCount(value) };
}

/** Totals and the element-wise shares of the ONNX graph before fusion, from `graph` (graphBreakdown of the same analysis). */
function graphFigures(analysis: Analysis, graph: Breakdown): KeyFigure[] {
  const ew = categoryRow(graph, 'elementwise');
  return [
    figure('flops', analysis.totals.flops, 'count'),
    figure('params', analysis.totals.params, 'count'),
    figure('memAccess', analysis.totals.memAccess, 'count'),
    figure('elementwiseGraphMemAccess', ew.memAccessShare, 'share'),
    figure('elementwiseGraphFlops', ew.flopsShare, 'share'),
  ];
}

/** The figures an analysis alone gives (`efflint analyze` prints them): totals and the element-wise shares before fusion. */
export function analysisFigures(analysis: Analysis): KeyFigure[] {
  return graphFigures(analysis, graphBreakdown(analysis));
}

/**
 * G4's model finding measures element-wise work on the graph the runtime executes (kernels left after
 * fusion, depthwise convs included by default, a fused Add's residual read): a different population
 * from the Figure 2 buckets. Its numbers are taken from the finding's data, never recomputed, so the
 * key figures and the finding's message print the same values.
 */
function g4Figures(lint: LintResult): KeyFigure[] {
  const f = lint.findings.find((x) => x.ruleId === 'G4' && x.messageId === 'elementwiseShare');
  if (!f) return [];
  const out: KeyFigure[] = [];
  const add = (id: FigureId, key: string): void => {
    const v = f.data[key];
    if (typeof v === 'number') out.push(figure(id, v / 100, 'share'));
  };
  add('g4MemAccess', 'memPercent');
  add('g4Flops', 'flopPercent');
  add('g4EstimatedTime', 'timePercent');
  return out;
}

/** Looks a figure up by id (undefined: the report has none, e.g. no time without a profile). */
export function figureOf(d: Pick<ReportData, 'figures'>, id: FigureId): KeyFigure | undefined {
  return d.figures.find((f) => f.id === id);
}

function takeaways(
  breakdown: Breakdown,
  figures: readonly KeyFigure[],
  correlation: Correlation | null,
  groups: readonly RuleGroup[],
  coverage: ReportCoverage | null,
  noProfileReason: string | null,
  latency: LatencyStats | null,
): string[] {
  const out: string[] = [];
  const fig = (id: FigureId): string => figures.find((f) => f.id === id)?.text ?? formatPercent(null);
  const conv = categoryRow(breakdown, 'conv');
  if (breakdown.basis === 'kernels') {
    const rest = breakdown.rows.filter((r) => r.category !== 'conv');
    const restTime = sum(rest.map((r) => r.timeShare ?? 0));
    const restFlops = sum(rest.map((r) => r.flopsShare));
    out.push(
      `Over the measured kernels, convolutions and GEMMs (with the ops fused into them) do ${formatPercent(conv.flopsShare)} of the FLOPs and take ${formatPercent(conv.timeShare)} of the measured time; ` +
        `everything else takes ${formatPercent(restTime)} of the time for ${formatPercent(restFlops)} of the FLOPs.`,
    );
    const worst = [...rest].sort((a, b) => (b.timeShare ?? 0) - b.flopsShare - ((a.timeShare ?? 0) - a.flopsShare))[0];
    if (worst && (worst.timeShare ?? 0) >= 0.05 && (worst.timeShare ?? 0) > 2 * worst.flopsShare) {
      out.push(
        `${capitalize(worst.label)} kernels alone take ${formatPercent(worst.timeShare)} of the measured time for ${formatPercent(worst.flopsShare)} of the FLOPs (${formatPercent(worst.memAccessShare)} of the measured kernels' memory access).`,
      );
    }
    if (coverage && coverage.fusedKernels > 0) {
      out.push(
        `onnxruntime fused ${coverage.fusedNodes} ONNX nodes into ${coverage.fusedKernels} kernel${coverage.fusedKernels === 1 ? '' : 's'}; ` +
          `before fusion, element-wise layers were ${fig('elementwiseGraphMemAccess')} of the ONNX graph's memory access and ${fig('elementwiseGraphFlops')} of its FLOPs; ` +
          `after fusion, element-wise kernels take ${fig('elementwiseKernelTime')} of the measured time.`,
      );
    }
  } else {
    const ew = categoryRow(breakdown, 'elementwise');
    const dm = categoryRow(breakdown, 'data-movement');
    out.push(
      `Element-wise and data-movement layers together are ${formatPercent(ew.memAccessShare + dm.memAccessShare)} of the ONNX graph's memory access for ${formatPercent(ew.flopsShare + dm.flopsShare)} of its FLOPs ` +
        `(element-wise layers alone: ${fig('elementwiseGraphMemAccess')} of the memory access, ${fig('elementwiseGraphFlops')} of the FLOPs): FLOPs alone understate what they cost (ShuffleNet V2, G4).`,
    );
    out.push(
      `No latency was measured (${noProfileReason ?? 'not requested'}): time shares, measured layers and confirmed findings need a profile.`,
    );
  }
  if (correlation && correlation.flops !== null) {
    out.push(
      `Per-kernel FLOPs rank-correlate with measured time at ρ=${formatRho(correlation.flops)} over ${correlation.layers} kernels` +
        (correlation.predicted !== null
          ? `; the roofline prediction reaches ρ=${formatRho(correlation.predicted)}.`
          : '.'),
    );
  }
  if (latency && latency.cv > NOISY_CV) {
    out.push(
      `Run-to-run variation is high (CV ${formatPercent(latency.cv)} over ${latency.runs} runs): shares and rankings are less reliable; rerun on an idle machine, or with more runs (--runs N).`,
    );
  }
  const total = sum(groups.map((g) => g.findings.length));
  const confirmed = sum(groups.map((g) => g.verdicts?.confirmed ?? 0));
  const rules = groups.filter((g) => g.findings.length > 0).map((g) => g.id);
  if (total === 0) out.push('No guideline or extra rule fired.');
  else {
    out.push(
      `${total} finding${total === 1 ? '' : 's'} from ${rules.join(', ')}` +
        (groups.some((g) => g.verdicts) ? `; ${confirmed} confirmed by measured time.` : '.'),
    );
  }
  return out;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function shapeText(shape: readonly (number | string)[] | null): string {
  return shape === null ? '?' : shape.length === 0 ? 'scalar' : shape.join('×');
}

/** Assembles the report from an analysis, its lint result and an optional profile. Pure. */
export function buildReportData(input: ReportInput): ReportData {
  const { lint, profile } = input;
  const analysis = lint.analysis;
  const top = input.top ?? DEFAULT_TOP_LAYERS;
  const device = input.deviceProfile ?? null;
  const graph = graphBreakdown(analysis);
  const breakdown = profile ? kernelBreakdown(profile) : graph;
  const kernelEw = profile ? categoryRow(breakdown, 'elementwise') : null;
  const figures: KeyFigure[] = [
    ...graphFigures(analysis, graph),
    ...(kernelEw
      ? [
          figure('elementwiseKernelMemAccess', kernelEw.memAccessShare, 'share'),
          figure('elementwiseKernelFlops', kernelEw.flopsShare, 'share'),
          figure('elementwiseKernelTime', kernelEw.timeShare ?? NaN, 'share'),
        ]
      : []),
    ...g4Figures(lint),
  ];
  const groups = findingGroups(input);
  const correlation: Correlation | null = profile
    ? {
        flops: profile.correlation.flopsSpearman,
        predicted: profile.correlation.predictedSpearman,
        layers: profile.correlation.layers,
        deviceProfile: profile.deviceProfile,
      }
    : null;
  const coverage: ReportCoverage | null = profile
    ? {
        kernels: profile.coverage.kernels,
        joinedKernels: profile.coverage.joinedKernels,
        joinedTimeShare: profile.coverage.joinedTimeShare,
        nodes: profile.coverage.nodes,
        measuredNodes: profile.coverage.measuredNodes,
        foldedNodes: profile.coverage.foldedNodes,
        fusedKernels: profile.layers.filter((l) => l.nodes.length > 1).length,
        fusedNodes: sum(profile.layers.filter((l) => l.nodes.length > 1).map((l) => l.nodes.length)),
        kernelSumOverProfiledRun: profile.coverage.kernelSumOverProfiledRun,
        costlyUnmeasured: profile.coverage.costlyUnmeasured,
      }
    : null;
  const points: LayerPoint[] = profile
    ? profile.layers
        .filter((l) => l.nodes.length > 0 && l.flops !== null)
        .map((l) => ({
          name: l.name,
          opType: l.opType,
          category: l.category,
          flops: l.flops as number,
          y: l.measuredUs,
        }))
    : analysis.layers
        .filter((l) => !l.folded && l.flops !== null && l.memAccess !== null)
        .map((l) => ({
          name: l.name,
          opType: l.opType,
          category: timeCategory(l.category),
          flops: l.flops as number,
          y: l.memAccess as number,
        }));
  const summary = countSeverities(groups.flatMap((g) => g.findings));
  const noProfileReason = profile ? null : (input.noProfileReason ?? 'not requested');
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    model: lint.model,
    producer: [analysis.model.producer, analysis.model.producerVersion].filter(Boolean).join(' '),
    opsets: analysis.model.opsets,
    inputs: (profile?.inputs ?? analysis.inputs).map((i) => ({
      name: i.name,
      dtype: i.dtype ?? '?',
      shape: shapeText(i.shape),
    })),
    totals: {
      flops: analysis.totals.flops,
      params: analysis.totals.params,
      memAccess: analysis.totals.memAccess,
      memBytes: analysis.totals.memBytes,
      layers: analysis.totals.layers,
      unknownCostLayers: analysis.totals.unknownCostLayers.length,
    },
    conventions: {
      flops: analysis.conventions.flops,
      params: analysis.conventions.params,
      memAccess: analysis.conventions.memAccess,
      measuredUs: profile ? profile.conventions.measuredUs : null,
    },
    figures,
    measurement: profile
      ? {
          source: profile.source,
          ep: profile.ep,
          provider: profile.provider,
          onnxruntimeVersion: profile.onnxruntimeVersion,
          optLevel: profile.optLevel,
          threads: profile.threads,
          batch: profile.batch,
          warmup: profile.warmup,
          latencyMs: profile.latencyMs,
          profiledRunMs: profile.profiledRunMs,
          profilingSlowdown:
            profile.profiledRunMs && profile.latencyMs && profile.latencyMs.median > 0
              ? profile.profiledRunMs.median / profile.latencyMs.median
              : null,
          kernelSumUs: profile.coverage.kernelSumUs,
          deviceProfile: profile.deviceProfile,
        }
      : null,
    noProfileReason,
    breakdown,
    graphBreakdown: graph,
    takeaways: takeaways(
      breakdown,
      figures,
      correlation,
      groups,
      coverage,
      noProfileReason,
      profile?.latencyMs ?? null,
    ),
    topLayers: profile ? topMeasured(profile, top) : topByMemAccess(analysis, top, device),
    scatter: { y: profile ? 'measuredUs' : 'memAccess', points },
    correlation,
    misleading: profile ? misleadingLayers(profile) : [],
    findings: { summary, measured: !!input.confirmations, groups },
    coverage,
    deviceProfile: device
      ? {
          name: device.name,
          peakFlopsPerSecond: device.peakFlopsPerSecond,
          bandwidthBytesPerSecond: device.bandwidthBytesPerSecond,
          perOpOverheadUs: device.perOpOverheadUs,
        }
      : null,
    environment: input.environment ?? null,
    warnings: [...new Set([...analysis.warnings, ...(profile?.warnings ?? [])])],
    tool: { version: input.version, generatedAt: input.generatedAt ?? null, docsUrl: REPORT_DOCS_URL },
  };
}
