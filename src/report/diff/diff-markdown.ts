import type { Change, LayerSnapshot, ModelDiff } from '../../diff/compare.js';
import type { DiffVerdict } from '../../diff/thresholds.js';
import { signedPercent } from '../../diff/thresholds.js';
import type { FindingSeverity } from '../../rules/define-rule.js';
import type { Finding } from '../../rules/lint.js';
import { markdownCell, markdownCode } from '../../util/escape.js';
import { formatPercent, formatPercentPoints, humanCount, msText, signedCount, signedMs } from '../shared/numbers.js';
import {
  bySeverity,
  changedBySize,
  changedOpTypes,
  CONVENTION_LINE,
  layerChangeText,
  opTypeText,
  shapesText,
  totalsRows,
} from './diff-cells.js';
import type { DiffFormatContext } from './diff-format-context.js';
import { DIFF_MARKDOWN_ROWS } from './diff-format-context.js';
import { markdownTable } from '../shared/markdown-table.js';

const ICON: Readonly<Record<FindingSeverity, string>> = { error: '🔴 error', warn: '🟠 warning', info: '🔵 info' };

/** '▲ +2.2%' for an increase (costlier), '▼ -3.0%' for a decrease, '0.0%' when unchanged. */
function arrowPercent(c: Change): string {
  if (c.delta === 0) return signedPercent(c.percent);
  return `${c.delta > 0 ? '▲' : '▼'} ${signedPercent(c.percent)}`;
}

function code(text: string): string {
  return markdownCode(text);
}

function more(n: number, what: string): string[] {
  return n > 0 ? ['', `*... and ${n} more ${what} (\`--format json\` lists all).*`] : [];
}

function findingsTable(findings: readonly Finding[], top: number): string[] {
  return [
    ...markdownTable(
      ['severity', 'rule', 'node', 'finding'],
      ['l', 'l', 'l', 'l'],
      bySeverity(findings)
        .slice(0, top)
        .map((f) => [
          ICON[f.severity],
          `[${f.ruleId}](${f.docsUrl})`,
          f.node === null ? '*(model)*' : code(f.node),
          markdownCell(f.message),
        ]),
    ),
    ...more(findings.length - top, 'findings'),
  ];
}

/**
 * A pull-request comment / job summary for `efflint diff`: the verdict line (and every exceeded
 * threshold), a totals table with changes and arrows, the new findings, and collapsed sections for
 * fixed findings, op types and layer changes. GitHub-flavoured Markdown; every name from a model is
 * a code span (markdownCode) and every message escaped text (markdownCell), so no HTML, link or
 * emphasis from a model survives.
 */
export function formatDiffMarkdown(diff: ModelDiff, verdict: DiffVerdict, context: DiffFormatContext): string {
  const top = context.top ?? DIFF_MARKDOWN_ROWS;
  const out: string[] = [];
  const models = `${code(diff.base.model)} → ${code(diff.head.model)}`;
  const n = verdict.violations.length;
  out.push(
    verdict.pass
      ? `## ✅ efflint diff passes: ${models}`
      : `## ❌ efflint diff fails ${n} threshold${n === 1 ? '' : 's'}: ${models}`,
  );
  out.push('');
  for (const v of verdict.violations) out.push(`- ❌ ${markdownCell(v.message)}`);
  for (const note of verdict.notes) out.push(`- ℹ️ ${markdownCell(note)}`);
  for (const w of diff.warnings) out.push(`- ⚠️ ${markdownCell(w)}`);
  if (verdict.violations.length + verdict.notes.length + diff.warnings.length > 0) out.push('');

  const rows = [
    ...totalsRows(diff.totals).map(({ label, change: c, value, delta }) => [
      label,
      value(c.before),
      value(c.after),
      delta(c.delta),
      arrowPercent(c),
    ]),
    [
      'findings (error / warn / info)',
      `${diff.base.summary.error} / ${diff.base.summary.warn} / ${diff.base.summary.info}`,
      `${diff.head.summary.error} / ${diff.head.summary.warn} / ${diff.head.summary.info}`,
      `${diff.findings.new.length} new, ${diff.findings.fixed.length} fixed`,
      '',
    ],
  ];
  const lat = diff.latency;
  if (lat) {
    rows.push([
      `latency, median (${markdownCell(lat.settings.provider)}, ${lat.settings.runs} runs)`,
      `${msText(lat.before.median)} (CV ${formatPercent(lat.before.cv)})`,
      `${msText(lat.after.median)} (CV ${formatPercent(lat.after.cv)})`,
      signedMs(lat.median.delta),
      lat.withinNoise
        ? `${signedPercent(lat.median.percent)} (within noise, < ${formatPercentPoints(lat.noisePercent)})`
        : arrowPercent(lat.median),
    ]);
  }
  out.push(...markdownTable(['', 'base', 'head', 'change', '%'], ['l', 'r', 'r', 'r', 'r'], rows));

  const F = diff.findings;
  out.push('', `### New findings (${F.new.length})`, '');
  if (F.new.length === 0) out.push('None.');
  else out.push(...findingsTable(F.new, top));
  if (F.fixed.length > 0) {
    out.push(
      '',
      `<details><summary>Fixed findings (${F.fixed.length})</summary>`,
      '',
      ...findingsTable(F.fixed, top),
      '',
      '</details>',
    );
  }

  const ops = changedOpTypes(diff);
  if (ops.length > 0) {
    out.push('', `<details><summary>Op types (${ops.length} changed)</summary>`, '');
    out.push(
      ...markdownTable(
        ['op type', 'category', 'count', 'FLOPs base', 'FLOPs head', 'change', 'memAccess change'],
        ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
        ops
          .slice(0, top)
          .map((o) => [
            code(opTypeText(o.opType, o.domain)),
            o.category,
            `${o.count.before} → ${o.count.after}`,
            humanCount(o.flops.before),
            humanCount(o.flops.after),
            arrowPercent(o.flops),
            signedCount(o.memAccess.delta),
          ]),
      ),
      ...more(ops.length - top, 'op types'),
      '',
      '</details>',
    );
  }

  const L = diff.layers;
  if (L.added.length + L.removed.length + L.changed.length > 0) {
    out.push(
      '',
      `<details><summary>Layer changes: ${L.added.length} added, ${L.removed.length} removed, ${L.changed.length} changed (matched by node name)</summary>`,
      '',
    );
    const snap = (mark: string, l: LayerSnapshot): string[] => [
      mark,
      code(l.name),
      code(l.opType),
      code(shapesText(l.outputShapes)),
      humanCount(l.flops),
    ];
    const listed = [
      ...L.added.slice(0, top).map((l) => snap('added', l)),
      ...L.removed.slice(0, top).map((l) => snap('removed', l)),
    ];
    if (listed.length > 0)
      out.push(...markdownTable(['', 'layer', 'op', 'output', 'FLOPs'], ['l', 'l', 'l', 'l', 'r'], listed), '');
    if (L.changed.length > 0) {
      out.push(
        ...markdownTable(
          ['changed layer', 'op', 'change', 'FLOPs base', 'FLOPs head', '%'],
          ['l', 'l', 'l', 'r', 'r', 'r'],
          changedBySize(L.changed)
            .slice(0, top)
            .map((l) => [
              code(l.name),
              code(l.after.opType),
              markdownCell(layerChangeText(l)),
              humanCount(l.before.flops),
              humanCount(l.after.flops),
              l.flops ? arrowPercent(l.flops) : '?',
            ]),
        ),
      );
    }
    const hidden =
      Math.max(0, L.added.length - top) + Math.max(0, L.removed.length - top) + Math.max(0, L.changed.length - top);
    out.push(...more(hidden, 'layers'), '', '</details>');
  }

  out.push('', `<sub>${CONVENTION_LINE}. ▲ costlier, ▼ cheaper. Generated by efflint ${context.version}.</sub>`);
  return out.join('\n') + '\n';
}
