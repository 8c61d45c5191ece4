import { describe, expect, it } from 'vitest';
import { applyMinImpact, lintAnalysis, resolveRuleSetting } from '../../src/rules/lint.js';
import { g1 } from '../../src/rules/g1.js';
import { RULES } from '../../src/rules/registry.js';
import { at } from '../../src/util/at.js';
import { ModelBuilder } from './model-builder.js';

/** stage1.* has a G2 group conv, stage2.* an inverted bottleneck 64 -> 384 -> 64 (G1 twice). */
function model() {
  const b = new ModelBuilder();
  const x = b.relu('stem', b.input('input', [1, 64, 28, 28]));
  const y = b.relu('stage1.relu', b.conv('stage1.gconv', x, { cOut: 64, group: 4 }));
  const z = b.relu('stage2.relu', b.conv('stage2.expand', y, { cOut: 384 }));
  return b.build([b.relu('out', b.conv('stage2.project', z, { cOut: 64 }))]);
}

describe('lintAnalysis', () => {
  it('runs every rule at its default severity and sorts findings by estimated impact, largest first', () => {
    const r = lintAnalysis(model(), { runtime: 'none' });
    expect(r.model).toBe('rule-test.onnx');
    expect(r.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['G1', 'G2']));
    const us = r.findings.map((f) => f.impact.estimatedUs);
    expect(us).toEqual([...us].sort((a, b) => b - a));
    for (const f of r.findings) {
      expect(f.impact.share).toBeCloseTo(f.impact.estimatedUs / r.target.modelEstimatedUs, 12);
      expect(f.fingerprint).toBe(`${f.ruleId}:${f.node ?? '(model)'}:${f.messageId}`);
    }
    expect(r.target).toMatchObject({ runtime: 'none', planSource: 'static-model', fusedLayers: 0 });
    expect(r.summary).toEqual({
      error: 0,
      warn: r.findings.filter((f) => f.severity === 'warn').length,
      info: r.findings.filter((f) => f.severity === 'info').length,
    });
  });

  it('estimates the model time as the roofline sum of the kernels the runtime runs', () => {
    const device = {
      schemaVersion: 1 as const,
      name: 'd',
      peakFlopsPerSecond: 1e12,
      bandwidthBytesPerSecond: 1e10,
      perOpOverheadUs: 2,
    };
    const a = model();
    const r = lintAnalysis(a, { runtime: 'none', deviceProfile: device });
    // Every layer of this model runs a kernel: overhead + max(flops / peak, bytes / bandwidth) each.
    const expected = a.layers.reduce(
      (s, l) => s + 2 + Math.max((l.flops! / 1e12) * 1e6, (l.memBytes! / 1e10) * 1e6),
      0,
    );
    expect(r.target.modelEstimatedUs).toBeCloseTo(expected, 9);
    expect(r.target.deviceProfile).toBe('d');
  });

  it('keeps only findings at or above --min-impact and counts the rest', () => {
    const all = lintAnalysis(model(), { runtime: 'none' });
    const last = at(all.findings, all.findings.length - 1);
    const cut = 100 * last.impact.share + 1e-9;
    const r = applyMinImpact(all, cut);
    expect(r.findings.length).toBe(all.findings.length - 1);
    expect(r.belowMinImpact?.findings).toEqual([last]);
    expect(applyMinImpact(all, 0)).toBe(all);
  });

  it('applies configured severities and options; off disables a rule', () => {
    const r = lintAnalysis(model(), {
      runtime: 'none',
      rules: {
        G2: { severity: 'error' },
        G4: { severity: 'off' },
        G1: { severity: 'info', options: { maxRatio: 10 } },
      },
    });
    expect(r.findings.find((f) => f.ruleId === 'G2')?.severity).toBe('error');
    expect(r.findings.some((f) => f.ruleId === 'G4')).toBe(false);
    expect(r.findings.some((f) => f.ruleId === 'G1')).toBe(false);
    expect(r.summary.error).toBe(1);
  });

  it('drops ignored findings by rule id or name and node glob', () => {
    const all = lintAnalysis(model()).findings;
    expect(all.some((f) => f.ruleId === 'G1' && f.node === 'stage2.expand')).toBe(true);
    const r = lintAnalysis(model(), { ignore: [{ rule: 'unbalanced-channels', nodes: ['stage2.*'] }, { rule: 'G4' }] });
    expect(r.findings.some((f) => f.ruleId === 'G1')).toBe(false);
    expect(r.findings.some((f) => f.ruleId === 'G4')).toBe(false);
    expect(r.findings.some((f) => f.ruleId === 'G2')).toBe(true);
    const star = lintAnalysis(model(), { ignore: [{ rule: '*', nodes: ['stage*'] }] });
    expect(star.findings.every((f) => !f.node?.startsWith('stage'))).toBe(true);
  });

  it('skips rules that need a device profile when none is given', () => {
    expect(lintAnalysis(model()).findings.some((f) => f.ruleId === 'E104')).toBe(false);
    const device = {
      schemaVersion: 1 as const,
      name: 'd',
      peakFlopsPerSecond: 1e12,
      bandwidthBytesPerSecond: 1e10,
      perOpOverheadUs: 0,
    };
    expect(lintAnalysis(model(), { deviceProfile: device }).findings.some((f) => f.ruleId === 'E104')).toBe(true);
  });

  it('renders messages and fixes, and links the docs', () => {
    const f = lintAnalysis(model(), { ruleSet: [g1] }).findings.find((x) => x.node === 'stage2.expand')!;
    expect(f).toMatchObject({
      ruleId: 'G1',
      ruleName: 'unbalanced-channels',
      node: 'stage2.expand',
      opType: 'Conv',
      messageId: 'unbalancedChannels',
    });
    expect(f.message).toMatch(/^1x1 conv 64->384 ch \(6:1\): MAC [\d.]+% above the equal-width bound \(Eq\. 1\)$/);
    expect(f.suggestion).toMatch(/^balance the widths \(about 157 -> 157 channels/);
    expect(f.docsUrl).toBe('https://github.com/efflint/efflint/blob/main/docs/rules/G1.md');
  });

  it('merges options over defaults', () => {
    expect(resolveRuleSetting(g1, { options: { maxRatio: 4 } })).toEqual({
      severity: 'warn',
      options: { maxRatio: 4, minExcessPercent: 15, ignoreModelInputs: true },
    });
    expect(resolveRuleSetting(at(RULES, 0), undefined).options).toEqual(g1.meta.defaultOptions);
  });
});
