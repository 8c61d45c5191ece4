import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { readDeviceProfile } from '../../config/device-profile.js';
import { UsageError } from '../../errors.js';
import type { MeasureOptLevel } from '../../profile/measure/interleaved.js';
import { REFERENCE_MODELS } from '../../profile/measure/paper-tables.js';
import type { ValidateClock, ValidationResult } from '../../profile/measure/validate.js';
import {
  QUICK_MODEL_BLOCKS,
  QUICK_MODEL_RUNS,
  VALIDATE_BLOCKS,
  VALIDATE_CLOCKS,
  VALIDATE_RUNS,
  VALIDATE_WARMUP,
  runValidation,
} from '../../profile/measure/validate.js';
import type { ExportSummary } from '../../profile/measure/validate-export.js';
import { exportValidation } from '../../profile/measure/validate-export.js';
import { importValidation } from '../../profile/measure/validate-import.js';
import { createProgressBar } from '../../profile/progress.js';
import { humanBytes } from '../../report/shared/numbers.js';
import { formatValidateJson } from '../../report/validate/validate-json.js';
import { formatValidateMarkdown } from '../../report/validate/validate-markdown.js';
import { formatValidateText } from '../../report/validate/validate-text.js';
import { getZooEntry } from '../../zoo/index.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import type { CliIO } from '../io.js';
import { collect, parseNonNegativeInt, parsePositiveInt } from '../options.js';

export interface ValidateArgs {
  readonly quick?: boolean;
  /** Default: both for a local run, the GPU's one level (all) for --export, as recorded for --import. */
  readonly optLevel?: 'all' | 'disabled' | 'both';
  readonly format: 'text' | 'json' | 'markdown';
  readonly blocks?: number;
  readonly runs?: number;
  readonly warmup?: number;
  /** Default: cpu for a local run, as recorded for --import. */
  readonly clock?: ValidateClock;
  readonly models?: string;
  readonly guideline: string[];
  readonly deviceProfile?: string;
  readonly quiet?: boolean;
  readonly export?: string;
  readonly import?: string;
  readonly batch?: number;
}

function parseModels(value: string | undefined): string[] {
  if (value === undefined) return [...REFERENCE_MODELS];
  if (value === 'none' || value === '') return [];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!getZooEntry(n)) throw new UsageError(`--models: unknown zoo model '${n}' (efflint zoo list shows them)`);
  return names;
}

function optLevelsOf(value: ValidateArgs['optLevel']): MeasureOptLevel[] | undefined {
  if (value === undefined) return undefined;
  return value === 'both' ? ['all', 'disabled'] : [value];
}

/** Options that only apply to some modes: a clear error instead of silently ignoring them. */
function checkModeOptions(args: ValidateArgs): void {
  if (args.export !== undefined && args.import !== undefined)
    throw new UsageError('--export and --import exclude each other: export, measure with the runner, then import');
  if (args.batch !== undefined && args.export === undefined)
    throw new UsageError('--batch only applies with --export (a local run measures batch 1)');
  if (args.import !== undefined) {
    const measuring: [string, unknown][] = [
      ['--quick', args.quick],
      ['--blocks', args.blocks],
      ['--runs', args.runs],
      ['--warmup', args.warmup],
      ['--models', args.models],
    ];
    const given = measuring.filter(([, v]) => v !== undefined && v !== false).map(([k]) => k);
    if (given.length > 0)
      throw new UsageError(
        `${given.join(', ')}: with --import the export and the runner's results decide what was measured`,
      );
    return;
  }
  if (args.clock === 'gpu-wall')
    throw new UsageError('--clock gpu-wall applies to --import of results measured on a GPU');
}

function formatResult(result: ValidationResult, format: ValidateArgs['format']): string {
  return format === 'json'
    ? formatValidateJson(result)
    : format === 'markdown'
      ? formatValidateMarkdown(result)
      : formatValidateText(result);
}

function formatExport(summary: ExportSummary, format: ValidateArgs['format']): string {
  const m = summary.manifest;
  if (format === 'json') {
    return (
      JSON.stringify(
        {
          dir: summary.dir,
          manifest: `${summary.dir}/manifest.json`,
          exportId: m.exportId,
          models: summary.models,
          bytes: summary.bytes,
          measurements: m.measurements.map((x) => x.id),
          runner: summary.runner,
        },
        null,
        2,
      ) + '\n'
    );
  }
  const lines = [
    `wrote ${summary.models} models (${humanBytes(summary.bytes)}, batch ${m.batch}) and manifest.json to ${summary.dir} (export ${m.exportId})`,
    `measurements: ${m.measurements.map((x) => `${x.id} (${x.variants.length})`).join(', ')}`,
    `protocol: ${m.protocol.blocks} blocks x ${m.protocol.runsPerBlock} runs after ${m.protocol.warmup} warm-up rounds (reference networks ${m.protocol.modelBlocks} x ${m.protocol.modelRunsPerBlock}); opt level ${m.protocol.optLevels.join(', ')}`,
    'next, on the machine with the GPU (docs/validation-gpu.md):',
    `  python3 ${summary.runner} ${summary.dir} --provider cuda`,
    `  efflint validate --import ${summary.dir}`,
  ];
  return lines.join('\n') + '\n';
}

/** `efflint validate`: the paper's Tables 1-4 measured here, with a verdict per guideline and opt level. */
export async function runValidate(args: ValidateArgs, io: CliIO): Promise<number> {
  checkModeOptions(args);
  const deviceProfile = args.deviceProfile ? readDeviceProfile(args.deviceProfile, io.cwd) : undefined;
  const inCwd = (p: string): string => resolve(io.cwd, p);
  if (args.import !== undefined) {
    const result = importValidation(inCwd(args.import), {
      guidelines: args.guideline,
      optLevels: optLevelsOf(args.optLevel),
      clock: args.clock,
      deviceProfile,
    });
    io.stdout(
      formatResult({ ...result, imported: result.imported && { ...result.imported, dir: args.import } }, args.format),
    );
    return EXIT_OK;
  }
  const bar = createProgressBar(io.stderr, io.stderrIsTTY && !args.quiet);
  if (args.export !== undefined) {
    let summary: ExportSummary;
    try {
      summary = exportValidation(inCwd(args.export), {
        quick: args.quick === true,
        optLevels: optLevelsOf(args.optLevel),
        blocks: args.blocks,
        runsPerBlock: args.runs,
        warmup: args.warmup,
        models: parseModels(args.models),
        guidelines: args.guideline,
        batch: args.batch,
        onProgress: (label, done, total) => bar.update(label.padEnd(34), done, total),
      });
    } finally {
      bar.finish();
    }
    io.stdout(formatExport({ ...summary, dir: args.export }, args.format));
    return EXIT_OK;
  }
  let result;
  try {
    result = await runValidation({
      quick: args.quick === true,
      optLevels: optLevelsOf(args.optLevel ?? 'both'),
      blocks: args.blocks,
      runsPerBlock: args.runs,
      warmup: args.warmup,
      clock: args.clock === 'wall' ? 'wall' : 'cpu',
      models: parseModels(args.models),
      guidelines: args.guideline,
      deviceProfile,
      onProgress: (label, done, total) => bar.update(label.padEnd(34), done, total),
    });
  } finally {
    bar.finish();
  }
  io.stdout(formatResult(result, args.format));
  return EXIT_OK;
}

export function defineValidate(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('validate')
    .description(
      "measure the ShuffleNet V2 paper's Tables 1-4 (zoo exp_*) on this CPU, or export them for a GPU and import its results: a verdict per guideline and opt level, beside the paper's ratios and efflint's prediction",
    )
    .option(
      '--quick',
      'one column per table and fewer runs for the reference networks (about 35 s on 2 busy cores; the full run about 7.5 min)',
    )
    .addOption(
      new Option(
        '--opt-level <level>',
        "onnxruntime graph optimization level (default both; --export: all, the GPU table's one level; --import: every level the results hold)",
      ).choices(['all', 'disabled', 'both']),
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'),
    )
    .option(
      '--blocks <n>',
      `blocks per comparison; ratios are taken per block (default ${VALIDATE_BLOCKS}; --quick reference networks ${QUICK_MODEL_BLOCKS})`,
      parsePositiveInt,
    )
    .option(
      '--runs <n>',
      `timed runs of each variant in each block (default ${VALIDATE_RUNS}; --quick reference networks ${QUICK_MODEL_RUNS})`,
      parsePositiveInt,
    )
    .option('--warmup <n>', `untimed rounds before the first block (default ${VALIDATE_WARMUP})`, parseNonNegativeInt)
    .addOption(
      new Option(
        '--clock <clock>',
        "clock the verdicts use: process CPU time or wall time (default cpu; --import: the results' own, gpu-wall on a GPU)",
      ).choices(VALIDATE_CLOCKS),
    )
    .option(
      '--models <names>',
      `reference networks, comma-separated zoo names, or none (default ${REFERENCE_MODELS.join(',')})`,
    )
    .option('--guideline <id>', 'only this guideline: G1, G2, G3, G3-series, G3-parallel, G4 (repeatable)', collect, [])
    .option('--device-profile <file>', 'device profile (efflint calibrate) for the static prediction ranks')
    .option(
      '--export <dir>',
      'measure nothing: write the experiment and reference models (.onnx) and manifest.json to DIR for a runner on a GPU (docs/validation-gpu.md)',
    )
    .option(
      '--import <dir>',
      "measure nothing: verdicts from the runner's results in DIR (written by --export, measured by scripts/gpu-runner.py)",
    )
    .option(
      '--batch <n>',
      "with --export: batch size of the exported models (default 1; the paper's GPU figures elsewhere use 8)",
      parsePositiveInt,
    )
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts: ValidateArgs) => done(await runValidate(opts, io)));
}
