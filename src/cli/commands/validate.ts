import type { Command } from 'commander';
import { Option } from 'commander';
import { readDeviceProfile } from '../../config/device-profile.js';
import { UsageError } from '../../errors.js';
import { MEASURE_CLOCKS } from '../../profile/measure/interleaved.js';
import type { MeasureClock, MeasureOptLevel } from '../../profile/measure/interleaved.js';
import { REFERENCE_MODELS } from '../../profile/measure/paper-tables.js';
import { QUICK_MODEL_BLOCKS, QUICK_MODEL_RUNS, VALIDATE_BLOCKS, VALIDATE_RUNS, VALIDATE_WARMUP, runValidation } from '../../profile/measure/validate.js';
import { createProgressBar } from '../../profile/progress.js';
import { formatValidateJson } from '../../report/validate-json.js';
import { formatValidateMarkdown } from '../../report/validate-markdown.js';
import { formatValidateText } from '../../report/validate-text.js';
import { getZooEntry } from '../../zoo/index.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { collect, parseNonNegativeInt, parsePositiveInt } from '../options.js';

export interface ValidateArgs {
  readonly quick?: boolean;
  readonly optLevel: 'all' | 'disabled' | 'both';
  readonly format: 'text' | 'json' | 'markdown';
  readonly blocks?: number;
  readonly runs?: number;
  readonly warmup?: number;
  readonly clock: MeasureClock;
  readonly models?: string;
  readonly guideline: string[];
  readonly deviceProfile?: string;
  readonly quiet?: boolean;
}

function parseModels(value: string | undefined): string[] {
  if (value === undefined) return [...REFERENCE_MODELS];
  if (value === 'none' || value === '') return [];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!getZooEntry(n)) throw new UsageError(`--models: unknown zoo model '${n}' (efflint zoo list shows them)`);
  return names;
}

/** `efflint validate`: the paper's Tables 1-4 measured here, with a verdict per guideline and opt level. */
export async function runValidate(args: ValidateArgs, io: CliIO): Promise<number> {
  const optLevels: MeasureOptLevel[] = args.optLevel === 'both' ? ['all', 'disabled'] : [args.optLevel];
  const deviceProfile = args.deviceProfile ? readDeviceProfile(args.deviceProfile, io.cwd) : undefined;
  const bar = createProgressBar(io.stderr, io.stderrIsTTY && !args.quiet);
  let result;
  try {
    result = await runValidation({
      quick: args.quick === true,
      optLevels,
      blocks: args.blocks,
      runsPerBlock: args.runs,
      warmup: args.warmup,
      clock: args.clock,
      models: parseModels(args.models),
      guidelines: args.guideline,
      deviceProfile,
      onProgress: (label, done, total) => bar.update(label.padEnd(34), done, total),
    });
  } finally {
    bar.finish();
  }
  const text = args.format === 'json' ? formatValidateJson(result) : args.format === 'markdown' ? formatValidateMarkdown(result) : formatValidateText(result);
  io.stdout(text);
  return EXIT_OK;
}

export function defineValidate(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('validate')
    .description("measure the ShuffleNet V2 paper's Tables 1-4 (zoo exp_*) on this CPU: a verdict per guideline and opt level, beside the paper's ratios and efflint's prediction")
    .option('--quick', 'one column per table and fewer runs for the reference networks (about 35 s on 2 busy cores; the full run about 7.5 min)')
    .addOption(new Option('--opt-level <level>', 'onnxruntime graph optimization level').choices(['all', 'disabled', 'both']).default('both'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('--blocks <n>', `blocks per comparison; ratios are taken per block (default ${VALIDATE_BLOCKS}; --quick reference networks ${QUICK_MODEL_BLOCKS})`, parsePositiveInt)
    .option('--runs <n>', `timed runs of each variant in each block (default ${VALIDATE_RUNS}; --quick reference networks ${QUICK_MODEL_RUNS})`, parsePositiveInt)
    .option('--warmup <n>', `untimed rounds before the first block (default ${VALIDATE_WARMUP})`, parseNonNegativeInt)
    .addOption(new Option('--clock <clock>', 'clock the verdicts use: process CPU time or wall time').choices(MEASURE_CLOCKS).default('cpu'))
    .option('--models <names>', `reference networks, comma-separated zoo names, or none (default ${REFERENCE_MODELS.join(',')})`)
    .option('--guideline <id>', 'only this guideline: G1, G2, G3, G3-series, G3-parallel, G4 (repeatable)', collect, [])
    .option('--device-profile <file>', 'device profile (efflint calibrate) for the static prediction ranks')
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts: ValidateArgs) => done(await runValidate(opts, io)));
}
