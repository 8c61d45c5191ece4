import type { ValidationResult } from '../../profile/measure/validate.js';
import { markdownCell } from '../../util/escape.js';
import {
  clockLine,
  columnLines,
  deviceLine,
  flopsSpanLines,
  loadLine,
  mispredictionLines,
  modelTable,
  protocolLine,
  setupTable,
  sourceLine,
  verdictMatrix,
} from './validate-cells.js';

const escapeCell = markdownCell;

function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
}

/** `efflint validate --format markdown`: the same content as the text report, as Markdown tables. */
export function formatValidateMarkdown(r: ValidationResult): string {
  const out: string[] = [];
  out.push(`## efflint validate${r.quick ? ' --quick' : ''}`);
  out.push('');
  const source = sourceLine(r);
  if (source) out.push(`- source: ${markdownCell(source)}`);
  out.push(`- device: ${markdownCell(deviceLine(r))}`);
  out.push(`- clock: ${markdownCell(clockLine(r))}`);
  out.push(`- protocol: ${markdownCell(protocolLine(r))}`);
  out.push(`- ${markdownCell(loadLine(r))}`);
  out.push('');
  const m = verdictMatrix(r);
  out.push(...table(['guideline', ...r.optLevels.map((o) => `opt ${o}`)], m.ids.map((id) => [id, ...r.optLevels.map((o) => m.cell(id, o))]), [false, ...r.optLevels.map(() => false)]));
  for (const g of r.guidelines) {
    out.push('');
    out.push(`### ${g.id}, opt ${g.optLevel}: ${g.verdict}`);
    out.push('');
    out.push(`${markdownCell(g.statement)} (Table ${g.table}).`);
    out.push('');
    const t = setupTable(g);
    out.push(...table(t.header, t.rows, t.right));
    out.push('');
    out.push(...columnLines(g).map((l) => `- ${markdownCell(l)}`));
    if (g.confounders.length) {
      out.push('');
      out.push('Confounders:');
      out.push('');
      out.push(...g.confounders.map((c) => `- ${markdownCell(c)}`));
    }
  }
  if (r.models.length) {
    out.push('');
    out.push(`### Reference networks`);
    out.push('');
    out.push(`FLOPs = multiply-adds; latency on the ${r.clock} clock, batch ${r.imported?.batch ?? 1}.`);
    out.push('');
    const t = modelTable(r.models);
    out.push(...table(t.header, t.rows, t.right));
    const mis = mispredictionLines(r);
    out.push('');
    out.push(mis.length ? 'FLOPs mispredict speed (fewer FLOPs, yet slower beyond both block ranges):' : 'FLOPs ordered these networks by speed correctly (beyond block-to-block ranges), but not by how much:');
    out.push('');
    out.push(...mis.map((l) => `- ${markdownCell(l)}`));
    out.push(...flopsSpanLines(r).map((l) => `- ${markdownCell(l)}`));
  }
  out.push('');
  out.push("ratio = throughput relative to the baseline row (per-block ratio of medians, median over blocks); paper GPU/ARM = the paper's speeds in the same ratio.");
  out.push(`pred. rank: ${markdownCell(r.prediction.method)}; profile: ${markdownCell(r.prediction.deviceProfile)}.`);
  out.push('');
  out.push(`Rule: ${markdownCell(r.rule)}`);
  return out.join('\n') + '\n';
}
