import type { Analysis } from '../analyzers/analyze.js';
import type { DeviceProfile } from '../analyzers/roofline.js';
import { analyzeStructure } from '../analyzers/structure.js';
import { globToRegExp } from '../config/glob.js';
import type { AnyRule, FindingSeverity, MessageData, OptionValue, Severity } from './define-rule.js';
import { SEVERITY_RANK, renderTemplate } from './define-rule.js';
import { RULES } from './registry.js';

/** One reported problem, rendered and ready for any formatter. */
export interface Finding {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly severity: FindingSeverity;
  /** Graph node name; null for a finding about the whole model. */
  readonly node: string | null;
  readonly opType: string | null;
  readonly messageId: string;
  readonly data: MessageData;
  readonly message: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly suggestion: string;
  readonly docsUrl: string;
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

/** Everything linting one model produced. */
export interface LintResult {
  /** The model argument as given (a path, or zoo:NAME). */
  readonly model: string;
  readonly analysis: Analysis;
  readonly findings: readonly Finding[];
  readonly summary: LintSummary;
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
  /** Enables rules that need a device (E104) and device-aware thresholds (G3). */
  readonly deviceProfile?: DeviceProfile;
  /** The rules to run (default: every registered rule). */
  readonly ruleSet?: readonly AnyRule[];
  /** Name shown for the model (default: analysis.model.path). */
  readonly model?: string;
}

/** Severity and merged options of a rule under a configuration. */
export function resolveRuleSetting(rule: AnyRule, setting: RuleSetting | undefined): { severity: Severity; options: Record<string, OptionValue> } {
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

/**
 * Runs every enabled rule over one analysed model and returns its findings in a deterministic order:
 * model-level findings first, then by graph order of the node, then rule id and message id.
 */
export function lintAnalysis(analysis: Analysis, options: LintOptions = {}): LintResult {
  const structure = analyzeStructure(analysis);
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
      options: ruleOptions,
      deviceProfile: options.deviceProfile,
      report(d) {
        const node = d.node?.name ?? null;
        const ignored = ignore.some(
          (e) => (e.rule === '*' || e.rule === meta.id || e.rule === meta.name) && (!e.nodes || (node !== null && e.nodes.some((re) => re.test(node)))),
        );
        if (ignored) return;
        const data = d.data;
        const fixTemplate = meta.fixes?.[d.messageId] ?? meta.fix;
        findings.push({
          ruleId: meta.id,
          ruleName: meta.name,
          severity,
          node,
          opType: d.node?.opType ?? null,
          messageId: d.messageId,
          data,
          message: renderTemplate(meta.messages[d.messageId], data),
          metrics: d.metrics ?? {},
          suggestion: renderTemplate(fixTemplate, data),
          docsUrl: meta.docsUrl,
        });
      },
    });
  }
  findings.sort(
    (a, b) =>
      (a.node === null ? -1 : (order.get(a.node) ?? 0)) - (b.node === null ? -1 : (order.get(b.node) ?? 0)) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      a.ruleId.localeCompare(b.ruleId, 'en', { numeric: true }) ||
      a.messageId.localeCompare(b.messageId),
  );
  return { model: options.model ?? analysis.model.path, analysis, findings, summary: summarize(findings) };
}
