import type { LayerReport } from '../analyzers/analyze.js';

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per layer, RFC 4180 quoting; unknown numbers are empty cells. */
export function formatAnalysisCsv(layers: readonly LayerReport[]): string {
  const header = ['name', 'opType', 'domain', 'category', 'outputShape', 'flops', 'params', 'memAccess', 'memBytes', 'intensity'];
  const rows = layers.map((l) =>
    [l.name, l.opType, l.domain, l.category, l.outputShapes[0]?.join('x') ?? null, l.flops, l.params, l.memAccess, l.memBytes, l.intensity]
      .map(cell)
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}
