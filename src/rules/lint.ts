import type { Analysis } from '../analyzers/analyze.js';
import type { ConfirmationKind } from '../analyzers/confirmation.js';
import { effectiveDeviceProfile } from '../analyzers/device-profiles.js';
import type { DeviceProfile } from '../analyzers/roofline.js';
import { buildExecutionPlan } from '../analyzers/runtime/index.js';
import { estimatePlanTime } from '../analyzers/runtime/time-estimate.js';
import type { ExecutionPlan, RuntimeName } from '../analyzers/runtime/types.js';
import { DEFAULT_RUNTIME } from '../analyzers/runtime/types.js';
import { analyzeStructure } from '../analyzers/structure.js';
import { globToRegExp } from '../util/glob.js';
import type { AnyRule, FindingSeverity, MessageData, OptionValue, Severity } from './define-rule.js';
import { SEVERITY_RANK, renderTemplate } from './define-rule.js';
import { RULES } from './registry.js';

/** How much of the model's time a finding's excess costs, estimated on the device profile. */
export interface FindingImpact {
  /** Estimated microseconds of the excess (roofline on the effective device profile). */
  readonly estimatedUs: number;
  /** estimatedUs / the model's estimated time, 0..1. */
  readonly share: number;
}

/** One reported problem, rendered and ready for any formatter. */
export interface Finding {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly severity: FindingSeverity;
  /**
   * The node's path: its name in the main graph, `<If>/then/<node>`, `<If>/else/<node>` or `<Loop>/body/<node>` inside
   * a body that runs (nested bodies chain: `outer/then/inner/body/<node>`); null for a finding about the whole model.
   */
  readonly node: string | null;
  readonly opType: string | null;
  readonly messageId: string;
  readonly data: MessageData;
  readonly message: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly suggestion: string;
  readonly docsUrl: string;
  readonly impact: FindingImpact;
  /** Stable identity across model versions: rule, node and cause (never the numbers). */
  readonly fingerprint: string;
  /** The target runtime already removes this work; reported at info at most. */
  readonly fixedByRuntime: boolean;
  /** The measurement that can confirm it, as its rule declares for the message (`meta.confirmation`); absent: none. */
  readonly confirmation?: ConfirmationKind;
  /**
   * Set by `lint --profile`: whether latency measured with onnxruntime supports the finding (null:
   * nothing measured applies, e.g. the node was fused away); `evidence` gives the measured numbers.
   */
  readonly confirmed?: boolean | null;
  readonly evidence?: string;
}

/** Finding counts per severity. */
export interface LintSummary {
  readonly error: number;
  readonly warn: number;
  readonly info: number;
}

/** What the findings' impacts were estimated against. */
export interface LintTarget {
  readonly runtime: RuntimeName;
  /** Where the execution plan came from: efflint's static model, or onnxruntime's optimized graph (--profile). */
  readonly planSource: ExecutionPlan['source'];
  /** The runtime facts the plan assumes (e.g. NCHWc block size). */
  readonly assumptions: ExecutionPlan['assumptions'];
  /** Name of the device profile impacts are estimated with. */
  readonly deviceProfile: string;
  /** Estimated model time on that profile, microseconds (sum of the plan's kernels). */
  readonly modelEstimatedUs: number;
  /** Kernels the runtime runs / layers of the main graph it fuses away. */
  readonly kernels: number;
  readonly fusedLayers: number;
}

/** Everything linting one model produced. */
export interface LintResult {
  /** The model argument as given (a path, or zoo:NAME). */
  readonly model: string;
  readonly analysis: Analysis;
  /** Largest estimated impact first. */
  readonly findings: readonly Finding[];
  readonly summary: LintSummary;
  readonly target: LintTarget;
  /** Findings left out by `--min-impact` (and their counts per severity), when a threshold was applied. */
  readonly belowMinImpact?: {
    readonly percent: number;
    readonly summary: LintSummary;
    readonly findings: readonly Finding[];
  };
  /** Findings `--quiet` left out (warnings and infos), per severity; absent without --quiet. */
  readonly quieted?: LintSummary;
  /** Findings left out because the `--baseline` file lists them; absent without --baseline. */
  readonly baselined?: number;
}

/** A rule's configured severity and options (options are merged over the rule's defaults). */
export interface RuleSetting {
  readonly severity?: Severity;
  readonly options?: Readonly<Record<string, OptionValue>>;
}

/** Drops findings of `rule` ('*' = any) on nodes matching one of `nodes` (globs; absent = every finding). */
export interface IgnoreEntry {
  readonly rule: string;
  readonly nodes?: readonly string[];
}

/** What `lintAnalysis` runs, and how. */
export interface LintOptions {
  /** Rule id -> setting; rules not listed run at their default severity with default options. */
  readonly rules?: Readonly<Record<string, RuleSetting>>;
  readonly ignore?: readonly IgnoreEntry[];
  /** Enables rules that need a measured device (E104) and device-aware thresholds (G3); impacts use it too. */
  readonly deviceProfile?: DeviceProfile;
  /** The runtime whose executed graph the rules judge (default onnxruntime-cpu). */
  readonly runtime?: RuntimeName;
  /** An execution plan read off the runtime itself (lint --profile); replaces the static model. */
  readonly plan?: ExecutionPlan;
  /** onnxruntime's NCHWc block size for the static model (default: detected from this CPU). */
  readonly nchwcBlock?: number;
  /** The rules to run (default: every registered rule). */
  readonly ruleSet?: readonly AnyRule[];
  /** Name shown for the model (default: analysis.model.path). */
  readonly model?: string;
}

/** Severity and merged options of a rule under a configuration. */
export function resolveRuleSetting(
  rule: AnyRule,
  setting: RuleSetting | undefined,
): { severity: Severity; options: Record<string, OptionValue> } {
  return {
    severity: setting?.severity ?? rule.meta.defaultSeverity,
    options: { ...rule.meta.defaultOptions, ...(setting?.options ?? {}) },
  };
}

/** Counts findings per severity. */
export function summarize(findings: readonly Finding[]): LintSummary {
  const s = { error: 0, warn: 0, info: 0 };
  for (const f of findings) s[f.severity] += 1;
  return s;
}

/** The lower severity of two. */
function capSeverity(severity: FindingSeverity, cap: FindingSeverity): FindingSeverity {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[cap] ? severity : cap;
}

/**
 * Runs every enabled rule over one analysed model, as the target runtime executes it, and returns its
 * findings largest estimated impact first (ties: severity, graph order of the node, rule id, message id).
 */
export function lintAnalysis(analysis: Analysis, options: LintOptions = {}): LintResult {
  const structure = analyzeStructure(analysis);
  const runtime = options.runtime ?? options.plan?.runtime ?? DEFAULT_RUNTIME;
  const plan = options.plan ?? buildExecutionPlan(analysis, runtime, { nchwcBlock: options.nchwcBlock });
  const profile = effectiveDeviceProfile(runtime, options.deviceProfile);
  const time = estimatePlanTime(analysis, plan, profile);
  const order = new Map(analysis.layers.map((l, i) => [l.name, i]));
  const ignore = (options.ignore ?? []).map((e) => ({
    rule: e.rule,
    nodes: e.nodes?.map((g) => globToRegExp(g, { slashes: false })),
  }));
  const findings: Finding[] = [];
  for (const rule of options.ruleSet ?? RULES) {
    const { meta } = rule;
    const { severity, options: ruleOptions } = resolveRuleSetting(rule, options.rules?.[meta.id]);
    if (severity === 'off') continue;
    if (meta.requires?.includes('deviceProfile') && !options.deviceProfile) continue;
    rule.check({
      analysis,
      structure,
      plan,
      runtime,
      time,
      options: ruleOptions,
      deviceProfile: options.deviceProfile,
      report(d) {
        const node = d.node?.name ?? null;
        const ignored = ignore.some(
          (e) =>
            (e.rule === '*' || e.rule === meta.id || e.rule === meta.name) &&
            (!e.nodes || (node !== null && e.nodes.some((re) => re.test(node)))),
        );
        if (ignored) return;
        const data = d.data;
        const template = meta.messages[d.messageId];
        // defineRule types messageId against the rule's messages: a miss here is an efflint bug.
        if (template === undefined) throw new Error(`rule ${meta.id} reported unknown messageId ${d.messageId}`);
        const fixTemplate = meta.fixes?.[d.messageId] ?? meta.fix;
        const fixedByRuntime = d.fixedByRuntime === true;
        const estimatedUs = fixedByRuntime || !Number.isFinite(d.excessUs) ? 0 : Math.max(0, d.excessUs);
        findings.push({
          ruleId: meta.id,
          ruleName: meta.name,
          severity: fixedByRuntime ? capSeverity(severity, 'info') : severity,
          node,
          opType: d.node?.opType ?? null,
          messageId: d.messageId,
          data,
          message: renderTemplate(template, data),
          metrics: d.metrics ?? {},
          suggestion: renderTemplate(fixTemplate, data),
          docsUrl: meta.docsUrl,
          impact: { estimatedUs, share: time.modelUs > 0 ? estimatedUs / time.modelUs : 0 },
          fingerprint: `${meta.id}:${node ?? '(model)'}:${d.cause ?? d.messageId}`,
          fixedByRuntime,
          ...(meta.confirmation?.[d.messageId] ? { confirmation: meta.confirmation[d.messageId] } : {}),
        });
      },
    });
  }
  findings.sort(
    (a, b) =>
      b.impact.estimatedUs - a.impact.estimatedUs ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (a.node === null ? -1 : (order.get(a.node) ?? 0)) - (b.node === null ? -1 : (order.get(b.node) ?? 0)) ||
      a.ruleId.localeCompare(b.ruleId, 'en', { numeric: true }) ||
      a.messageId.localeCompare(b.messageId),
  );
  const target: LintTarget = {
    runtime,
    planSource: plan.source,
    assumptions: plan.assumptions,
    deviceProfile: profile.name,
    modelEstimatedUs: time.modelUs,
    kernels: plan.kernels.length,
    fusedLayers: plan.fusions.size,
  };
  return { model: options.model ?? analysis.model.path, analysis, findings, summary: summarize(findings), target };
}

/**
 * The default of `--min-impact` (text and Markdown): findings whose excess is below this percentage of
 * the model's estimated time are left out. 0.2% keeps the quick-start (`lint zoo:shufflenet_v1_g3`) on
 * one 24-line screen (23 lines) with every rule that fires represented, and is below what a latency
 * measurement can resolve (run-to-run spread 0.5-3.7% here), so nothing left out could be confirmed anyway.
 */
export const DEFAULT_MIN_IMPACT_PERCENT = 0.2;

/**
 * For reports people read: leaves out findings whose estimated share of model time is below `percent`
 * (errors are always kept), and records what was left out so the report can say so. The exit code and
 * machine formats use the full result.
 */
export function applyMinImpact(result: LintResult, percent: number): LintResult {
  if (percent <= 0) return result;
  // A rule whose node findings add up to the threshold keeps its largest one (the findings come
  // largest first), so many small excesses of one cause (G1 on every bottleneck) still show.
  const ruleTotals = new Map<string, number>();
  for (const f of result.findings)
    if (f.node !== null) ruleTotals.set(f.ruleId, (ruleTotals.get(f.ruleId) ?? 0) + f.impact.share);
  const representative = new Set<Finding>();
  for (const [ruleId, total] of ruleTotals) {
    if (100 * total < percent) continue;
    const top = result.findings.find((f) => f.ruleId === ruleId && f.node !== null);
    if (top) representative.add(top);
  }
  const shown = (f: Finding): boolean =>
    f.severity === 'error' || 100 * f.impact.share >= percent || representative.has(f);
  const keep = result.findings.filter(shown);
  const dropped = result.findings.filter((f) => !shown(f));
  return {
    ...result,
    findings: keep,
    summary: summarize(keep),
    belowMinImpact: { percent, summary: summarize(dropped), findings: dropped },
  };
}
