import { Chalk } from 'chalk';
import type { LayerSnapshot, ModelDiff } from '../../diff/compare.js';
import type { DiffVerdict } from '../../diff/thresholds.js';
import { signedPercent } from '../../diff/thresholds.js';
import type { FindingSeverity } from '../../rules/define-rule.js';
import type { Finding } from '../../rules/lint.js';
import { at } from '../../util/at.js';
import { MESSAGE_MAX, quoteUserInput } from '../../util/escape.js';
import { formatPercent, formatPercentPoints, humanCount, msText, signedCount, signedMs } from '../shared/numbers.js';
import { alignTable } from '../shared/text-table.js';
import type { Direction } from './diff-cells.js';
import {
  bySeverity,
  changedBySize,
  changedOpTypes,
  CONVENTION_LINE,
  direction,
  layerChangeText,
  opTypeText,
  shapesText,
  totalsRows,
} from './diff-cells.js';
import type { DiffFormatContext } from './diff-format-context.js';
import { DIFF_TEXT_ROWS } from './diff-format-context.js';

const LABEL: Readonly<Record<FindingSeverity, string>> = { error: 'error', warn: 'warning', info: 'info' };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Human output of `efflint diff`: an aligned totals table with coloured changes (red: costlier,
 * green: cheaper), changed op types, layers added/removed/changed, new and fixed findings, and the
 * verdict with every exceeded threshold. Names from the models are shown with control characters
 * escaped and cut at 200 characters (quoteUserInput).
 */
export function formatDiffText(diff: ModelDiff, verdict: DiffVerdict, context: DiffFormatContext): string {
  const c = new Chalk({ level: context.color ? 1 : 0 });
  const top = context.top ?? DIFF_TEXT_ROWS;
  const paint = (d: Direction, s: string): string =>
    d === 'worse' ? c.red(s) : d === 'better' ? c.green(s) : c.dim(s);
  const out: string[] = [];
  out.push(
    `${c.bold('efflint diff')}  ${quoteUserInput(diff.base.model)} ${c.dim('->')} ${quoteUserInput(diff.head.model)}`,
    '',
  );

  const rows: string[][] = [
    ['', 'base', 'head', 'change', '%'].map((h) => c.bold(h)),
    ...totalsRows(diff.totals).map(({ label, change: ch, value, delta }) => [
      label,
      value(ch.before),
      value(ch.after),
      paint(direction(ch), delta(ch.delta)),
      paint(direction(ch), signedPercent(ch.percent)),
    ]),
  ];
  const lat = diff.latency;
  if (lat) {
    const d = lat.withinNoise ? 'same' : direction(lat.median);
    const label =
      lat.measuredBy === 'interleaved'
        ? `latency (median, ${lat.clock === 'cpu' ? 'CPU time' : 'wall'}, interleaved)`
        : 'latency (median)';
    rows.push([
      label,
      msText(lat.median.before),
      msText(lat.median.after),
      paint(d, signedMs(lat.median.delta)),
      paint(d, signedPercent(lat.median.percent)),
    ]);
  }
  out.push(...alignTable(rows, [false, true, true, true, true]));
  if (lat) {
    const s = lat.settings;
    out.push(
      c.dim(
        `latency: ${quoteUserInput(s.provider)}, ${s.runs} runs after ${s.warmup} warm-up each, CV ${formatPercent(lat.before.cv)} (base) / ${formatPercent(lat.after.cv)} (head); `,
      ) +
        (lat.withinNoise
          ? c.yellow(
              `within noise: |${signedPercent(lat.median.percent)}| < ${noiseRule(lat.measuredBy)} = ${formatPercentPoints(lat.noisePercent)}`,
            )
          : `outside noise (${noiseRule(lat.measuredBy)} = ${formatPercentPoints(lat.noisePercent)})`),
    );
  }

  const ops = changedOpTypes(diff);
  if (ops.length > 0) {
    out.push('', c.bold(`op types (${ops.length} changed, largest FLOPs change first)`));
    const opRows = ops
      .slice(0, top)
      .map((o) => [
        '  ' + quoteUserInput(opTypeText(o.opType, o.domain)),
        c.dim(o.category),
        `${o.count.before} -> ${o.count.after}`,
        `${humanCount(o.flops.before)} -> ${humanCount(o.flops.after)}`,
        paint(direction(o.flops), signedCount(o.flops.delta)),
        paint(direction(o.flops), signedPercent(o.flops.percent)),
        paint(direction(o.memAccess), `memAccess ${signedCount(o.memAccess.delta)}`),
      ]);
    out.push(...alignTable(opRows, [false, false, true, true, true, true, false]));
    if (ops.length > top) out.push(c.dim(`  ... ${ops.length - top} more (--top N or --format json)`));
  }

  const L = diff.layers;
  out.push(
    '',
    c.bold(
      `layers: ${L.added.length} added, ${L.removed.length} removed, ${L.changed.length} changed, ${L.unchanged} unchanged`,
    ) + c.dim(' (matched by node name)'),
  );
  const snapRow = (mark: string, l: LayerSnapshot): string[] => [
    `  ${mark} ${quoteUserInput(l.name)}`,
    quoteUserInput(l.opType),
    quoteUserInput(shapesText(l.outputShapes), MESSAGE_MAX),
    `${humanCount(l.flops)} FLOPs`,
  ];
  const listed: string[][] = [
    ...L.added.slice(0, top).map((l) => snapRow(c.red('+'), l)),
    ...L.removed.slice(0, top).map((l) => snapRow(c.green('-'), l)),
    ...changedBySize(L.changed)
      .slice(0, top)
      .map((l) => [
        `  ${c.yellow('~')} ${quoteUserInput(l.name)}`,
        quoteUserInput(l.after.opType),
        quoteUserInput(layerChangeText(l), MESSAGE_MAX),
        l.flops && l.changes.includes('flops')
          ? paint(direction(l.flops), `${signedCount(l.flops.delta)} FLOPs (${signedPercent(l.flops.percent)})`)
          : '',
      ]),
  ];
  if (listed.length > 0) out.push(...alignTable(listed, [false, false, false, false]));
  const hidden =
    Math.max(0, L.added.length - top) + Math.max(0, L.removed.length - top) + Math.max(0, L.changed.length - top);
  if (hidden > 0) out.push(c.dim(`  ... ${hidden} more layers (--top N or --format json)`));

  const F = diff.findings;
  out.push('', c.bold(`findings: ${F.new.length} new, ${F.fixed.length} fixed, ${F.unchanged} unchanged`));
  const sevPaint: Readonly<Record<FindingSeverity, (s: string) => string>> = {
    error: c.red,
    warn: c.yellow,
    info: c.cyan,
  };
  const findingRow = (kind: string, f: Finding): string[] => [
    `  ${kind}`,
    sevPaint[f.severity](LABEL[f.severity]),
    c.bold(f.ruleId),
    f.node === null ? c.dim('(model)') : quoteUserInput(f.node),
    quoteUserInput(f.message, MESSAGE_MAX),
  ];
  const fRows = [
    ...bySeverity(F.new)
      .slice(0, top)
      .map((f) => findingRow(c.red('new'), f)),
    ...bySeverity(F.fixed)
      .slice(0, top)
      .map((f) => findingRow(c.green('fixed'), f)),
  ];
  if (fRows.length > 0)
    out.push(
      ...alignTable(
        fRows,
        at(fRows, 0).map(() => false),
      ),
    );
  const hiddenF = Math.max(0, F.new.length - top) + Math.max(0, F.fixed.length - top);
  if (hiddenF > 0) out.push(c.dim(`  ... ${hiddenF} more findings (--top N or --format json)`));

  out.push('');
  for (const w of diff.warnings) out.push(c.yellow(`warning: ${quoteUserInput(w, MESSAGE_MAX)}`));
  if (verdict.pass) {
    const checked = Object.keys(verdict.thresholds).length;
    out.push(c.green.bold(checked === 0 ? 'PASS (no thresholds set)' : `PASS: within ${plural(checked, 'threshold')}`));
  } else {
    out.push(c.red.bold(`FAIL: ${plural(verdict.violations.length, 'threshold')} exceeded`));
    for (const v of verdict.violations) out.push(c.red(`  x ${quoteUserInput(v.message, MESSAGE_MAX)}`));
  }
  for (const n of verdict.notes) out.push(c.dim(`  note: ${quoteUserInput(n, MESSAGE_MAX)}`));
  out.push(c.dim(CONVENTION_LINE));
  return out.join('\n') + '\n';
}

/** How the noise band of a latency change was computed, in words. */
function noiseRule(measuredBy: 'interleaved' | 'separate-sessions'): string {
  return measuredBy === 'interleaved' ? '2 x block spread of the interleaved ratio' : '2 x max CV';
}
