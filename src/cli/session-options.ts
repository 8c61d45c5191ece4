import type { Command } from 'commander';
import { Option } from 'commander';
import type { Analysis } from '../analyzers/analyze.js';
import type { ConfirmedFinding, FindingLike } from '../profile/confirm-findings.js';
import { confirmFindings } from '../profile/confirm-findings.js';
import { DEFAULT_WARMUP, profileModel } from '../profile/profile.js';
import type { ProfileOptions } from '../profile/profile.js';
import { createProgressBar } from '../profile/progress.js';
import type { OptLevel, ProfileResult } from '../profile/types.js';
import { OPT_LEVELS } from '../profile/types.js';
import type { CliIO } from './io.js';
import { DEFAULT_TIMEOUT_S } from '../profile/measure-process.js';
import { parseNonNegativeInt, parsePositiveInt, parsePositiveSeconds } from './options.js';

/** onnxruntime session options shared by `profile`, `report`, `diff --profile` and `lint --profile`. */
export interface SessionArgs {
  readonly ep: string;
  readonly threads?: number;
  readonly optLevel: OptLevel;
  readonly warmup?: number;
  readonly runs: number;
  readonly quiet?: boolean;
  /** Seconds onnxruntime may run before the measurement is stopped (`--timeout`, default DEFAULT_TIMEOUT_S). */
  readonly timeout?: number;
}

/** Adds --ep, --threads, --opt-level, --warmup, --runs and --timeout; `when` says when they apply (e.g. 'with --profile'). */
export function addSessionOptions(
  cmd: Command,
  defaults: { readonly runs: number; readonly when?: string; readonly warmupHelp?: string },
): Command {
  const when = defaults.when ? ` (${defaults.when})` : '';
  return cmd
    .option(
      '--ep <name>',
      `execution provider${when}: cpu, or any the binding offers (cuda, tensorrt, webgpu...)`,
      'cpu',
    )
    .option('--threads <n>', `intra-op threads${when} (default: onnxruntime, one per physical core)`, parsePositiveInt)
    .addOption(
      new Option('--opt-level <level>', `onnxruntime graph optimization level${when}`)
        .choices(OPT_LEVELS)
        .default('all'),
    )
    .option(
      '--warmup <n>',
      defaults.warmupHelp ?? `untimed runs before timing${when} (default ${DEFAULT_WARMUP})`,
      parseNonNegativeInt,
    )
    .option('--runs <n>', `timed runs in each of the two sessions${when}`, parsePositiveInt, defaults.runs)
    .option(
      '--timeout <seconds>',
      `stop onnxruntime after this many seconds${when}, exit 2 (default ${DEFAULT_TIMEOUT_S})`,
      parsePositiveSeconds,
    );
}

/**
 * Profiles a model with the session options, drawing a progress bar on stderr when it is a
 * terminal (and not --quiet).
 */
export async function profileWithProgress(
  model: string,
  args: SessionArgs,
  options: Omit<ProfileOptions, 'ep' | 'threads' | 'optLevel' | 'warmup' | 'runs' | 'onProgress' | 'timeoutS'>,
  io: CliIO,
  label = '',
): Promise<ProfileResult> {
  const bar = createProgressBar(io.stderr, io.stderrIsTTY && !args.quiet);
  try {
    return await profileModel(model, {
      ...options,
      ep: args.ep,
      threads: args.threads,
      optLevel: args.optLevel,
      warmup: args.warmup,
      runs: args.runs,
      timeoutS: args.timeout,
      onProgress: (p) =>
        bar.update(`${label}${p.phase === 'latency' ? 'timing runs   ' : 'profiled runs '}`, p.done, p.total),
    });
  } finally {
    bar.finish();
  }
}

/**
 * Confirms findings by counterfactual measurement (profile/confirm-findings.ts), `confirmTop` pairs at
 * most, drawing a progress bar on stderr when it is a terminal (and not --quiet).
 */
export async function confirmWithProgress<F extends FindingLike>(
  findings: readonly F[],
  analysis: Analysis,
  profile: ProfileResult,
  args: { readonly confirmTop: number; readonly quiet?: boolean },
  io: CliIO,
  label = '',
): Promise<ConfirmedFinding<F>[]> {
  const bar = createProgressBar(io.stderr, io.stderrIsTTY && !args.quiet);
  try {
    return await confirmFindings(findings, analysis, profile, {
      top: args.confirmTop,
      onProgress: (done, total) => bar.update(`${label}counterfactuals`, done, total),
    });
  } finally {
    bar.finish();
  }
}
