import type { LayerReport } from '../../analyzers/analyze.js';
import { csvCell } from '../../util/escape.js';

/**
 * One row per layer, RFC 4180 quoting; unknown numbers are empty cells. Names are text cells
 * (csvCell): control characters shown escaped and a leading `=`, `+`, `-` or `@` defused with `'`, so
 * a spreadsheet never runs a node name as a formula.
 */
export function formatAnalysisCsv(layers: readonly LayerReport[]): string {
  const header = [
    'name',
    'opType',
    'domain',
    'category',
    'outputShape',
    'flops',
    'params',
    'memAccess',
    'memBytes',
    'intensity',
  ];
  const rows = layers.map((l) =>
    [
      l.name,
      l.opType,
      l.domain,
      l.category,
      l.outputShapes[0]?.join('x') ?? null,
      l.flops,
      l.params,
      l.memAccess,
      l.memBytes,
      l.intensity,
    ]
      .map(csvCell)
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}
