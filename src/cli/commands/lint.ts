import type { Command } from 'commander';
import { Option } from 'commander';
import type { DeviceProfile } from '../../analyzers/roofline.js';
import { analyzeFile } from '../../api.js';
import { readDeviceProfile } from '../../config/device-profile.js';
import { expandGlob, isGlob } from '../../util/glob.js';
import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import type { LintFormat } from '../../report/lint/lint-formats.js';
import { LINT_FORMAT_NAMES, LINT_FORMATS, SINGLE_MODEL_FORMATS } from '../../report/lint/lint-formats.js';
import type { FailOn } from '../../rules/exit-code.js';
import { FAIL_ON_CHOICES, lintExitCode, lintExitReason } from '../../rules/exit-code.js';
import type { BaselineFile } from '../../rules/baseline.js';
import { applyBaseline, baselineOf, readBaselineFile, serializeBaseline } from '../../rules/baseline.js';
import type { ResolvedConfig } from '../../config/schema.js';
import { DEFAULT_RUNTIME } from '../../analyzers/runtime/types.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import { applyRuleSelection } from '../rule-selection.js';
import type { LintOptions, LintResult } from '../../rules/lint.js';
import type { Analysis } from '../../analyzers/analyze.js';
import { buildExecutionPlan } from '../../analyzers/runtime/index.js';
import type { ExecutionPlan } from '../../analyzers/runtime/types.js';
import { readOptimizedGraph } from '../../profile/optimized-graph.js';
import { planFromOptimizedGraph } from '../../profile/runtime-plan.js';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DEFAULT_MIN_IMPACT_PERCENT,
  applyMinImpact,
  lintAnalysis,
  resolveRuleSetting,
  summarize,
} from '../../rules/lint.js';
import type { RuntimeName } from '../../analyzers/runtime/types.js';
import { RUNTIME_NAMES } from '../../analyzers/runtime/types.js';
import { RULES } from '../../rules/registry.js';
import { DEFAULT_CONFIRM_TOP } from '../../profile/confirm-findings.js';
import { parseInputShapes } from '../input-shapes.js';
import type { CliIO } from '../io.js';
import { checkOutputPath, useColor, writeOutputFile } from '../io.js';
import { efflintVersion } from '../../version.js';
import { printModelError } from '../model-errors.js';
import { collect, parseNonNegativeInt, parsePercent, parsePositiveInt } from '../options.js';
import { GITHUB_COMMENT_LIMIT, fitMarkdown } from '../../report/shared/markdown-budget.js';
import type { SessionArgs } from '../session-options.js';
import { addSessionOptions, confirmWithProgress, profileWithProgress } from '../session-options.js';

/** Options of `efflint lint` as commander parses them. */
export interface LintArgs extends SessionArgs {
  /** `--debug` (a global option): a bug's stack follows its one-line message. */
  readonly debug?: boolean;
  readonly format: LintFormat;
  readonly config?: string;
  readonly failOn: FailOn;
  readonly maxWarnings?: number;
  readonly input: string[];
  readonly quiet?: boolean;
  readonly deviceProfile?: string;
  /** Measure each model with onnxruntime and mark findings confirmed or not. */
  readonly profile?: boolean;
  /** The runtime whose executed graph the rules judge (default: config, else onnxruntime-cpu). */
  readonly runtime?: RuntimeName;
  /** Leave out findings below this percentage of estimated model time. */
  readonly minImpact: number;
  /** Text: one line per rule instead of per finding. */
  readonly statistics?: boolean;
  /** With --profile: counterfactual pairs measured per model (0: none). */
  readonly confirmTop: number;
  /** `-o FILE`: write the report there instead of stdout. */
  readonly outputFile?: string;
  readonly rule: string[];
  readonly select: string[];
  readonly ignore: string[];
  /** Exit 0 even when findings reach --fail-on or --max-warnings (errors still exit 2). */
  readonly exitZero?: boolean;
  /** Print the resolved configuration as JSON and lint nothing. */
  /** `--print-config [FILE]`: true without FILE. */
  readonly printConfig?: boolean | string;
  /** Leave out findings this baseline file lists. */
  readonly baseline?: string;
  /** Write every finding to this baseline file (then report as if it were --baseline). */
  readonly writeBaseline?: string;
  /** Markdown: cut the least important rows to stay under this many bytes. */
  readonly maxBytes: number;
}

const ZOO_PREFIX = 'zoo:';
const MACHINE_FORMATS: readonly LintFormat[] = ['json', 'sarif', 'markdown'];
const ONNX_EXTENSION = /\.onnx$/i;
/** Formats a person reads: --min-impact applies to them. */
const HUMAN_FORMATS: readonly LintFormat[] = ['text', 'markdown'];

/** Model arguments -> model list: `zoo:NAME` as-is, globs expanded (no match is a usage error), paths as-is. */
export function expandModelArgs(args: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (!arg.startsWith(ZOO_PREFIX) && !isGlob(arg) && isDirectory(resolve(cwd, arg))) {
      // A directory: every *.onnx below it, as ESLint and Ruff recurse into directories.
      const matches = expandGlob(`${arg.replace(/[\\/]+$/, '')}/**/*.onnx`, cwd).filter((m) => ONNX_EXTENSION.test(m));
      if (matches.length === 0) throw new UsageError(`no .onnx files under '${arg}'`);
      out.push(...matches);
      continue;
    }
    if (arg.startsWith(ZOO_PREFIX) || !isGlob(arg)) {
      out.push(arg);
      continue;
    }
    const matches = expandGlob(arg, cwd);
    if (matches.length === 0) throw new UsageError(`no files match '${arg}'`);
    out.push(...matches);
  }
  return [...new Set(out)];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `efflint lint`: analyse each model, run the rules, print one report, return the exit code. A model
 * that cannot be loaded prints one line naming it; the others are still linted, and the run exits 2.
 */
export async function runLint(modelArgs: readonly string[], args: LintArgs, io: CliIO): Promise<number> {
  const loaded = loadConfig({ explicitPath: args.config, cwd: io.cwd });
  const config = { ...loaded, rules: applyRuleSelection(loaded.rules, args, RULES) };
  const deviceProfile: DeviceProfile | undefined = args.deviceProfile
    ? readDeviceProfile(args.deviceProfile, io.cwd)
    : undefined;
  const inputShapes = { ...config.input, ...parseInputShapes(args.input) };
  if (args.printConfig !== undefined && args.printConfig !== false) {
    // ESLint's form: `--print-config FILE` prints the configuration `lint FILE` would run with; the
    // config is found the same way for every model, so FILE is checked and named, not searched from.
    const file = typeof args.printConfig === 'string' ? expandModelArgs([args.printConfig], io.cwd)[0] : undefined;
    if (file !== undefined && !file.startsWith(ZOO_PREFIX) && !existsSync(resolve(io.cwd, file)))
      throw new UsageError(`--print-config ${file}: no such file`);
    io.stdout(
      JSON.stringify(
        { ...(file !== undefined ? { file } : {}), ...resolvedConfigJson(config, args, inputShapes) },
        null,
        2,
      ) + '\n',
    );
    return EXIT_OK;
  }
  if (modelArgs.length === 0) throw new UsageError("missing required argument 'models'");
  if (args.baseline !== undefined && args.writeBaseline !== undefined)
    throw new UsageError('--baseline and --write-baseline: give one of them');
  let baseline = args.baseline !== undefined ? readBaselineFile(args.baseline, io.cwd) : undefined;
  const models = expandModelArgs(modelArgs, io.cwd);
  if (args.outputFile !== undefined) checkOutputPath(args.outputFile, io.cwd);
  if (SINGLE_MODEL_FORMATS.includes(args.format) && models.length !== 1) {
    throw new UsageError(
      `--format ${args.format} describes one model; got ${models.length} (${models.slice(0, 3).join(', ')}${models.length > 3 ? ', ...' : ''})`,
    );
  }
  const results: LintResult[] = [];
  let hadErrors = false;
  for (const model of models) {
    try {
      const analysis = analyzeFile(model, { inputShapes });
      const runtime = args.runtime ?? config.runtime;
      const lintOptions: LintOptions = { rules: config.rules, ignore: config.ignore, deviceProfile, model, runtime };
      const result = args.profile
        ? await withMeasurements(analysis, lintOptions, model, args, inputShapes, deviceProfile, io)
        : lintAnalysis(analysis, lintOptions);
      results.push(result);
      for (const warning of analysis.warnings) io.stderr(`efflint: ${model}: warning: ${warning}\n`);
    } catch (err) {
      hadErrors = true;
      printModelError(model, err, io, args.debug);
    }
  }
  if (args.writeBaseline !== undefined) {
    const written = baselineOf(results);
    writeOutputFile(args.writeBaseline, io.cwd, serializeBaseline(written));
    baseline = written;
    io.stderr(
      `efflint: wrote ${args.writeBaseline} (${results.reduce((n, r) => n + r.findings.length, 0)} findings); lint with --baseline ${args.writeBaseline} to fail only on new ones\n`,
    );
  }
  const filtered = results.map((r) => narrowResult(r, args.quiet === true, baseline));
  results.splice(0, results.length, ...filtered);
  // Machine formats always print a document (a SARIF upload after a failed run still gets valid
  // input); text and netron print nothing when no model could be linted.
  // --min-impact shortens what people read (text, Markdown); machines (JSON, SARIF) and the exit code
  // get every finding.
  // --statistics summarises every finding, so it ignores --min-impact.
  const minImpact = args.statistics ? 0 : args.minImpact;
  const shown = HUMAN_FORMATS.includes(args.format) ? results.map((r) => applyMinImpact(r, minImpact)) : results;
  if (results.length > 0 || MACHINE_FORMATS.includes(args.format)) {
    const report = LINT_FORMATS[args.format](shown, {
      color: useColor(io),
      rules: RULES,
      version: efflintVersion(),
      width: io.stdoutColumns,
      statistics: args.statistics,
    });
    const sized = args.format === 'markdown' ? fitMarkdown(report, args.maxBytes) : report;
    if (args.outputFile !== undefined) writeOutputFile(args.outputFile, io.cwd, sized);
    else io.stdout(sized);
  }
  const exitInput = {
    summaries: results.map((r) => r.summary),
    failOn: args.failOn,
    maxWarnings: args.maxWarnings,
    hadErrors,
  };
  const reason = lintExitReason(exitInput);
  if (reason !== null) {
    if (args.exitZero) return EXIT_OK;
    io.stderr(`efflint: exit 1: ${reason}\n`);
  }
  return lintExitCode(exitInput);
}

/**
 * Leaves out what the baseline lists, then (with --quiet) everything but errors, recording both counts
 * so the summary says what it hid; the summary and the exit code count what is left.
 */
function narrowResult(result: LintResult, quiet: boolean, baseline: BaselineFile | undefined): LintResult {
  let out = result;
  if (baseline) {
    const { findings, baselined } = applyBaseline(result.model, out.findings, baseline);
    out = { ...out, findings, summary: summarize(findings), baselined };
  }
  if (quiet) {
    const findings = out.findings.filter((f) => f.severity === 'error');
    const all = out.summary;
    out = { ...out, findings, summary: summarize(findings), quieted: { error: 0, warn: all.warn, info: all.info } };
  }
  return out;
}

/** `--print-config`: the configuration a lint would run with, command-line flags applied. */
function resolvedConfigJson(
  config: ResolvedConfig,
  args: LintArgs,
  inputShapes: Readonly<Record<string, readonly number[]>>,
): Record<string, unknown> {
  return {
    configFile: config.path,
    runtime: args.runtime ?? config.runtime ?? DEFAULT_RUNTIME,
    failOn: args.failOn,
    ...(args.maxWarnings !== undefined ? { maxWarnings: args.maxWarnings } : {}),
    input: inputShapes,
    rules: Object.fromEntries(RULES.map((r) => [r.meta.id, resolveRuleSetting(r, config.rules[r.meta.id])])),
    ignore: config.ignore,
  };
}

/**
 * Profiles the model with onnxruntime-node, lints the graph onnxruntime really ran (its saved optimized
 * graph replaces the static model of its fusions; at opt level 'disabled' it runs the raw graph) and
 * adds measured evidence to every finding.
 */
async function withMeasurements(
  analysis: Analysis,
  lintOptions: LintOptions,
  model: string,
  args: LintArgs,
  inputShapes: Readonly<Record<string, readonly number[]>>,
  deviceProfile: DeviceProfile | undefined,
  io: CliIO,
): Promise<LintResult> {
  if (lintOptions.runtime !== undefined && lintOptions.runtime !== 'onnxruntime-cpu' && args.ep === 'cpu') {
    io.stderr(
      `efflint: ${model}: --profile lints the graph onnxruntime ran on the CPU; --runtime ${lintOptions.runtime} is not used\n`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'efflint-lint-'));
  try {
    const optimizedPath = join(dir, 'optimized.onnx');
    const profile = await profileWithProgress(
      model,
      args,
      { inputShapes, deviceProfile, saveOptimizedModel: optimizedPath },
      io,
      `${model} `,
    );
    let plan: ExecutionPlan | undefined;
    if (args.ep === 'cpu') {
      if (profile.optLevel === 'disabled') plan = buildExecutionPlan(analysis, 'none');
      else if (existsSync(optimizedPath))
        plan = { ...planFromOptimizedGraph(analysis, readOptimizedGraph(optimizedPath)), runtime: 'onnxruntime-cpu' };
    }
    const result = lintAnalysis(analysis, { ...lintOptions, ...(plan ? { plan, runtime: plan.runtime } : {}) });
    return {
      ...result,
      findings: await confirmWithProgress(result.findings, analysis, profile, args, io, `${model} `),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Timed runs per model for `lint --profile`: enough for medians, quick in CI. */
const LINT_PROFILE_RUNS = 10;

/** Registers `efflint lint` on the program; `done` receives the exit code. */
export function defineLint(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('lint')
    .description(
      'check models against the ShuffleNet V2 guidelines (G1-G4) and efflint extras; exit 1 on findings at --fail-on',
    )
    .argument('[models...]', '.onnx files, directories (searched for *.onnx), globs (models/**/*.onnx) or zoo:NAME')
    .addOption(new Option('-f, --format <format>', 'output format').choices(LINT_FORMAT_NAMES).default('text'))
    .option('-c, --config <file>', 'config file (default: efflint.config.json from the working directory upward)')
    .addOption(
      new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1')
        .choices(FAIL_ON_CHOICES)
        .default('error'),
    )
    .option('--max-warnings <n>', 'exit 1 when there are more than N warnings', parseNonNegativeInt)
    .option(
      '--input <name=dims>',
      'bind an input shape, e.g. input=1x3x224x224 (repeatable; overrides the config)',
      collect,
      [],
    )
    .option('-q, --quiet', 'report errors only (the summary counts what it hid; the exit code counts errors only)')
    .option('-o, --output-file <file>', 'write the report to FILE instead of stdout')
    .option(
      '--rule <id:severity>',
      "set a rule's severity, e.g. G2:error or E103:off (repeatable; wins over the config)",
      collect,
      [],
    )
    .option(
      '--select <rules>',
      'run only these rules: ids, id prefixes (G = every guideline) or names, comma-separated (repeatable)',
      collect,
      [],
    )
    .option(
      '--ignore <rules>',
      'do not run these rules: ids, id prefixes or names, comma-separated (repeatable)',
      collect,
      [],
    )
    .option('--exit-zero', 'exit 0 even when findings reach --fail-on or --max-warnings (errors still exit 2)')
    .option(
      '--print-config [file]',
      'print the configuration `lint FILE` would run with (config file and flags) as JSON and exit',
    )
    .option('--baseline <file>', 'leave out findings listed in this baseline file: only new findings count')
    .option(
      '--max-bytes <n>',
      `Markdown: cut the least important table rows (with a note) to stay under N bytes (default ${GITHUB_COMMENT_LIMIT}, GitHub's comment limit)`,
      parsePositiveInt,
      GITHUB_COMMENT_LIMIT,
    )
    .option('--write-baseline <file>', 'write every finding to a baseline file (then report as if --baseline FILE)')
    .option(
      '--device-profile <file>',
      'device profile JSON: enables E104 and device-aware G3 thresholds; estimates impacts (default: a built-in CPU profile)',
    )
    .addOption(
      new Option(
        '--runtime <name>',
        'runtime whose executed graph the rules judge: work it fuses away is not a warning (default: config, else onnxruntime-cpu)',
      ).choices(RUNTIME_NAMES),
    )
    .option(
      '--min-impact <percent>',
      'text and Markdown: leave out findings whose estimated share of model time is below PERCENT (errors always shown; 0: all)',
      parsePercent,
      DEFAULT_MIN_IMPACT_PERCENT,
    )
    .option('--statistics', 'text: one line per rule (count, summed share of time) instead of one per finding')
    .option(
      '--profile',
      'measure each model with onnxruntime-node and confirm findings by counterfactual measurement (the layer against the replacement the guideline asks for)',
    )
    .option(
      '--confirm-top <n>',
      `with --profile: counterfactual pairs measured per model, largest estimated impact first (0: none)`,
      parseNonNegativeInt,
      DEFAULT_CONFIRM_TOP,
    );
  addSessionOptions(cmd, { runs: LINT_PROFILE_RUNS, when: 'with --profile' });
  cmd.action(async (models: string[], opts: LintArgs, command: Command) =>
    done(await runLint(models, { ...opts, debug: command.optsWithGlobals().debug === true }, io)),
  );
}
