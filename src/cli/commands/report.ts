import { cpus, arch, platform, release, totalmem } from 'node:os';
import { extname } from 'node:path';
import type { Command } from 'commander';
import type { DeviceProfile } from '../../analyzers/roofline.js';
import { analyzeFile } from '../../api.js';
import { readDeviceProfile } from '../../config/device-profile.js';
import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import { DEFAULT_CONFIRM_TOP } from '../../profile/confirm-findings.js';
import { DEFAULT_RUNS } from '../../profile/profile.js';
import type { ProfileResult } from '../../profile/types.js';
import { formatReportHtml } from '../../report/report/html.js';
import type { FindingConfirmation, ReportEnvironment } from '../../report/report/report-data.js';
import { buildReportData, DEFAULT_TOP_LAYERS } from '../../report/report/report-data.js';
import { formatReportMarkdown } from '../../report/report/report-md.js';
import { GITHUB_COMMENT_LIMIT, fitMarkdown } from '../../report/shared/markdown-budget.js';
import { lintAnalysis } from '../../rules/lint.js';
import { RULES } from '../../rules/registry.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import { parseInputShapes } from '../input-shapes.js';
import type { CliIO } from '../io.js';
import { checkOutputPath, writeOutputFile } from '../io.js';
import { efflintVersion } from '../../version.js';
import { collect, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import type { SessionArgs } from '../session-options.js';
import { addSessionOptions, confirmWithProgress, profileWithProgress } from '../session-options.js';

/** Options of `efflint report` as commander parses them. */
export interface ReportArgs extends SessionArgs {
  readonly output: string;
  /** Markdown: cut the least important rows to stay under this many bytes. */
  readonly maxBytes: number;
  /** commander's `--no-profile`: false when given. */
  readonly profile: boolean;
  readonly input: string[];
  readonly config?: string;
  readonly deviceProfile?: string;
  readonly top: number;
  /** Counterfactual pairs measured to confirm findings (0: none). */
  readonly confirmTop: number;
}

/** Report format from the output file's extension. */
export function reportFormat(path: string): 'html' | 'markdown' {
  const ext = extname(path).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.md') return 'markdown';
  throw new UsageError(`-o ${path}: the report format comes from the extension: .html, .htm or .md`);
}

/** The machine, for the methodology footer. */
function environment(): ReportEnvironment {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? '';
  return {
    cpu: model === '' ? 'unknown CPU' : model,
    cores: cpu.length,
    memoryGiB: totalmem() / 2 ** 30,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}

/** `efflint report MODEL -o FILE`: analysis, lint and (unless --no-profile) measured latency in one file. */
export async function runReport(model: string, args: ReportArgs, io: CliIO): Promise<number> {
  const format = reportFormat(args.output);
  checkOutputPath(args.output, io.cwd);
  const config = loadConfig({ explicitPath: args.config, cwd: io.cwd });
  const deviceProfile: DeviceProfile | undefined = args.deviceProfile
    ? readDeviceProfile(args.deviceProfile, io.cwd)
    : undefined;
  const inputShapes = { ...config.input, ...parseInputShapes(args.input) };
  const progress = io.stderrIsTTY && !args.quiet;
  if (progress) io.stderr(`analysing ${model}...\n`);
  const analysis = analyzeFile(model, { inputShapes });
  const lint = lintAnalysis(analysis, {
    rules: config.rules,
    ignore: config.ignore,
    deviceProfile,
    model,
    runtime: config.runtime,
  });
  let profile: ProfileResult | null = null;
  let confirmations: FindingConfirmation[] | null = null;
  if (args.profile) {
    if (progress) io.stderr(`profiling with onnxruntime (${args.ep})...\n`);
    profile = await profileWithProgress(model, args, { inputShapes, deviceProfile }, io);
    if (progress && args.confirmTop > 0) io.stderr('confirming findings by counterfactual measurement...\n');
    confirmations = (await confirmWithProgress(lint.findings, analysis, profile, args, io)).map((f) => ({
      confirmed: f.confirmed,
      evidence: f.evidence,
    }));
  }
  const data = buildReportData({
    lint,
    profile,
    confirmations,
    noProfileReason: args.profile ? undefined : '--no-profile',
    rules: RULES,
    ruleSettings: config.rules,
    deviceProfile: deviceProfile ?? null,
    environment: environment(),
    version: efflintVersion(),
    generatedAt: new Date().toISOString(),
    top: args.top,
  });
  const text = format === 'html' ? formatReportHtml(data) : fitMarkdown(formatReportMarkdown(data), args.maxBytes);
  writeOutputFile(args.output, io.cwd, text);
  if (!args.quiet)
    io.stdout(
      `wrote ${args.output} (${format === 'html' ? 'HTML' : 'Markdown'}, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB)\n`,
    );
  return EXIT_OK;
}

/** Registers `efflint report` on the program; `done` receives the exit code. */
export function defineReport(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('report')
    .description(
      'write a latency report (self-contained HTML with static SVG charts, or Markdown): where the time goes, top layers, FLOPs vs time, findings',
    )
    .argument('<model>', 'an .onnx file or zoo:NAME')
    .requiredOption('-o, --output <file>', 'report file: .html/.htm (self-contained HTML) or .md (Markdown)')
    .option('--no-profile', 'do not run the model: analysis and lint only, no latency');
  addSessionOptions(cmd, { runs: DEFAULT_RUNS, when: 'unless --no-profile' });
  cmd
    .option(
      '--input <name=dims>',
      'bind an input shape, e.g. input=1x3x224x224 (repeatable; overrides the config)',
      collect,
      [],
    )
    .option('-c, --config <file>', 'config file (default: efflint.config.json from the working directory upward)')
    .option(
      '--device-profile <file>',
      'device profile from efflint calibrate: roofline predictions, E104, device-aware G3',
    )
    .option('--top <n>', 'layers in the top-layers chart and table', parsePositiveInt, DEFAULT_TOP_LAYERS)
    .option(
      '--confirm-top <n>',
      'unless --no-profile: counterfactual pairs measured to confirm findings, largest estimated impact first (0: none)',
      parseNonNegativeInt,
      DEFAULT_CONFIRM_TOP,
    )
    .option(
      '--max-bytes <n>',
      `Markdown: cut the least important table rows (with a note) to stay under N bytes (default ${GITHUB_COMMENT_LIMIT}, GitHub's comment limit)`,
      parsePositiveInt,
      GITHUB_COMMENT_LIMIT,
    )
    .option('-q, --quiet', 'no progress and no closing line')
    .action(async (model: string, opts: ReportArgs) => done(await runReport(model, opts, io)));
}
