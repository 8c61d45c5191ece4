import type { Command } from 'commander';
import { Option } from 'commander';
import type { ConvFamily, DeviceProfile } from '../../analyzers/roofline.js';
import { CONV_FAMILIES, ridgePoint } from '../../analyzers/roofline.js';
import { calibrateDevice, DEFAULT_CALIBRATE_BLOCKS, DEFAULT_CALIBRATE_RUNS } from '../../profile/calibrate.js';
import type { MeasureClock, MeasureOptLevel } from '../../profile/measure/interleaved.js';
import { MEASURE_CLOCKS } from '../../profile/measure/interleaved.js';
import { createProgressBar } from '../../profile/progress.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import type { CliIO } from '../io.js';
import { writeOutputFile } from '../io.js';
import { parsePositiveInt } from '../options.js';

export interface CalibrateArgs {
  readonly output?: string;
  readonly ep: string;
  readonly threads?: number;
  readonly optLevel: MeasureOptLevel;
  readonly clock: MeasureClock;
  readonly runs?: number;
  readonly blocks?: number;
  readonly quiet?: boolean;
}

const FAMILY_LABELS: Readonly<Record<ConvFamily, string>> = {
  dense: 'dense conv',
  depthwise: 'depthwise conv',
  grouped: 'grouped conv',
  unaligned: 'NCHW conv',
  depthwiseUnaligned: 'NCHW depthwise',
};

/** One line per number, for the terminal. */
export function describeDeviceProfile(p: DeviceProfile): string {
  const m = p.measuredWith ?? {};
  const lines = [
    `device profile ${p.name}${m.optLevel !== undefined ? ` (opt ${m.optLevel}, ${m.clock ?? 'wall'} clock)` : ''}`,
    `  peak compute    ${(p.peakFlopsPerSecond / 1e9).toFixed(1)} G multiply-adds/s`,
    `  bandwidth       ${(p.bandwidthBytesPerSecond / 1e9).toFixed(1)} GB/s`,
  ];
  if (p.copyBandwidthBytesPerSecond !== undefined)
    lines.push(
      `  copy bandwidth  ${(p.copyBandwidthBytesPerSecond / 1e9).toFixed(1)} GB/s (reorders, transpose, concat, split)`,
    );
  if (p.activationBandwidthBytesPerSecond !== undefined)
    lines.push(
      `  activations     ${(p.activationBandwidthBytesPerSecond / 1e9).toFixed(1)} GB/s (element-wise, pooling, conv bytes)`,
    );
  for (const f of CONV_FAMILIES) {
    const v = p.convRoofs?.[f];
    if (v !== undefined)
      lines.push(
        `  ${FAMILY_LABELS[f].padEnd(15)} ${(v / 1e9).toFixed(1)} G multiply-adds/s${m[`${f}Kernel`] !== undefined ? ` (${m[`${f}Kernel`]})` : ''}`,
      );
  }
  lines.push(`  per-op cost     ${p.perOpOverheadUs.toFixed(2)} µs`);
  if (p.convOverheadUs !== undefined) lines.push(`  per-conv cost   +${p.convOverheadUs.toFixed(2)} µs`);
  if (p.inNetworkFactor !== undefined)
    lines.push(`  in a network    x${p.inNetworkFactor.toFixed(2)} (mixed network against the chains' prediction)`);
  lines.push(`  ridge point     ${ridgePoint(p).toFixed(1)} FLOPs/byte`);
  if (m.fallbacks !== undefined)
    lines.push(`  noisy: ${m.fallbacks} (difference not positive; upper bound used, rerun with more --runs)`);
  return lines.join('\n') + '\n';
}

/** `efflint calibrate`: measure this machine and write (or print) a DeviceProfile JSON. */
export async function runCalibrate(args: CalibrateArgs, io: CliIO): Promise<number> {
  const bar = createProgressBar(io.stderr, io.stderrIsTTY && !args.quiet);
  let profile: DeviceProfile;
  try {
    profile = await calibrateDevice({
      ep: args.ep,
      threads: args.threads,
      optLevel: args.optLevel,
      clock: args.clock,
      runs: args.runs,
      blocks: args.blocks,
      onProgress: (p) =>
        bar.update(
          p.phase === 'compute'
            ? 'compute, bandwidth '
            : p.phase === 'overhead'
              ? 'per-op overhead    '
              : 'kernel families    ',
          p.done,
          p.total,
        ),
    });
  } finally {
    bar.finish();
  }
  const json = JSON.stringify(profile, null, 2) + '\n';
  if (args.output) {
    writeOutputFile(args.output, io.cwd, json);
    io.stdout(describeDeviceProfile(profile) + `written to ${args.output}\n`);
  } else {
    io.stdout(json);
  }
  return EXIT_OK;
}

export function defineCalibrate(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('calibrate')
    .description(
      "measure this machine's peak compute, memory and copy bandwidth, convolution roofs per kernel family and per-op overhead (a device profile for predictions)",
    )
    .option('-o, --output <file>', 'write the device profile JSON here (default: print it)')
    .option(
      '--ep <name>',
      'execution provider (other than cpu: kernel times of a profiled session, wall clock, no family roofs)',
      'cpu',
    )
    .option(
      '--threads <n>',
      'intra-op threads; the CPU-time clock needs 1 (more: kernel times of a profiled session, wall clock)',
      parsePositiveInt,
    )
    .addOption(
      new Option('--opt-level <level>', 'onnxruntime graph optimization level, as for efflint profile')
        .choices(['all', 'disabled'])
        .default('all'),
    )
    .addOption(
      new Option('--clock <clock>', 'clock the numbers are taken from: process CPU time or wall time')
        .choices(MEASURE_CLOCKS)
        .default('cpu'),
    )
    .option(
      '--runs <n>',
      `timed runs of every calibration model per block (default ${DEFAULT_CALIBRATE_RUNS})`,
      parsePositiveInt,
    )
    .option('--blocks <n>', `blocks of interleaved runs (default ${DEFAULT_CALIBRATE_BLOCKS})`, parsePositiveInt)
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts: CalibrateArgs) => done(await runCalibrate(opts, io)));
}
