import type { Finding, LintResult, LintSummary } from '../rules/lint.js';
import type { LintFormatContext } from './lint-format-context.js';

/** Bumped when a field of the lint JSON output is removed or changes meaning. */
export const LINT_JSON_SCHEMA_VERSION = 1;

/** One finding as `--format json` writes it (documented in docs/json-schema.md, "lint"). */
export interface LintJsonFinding {
  readonly ruleId: string;
  readonly severity: Finding['severity'];
  readonly node: string | null;
  readonly opType: string | null;
  readonly message: string;
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
    readonly findings: readonly LintJsonFinding[];
    readonly summary: LintSummary;
  }[];
}

/** Finite numbers only: JSON has no Infinity/NaN. */
function finiteMetrics(m: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}

/** The documented JSON shape of lint results (only the documented fields, finite metrics). */
export function toLintJson(results: readonly LintResult[]): LintJsonOutput {
  return {
    schemaVersion: LINT_JSON_SCHEMA_VERSION,
    results: results.map((r) => ({
      model: r.model,
      findings: r.findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        node: f.node,
        opType: f.opType,
        message: f.message,
        metrics: finiteMetrics(f.metrics),
        suggestion: f.suggestion,
        docsUrl: f.docsUrl,
        ...(f.confirmed !== undefined ? { confirmed: f.confirmed, evidence: f.evidence ?? '' } : {}),
      })),
      summary: { error: r.summary.error, warn: r.summary.warn, info: r.summary.info },
    })),
  };
}

/** `--format json`: machine-readable findings with a schema version. */
export function formatLintJson(results: readonly LintResult[], _context?: LintFormatContext): string {
  return JSON.stringify(toLintJson(results), null, 2) + '\n';
}
