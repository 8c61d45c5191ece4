import { describe, expect, it } from 'vitest';
import { MARKDOWN_TOP_FINDINGS, formatLintMarkdown, markdownCell } from '../../src/report/markdown.js';
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
    expect(md).toContain(`| [G2](https://github.com/efflint/efflint/blob/main/docs/rules/G2.md) | group-convolution | 0 | ${g2} | 0 |`);
  });

  it('lists top findings with escaped cells and the FLOPs convention', () => {
    expect(md).toContain('### Top findings');
    expect(md).toContain('`gconv\\|2`');
    expect(md).toContain('FLOPs = multiply-adds');
    const rows = md.split('\n').filter((l) => /^\| (🔴|🟠|🔵)/.test(l));
    expect(rows.length).toBe(Math.min(MARKDOWN_TOP_FINDINGS, r.findings.length));
  });

  it('lets rules take turns in the top findings, most severe first', () => {
    const withError = sampleResult('models/net.onnx', { G2: { severity: 'error' } });
    const rows = formatLintMarkdown([withError], context)
      .split('\n')
      .filter((l) => /^\| (🔴|🟠|🔵)/.test(l));
    expect(rows[0]).toMatch(/^\| 🔴 error \| \[G2\]/);
    const firstWarnings = rows.filter((l) => l.includes('🟠')).slice(0, 3).map((l) => /\[(\w+)\]/.exec(l)![1]);
    expect(new Set(firstWarnings).size).toBe(firstWarnings.length);
  });

  it('escapes table cells', () => {
    expect(markdownCell('a|b\n<c>')).toBe('a\\|b &lt;c&gt;');
  });

  it('reports a clean run', () => {
    const clean = formatLintMarkdown([cleanResult()], context);
    expect(clean.split('\n')[0]).toBe('## ✅ efflint: 0 errors, 0 warnings, 0 info in 1 model');
    expect(clean).not.toContain('### Top findings');
  });
});
