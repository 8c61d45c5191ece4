import { describe, expect, it } from 'vitest';
import { formatLintText } from '../../src/report/lint-text.js';
import { cleanResult, context, sampleResult } from './fixtures.js';

describe('formatLintText', () => {
  const r = sampleResult();

  it('groups findings under the model, one aligned row each, then each distinct fix once', () => {
    const out = formatLintText([r], context);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^models\/net\.onnx {2}[\d.]+[KMG]? FLOPs, [\d.]+[KMG]? params, [\d.]+[KMG]? memAccess$/);
    const rows = lines.filter((l) => /^ {2}(warning|error|info) /.test(l));
    expect(rows.length).toBe(r.findings.length);
    // The message column starts at the same offset in every row.
    const starts = new Set(rows.map((l, i) => l.indexOf(r.findings[i].message)));
    expect(starts.size).toBe(1);
    const fixLines = lines.filter((l) => l.startsWith('      fix '));
    const distinct = new Set(r.findings.map((f) => `${f.ruleId} ${f.suggestion}`));
    expect(fixLines).toHaveLength(distinct.size);
    for (const f of r.findings) expect(out).toContain(`fix ${f.ruleId}: ${f.suggestion}`);
    expect(out).toContain('(model)');
    expect(out).toMatch(/G2 +gconv\|2 +1x1 group conv with g=8/);
  });

  it('ends with a summary line and the FLOPs convention', () => {
    const out = formatLintText([r, cleanResult()], context);
    const s = r.summary;
    expect(out).toContain(`${s.error + s.warn + s.info} findings (${s.error} errors, ${s.warn} warnings, ${s.info} info) in 2 models`);
    expect(out).toContain('FLOPs = multiply-adds');
    expect(out).not.toContain('models/clean.onnx');
  });

  it('says so when there is nothing to report', () => {
    expect(formatLintText([cleanResult()], context)).toMatch(/^no findings in 1 model\n/);
  });

  it('colours by severity only when asked', () => {
    expect(formatLintText([r], context)).not.toMatch(/\u001b\[/);
    const coloured = formatLintText([r], { ...context, color: true });
    expect(coloured).toMatch(/\u001b\[33mwarning\u001b\[39m/);
  });
});
