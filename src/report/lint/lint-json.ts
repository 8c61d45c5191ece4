import type { MessageData } from '../../rules/define-rule.js';
import type { Finding, FindingImpact, LintResult, LintSummary, LintTarget } from '../../rules/lint.js';
import { finiteMetrics } from '../shared/numbers.js';
import type { LintFormatter } from './lint-format-context.js';

/** Bumped when a field of the lint JSON output is removed or changes meaning. */
export const LINT_JSON_SCHEMA_VERSION = 2;

/** One finding as `--format json` writes it (documented in docs/json-schema.md, "lint"). */
export interface LintJsonFinding {
  readonly ruleId: string;
  readonly severity: Finding['severity'];
  readonly node: string | null;
  readonly opType: string | null;
  /** Stable id of the message template; `data` holds its numbers, so machines never parse `message`. */
  readonly messageId: string;
  readonly data: MessageData;
  readonly message: string;
  /** Estimated time of the excess the finding describes, and its share of the model's estimated time. */
  readonly impact: FindingImpact;
  /** Rule, node and cause: the same finding on the same node has the same fingerprint in every model version. */
  readonly fingerprint: string;
  readonly fixedByRuntime: boolean;
  readonly metrics: Readonly<Record<string, number>>;
  readonly suggestion: string;
  readonly docsUrl: string;
  /** Only with `lint --profile`. */
  readonly confirmed?: boolean | null;
  readonly evidence?: string;
}

/** The whole `--format json` document. */
export interface LintJsonOutput {
  readonly schemaVersion: typeof LINT_JSON_SCHEMA_VERSION;
  readonly results: readonly {
    readonly model: string;
    /** The runtime and device profile impacts are estimated for. */
    readonly target: LintTarget;
    readonly findings: readonly LintJsonFinding[];
    readonly summary: LintSummary;
    /** What --min-impact left out, per severity. */
    readonly belowMinImpact?: { readonly percent: number; readonly summary: LintSummary };
    /** Why costs or shapes are incomplete (symbolic dims, unknown ops): findings may be missing. Always present, maybe empty. */
    readonly warnings: readonly string[];
    /** What --quiet left out, per severity. */
    readonly quieted?: LintSummary;
    /** Findings the --baseline file listed, left out. */
    readonly baselined?: number;
  }[];
}

/** The documented JSON shape of lint results (only the documented fields, finite metrics). */
export function toLintJson(results: readonly LintResult[]): LintJsonOutput {
  return {
    schemaVersion: LINT_JSON_SCHEMA_VERSION,
    results: results.map((r) => ({
      model: r.model,
      target: r.target,
      findings: r.findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        node: f.node,
        opType: f.opType,
        messageId: f.messageId,
        data: f.data,
        message: f.message,
        impact: { estimatedUs: f.impact.estimatedUs, share: f.impact.share },
        fingerprint: f.fingerprint,
        fixedByRuntime: f.fixedByRuntime,
        metrics: finiteMetrics(f.metrics),
        suggestion: f.suggestion,
        docsUrl: f.docsUrl,
        ...(f.confirmed !== undefined ? { confirmed: f.confirmed, evidence: f.evidence ?? '' } : {}),
      })),
      summary: { error: r.summary.error, warn: r.summary.warn, info: r.summary.info },
      ...(r.belowMinImpact
        ? { belowMinImpact: { percent: r.belowMinImpact.percent, summary: r.belowMinImpact.summary } }
        : {}),
      warnings: [...r.analysis.warnings],
      ...(r.quieted ? { quieted: r.quieted } : {}),
      ...(r.baselined !== undefined ? { baselined: r.baselined } : {}),
    })),
  };
}

/** `--format json`: machine-readable findings with a schema version. */
export const formatLintJson: LintFormatter = (results) => JSON.stringify(toLintJson(results), null, 2) + '\n';
