import type { ValidationResult } from '../../profile/measure/validate.js';
import { alignTable } from '../shared/text-table.js';
import {
  clockLine,
  columnLines,
  deviceLine,
  flopsSpanLines,
  loadLine,
  measuredOn,
  mispredictionLines,
  modelTable,
  protocolLine,
  setupTable,
  sourceLine,
  verdictMatrix,
} from './validate-cells.js';

function indent(lines: readonly string[], by = '  '): string[] {
  return lines.map((l) => by + l);
}

/** `efflint validate` for the terminal. */
export function formatValidateText(r: ValidationResult): string {
  const out: string[] = [];
  out.push(`efflint validate${r.quick ? ' --quick' : ''}: the ShuffleNet V2 paper's Tables 1-4 measured on ${measuredOn(r)}`);
  const source = sourceLine(r);
  if (source) out.push(`source    ${source}`);
  out.push(`device    ${deviceLine(r)}`);
  out.push(`clock     ${clockLine(r)}`);
  out.push(`protocol  ${protocolLine(r)}`);
  out.push(`load      ${loadLine(r)}`);
  out.push('');
  const m = verdictMatrix(r);
  out.push('Verdicts');
  out.push(...indent(alignTable([['guideline', ...r.optLevels.map((o) => `opt ${o}`)], ...m.ids.map((id) => [id, ...r.optLevels.map((o) => m.cell(id, o))])], [false, ...r.optLevels.map(() => false)])));
  for (const g of r.guidelines) {
    out.push('');
    out.push(`${g.id}  ${g.statement} (Table ${g.table}), opt ${g.optLevel}: ${g.verdict}`);
    const t = setupTable(g);
    out.push(...indent(alignTable([t.header, ...t.rows], t.right)));
    out.push(...indent(columnLines(g)));
    if (g.confounders.length) {
      out.push('  confounders:');
      out.push(...indent(g.confounders.map((c) => `- ${c}`), '    '));
    }
  }
  if (r.models.length) {
    out.push('');
    out.push(`Reference networks (FLOPs = multiply-adds; latency on the ${r.clock} clock, batch ${r.imported?.batch ?? 1})`);
    const t = modelTable(r.models);
    out.push(...indent(alignTable([t.header, ...t.rows], t.right)));
    const mis = mispredictionLines(r);
    out.push(mis.length ? '  FLOPs mispredict speed (fewer FLOPs, yet slower beyond both block ranges):' : '  FLOPs ordered these networks by speed correctly (beyond block-to-block ranges), but not by how much:');
    out.push(...indent(mis.map((l) => `- ${l}`), '    '));
    out.push(...indent(flopsSpanLines(r).map((l) => `- ${l}`), '    '));
  }
  out.push('');
  out.push('ratio = throughput relative to the baseline row (per-block ratio of medians, median over blocks); paper GPU/ARM = the paper\'s speeds in the same ratio');
  out.push(`pred. rank: ${r.prediction.method}; profile: ${r.prediction.deviceProfile}`);
  out.push(`rule: ${r.rule}`);
  return out.join('\n') + '\n';
}
