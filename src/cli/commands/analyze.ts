import type { Command } from 'commander';
import { Option } from 'commander';
import type { LayerReport } from '../../analyzers/analyze.js';
import { analyzeFile } from '../../api.js';
import { formatAnalysisCsv } from '../../report/analysis/analysis-csv.js';
import { formatAnalysisText } from '../../report/analysis/analysis-text.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import { parseInputShapes } from '../input-shapes.js';
import type { CliIO } from '../io.js';
import { useColor } from '../io.js';
import { collect, parsePositiveInt } from '../options.js';

export interface AnalyzeArgs {
  readonly format: 'text' | 'json' | 'csv';
  readonly sort?: 'flops' | 'memAccess' | 'params';
  readonly top?: number;
  readonly input: string[];
}

const SORT_KEYS = ['flops', 'memAccess', 'params'] as const;

export function sortLayers(layers: readonly LayerReport[], key: AnalyzeArgs['sort'], top?: number): LayerReport[] {
  const sorted = key ? [...layers].sort((a, b) => (b[key] ?? -1) - (a[key] ?? -1)) : [...layers];
  return top === undefined ? sorted : sorted.slice(0, top);
}

export function runAnalyze(model: string, args: AnalyzeArgs, io: CliIO): number {
  const analysis = analyzeFile(model, { inputShapes: parseInputShapes(args.input) });
  const shown = sortLayers(analysis.layers, args.sort, args.top);
  if (args.format === 'json') {
    io.stdout(
      JSON.stringify(args.sort || args.top !== undefined ? { ...analysis, layers: shown } : analysis, null, 2) + '\n',
    );
  } else if (args.format === 'csv') {
    io.stdout(formatAnalysisCsv(shown));
  } else {
    io.stdout(formatAnalysisText(analysis, { color: useColor(io), layers: shown }));
  }
  return EXIT_OK;
}

export function defineAnalyze(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('analyze')
    .description('per-layer shapes, FLOPs (multiply-adds), params and memory access cost of a model')
    .argument('<model>', 'an .onnx file or zoo:NAME')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'csv']).default('text'))
    .addOption(new Option('--sort <key>', 'sort layers by').choices(SORT_KEYS))
    .option('--top <n>', 'show only the first N layers (after --sort)', parsePositiveInt)
    .option('--input <name=dims>', 'bind an input shape, e.g. input=1x3x224x224 (repeatable)', collect, [])
    .action((model: string, opts: AnalyzeArgs) => done(runAnalyze(model, opts, io)));
}
