import type { Command } from 'commander';
import { Option } from 'commander';
import { readDeviceProfile } from '../../config/device-profile.js';
import { UsageError } from '../../errors.js';
import { DEFAULT_RUNS, importTrace } from '../../profile/profile.js';
import type { ProfileResult } from '../../profile/types.js';
import { formatProfileJson } from '../../report/profile/profile-json.js';
import { formatProfileText } from '../../report/profile/profile-text.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import { parseInputShapes } from '../input-shapes.js';
import type { CliIO } from '../io.js';
import { useColor } from '../io.js';
import { collect, parsePositiveInt } from '../options.js';
import type { SessionArgs } from '../session-options.js';
import { addSessionOptions, profileWithProgress } from '../session-options.js';

export interface ProfileArgs extends SessionArgs {
  readonly batch?: number;
  readonly input: string[];
  readonly trace?: string;
  readonly optimizedModel?: string;
  readonly deviceProfile?: string;
  readonly saveTrace?: string;
  readonly saveOptimizedModel?: string;
  readonly format: 'text' | 'json';
  readonly top?: number;
}

/** `efflint profile MODEL`: measure with onnxruntime-node, or import a trace with --trace. */
export async function runProfile(model: string, args: ProfileArgs, io: CliIO): Promise<number> {
  const inputShapes = parseInputShapes(args.input);
  const deviceProfile = args.deviceProfile ? readDeviceProfile(args.deviceProfile, io.cwd) : undefined;
  let result: ProfileResult;
  if (args.trace) {
    result = importTrace(model, args.trace, {
      warmup: args.warmup,
      batch: args.batch,
      inputShapes,
      deviceProfile,
      optimizedModel: args.optimizedModel,
    });
  } else {
    if (args.optimizedModel) throw new UsageError('--optimized-model only applies with --trace');
    result = await profileWithProgress(
      model,
      args,
      {
        batch: args.batch,
        inputShapes,
        deviceProfile,
        saveTrace: args.saveTrace,
        saveOptimizedModel: args.saveOptimizedModel,
      },
      io,
    );
  }
  io.stdout(
    args.format === 'json'
      ? formatProfileJson(result)
      : formatProfileText(result, { color: useColor(io), top: args.top }),
  );
  return EXIT_OK;
}

export function defineProfile(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('profile')
    .description(
      'measure latency and per-node kernel time with onnxruntime-node (or import a trace), joined to ONNX nodes',
    )
    .argument('<model>', 'an .onnx file or zoo:NAME');
  addSessionOptions(cmd, {
    runs: DEFAULT_RUNS,
    warmupHelp: 'untimed runs first (default 5; with --trace: leading runs to drop, default 1)',
  });
  cmd
    .option('--batch <n>', 'batch size (zoo models are rebuilt; files get dim 0 of every input set)', parsePositiveInt)
    .option('--input <name=dims>', 'bind an input shape, e.g. input=1x3x224x224 (repeatable)', collect, [])
    .option('--trace <file>', 'import an onnxruntime profile JSON or a trtexec --exportProfile JSON instead of running')
    .option(
      '--optimized-model <file>',
      'with --trace: the optimized model onnxruntime saved for that session (better joins)',
    )
    .option('--device-profile <file>', 'device profile from efflint calibrate: adds roofline predictions')
    .option('--save-trace <file>', "keep onnxruntime's trace JSON (chrome://tracing, Perfetto)")
    .option(
      '--save-optimized-model <file>',
      'keep the optimized model onnxruntime ran (for --trace --optimized-model later)',
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--top <n>', 'kernels in the text table (default 15)', parsePositiveInt)
    .option('-q, --quiet', 'no progress bar')
    .action(async (model: string, opts: ProfileArgs) => done(await runProfile(model, opts, io)));
}
