import { Chalk } from 'chalk';
import type { Analysis, LayerReport } from '../../analyzers/analyze.js';
import { MESSAGE_MAX, quoteUserInput } from '../../util/escape.js';
import type { FigureId } from '../report/report-data.js';
import { analysisFigures } from '../report/report-data.js';
import { humanBytes, humanCount, percent } from '../shared/numbers.js';
import { alignTable } from '../shared/text-table.js';

export interface AnalysisTextOptions {
  readonly color: boolean;
  /** Layers to show, already sorted and cut by the caller. */
  readonly layers: readonly LayerReport[];
}

function shapeText(shape: readonly (number | string)[] | null | undefined): string {
  if (!shape) return '?';
  return shape.length === 0 ? 'scalar' : shape.join('x');
}

/** The per-layer table and totals of `efflint analyze`. */
export function formatAnalysisText(analysis: Analysis, options: AnalysisTextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const t = analysis.totals;
  const header = ['layer', 'op', 'output', 'FLOPs', 'params', 'memAccess', 'memBytes', 'FLOPs/B'];
  const rows = options.layers.map((l) => [
    quoteUserInput(l.name),
    quoteUserInput(l.opType),
    quoteUserInput(shapeText(l.outputShapes[0])),
    l.flops === null ? c.yellow('unknown') : humanCount(l.flops),
    humanCount(l.params),
    humanCount(l.memAccess),
    humanBytes(l.memBytes),
    l.intensity === null ? '-' : l.intensity.toFixed(2),
  ]);
  const lines = alignTable(
    [header.map((h) => c.bold(h)), ...rows],
    [false, false, false, true, true, true, true, true],
  );
  const m = analysis.model;
  const out: string[] = [];
  out.push(
    c.bold(quoteUserInput(m.path)) +
      c.dim(
        quoteUserInput(
          `  (IR ${m.irVersion}, opset ${Object.entries(m.opsets)
            .map(([d, v]) => `${d} ${v}`)
            .join(', ')}${m.producer ? `, ${m.producer} ${m.producerVersion}`.trimEnd() : ''})`,
          MESSAGE_MAX,
        ),
      ),
  );
  out.push(
    ...analysis.inputs.map((i) =>
      c.dim(`  input  ${quoteUserInput(i.name)}: ${i.dtype ?? '?'}[${quoteUserInput(shapeText(i.shape))}]`),
    ),
  );
  out.push(
    ...analysis.outputs.map((o) =>
      c.dim(`  output ${quoteUserInput(o.name)}: ${o.dtype ?? '?'}[${quoteUserInput(shapeText(o.shape))}]`),
    ),
  );
  out.push('');
  out.push(...lines);
  if (options.layers.length < analysis.layers.length) {
    out.push(c.dim(`... ${analysis.layers.length - options.layers.length} more layers (use --top)`));
  }
  out.push('');
  // The figures `efflint report` prints too (computed once, in report-data.ts), so text and reports agree.
  const figures = analysisFigures(analysis);
  const fig = (id: FigureId): string => figures.find((f) => f.id === id)?.text ?? '?';
  out.push(
    `${c.bold('total')}: ${fig('flops')} FLOPs, ${fig('params')} params, ` +
      `${fig('memAccess')} memAccess (${humanBytes(t.memBytes)}), ${t.layers} layers`,
  );
  for (const f of figures.filter((x) => x.id === 'elementwiseGraphMemAccess' || x.id === 'elementwiseGraphFlops'))
    out.push(`${f.label}: ${f.text}`);
  if (t.unknownCostLayers.length > 0) {
    out.push(
      c.yellow(
        `cost unknown for ${t.unknownCostLayers.length} layers (${percent(t.unknownCostLayers.length, t.layers)}): ${t.unknownCostLayers
          .slice(0, 8)
          .map((n) => quoteUserInput(n))
          .join(', ')}${t.unknownCostLayers.length > 8 ? ', ...' : ''}`,
      ),
    );
  }
  out.push(
    c.dim(`FLOPs = multiply-adds (ShuffleNet V2 convention); memAccess = elements read + written, weights included`),
  );
  for (const w of analysis.warnings) out.push(c.yellow(`warning: ${quoteUserInput(w, MESSAGE_MAX)}`));
  return out.join('\n') + '\n';
}
