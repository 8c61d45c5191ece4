import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ProfilerError } from '../../errors.js';
import type { DeviceProfile } from '../../analyzers/roofline.js';
import { ridgePoint } from '../../analyzers/roofline.js';
import { calibrateDevice } from '../../profile/calibrate.js';
import { createProgressBar } from '../../profile/progress.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { parsePositiveInt } from '../options.js';

export interface CalibrateArgs {
  readonly output?: string;
  readonly ep: string;
  readonly threads?: number;
  readonly runs?: number;
  readonly quiet?: boolean;
}

/** One line per number, for the terminal. */
export function describeDeviceProfile(p: DeviceProfile): string {
  return [
    `device profile ${p.name}`,
    `  peak compute  ${(p.peakFlopsPerSecond / 1e9).toFixed(1)} G multiply-adds/s`,
    `  bandwidth     ${(p.bandwidthBytesPerSecond / 1e9).toFixed(1)} GB/s`,
    `  per-op cost   ${p.perOpOverheadUs.toFixed(2)} µs`,
    `  ridge point   ${ridgePoint(p).toFixed(1)} FLOPs/byte`,
  ].join('\n') + '\n';
}

/** `efflint calibrate`: measure this machine and write (or print) a DeviceProfile JSON. */
export async function runCalibrate(args: CalibrateArgs, io: CliIO): Promise<number> {
  const bar = createProgressBar(io.stderr, io.stderrIsTTY && !args.quiet);
  let profile: DeviceProfile;
  try {
    profile = await calibrateDevice({
      ep: args.ep,
      threads: args.threads,
      runs: args.runs,
      onProgress: (p) => bar.update(p.phase === 'compute' ? 'compute, bandwidth ' : 'per-op overhead    ', p.done, p.total),
    });
  } finally {
    bar.finish();
  }
  const json = JSON.stringify(profile, null, 2) + '\n';
  if (args.output) {
    try {
      writeFileSync(args.output, json);
    } catch (err) {
      throw new ProfilerError(`${args.output}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    io.stdout(describeDeviceProfile(profile) + `written to ${args.output}\n`);
  } else {
    io.stdout(json);
  }
  return EXIT_OK;
}

export function defineCalibrate(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('calibrate')
    .description("measure this machine's peak compute, memory bandwidth and per-op overhead (a device profile for roofline predictions)")
    .option('-o, --output <file>', 'write the device profile JSON here (default: print it)')
    .option('--ep <name>', 'execution provider', 'cpu')
    .option('--threads <n>', 'intra-op threads (use the same value as for efflint profile)', parsePositiveInt)
    .option('--runs <n>', 'timed runs of the compute/bandwidth model (default 5)', parsePositiveInt)
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts: CalibrateArgs) => done(await runCalibrate(opts, io)));
}
