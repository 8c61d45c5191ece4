import type {
  CategoryDiff,
  DiffSide,
  LatencyDiff,
  LayerChange,
  LayerSnapshot,
  ModelDiff,
  OpTypeDiff,
  TotalsDiff,
} from '../../diff/compare.js';
import type { DiffThresholds, DiffVerdict, DiffViolation } from '../../diff/thresholds.js';
import type { Finding } from '../../rules/lint.js';
import type { LintJsonFinding } from '../lint/lint-json.js';
import { finiteMetrics, roundMeasuredJson } from '../shared/numbers.js';
import type { DiffFormatter } from './diff-format-context.js';

/** Bumped when a field of the diff JSON output is removed or changes meaning. */
export const DIFF_JSON_SCHEMA_VERSION = 1;

/** A finding as the diff JSON writes it: the lint JSON fields that say what it is (`messageId` is the matching key). */
export type DiffJsonFinding = Pick<
  LintJsonFinding,
  'ruleId' | 'severity' | 'node' | 'opType' | 'messageId' | 'message' | 'metrics' | 'suggestion' | 'docsUrl'
>;

/** The whole `efflint diff --format json` document (documented in docs/json-schema.md, "diff"). */
export interface DiffJsonOutput {
  readonly schemaVersion: typeof DIFF_JSON_SCHEMA_VERSION;
  readonly base: DiffSide;
  readonly head: DiffSide;
  readonly conventions: ModelDiff['conventions'];
  readonly totals: TotalsDiff;
  readonly opTypes: readonly OpTypeDiff[];
  readonly categories: readonly CategoryDiff[];
  readonly layers: {
    readonly added: readonly LayerSnapshot[];
    readonly removed: readonly LayerSnapshot[];
    readonly changed: readonly LayerChange[];
    readonly unchanged: number;
  };
  readonly findings: {
    readonly new: readonly DiffJsonFinding[];
    readonly fixed: readonly DiffJsonFinding[];
    readonly unchanged: number;
  };
  /** Only with --profile. */
  readonly latency?: LatencyDiff;
  readonly verdict: {
    readonly pass: boolean;
    readonly violations: readonly DiffViolation[];
    readonly notes: readonly string[];
    readonly thresholds: DiffThresholds;
  };
  readonly warnings: readonly string[];
}

function jsonFinding(f: Finding): DiffJsonFinding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    node: f.node,
    opType: f.opType,
    messageId: f.messageId,
    message: f.message,
    metrics: finiteMetrics(f.metrics),
    suggestion: f.suggestion,
    docsUrl: f.docsUrl,
  };
}

/** The documented JSON shape of a diff and its verdict. */
export function toDiffJson(diff: ModelDiff, verdict: DiffVerdict): DiffJsonOutput {
  return {
    schemaVersion: DIFF_JSON_SCHEMA_VERSION,
    base: diff.base,
    head: diff.head,
    conventions: diff.conventions,
    totals: diff.totals,
    opTypes: diff.opTypes,
    categories: diff.categories,
    layers: diff.layers,
    findings: {
      new: diff.findings.new.map(jsonFinding),
      fixed: diff.findings.fixed.map(jsonFinding),
      unchanged: diff.findings.unchanged,
    },
    ...(diff.latency ? { latency: diff.latency } : {}),
    verdict: {
      pass: verdict.pass,
      violations: verdict.violations,
      notes: verdict.notes,
      thresholds: verdict.thresholds,
    },
    warnings: diff.warnings,
  };
}

/** `efflint diff --format json`: the whole diff, machine-readable, with a schema version. */
export const formatDiffJson: DiffFormatter = (diff, verdict) =>
  JSON.stringify(toDiffJson(diff, verdict), roundMeasuredJson, 2) + '\n';
