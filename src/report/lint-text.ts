import { Chalk } from 'chalk';
import type { FindingSeverity } from '../rules/define-rule.js';
import type { LintResult } from '../rules/lint.js';
import type { LintFormatContext } from './lint-format-context.js';
import { alignTable, humanCount } from './numbers.js';

const LABEL: Readonly<Record<FindingSeverity, string>> = { error: 'error', warn: 'warning', info: 'info' };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Human output of `efflint lint`: findings grouped per model in graph order, one aligned row each
 * (severity, rule, node, message), then each distinct fix once, and a summary line.
 */
export function formatLintText(results: readonly LintResult[], context: LintFormatContext): string {
  const c = new Chalk({ level: context.color ? 1 : 0 });
  const paint: Readonly<Record<FindingSeverity, (s: string) => string>> = { error: c.red, warn: c.yellow, info: c.cyan };
  const out: string[] = [];
  const total = { error: 0, warn: 0, info: 0 };
  for (const r of results) {
    total.error += r.summary.error;
    total.warn += r.summary.warn;
    total.info += r.summary.info;
    if (r.findings.length === 0) continue;
    const t = r.analysis.totals;
    out.push(`${c.underline(r.model)}  ${c.dim(`${humanCount(t.flops)} FLOPs, ${humanCount(t.params)} params, ${humanCount(t.memAccess)} memAccess`)}`);
    const measured = r.findings.some((f) => f.confirmed !== undefined);
    const rows = r.findings.map((f) => [
      '  ' + paint[f.severity](LABEL[f.severity]),
      c.bold(f.ruleId),
      ...(measured ? [f.confirmed === true ? c.green('confirmed') : f.confirmed === false ? c.dim('not confirmed') : c.dim('not measured')] : []),
      f.node === null ? c.dim('(model)') : f.node,
      f.message,
    ]);
    out.push(...alignTable(rows, rows[0].map(() => false)));
    // A fix applies to every finding of its kind: print each once, after the model's findings.
    const fixes = new Map<string, string>();
    for (const f of r.findings) {
      const key = `${f.ruleId}\u0000${f.suggestion}`;
      if (!fixes.has(key)) fixes.set(key, `      fix ${c.bold(f.ruleId)}: ${f.suggestion}  ${c.dim(`(${f.ruleName}: ${f.docsUrl})`)}`);
    }
    out.push(...fixes.values());
    out.push('');
  }
  const problems = total.error + total.warn + total.info;
  const models = plural(results.length, 'model');
  if (problems === 0) {
    out.push(c.green(`no findings in ${models}`));
  } else {
    const color = total.error > 0 ? c.red : total.warn > 0 ? c.yellow : c.cyan;
    const measured = results.flatMap((r) => r.findings).filter((f) => f.confirmed !== undefined);
    const confirmed = measured.filter((f) => f.confirmed === true).length;
    out.push(
      color.bold(
        `${plural(problems, 'finding')} (${plural(total.error, 'error')}, ${plural(total.warn, 'warning')}, ${total.info} info) in ${models}` +
          (measured.length > 0 ? `; ${confirmed} of ${measured.length} confirmed by measured time` : ''),
      ),
    );
  }
  out.push(c.dim('FLOPs = multiply-adds (ShuffleNet V2 convention); memAccess = elements read + written, weights included'));
  return out.join('\n') + '\n';
}
