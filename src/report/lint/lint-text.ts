import { Chalk } from 'chalk';
import type { FindingSeverity } from '../../rules/define-rule.js';
import type { Finding, LintResult, LintSummary } from '../../rules/lint.js';
import { at } from '../../util/at.js';
import { MESSAGE_MAX, quoteUserInput } from '../../util/escape.js';
import { formatMicroseconds, formatShare, humanCount } from '../shared/numbers.js';
import { alignTable, fitWidth } from '../shared/text-table.js';
import type { LintFormatContext } from './lint-format-context.js';
import { leftOutOf, NON_TTY_WIDTH } from './lint-format-context.js';

const LABEL: Readonly<Record<FindingSeverity, string>> = { error: 'error', warn: 'warning', info: 'info' };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function countsText(s: LintSummary): string {
  return `${plural(s.error, 'error')}, ${plural(s.warn, 'warning')}, ${s.info} info`;
}

type Paint = (s: string) => string;

/** One row per finding: share of estimated time, severity, rule, [measured], node, short message. */
function findingRows(
  findings: readonly Finding[],
  paint: Readonly<Record<FindingSeverity, Paint>>,
  c: InstanceType<typeof Chalk>,
): string[][] {
  const measured = findings.some((f) => f.confirmed !== undefined);
  return findings.map((f) => [
    '  ' + formatShare(f.impact.share),
    paint[f.severity](LABEL[f.severity]),
    c.bold(f.ruleId),
    ...(measured
      ? [
          f.confirmed === true
            ? c.green('confirmed')
            : f.confirmed === false
              ? c.dim('not confirmed')
              : c.dim('not measured'),
        ]
      : []),
    f.node === null ? c.dim('(model)') : quoteUserInput(f.node),
    quoteUserInput(f.message, MESSAGE_MAX),
  ]);
}

/** `--statistics`: one row per rule and message (count, summed share of estimated time, severity), Ruff style. */
function statisticsRows(
  findings: readonly Finding[],
  paint: Readonly<Record<FindingSeverity, Paint>>,
  c: InstanceType<typeof Chalk>,
): string[][] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.ruleId}\u0000${f.messageId}\u0000${f.severity}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()]
    .map((fs) => ({ fs, share: fs.reduce((s, f) => s + f.impact.share, 0) }))
    .sort((a, b) => b.share - a.share || b.fs.length - a.fs.length)
    .map(({ fs, share }) => {
      const first = at(fs, 0);
      return [
        '  ' + String(fs.length),
        c.bold(first.ruleId),
        first.ruleName,
        first.messageId,
        paint[first.severity](LABEL[first.severity]),
        formatShare(share),
      ];
    });
}

/**
 * Human output of `efflint lint`, ESLint/Ruff style: per model a header with the runtime and its
 * estimated time, one line per finding, largest estimated share of time first (or, with
 * `--statistics`, one line per rule and message), each fix hint once per rule with the number of
 * nodes it applies to, what `--min-impact` left out, and a summary. No line is wider than
 * `context.width`; full numbers are in JSON and SARIF. Names from the model are shown with control
 * characters escaped and cut at 200 characters (quoteUserInput), so a finding is always one line.
 */
export function formatLintText(results: readonly LintResult[], context: LintFormatContext): string {
  const c = new Chalk({ level: context.color ? 1 : 0 });
  const width = context.width ?? NON_TTY_WIDTH;
  const paint: Readonly<Record<FindingSeverity, Paint>> = { error: c.red, warn: c.yellow, info: c.cyan };
  const out: string[] = [];
  const total = { error: 0, warn: 0, info: 0 };
  const totalHidden = { error: 0, warn: 0, info: 0 };
  for (const r of results) {
    total.error += r.summary.error;
    total.warn += r.summary.warn;
    total.info += r.summary.info;
    totalHidden.error += r.belowMinImpact?.summary.error ?? 0;
    totalHidden.warn += r.belowMinImpact?.summary.warn ?? 0;
    totalHidden.info += r.belowMinImpact?.summary.info ?? 0;
    const hidden = r.belowMinImpact;
    const hiddenCount = hidden ? hidden.summary.error + hidden.summary.warn + hidden.summary.info : 0;
    if (r.findings.length === 0 && hiddenCount === 0) continue;
    const t = r.analysis.totals;
    const target = r.target;
    out.push(
      `${c.underline(quoteUserInput(r.model))}  ${c.dim(`${humanCount(t.flops)} FLOPs, ${humanCount(t.params)} params, ${humanCount(t.memAccess)} memAccess`)}`,
    );
    out.push(
      c.dim(
        `  on ${target.runtime} (${target.planSource === 'static-model' ? 'static model' : "onnxruntime's optimized graph"}): ${target.kernels} kernels, ` +
          `${target.fusedLayers} layers fused; est. ${formatMicroseconds(target.modelEstimatedUs)} on ${quoteUserInput(target.deviceProfile)}`,
      ),
    );
    if (r.findings.length > 0) {
      const rows = context.statistics ? statisticsRows(r.findings, paint, c) : findingRows(r.findings, paint, c);
      const firstRow = at(rows, 0);
      out.push(
        ...alignTable(
          rows,
          firstRow.map((_, i) => i === 0 || (context.statistics === true && i === firstRow.length - 1)),
        ),
      );
      // One fix line per rule, with how many findings it covers (those --min-impact left out included),
      // worded for the rule's largest finding (findings come largest impact first).
      const fixes = new Map<string, { finding: Finding; shown: number; hidden: number }>();
      for (const f of r.findings) {
        const seen = fixes.get(f.ruleId) ?? { finding: f, shown: 0, hidden: 0 };
        seen.shown += 1;
        fixes.set(f.ruleId, seen);
      }
      for (const f of hidden?.findings ?? []) {
        const seen = fixes.get(f.ruleId);
        if (seen) seen.hidden += 1;
      }
      for (const { finding: f, shown, hidden: more } of fixes.values()) {
        const count = more > 0 ? `${shown} shown of ${shown + more}` : plural(shown, 'finding');
        out.push(
          `  ${c.bold(`fix ${f.ruleId}`)} (${count}, ${f.ruleName}): ${quoteUserInput(f.suggestion, MESSAGE_MAX)}`,
        );
      }
    }
    if (hidden && hiddenCount > 0) {
      out.push(
        c.dim(
          `  ${plural(hiddenCount, 'finding')} (${countsText(hidden.summary)}) below ${hidden.percent}% of est. time not shown: --min-impact 0 shows all`,
        ),
      );
    }
    out.push('');
  }
  const problems = total.error + total.warn + total.info;
  const hiddenProblems = totalHidden.error + totalHidden.warn + totalHidden.info;
  const models = plural(results.length, 'model');
  const { quieted, text: leftOut } = leftOutOf(results);
  const quietedCount = quieted.warn + quieted.info;
  if (problems === 0 && hiddenProblems === 0 && leftOut !== '') {
    // --quiet or --baseline left findings out: never "no findings" then.
    out.push(c.green(`no ${quietedCount > 0 ? 'errors' : 'new findings'} in ${models}; ${leftOut}`));
  } else if (problems === 0 && hiddenProblems === 0) {
    out.push(c.green(`no findings in ${models}`));
  } else if (problems === 0) {
    // --min-impact left everything out: not "no findings" (the exit code still counts them).
    const color = totalHidden.error > 0 ? c.red : totalHidden.warn > 0 ? c.yellow : c.cyan;
    out.push(
      color.bold(
        `no findings shown in ${models}; ${plural(hiddenProblems, 'finding')} (${countsText(totalHidden)}) below --min-impact${leftOut !== '' ? `; ${leftOut}` : ''}`,
      ),
    );
  } else {
    const color = total.error > 0 ? c.red : total.warn > 0 ? c.yellow : c.cyan;
    const measured = results.flatMap((r) => r.findings).filter((f) => f.confirmed !== undefined);
    const confirmed = measured.filter((f) => f.confirmed === true).length;
    out.push(
      color.bold(
        `${plural(problems, 'finding')} (${countsText(total)}) in ${models}` +
          (measured.length > 0 ? `; ${confirmed} of ${measured.length} confirmed by measured time` : '') +
          (leftOut !== '' ? `; ${leftOut}` : ''),
      ),
    );
  }
  out.push(
    c.dim(
      'share = estimated share of model time (roofline); FLOPs = multiply-adds; memAccess = elements read + written',
    ),
  );
  return out.map((line) => fitWidth(line, width)).join('\n') + '\n';
}
