import type { FindingSeverity } from '../../rules/define-rule.js';
import { SEVERITY_RANK } from '../../rules/define-rule.js';
import type { Finding, LintResult } from '../../rules/lint.js';
import { summarize } from '../../rules/lint.js';
import { markdownCell, markdownCode } from '../../util/escape.js';
import { formatShare, humanCount } from '../shared/numbers.js';
import type { LintFormatContext } from './lint-format-context.js';
import { leftOutOf } from './lint-format-context.js';
import { markdownTable } from '../shared/markdown-table.js';

/** How many findings the "Top findings" table shows. */
export const MARKDOWN_TOP_FINDINGS = 20;

const ICON: Readonly<Record<FindingSeverity, string>> = { error: '🔴 error', warn: '🟠 warning', info: '🔵 info' };

/**
 * A PR-comment / job-summary report: model totals (FLOPs, params, memAccess, findings), what
 * --quiet and --baseline left out, findings per rule, and the most severe findings. Written for GitHub-flavoured Markdown.
 */
export function formatLintMarkdown(results: readonly LintResult[], context: LintFormatContext): string {
  // Counts cover every finding; --min-impact only shortens the "Top findings" table.
  const everyFinding = (r: LintResult): readonly Finding[] => [...r.findings, ...(r.belowMinImpact?.findings ?? [])];
  const counted = results.map((r) => ({ r, s: summarize(everyFinding(r)) }));
  const total = { error: 0, warn: 0, info: 0 };
  for (const { s } of counted) {
    total.error += s.error;
    total.warn += s.warn;
    total.info += s.info;
  }
  const out: string[] = [];
  const verdict = total.error > 0 ? '❌' : total.warn > 0 ? '⚠️' : '✅';
  out.push(
    `## ${verdict} efflint: ${total.error} errors, ${total.warn} warnings, ${total.info} info in ${results.length} model${results.length === 1 ? '' : 's'}`,
  );
  out.push('');
  // --quiet and --baseline take findings out before any format sees them: say so, or 0 errors reads as a clean model.
  const leftOut = leftOutOf(results).text;
  if (leftOut !== '') out.push(`Not counted above: ${markdownCell(leftOut)}.`, '');
  out.push(
    ...markdownTable(
      ['model', 'FLOPs', 'params', 'memAccess', 'errors', 'warnings', 'info'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
      counted.map(({ r, s }) => [
        markdownCode(r.model),
        humanCount(r.analysis.totals.flops),
        humanCount(r.analysis.totals.params),
        humanCount(r.analysis.totals.memAccess),
        String(s.error),
        String(s.warn),
        String(s.info),
      ]),
    ),
  );

  const all: { model: string; f: Finding }[] = results.flatMap((r) =>
    everyFinding(r).map((f) => ({ model: r.model, f })),
  );
  const shown = new Set(results.flatMap((r) => r.findings));
  if (all.length > 0) {
    out.push('', '### Findings per rule', '');
    const perRule = context.rules
      .map((rule) => {
        const mine = all.filter((x) => x.f.ruleId === rule.meta.id);
        const count = (s: FindingSeverity): number => mine.filter((x) => x.f.severity === s).length;
        return { rule, n: mine.length, error: count('error'), warn: count('warn'), info: count('info') };
      })
      .filter((x) => x.n > 0);
    out.push(
      ...markdownTable(
        ['rule', 'pattern', 'errors', 'warnings', 'info'],
        ['l', 'l', 'r', 'r', 'r'],
        perRule.map((x) => [
          `[${x.rule.meta.id}](${x.rule.meta.docsUrl})`,
          x.rule.meta.name,
          String(x.error),
          String(x.warn),
          String(x.info),
        ]),
      ),
    );

    // Largest estimated share of model time first (the order lint produces), most severe first on ties.
    const listed = all.filter((x) => shown.has(x.f));
    const top = [...listed]
      .sort((a, b) => b.f.impact.share - a.f.impact.share || SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity])
      .slice(0, MARKDOWN_TOP_FINDINGS);
    out.push('', `### Top findings${all.length > top.length ? ` (${top.length} of ${all.length})` : ''}`, '');
    const hidden = all.length - listed.length;
    const percent = results.find((r) => r.belowMinImpact)?.belowMinImpact?.percent;
    if (hidden > 0 && percent !== undefined)
      out.push(
        `${hidden} findings below ${percent}% of estimated time are not listed (\`--min-impact 0\` lists them).`,
        '',
      );
    const several = results.length > 1;
    const measured = top.some(({ f }) => f.confirmed !== undefined);
    out.push(
      ...markdownTable(
        [
          'share of time',
          'severity',
          'rule',
          ...(several ? ['model'] : []),
          'node',
          ...(measured ? ['measured'] : []),
          'finding',
        ],
        ['r', 'l', 'l', ...(several ? (['l'] as const) : []), 'l', ...(measured ? (['l'] as const) : []), 'l'],
        top.map(({ model, f }) => [
          formatShare(f.impact.share),
          ICON[f.severity],
          `[${f.ruleId}](${f.docsUrl})`,
          ...(several ? [markdownCode(model)] : []),
          f.node === null ? '*(model)*' : markdownCode(f.node),
          ...(measured
            ? [f.confirmed === true ? 'confirmed' : f.confirmed === false ? 'not confirmed' : 'not measured']
            : []),
          markdownCell(f.message),
        ]),
      ),
    );
  }
  out.push(
    '',
    '<sub>share of time = estimated share of model time (roofline on the device profile); FLOPs = multiply-adds (ShuffleNet V2 convention); memAccess = elements read + written per layer, weights included. Generated by efflint ' +
      context.version +
      '.</sub>',
  );
  return out.join('\n') + '\n';
}
