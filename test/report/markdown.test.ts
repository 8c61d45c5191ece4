import { describe, expect, it } from 'vitest';
import { MARKDOWN_TOP_FINDINGS, formatLintMarkdown } from '../../src/report/lint/lint-markdown.js';
import { markdownCell } from '../../src/util/escape.js';
import { formatLintGithub } from '../../src/report/lint/lint-github.js';
import { leftOutOf } from '../../src/report/lint/lint-format-context.js';
import { formatLintText } from '../../src/report/lint/lint-text.js';
import { formatShare } from '../../src/report/shared/numbers.js';
import type { LintResult } from '../../src/rules/lint.js';
import { summarize } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { cleanResult, context, sampleResult } from './fixtures.js';

describe('formatLintMarkdown', () => {
  const r = sampleResult();
  const md = formatLintMarkdown([r, cleanResult()], context);

  it('starts with a verdict heading and a model totals table', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe(`## ⚠️ efflint: 0 errors, ${r.summary.warn} warnings, ${r.summary.info} info in 2 models`);
    expect(md).toContain('| model | FLOPs | params | memAccess | errors | warnings | info |');
    expect(md).toContain('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(md).toMatch(/\| `models\/clean\.onnx` \| [\d.]+[KMG]? \| [\d.]+[KMG]? \| [\d.]+[KMG]? \| 0 \| 0 \| 0 \|/);
  });

  it('counts findings per rule with links to the rule docs', () => {
    const g2 = r.findings.filter((f) => f.ruleId === 'G2').length;
    expect(md).toContain(
      `| [G2](https://github.com/efflint/efflint/blob/main/docs/rules/G2.md) | group-convolution | 0 | ${g2} | 0 |`,
    );
  });

  const ROW = /^\| (\d+\.\d%|<0\.1%|0%) \| (🔴|🟠|🔵)/;
  const rowsOf = (text: string): string[] => text.split('\n').filter((l) => ROW.test(l));
  const shareOf = (row: string): number => Number(/^\| ([\d.]+)%/.exec(row)![1]);

  it('lists top findings with a share-of-time column, escaped cells and the conventions', () => {
    expect(md).toContain('### Top findings');
    expect(md).toContain(
      '| share of time | severity | rule | model | node | finding |\n| ---: | --- | --- | --- | --- | --- |',
    );
    expect(md).toContain('`gconv\\|2`');
    expect(md).toContain('share of time = estimated share of model time');
    expect(md).toContain('FLOPs = multiply-adds');
    const rows = rowsOf(md);
    expect(rows.length).toBe(Math.min(MARKDOWN_TOP_FINDINGS, r.findings.length));
    // One model: no model column.
    expect(formatLintMarkdown([r], context)).toContain('| share of time | severity | rule | node | finding |');
  });

  it('orders the top findings by estimated share of time, largest first', () => {
    const withError = sampleResult('models/net.onnx', { G2: { severity: 'error' } });
    const rows = rowsOf(formatLintMarkdown([withError], context));
    expect(rows).toHaveLength(withError.findings.length);
    // Row i is finding i of the lint result (which is sorted by impact), with its share.
    rows.forEach((row, i) => {
      const f = at(withError.findings, i);
      expect(row.startsWith(`| ${formatShare(f.impact.share)} | `)).toBe(true);
      expect(row).toContain(`| [${f.ruleId}](`);
      expect(row).toContain(markdownCell(f.message));
    });
    const shares = rows.map(shareOf);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    expect(shares[0]).toBeGreaterThan(shares.at(-1)!);
    // The error is ranked by its impact, not put first for its severity.
    const errorAt = rows.findIndex((l) => l.includes('🔴 error'));
    expect(errorAt).toBe(withError.findings.findIndex((f) => f.severity === 'error'));
    expect(at(withError.findings, 0).severity).not.toBe('error'); // the G2 error is not the costliest finding
    expect(errorAt).toBeGreaterThan(0);
  });

  it('breaks ties in share by severity, most severe first', () => {
    const tied = {
      ...r,
      findings: r.findings.map((f, i) => ({
        ...f,
        severity: i === r.findings.length - 1 ? ('error' as const) : f.severity,
        impact: { estimatedUs: 5, share: 0.05 },
      })),
    };
    const rows = rowsOf(formatLintMarkdown([tied], context));
    expect(rows[0]).toMatch(/^\| 5\.0% \| 🔴 error \| \[/);
    expect(new Set(rows.map(shareOf))).toEqual(new Set([5]));
  });

  it('keeps the largest shares across models when it cuts the table', () => {
    const many = ['a', 'b', 'c'].map((m, k) => ({
      ...r,
      model: `models/${m}.onnx`,
      findings: r.findings.map((f) => ({
        ...f,
        impact: { estimatedUs: f.impact.estimatedUs, share: f.impact.share * (k + 1) },
      })),
    }));
    const all = many.flatMap((x) => x.findings);
    expect(all.length).toBeGreaterThan(MARKDOWN_TOP_FINDINGS);
    const text = formatLintMarkdown(many, context);
    expect(text).toContain(`### Top findings (${MARKDOWN_TOP_FINDINGS} of ${all.length})`);
    const rows = rowsOf(text);
    expect(rows).toHaveLength(MARKDOWN_TOP_FINDINGS);
    const shown = rows.map(shareOf);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    const left = [...all.map((f) => 100 * f.impact.share)].sort((a, b) => b - a).slice(MARKDOWN_TOP_FINDINGS);
    expect(Math.min(...shown)).toBeGreaterThanOrEqual(Number(Math.max(...left).toFixed(1)));
    expect(rows[0]).toContain('`models/c.onnx`');
  });

  it('escapes table cells', () => {
    // The line break is shown as `\n` (escaped backslash), so the row stays one line.
    expect(markdownCell('a|b\n<c>')).toBe('a\\|b\\\\n&lt;c&gt;');
  });

  it('reports a clean run', () => {
    const clean = formatLintMarkdown([cleanResult()], context);
    expect(clean.split('\n')[0]).toBe('## ✅ efflint: 0 errors, 0 warnings, 0 info in 1 model');
    expect(clean).not.toContain('### Top findings');
  });
});

describe('what --quiet and --baseline hid, said once in every format', () => {
  // As `efflint lint --quiet --baseline FILE` narrows a result: two findings in the baseline, then
  // --quiet hides the warnings and infos that are left (sampleResult has no errors).
  const full = sampleResult();
  const narrowed: LintResult = {
    ...full,
    findings: [],
    summary: summarize([]),
    belowMinImpact: undefined,
    baselined: 2,
    quieted: { error: 0, warn: full.summary.warn - 2, info: full.summary.info },
  };
  const words = `--quiet hid ${full.summary.warn - 2} warnings, ${full.summary.info} info; 2 findings in the baseline not shown`;

  it('counts both', () => {
    expect(full.summary.warn).toBeGreaterThan(2);
    expect(leftOutOf([narrowed, cleanResult()])).toEqual({
      quieted: { warn: full.summary.warn - 2, info: full.summary.info },
      baselined: 2,
      text: words,
    });
    expect(leftOutOf([cleanResult()]).text).toBe('');
  });

  it('markdown: under the verdict heading', () => {
    const lines = formatLintMarkdown([narrowed], context).split('\n');
    expect(lines[0]).toBe('## ✅ efflint: 0 errors, 0 warnings, 0 info in 1 model');
    expect(lines[2]).toBe(`Not counted above: ${words}.`);
    expect(formatLintMarkdown([cleanResult()], context)).not.toContain('Not counted above');
  });

  it('github: one notice before the annotations', () => {
    expect(formatLintGithub([narrowed], context)).toBe(
      `::notice title=efflint%3A findings not shown::efflint: ${words}\n`,
    );
    expect(formatLintGithub([cleanResult()], context)).toBe('');
  });

  it('text: in the summary line', () => {
    expect(formatLintText([narrowed], context)).toContain(`no errors in 1 model; ${words}\n`);
  });
});
