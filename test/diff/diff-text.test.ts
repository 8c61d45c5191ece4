import { describe, expect, it } from 'vitest';
import { compareModels } from '../../src/diff/compare.js';
import { evaluateDiff } from '../../src/diff/thresholds.js';
import { formatDiffText } from '../../src/report/diff/diff-text.js';
import { baseAnalysis, baseFindings, headAnalysis, headFindings, profile } from './fixtures.js';

const d = compareModels(
  { analysis: baseAnalysis(), findings: baseFindings() },
  { analysis: headAnalysis(), findings: headFindings() },
);
const RED = '\u001b[31m';
const GREEN = '\u001b[32m';

describe('formatDiffText', () => {
  const plain = formatDiffText(d, evaluateDiff(d, { maxFlopsIncrease: 5, maxParamsIncrease: 50 }), {
    color: false,
    version: '9.9.9',
  });
  const lines = plain.split('\n');

  it('starts with both models and an aligned totals table', () => {
    expect(lines[0]).toBe('efflint diff  base.onnx -> head.onnx');
    const header = lines.findIndex((l) => /^ +base +head +change +%$/.test(l));
    expect(header).toBeGreaterThan(0);
    const table = lines.slice(header, header + 7);
    expect(table[1]).toMatch(/^FLOPs +4\.1K +5\.3K +\+1\.2K +\+30\.2%$/);
    expect(table[2]).toMatch(/^params +2\.1K +2\.2K +\+88 +\+4\.1%$/);
    expect(table[5]).toMatch(/^layers +5 +6 +\+1 +\+20\.0%$/);
    expect(table[6]).toMatch(/^unknown-cost layers +0 +1 +\+1 +new$/);
    // right-aligned: every row of the table has the same width
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
  });

  it('lists changed op types, layer changes and findings', () => {
    expect(plain).toMatch(
      /op types \(5 changed, largest FLOPs change first\)\n {2}Gemm +gemm +1 -> 0 +2\.0K -> 0 +-2\.0K +-100\.0% +memAccess -3\.0K/,
    );
    expect(plain).toContain('layers: 2 added, 1 removed, 2 changed, 2 unchanged (matched by node name)');
    expect(plain).toMatch(/\n {2}\+ conv2 +Conv +\[1,8,8,8\] +300 FLOPs/);
    expect(plain).toMatch(/\n {2}- bn1 +BatchNormalization +\[1,16,8,8\] +64 FLOPs/);
    expect(plain).toMatch(
      /\n {2}~ conv1 +Conv +output \[1,16,8,8\] -> \[1,32,8,8\]; FLOPs 1\.0K -> 2\.0K +\+1\.0K FLOPs \(\+100\.0%\)/,
    );
    expect(plain).toMatch(/\n {2}~ fc +MatMul +op Gemm -> MatMul\n/);
    expect(plain).toContain('findings: 1 new, 2 fixed, 2 unchanged');
    expect(plain).toMatch(/\n {2}new +error +G2 +conv2 +G2 on conv2/);
    expect(plain).toMatch(/\n {2}fixed +warning +E101 +bn1/);
    expect(plain).toMatch(/\n {2}fixed +info +G4 +\(model\)/);
  });

  it('ends with warnings, the verdict naming the threshold, and the FLOPs convention', () => {
    expect(plain).toContain('warning: head has 1 layer of unknown cost, left out of its totals');
    expect(plain).toContain(
      'FAIL: 1 threshold exceeded\n  x FLOPs +30.2% (4,088 -> 5,324) exceeds the 5% limit (--max-flops-increase)',
    );
    expect(lines.at(-2)).toMatch(/^FLOPs = multiply-adds/);
    expect(plain).not.toContain('\u001b[');
  });

  it('says PASS, and how many thresholds held', () => {
    expect(formatDiffText(d, evaluateDiff(d, {}), { color: false, version: '' })).toContain(
      '\nPASS (no thresholds set)\n',
    );
    expect(
      formatDiffText(d, evaluateDiff(d, { maxFlopsIncrease: 50, failOnNew: 'error' }), { color: false, version: '' }),
    ).toContain('\nFAIL: 1 threshold exceeded');
    expect(formatDiffText(d, evaluateDiff(d, { maxFlopsIncrease: 50 }), { color: false, version: '' })).toContain(
      '\nPASS: within 1 threshold\n',
    );
  });

  it('colours costlier changes red and cheaper ones green', () => {
    const coloured = formatDiffText(d, evaluateDiff(d, {}), { color: true, version: '' });
    expect(coloured).toContain(`${RED}+1.2K`); // FLOPs up
    const reverse = compareModels({ analysis: headAnalysis() }, { analysis: baseAnalysis() });
    expect(formatDiffText(reverse, evaluateDiff(reverse, {}), { color: true, version: '' })).toContain(`${GREEN}-1.2K`);
  });

  it('cuts long lists at --top', () => {
    const top1 = formatDiffText(d, evaluateDiff(d, {}), { color: false, version: '', top: 1 });
    expect(top1).toContain('  ... 4 more (--top N or --format json)'); // op types
    expect(top1).toContain('  ... 2 more layers (--top N or --format json)'); // 1 of 2 added, 1 of 2 changed
    expect(top1).toContain('  ... 1 more findings (--top N or --format json)');
  });

  it('shows latency with both CVs, and says when the change is within noise', () => {
    const p = compareModels(
      { analysis: baseAnalysis(), profile: profile(10, 0.02) },
      { analysis: baseAnalysis(), profile: profile(10.3, 0.05) },
    );
    const out = formatDiffText(p, evaluateDiff(p, {}), { color: false, version: '' });
    expect(out).toMatch(/\nlatency \(median\) +10\.000 ms +10\.300 ms +\+0\.300 ms +\+3\.0%\n/);
    expect(out).toContain(
      'latency: CPUExecutionProvider, 10 runs after 5 warm-up each, CV 2.0% (base) / 5.0% (head); within noise: |+3.0%| < 2 x max CV = 10.0%',
    );
  });
});
