import type { ValidationResult } from '../../profile/measure/validate.js';
import { alignTable } from '../shared/text-table.js';
import {
  columnLines,
  flopsSpanLines,
  headerFields,
  measuredOn,
  mispredictionHeading,
  mispredictionLines,
  modelTable,
  RATIO_NOTE,
  setupTable,
  verdictMatrix,
} from './validate-cells.js';

function indent(lines: readonly string[], by = '  '): string[] {
  return lines.map((l) => by + l);
}

/** `efflint validate` for the terminal. */
export function formatValidateText(r: ValidationResult): string {
  const out: string[] = [];
  out.push(
    `efflint validate${r.quick ? ' --quick' : ''}: the ShuffleNet V2 paper's Tables 1-4 measured on ${measuredOn(r)}`,
  );
  out.push(...headerFields(r).map((f) => `${f.label.padEnd(10)}${f.text}`));
  out.push('');
  const m = verdictMatrix(r);
  out.push('Verdicts');
  out.push(
    ...indent(
      alignTable(
        [
          ['guideline', ...r.optLevels.map((o) => `opt ${o}`)],
          ...m.ids.map((id) => [id, ...r.optLevels.map((o) => m.cell(id, o))]),
        ],
        [false, ...r.optLevels.map(() => false)],
      ),
    ),
  );
  for (const g of r.guidelines) {
    out.push('');
    out.push(`${g.id}  ${g.statement} (Table ${g.table}), opt ${g.optLevel}: ${g.verdict}`);
    const t = setupTable(g);
    out.push(...indent(alignTable([t.header, ...t.rows], t.right)));
    out.push(...indent(columnLines(g)));
    if (g.confounders.length) {
      out.push('  confounders:');
      out.push(
        ...indent(
          g.confounders.map((c) => `- ${c}`),
          '    ',
        ),
      );
    }
  }
  if (r.models.length) {
    out.push('');
    out.push(
      `Reference networks (FLOPs = multiply-adds; latency on the ${r.clock} clock, batch ${r.imported?.batch ?? 1})`,
    );
    const t = modelTable(r.models);
    out.push(...indent(alignTable([t.header, ...t.rows], t.right)));
    const mis = mispredictionLines(r);
    out.push(`  ${mispredictionHeading(mis.length > 0)}`);
    out.push(
      ...indent(
        mis.map((l) => `- ${l}`),
        '    ',
      ),
    );
    out.push(
      ...indent(
        flopsSpanLines(r).map((l) => `- ${l}`),
        '    ',
      ),
    );
  }
  out.push('');
  out.push(RATIO_NOTE);
  out.push(`pred. rank: ${r.prediction.method}; profile: ${r.prediction.deviceProfile}`);
  out.push(`rule: ${r.rule}`);
  return out.join('\n') + '\n';
}
