import type { Analysis } from './analyzers/analyze.js';
import { analyzeModel } from './analyzers/analyze.js';
import { resolveInputNames } from './analyzers/input-shapes.js';
import type { DeviceProfile } from './analyzers/roofline.js';
import type { RuntimeName } from './analyzers/runtime/types.js';
import type { ResolvedConfig } from './config/schema.js';
import { EMPTY_CONFIG, validateConfig } from './config/schema.js';
import type { CompareInput, ModelDiff } from './diff/compare.js';
import { compareModels } from './diff/compare.js';
import type { DiffThresholds, DiffVerdict } from './diff/thresholds.js';
import { evaluateDiff, mergeThresholds } from './diff/thresholds.js';
import { ConfigError, UsageError } from './errors.js';
import { externalDataWarnings, loadModel as loadModelArg } from './load-model.js';
import type { Model } from './model/ir.js';
import { loadModelBytes } from './model/load.js';
import type { ProfileOptions } from './profile/profile.js';
import { profileModel } from './profile/profile.js';
import type { ProfileResult } from './profile/types.js';
import { formatAnalysisCsv } from './report/analysis/analysis-csv.js';
import { formatAnalysisText } from './report/analysis/analysis-text.js';
import type { DiffFormat } from './report/diff/diff-formats.js';
import { DIFF_FORMATS } from './report/diff/diff-formats.js';
import { formatReportHtml } from './report/report/html.js';
import type { LintFormat } from './report/lint/lint-formats.js';
import { LINT_FORMATS, SINGLE_MODEL_FORMATS } from './report/lint/lint-formats.js';
import { formatProfileJson } from './report/profile/profile-json.js';
import { formatProfileText } from './report/profile/profile-text.js';
import { buildReportData } from './report/report/report-data.js';
import { formatReportMarkdown } from './report/report/report-md.js';
import type { AnyRule, OptionValue, Severity } from './rules/define-rule.js';
import type { LintResult } from './rules/lint.js';
import { lintAnalysis } from './rules/lint.js';
import { RULES } from './rules/registry.js';
import { efflintVersion } from './version.js';
import type { ZooBuildOptions } from './zoo/index.js';

/**
 * A model to load: a path to an .onnx file, `zoo:NAME` (built in memory by the reference zoo), the bytes
 * of an ONNX file, or a model `loadModel` already returned.
 */
export type ModelSource = string | Uint8Array | Model;

/** How `loadModel` (and everything that takes a ModelSource) reads the model. */
export interface LoadModelOptions {
  /** Options for `zoo:NAME` sources (batch, resolution, deploy form). */
  readonly zoo?: ZooBuildOptions;
  /** Name shown for a model given as bytes (default `<bytes>`); paths and zoo names are shown as given. */
  readonly name?: string;
}

/**
 * Loads a model without reading its weights: graph, opsets, metadata. Tensor payloads are skipped, so
 * time and memory follow the graph's size, not the weights' (docs/loader.md).
 *
 * @throws InvalidModelError for a missing, unreadable or non-ONNX file, or a graph onnxruntime would refuse.
 * @throws UsageError for an unknown `zoo:NAME`.
 */
export function loadModel(source: ModelSource, options: LoadModelOptions = {}): Model {
  if (typeof source === 'string') return loadModelArg(source, options.zoo);
  if (source instanceof Uint8Array) return loadModelBytes(source, { path: options.name ?? '<bytes>' });
  return source;
}

/** How `analyze` binds the model's inputs. */
export interface AnalyzeOptions extends LoadModelOptions {
  /** Input shapes by graph input name; the key '' binds the model's only input. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Analyses a model: shapes, per-layer FLOPs, params and memory access, and totals (the same numbers as
 * `efflint analyze`; docs/cost-model.md gives every formula).
 */
export function analyze(source: ModelSource, options: AnalyzeOptions = {}): Analysis {
  const model = loadModel(source, options);
  const shapes = options.inputShapes
    ? resolveInputNames(
        Object.fromEntries(Object.entries(options.inputShapes).map(([k, v]) => [k, [...v]])),
        model.graph.inputs.map((i) => i.name),
      )
    : undefined;
  return analyzeModel(model, { inputShapes: shapes });
}

/** `analyze` for a path or `zoo:NAME`, as the CLI's commands call it (not part of the public API). */
export function analyzeFile(path: string, options: AnalyzeOptions = {}): Analysis {
  return analyze(path, options);
}

/** A rule's setting as efflint.config.json writes it: a severity, or [severity, options]. */
export type RuleSettingInput =
  Severity | readonly [Severity] | readonly [Severity, Readonly<Record<string, OptionValue>>];

/** The content of an efflint.config.json (docs/cli.md#configuration), as an object. */
export interface ConfigObject {
  readonly $schema?: string;
  /** Rule id or name -> setting. */
  readonly rules?: Readonly<Record<string, RuleSettingInput>>;
  /** Findings to leave out: `{ "rule": "G4", "nodes": ["stage2.*"] }` (rule '*' = any). */
  readonly ignore?: readonly { readonly rule: string; readonly nodes?: readonly string[] }[];
  /** Input shapes by graph input name. */
  readonly input?: Readonly<Record<string, readonly number[]>>;
  readonly runtime?: RuntimeName;
  /** `diff` thresholds. */
  readonly diff?: DiffThresholds;
}

/** What linting runs, and how; shared by `lint`, `diff` and `report`. */
export interface LintOptions {
  /**
   * The configuration: `loadConfig`'s result, or an efflint.config.json object (validated the same way,
   * against `ruleSet`). Default: every rule at its default severity.
   */
  readonly config?: ResolvedConfig | ConfigObject;
  /**
   * The rules that can run: `RULES` plus rules of your own (`defineRule`); the config may name any of
   * them. Default: `RULES`. Give `loadConfig` the same list.
   */
  readonly ruleSet?: readonly AnyRule[];
  /** A device profile from `efflint calibrate`: enables E104 and device-aware G3 thresholds; impacts use it. */
  readonly deviceProfile?: DeviceProfile;
  /** The runtime whose executed graph the rules judge (wins over the config's; default onnxruntime-cpu). */
  readonly runtime?: RuntimeName;
  /** Name shown for the model (default: the path it was loaded from). */
  readonly model?: string;
}

/** The rule list, checked: ids and names must be unique (a clash would let one rule's settings reach another). */
function checkedRuleSet(ruleSet: readonly AnyRule[] | undefined): readonly AnyRule[] {
  if (ruleSet === undefined) return RULES;
  const seen = new Set<string>();
  for (const rule of ruleSet) {
    // JavaScript callers can pass any object here, not only what defineRule made.
    const { id, name } = (rule as Partial<AnyRule>).meta ?? {};
    if (typeof id !== 'string' || id === '' || typeof name !== 'string' || name === '')
      throw new UsageError('ruleSet: every rule needs meta.id and meta.name (use defineRule)');
    for (const key of new Set([id, name])) {
      if (seen.has(key))
        throw new UsageError(`ruleSet: two rules are called '${key}' (rule ids and names must be unique)`);
      seen.add(key);
    }
  }
  return ruleSet;
}

/** The formatter a caller named; JavaScript callers can name any string, so an unknown one is a UsageError listing the choices. */
function formatterFor<F>(caller: string, formats: Readonly<Record<string, F>>, format: string): F {
  const formatter = Object.hasOwn(formats, format) ? formats[format] : undefined;
  if (formatter === undefined)
    throw new UsageError(`${caller}: format '${format}' is not one of ${Object.keys(formats).join(', ')}`);
  return formatter;
}

/** The config as the lint engine takes it: an object is validated like a file; loadConfig's result is checked against the rules. */
function resolvedConfig(
  config: ResolvedConfig | ConfigObject | undefined,
  ruleSet: readonly AnyRule[],
): ResolvedConfig {
  if (config === undefined) return EMPTY_CONFIG;
  // `path` is never a key of efflint.config.json (validateConfig rejects it): only loadConfig's result has one.
  if (!('path' in config)) return { ...validateConfig(config, 'config', ruleSet), path: null };
  const ids = new Set(ruleSet.map((r) => r.meta.id));
  const named = [...Object.keys(config.rules), ...config.ignore.map((e) => e.rule).filter((r) => r !== '*')];
  const unknown = named.find((id) => !ids.has(id));
  if (unknown !== undefined) {
    throw new ConfigError(
      `${config.path ?? 'config'}: rule '${unknown}' is configured but not in the ruleSet (pass the same ruleSet to loadConfig and lint)`,
    );
  }
  return config;
}

/**
 * Lints an analysed model against the ShuffleNet V2 guidelines (G1-G4), efflint's extras and your own
 * rules: the same findings as `efflint lint`, largest estimated impact first.
 */
export function lint(analysis: Analysis, options: LintOptions = {}): LintResult {
  const ruleSet = checkedRuleSet(options.ruleSet);
  const config = resolvedConfig(options.config, ruleSet);
  return lintAnalysis(analysis, {
    rules: config.rules,
    ignore: config.ignore,
    runtime: options.runtime ?? config.runtime,
    deviceProfile: options.deviceProfile,
    model: options.model,
    ruleSet,
  });
}

/**
 * Measures a model with onnxruntime-node (an optional peer dependency, imported only here): latency and
 * per-node kernel time joined to the ONNX nodes, as `efflint profile` does (docs/profile.md).
 *
 * @param source a path to an .onnx file or `zoo:NAME`
 * @throws ProfilerError naming the install command when onnxruntime-node is missing, or when a run fails.
 */
export function profile(source: string, options: ProfileOptions = {}): Promise<ProfileResult> {
  return profileModel(source, options);
}

/** How `diff` analyses, lints and judges both models (the same settings for both). */
export interface DiffOptions extends Omit<LintOptions, 'model'>, AnalyzeOptions {
  /** Gates; each key wins over the config's `diff` section. */
  readonly thresholds?: DiffThresholds;
  /** `profile` results of base and head: latency is compared too (separately measured medians). */
  readonly profiles?: { readonly base: ProfileResult; readonly head: ProfileResult };
}

/** What changed between two models, and whether the change passes the thresholds. */
export interface DiffResult {
  readonly diff: ModelDiff;
  readonly verdict: DiffVerdict;
}

/**
 * Compares two models as `efflint diff` does: totals, op types, layers, findings, and latency when both
 * profiles are given, judged against the thresholds. Input shapes: the config's `input`, then `inputShapes`.
 */
export function diff(base: ModelSource, head: ModelSource, options: DiffOptions = {}): DiffResult {
  const ruleSet = checkedRuleSet(options.ruleSet);
  const config = resolvedConfig(options.config, ruleSet);
  const inputShapes = { ...config.input, ...options.inputShapes };
  const side = (source: ModelSource, measured: ProfileResult | undefined): CompareInput => {
    const analysis = analyze(source, { ...options, inputShapes });
    const model = typeof source === 'string' ? source : analysis.model.path;
    const { findings } = lint(analysis, { ...options, config, ruleSet, model });
    return { model, analysis, findings, profile: measured };
  };
  const baseSide = side(base, options.profiles?.base);
  const headSide = side(head, options.profiles?.head);
  const compared = compareModels(baseSide, headSide);
  // As the CLI: the static comparison never reads external data, but says when a model's would be unsafe to read.
  const external = [base, head].flatMap((s) =>
    typeof s === 'string' ? externalDataWarnings(s).map((w) => `${s}: ${w}`) : [],
  );
  const result = external.length === 0 ? compared : { ...compared, warnings: [...compared.warnings, ...external] };
  return { diff: result, verdict: evaluateDiff(result, mergeThresholds(config.diff, options.thresholds ?? {})) };
}

/** What `report` puts in the page besides the lint result. */
export interface ReportOptions extends Pick<LintOptions, 'config' | 'ruleSet' | 'deviceProfile'> {
  /** 'html' (self-contained, static SVG charts; default) or 'markdown'. */
  readonly format?: 'html' | 'markdown';
  /** A `profile` result of the same model: where the time goes, measured; absent: analysis and lint only. */
  readonly profile?: ProfileResult | null;
  /** Rows of the top-layers chart and table (default 15). */
  readonly top?: number;
  /** ISO time stamp shown in the footer; default none, so the output is the same on every run. */
  readonly generatedAt?: string | null;
}

const REPORT_FORMATS = { html: formatReportHtml, markdown: formatReportMarkdown };

/**
 * The latency report of `efflint report` (docs/report.md) as a string: key figures, where the time goes,
 * top layers, FLOPs against time, findings. Give `ruleSet`, `config` and `deviceProfile` as you linted.
 */
export function report(result: LintResult, options: ReportOptions = {}): string {
  const ruleSet = checkedRuleSet(options.ruleSet);
  const config = resolvedConfig(options.config, ruleSet);
  const data = buildReportData({
    lint: result,
    profile: options.profile ?? null,
    rules: ruleSet,
    ruleSettings: config.rules,
    deviceProfile: options.deviceProfile ?? null,
    version: efflintVersion(),
    generatedAt: options.generatedAt ?? null,
    top: options.top,
  });
  return formatterFor('report', REPORT_FORMATS, options.format ?? 'html')(data);
}

/** Options every formatter takes. */
export interface FormatOptions {
  /** ANSI colours in the text format (default false). */
  readonly color?: boolean;
}

/** `analyze --format`: 'text' (a table), 'json' (docs/json-schema.md) or 'csv' (one row per layer). */
export type AnalysisFormat = 'text' | 'json' | 'csv';

const ANALYSIS_FORMATS: Readonly<Record<AnalysisFormat, (analysis: Analysis, options: FormatOptions) => string>> = {
  text: (analysis, options) => formatAnalysisText(analysis, { color: options.color ?? false, layers: analysis.layers }),
  json: (analysis) => JSON.stringify(analysis, null, 2) + '\n',
  csv: (analysis) => formatAnalysisCsv(analysis.layers),
};

/** An analysis as `efflint analyze --format FORMAT` prints it. */
export function formatAnalysis(
  analysis: Analysis,
  format: AnalysisFormat = 'text',
  options: FormatOptions = {},
): string {
  return formatterFor('formatAnalysis', ANALYSIS_FORMATS, format)(analysis, options);
}

/** Options of `formatLint`. */
export interface LintFormatOptions extends FormatOptions {
  /** The rules linting ran with (SARIF lists them); default `RULES`. */
  readonly ruleSet?: readonly AnyRule[];
  /** Text: no line wider than this (default 160). */
  readonly width?: number;
  /** Text: one line per rule instead of one per finding. */
  readonly statistics?: boolean;
}

/** Lint results as `efflint lint --format FORMAT` prints them (text, json, sarif, markdown, netron, github). */
export function formatLint(
  results: LintResult | readonly LintResult[],
  format: LintFormat = 'text',
  options: LintFormatOptions = {},
): string {
  const list: readonly LintResult[] = Array.isArray(results) ? results : [results as LintResult];
  const formatter = formatterFor('formatLint', LINT_FORMATS, format);
  if (SINGLE_MODEL_FORMATS.includes(format) && list.length !== 1)
    throw new UsageError(`formatLint: format ${format} describes one model; got ${list.length}`);
  return formatter(list, {
    color: options.color ?? false,
    rules: checkedRuleSet(options.ruleSet),
    version: efflintVersion(),
    width: options.width,
    statistics: options.statistics,
  });
}

/** Options of `formatDiff`. */
export interface DiffFormatOptions extends FormatOptions {
  /** Rows per list in text and Markdown (JSON lists all). */
  readonly top?: number;
}

/** A diff and its verdict as `efflint diff --format FORMAT` prints them (text, json, markdown). */
export function formatDiff(result: DiffResult, format: DiffFormat = 'text', options: DiffFormatOptions = {}): string {
  return formatterFor('formatDiff', DIFF_FORMATS, format)(result.diff, result.verdict, {
    color: options.color ?? false,
    version: efflintVersion(),
    top: options.top,
  });
}

/** Options of `formatProfile`. */
export interface ProfileFormatOptions extends FormatOptions {
  /** Text: kernels in the table, most time first (default 15). */
  readonly top?: number;
}

const PROFILE_FORMATS: Readonly<
  Record<'text' | 'json', (result: ProfileResult, options: ProfileFormatOptions) => string>
> = {
  text: (result, options) => formatProfileText(result, { color: options.color ?? false, top: options.top }),
  json: (result) => formatProfileJson(result),
};

/** A profile as `efflint profile --format FORMAT` prints it ('text' or 'json', docs/profile.md). */
export function formatProfile(
  result: ProfileResult,
  format: 'text' | 'json' = 'text',
  options: ProfileFormatOptions = {},
): string {
  return formatterFor('formatProfile', PROFILE_FORMATS, format)(result, options);
}
