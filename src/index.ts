/**
 * efflint's library API: one function per stage the CLI wires (load -> analyse -> lint; profile; diff;
 * report) plus formatters, the rules (and `defineRule` for your own), the config loader, the reference
 * zoo and the error classes. Everything else is internal; test/api/surface.test.ts pins this list.
 */
export {
  analyze,
  diff,
  formatAnalysis,
  formatDiff,
  formatLint,
  formatProfile,
  lint,
  loadModel,
  profile,
  report,
} from './api.js';
export type {
  AnalysisFormat,
  AnalyzeOptions,
  ConfigObject,
  DiffFormatOptions,
  DiffOptions,
  DiffResult,
  FormatOptions,
  LintFormatOptions,
  LintOptions,
  LoadModelOptions,
  ModelSource,
  ProfileFormatOptions,
  ReportOptions,
  RuleSettingInput,
} from './api.js';
export type { Analysis, LayerReport, Totals, TensorSummary } from './analyzers/analyze.js';
export type { DeviceProfile } from './analyzers/roofline.js';
export type { RuntimeName } from './analyzers/runtime/types.js';
export { loadConfig } from './config/load.js';
export type { LoadConfigOptions } from './config/load.js';
export type { ResolvedConfig } from './config/schema.js';
export type { ModelDiff } from './diff/compare.js';
export type { DiffThresholds, DiffVerdict } from './diff/thresholds.js';
export { ConfigError, EfflintError, InvalidModelError, OpSpecError, ProfilerError, UsageError } from './errors.js';
export type { Dim, DType, Graph, Model, Node, TensorRef } from './model/ir.js';
export type { ProfileOptions } from './profile/profile.js';
export type { ProfileLayer, ProfileResult } from './profile/types.js';
export type { DiffFormat } from './report/diff/diff-formats.js';
export type { LintFormat } from './report/lint/lint-formats.js';
export { defineRule } from './rules/define-rule.js';
export type { AnyRule, Rule, RuleContext, RuleDefinition, RuleMeta, Severity } from './rules/define-rule.js';
export type { Finding, LintResult, LintSummary } from './rules/lint.js';
export { RULES } from './rules/registry.js';
export { efflintVersion } from './version.js';
export { buildZooModel, getZooEntry, listZoo } from './zoo/index.js';
export type { ZooBuildOptions, ZooEntry } from './zoo/index.js';
