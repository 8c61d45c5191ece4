import type { Command } from 'commander';
import { Option } from 'commander';
import { analyzeModel } from '../../analyzers/analyze.js';
import { UsageError } from '../../errors.js';
import { loadModelBytes } from '../../model/load.js';
import { humanCount } from '../../report/shared/numbers.js';
import { alignTable } from '../../report/shared/text-table.js';
import { buildZooModel, getZooEntry, listZoo } from '../../zoo/index.js';
import type { ZooBuildOptions } from '../../zoo/index.js';
import { EXIT_OK } from '../../util/exit-codes.js';
import type { CliIO } from '../io.js';
import { checkOutputPath, writeOutputFile } from '../io.js';
import { parsePositiveInt } from '../options.js';

export interface ZooListRow {
  readonly name: string;
  readonly family: string;
  readonly inputShape: readonly number[];
  /** Measured by efflint's own analysis of the built model. */
  readonly params: number;
  /** Every layer's FLOPs (element-wise included). */
  readonly flops: number;
  /** Convolution and GEMM multiply-adds only: what papers publish as a model's FLOPs. */
  readonly convGemmFlops: number;
  readonly published: { readonly params?: number; readonly flops?: number } | null;
  readonly source: string;
  readonly description: string;
  readonly paperMeasurements: Readonly<Record<string, number | string>> | null;
}

/** Builds and analyses every zoo model (or those whose name contains `filter`). */
export function zooRows(filter?: string): ZooListRow[] {
  return listZoo()
    .filter((e) => !filter || e.name.includes(filter))
    .map((e) => {
      const analysis = analyzeModel(loadModelBytes(e.build({ weights: false }), { path: `zoo:${e.name}` }));
      return {
        name: e.name,
        family: e.family,
        inputShape: e.inputShape,
        params: analysis.totals.params,
        flops: analysis.totals.flops,
        convGemmFlops: analysis.layers
          .filter((l) => !l.folded && (l.category === 'conv' || l.category === 'gemm'))
          .reduce((sum, l) => sum + (l.flops ?? 0), 0),
        published: e.published ? { params: e.published.params, flops: e.published.flops } : null,
        source: e.source,
        description: e.description,
        paperMeasurements: e.paperMeasurements ?? null,
      };
    });
}

function formatZooTable(rows: readonly ZooListRow[]): string {
  const header = ['name', 'family', 'input', 'params', 'FLOPs', 'conv+gemm', 'published', 'source'];
  const body = rows.map((r) => [
    r.name,
    r.family,
    r.inputShape.join('x'),
    humanCount(r.params),
    humanCount(r.flops),
    humanCount(r.convGemmFlops),
    r.published ? `${humanCount(r.published.params ?? null)} / ${humanCount(r.published.flops ?? null)}` : '',
    r.source.length > 60 ? `${r.source.slice(0, 57)}...` : r.source,
  ]);
  return (
    [
      ...alignTable([header, ...body], [false, false, false, true, true, true, true, false]),
      '',
      'FLOPs = multiply-adds at batch 1 and the default resolution, measured by efflint on the built graph; conv+gemm is what papers publish; published = params / FLOPs from the paper or torchvision.',
    ].join('\n') + '\n'
  );
}

export function runZooList(opts: { format: 'text' | 'json'; filter?: string }, io: CliIO): number {
  const rows = zooRows(opts.filter);
  io.stdout(
    opts.format === 'json' ? JSON.stringify({ schemaVersion: 1, models: rows }, null, 2) + '\n' : formatZooTable(rows),
  );
  return EXIT_OK;
}

export function runZooBuild(name: string, opts: ZooBuildOptions & { output?: string }, io: CliIO): number {
  if (!opts.output) throw new UsageError('zoo build: -o FILE is required');
  if (!getZooEntry(name)) buildZooModel(name); // throws a UsageError naming close matches
  checkOutputPath(opts.output, io.cwd);
  const bytes = buildZooModel(name, { deploy: opts.deploy, batch: opts.batch, resolution: opts.resolution });
  writeOutputFile(opts.output, io.cwd, bytes);
  io.stderr(`wrote ${opts.output} (${(bytes.length / 2 ** 20).toFixed(1)} MiB)\n`);
  return EXIT_OK;
}

export function defineZoo(program: Command, io: CliIO, done: (code: number) => void): void {
  const zoo = program
    .command('zoo')
    .description('reference models built by efflint (ShuffleNet, EfficientNet, ...) and the paper experiments');
  zoo
    .command('list', { isDefault: true })
    .description('list zoo models with their params and FLOPs (the default: `efflint zoo` alone lists them)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--filter <text>', 'only names containing text')
    .action((opts: { format: 'text' | 'json'; filter?: string }) => done(runZooList(opts, io)));
  zoo
    .command('build')
    .description('write a zoo model to an ONNX file')
    .argument('<name>', 'zoo model name (see zoo list)')
    .option('-o, --output <file>', 'output .onnx file')
    .option('--deploy', 'fold BatchNormalization into the convolutions, as exporters do in eval mode')
    .option('--batch <n>', 'batch size', parsePositiveInt)
    .option('--resolution <r>', 'input height and width', parsePositiveInt)
    .action((name: string, opts: ZooBuildOptions & { output?: string }) => done(runZooBuild(name, opts, io)));
}
