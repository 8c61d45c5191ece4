import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { DeviceProfile } from '../../analyzers/roofline.js';
import { analyzeFile } from '../../api.js';
import { readDeviceProfile } from '../../config/device-profile.js';
import { loadConfig } from '../../config/load.js';
import type { CompareInput } from '../../diff/compare.js';
import { compareModels } from '../../diff/compare.js';
import { diffExitCode, diffExitReason } from '../../diff/exit-code.js';
import type { DiffThresholds } from '../../diff/thresholds.js';
import { evaluateDiff, FAIL_ON_NEW, mergeThresholds, PERCENT_THRESHOLDS } from '../../diff/thresholds.js';
import { EfflintError, UsageError } from '../../errors.js';
import { externalDataWarnings, refuseUnsafeExternalData } from '../../load-model.js';
import type { ProfileResult } from '../../profile/types.js';
import type { InterleavedLatency } from '../../diff/compare.js';
import { measureInterleaved, onClock } from '../../profile/measure/interleaved.js';
import { prepareModel } from '../../profile/profile.js';
import { createProgressBar } from '../../profile/progress.js';
import type { DiffFormat } from '../../report/diff/diff-formats.js';
import { DIFF_FORMAT_NAMES, DIFF_FORMATS } from '../../report/diff/diff-formats.js';
import type { FailOn } from '../../rules/exit-code.js';
import { lintAnalysis } from '../../rules/lint.js';
import { parseInputShapes } from '../input-shapes.js';
import type { CliIO } from '../io.js';
import { useColor } from '../io.js';
import { GITHUB_COMMENT_LIMIT, fitMarkdown } from '../../report/shared/markdown-budget.js';
import { at } from '../../util/at.js';
import { efflintVersion } from '../../version.js';
import { namingModel, printModelError } from '../model-errors.js';
import { collect, parsePositiveInt } from '../options.js';
import type { SessionArgs } from '../session-options.js';
import { addSessionOptions, profileWithProgress } from '../session-options.js';

/** Options of `efflint diff` as commander parses them. */
export interface DiffArgs extends SessionArgs {
  /** `--debug` (a global option): a bug's stack follows its one-line message. */
  readonly debug?: boolean;
  readonly format: DiffFormat;
  /** Markdown: cut the least important rows to stay under this many bytes. */
  readonly maxBytes: number;
  readonly config?: string;
  readonly input: string[];
  readonly maxFlopsIncrease?: number;
  readonly maxParamsIncrease?: number;
  readonly maxMemaccessIncrease?: number;
  readonly maxLatencyIncrease?: number;
  readonly failOnNew?: FailOn;
  readonly deviceProfile?: string;
  /** Measure both models' latency with onnxruntime-node, same settings for both. */
  readonly profile?: boolean;
  readonly top?: number;
}

/** Default timed runs per model for `diff --profile`. */
export const DIFF_DEFAULT_RUNS = 20;

/** `--max-*-increase PCT`: a finite percentage >= 0 ('5', '2.5', '0'; a trailing % is accepted). */
export function parsePercent(value: string): number {
  const n = Number(value.trim().replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a percentage >= 0, e.g. 5 for +5%');
  return n;
}

/** The thresholds given on the command line (commander's camelCase of --max-memaccess-increase differs from the config key). */
function cliThresholds(args: DiffArgs): DiffThresholds {
  return {
    maxFlopsIncrease: args.maxFlopsIncrease,
    maxParamsIncrease: args.maxParamsIncrease,
    maxMemAccessIncrease: args.maxMemaccessIncrease,
    maxLatencyIncrease: args.maxLatencyIncrease,
    failOnNew: args.failOnNew,
  };
}

/**
 * `efflint diff BASE HEAD`: analyse and lint both models (same config, same input shapes), optionally
 * measure both with the same profiling settings, compare, apply the thresholds, print one report and
 * return the exit code (0 within thresholds, 1 exceeded, 2 bad input). A model that cannot be read
 * prints one line naming it, and nothing is printed on stdout.
 */
export async function runDiff(baseArg: string, headArg: string, args: DiffArgs, io: CliIO): Promise<number> {
  if (args.maxLatencyIncrease !== undefined && !args.profile)
    throw new UsageError('--max-latency-increase needs --profile (latency is measured only then)');
  const config = loadConfig({ explicitPath: args.config, cwd: io.cwd });
  const deviceProfile: DeviceProfile | undefined = args.deviceProfile
    ? readDeviceProfile(args.deviceProfile, io.cwd)
    : undefined;
  const inputShapes = { ...config.input, ...parseInputShapes(args.input) };
  const thresholds = mergeThresholds(config.diff, cliThresholds(args));

  const sides: CompareInput[] = [];
  let hadErrors = false;
  for (const model of [baseArg, headArg]) {
    try {
      const analysis = analyzeFile(model, { inputShapes });
      const lint = lintAnalysis(analysis, {
        rules: config.rules,
        ignore: config.ignore,
        deviceProfile,
        model,
        runtime: config.runtime,
      });
      sides.push({ model, analysis, findings: lint.findings });
    } catch (err) {
      hadErrors = true;
      printModelError(model, err, io, args.debug);
    }
  }
  if (hadErrors) return diffExitCode({ verdict: null, hadErrors });

  // No errors: one side per model, base first.
  let base = at(sides, 0);
  let head = at(sides, 1);
  let interleaved: InterleavedLatency | undefined;
  if (args.profile) {
    refuseUnsafeExternalData(baseArg);
    refuseUnsafeExternalData(headArg);
    // One after the other, never concurrently: two sessions would compete for the same cores. The
    // profiles give each side's per-node times; the latency change itself is measured interleaved.
    base = { ...base, profile: await measure(baseArg, args, inputShapes, io) };
    head = { ...head, profile: await measure(headArg, args, inputShapes, io) };
    interleaved = await measureBothInterleaved(baseArg, headArg, args, inputShapes, io);
  }
  const compared = compareModels(base, head, { interleaved });
  // The static comparison never reads external data, but says when a model's would be unsafe to read.
  const external = [baseArg, headArg].flatMap((m) => externalDataWarnings(m).map((w) => `${m}: ${w}`));
  const diff = external.length === 0 ? compared : { ...compared, warnings: [...compared.warnings, ...external] };
  const verdict = evaluateDiff(diff, thresholds);
  const report = DIFF_FORMATS[args.format](diff, verdict, {
    color: useColor(io),
    version: efflintVersion(),
    top: args.top,
  });
  io.stdout(args.format === 'markdown' ? fitMarkdown(report, args.maxBytes) : report);
  const reason = diffExitReason({ verdict, hadErrors: false });
  if (reason !== null) io.stderr(`efflint: exit 1: ${reason}\n`);
  return diffExitCode({ verdict, hadErrors: false });
}

/**
 * Base and head in one process, one session each, runs interleaved with a rotating start over several
 * blocks, on the CPU-time clock with 1 thread: separate measurements of two models on a busy machine
 * differ by more than most changes a PR makes. CPU execution provider only (else undefined: the
 * separate profiles' medians are compared, and the diff says so).
 */
async function measureBothInterleaved(
  baseArg: string,
  headArg: string,
  args: DiffArgs,
  inputShapes: Readonly<Record<string, readonly number[]>>,
  io: CliIO,
): Promise<InterleavedLatency | undefined> {
  if (args.ep !== 'cpu') return undefined;
  const prepared = [baseArg, headArg].map((m) => prepareModel(m, { inputShapes }));
  const bar = createProgressBar(io.stderr, io.stderrIsTTY && !args.quiet);
  try {
    const result = await measureInterleaved(
      prepared.map((p, i) => ({ label: i === 0 ? 'base' : 'head', model: p.ortModel, inputs: p.inputs })),
      {
        optLevel: args.optLevel === 'disabled' ? 'disabled' : 'all',
        clock: 'cpu',
        onProgress: (done, total) => bar.update('base vs head, interleaved ', done, total),
      },
    );
    const b = onClock(at(result.variants, 0), 'cpu');
    const h = onClock(at(result.variants, 1), 'cpu');
    return {
      clock: 'cpu',
      baseMedianMs: b.medianMs,
      headMedianMs: h.medianMs,
      ratio: h.ratio.median,
      spread: h.ratio.iqr,
    };
  } finally {
    bar.finish();
  }
}

/** Profiles one model; every option is the same for base and head so the medians compare. */
async function measure(
  model: string,
  args: DiffArgs,
  inputShapes: Readonly<Record<string, readonly number[]>>,
  io: CliIO,
): Promise<ProfileResult> {
  try {
    return await profileWithProgress(model, args, { inputShapes }, io, `${model} `);
  } catch (err) {
    if (err instanceof EfflintError) {
      const named = namingModel(model, err.message);
      if (named !== err.message) throw new EfflintError(err.code, named, { cause: err });
    }
    throw err;
  }
}

/** Registers `efflint diff` on the program; `done` receives the exit code. */
export function defineDiff(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('diff')
    .description(
      'compare two models (base -> head): FLOPs, params, memAccess, layers, new findings, optional measured latency; exit 1 past a threshold',
    )
    .argument('<base>', 'the model before the change: an .onnx file or zoo:NAME')
    .argument('<head>', 'the model after the change: an .onnx file or zoo:NAME')
    .addOption(new Option('-f, --format <format>', 'output format').choices(DIFF_FORMAT_NAMES).default('text'))
    .option(
      '-c, --config <file>',
      'config file (default: efflint.config.json from the working directory upward); its "diff" section sets thresholds',
    );
  for (const t of PERCENT_THRESHOLDS) cmd.option(`${t.flag} <pct>`, t.description, parsePercent);
  cmd
    .addOption(
      new Option(`${FAIL_ON_NEW.flag} <severity>`, 'fail on new findings at or above this severity').choices(
        FAIL_ON_NEW.choices,
      ),
    )
    .option(
      '--input <name=dims>',
      'bind an input shape for both models, e.g. input=1x3x224x224 (repeatable; overrides the config)',
      collect,
      [],
    )
    .option('--device-profile <file>', 'device profile JSON: enables E104 and device-aware G3 thresholds in both lints')
    .option('--profile', 'measure both models with onnxruntime-node (same settings) and compare median latency');
  addSessionOptions(cmd, { runs: DIFF_DEFAULT_RUNS, when: 'with --profile' });
  cmd
    .option('--top <n>', 'rows per list in text and Markdown output (default 20 text, 30 Markdown)', parsePositiveInt)
    .option(
      '--max-bytes <n>',
      `Markdown: cut the least important table rows (with a note) to stay under N bytes (default ${GITHUB_COMMENT_LIMIT})`,
      parsePositiveInt,
      GITHUB_COMMENT_LIMIT,
    )
    .option('-q, --quiet', 'no progress bar')
    .action(async (base: string, head: string, opts: DiffArgs, command: Command) =>
      done(await runDiff(base, head, { ...opts, debug: command.optsWithGlobals().debug === true }, io)),
    );
}
