import type { ValidationResult } from '../../profile/measure/validate.js';
import { markdownCell } from '../../util/escape.js';
import {
  columnLines,
  flopsSpanLines,
  headerFields,
  mispredictionHeading,
  mispredictionLines,
  modelTable,
  RATIO_NOTE,
  setupTable,
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
  // The load line names itself ("load average ...").
  out.push(...headerFields(r).map((f) => `- ${f.label === 'load' ? '' : `${f.label}: `}${markdownCell(f.text)}`));
  out.push('');
  const m = verdictMatrix(r);
  out.push(
    ...table(
      ['guideline', ...r.optLevels.map((o) => `opt ${o}`)],
      m.ids.map((id) => [id, ...r.optLevels.map((o) => m.cell(id, o))]),
      [false, ...r.optLevels.map(() => false)],
    ),
  );
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
    out.push(mispredictionHeading(mis.length > 0));
    out.push('');
    out.push(...mis.map((l) => `- ${markdownCell(l)}`));
    out.push(...flopsSpanLines(r).map((l) => `- ${markdownCell(l)}`));
  }
  out.push('');
  out.push(`${RATIO_NOTE}.`);
  out.push(`pred. rank: ${markdownCell(r.prediction.method)}; profile: ${markdownCell(r.prediction.deviceProfile)}.`);
  out.push('');
  out.push(`Rule: ${markdownCell(r.rule)}`);
  return out.join('\n') + '\n';
}
