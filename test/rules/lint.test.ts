import { describe, expect, it } from 'vitest';
import { lintAnalysis, resolveRuleSetting } from '../../src/rules/lint.js';
import { g1 } from '../../src/rules/g1.js';
import { RULES } from '../../src/rules/registry.js';
import { AnalysisBuilder } from './analysis-builder.js';

/** stage1.* has a G2 group conv, stage2.* a G1 1:6 conv, plus a model-level G4 finding. */
function model() {
  const b = new AnalysisBuilder();
  const x = b.relu('stem', b.input('input', [1, 64, 28, 28]));
  const y = b.relu('stage1.relu', b.conv('stage1.gconv', x, { cOut: 64, group: 4 }));
  const z = b.conv('stage2.expand', y, { cOut: 384 });
  return b.build([b.relu('stage2.relu', z)]);
}

describe('lintAnalysis', () => {
  it('runs every rule at its default severity and sorts model-level findings first, then graph order', () => {
    const r = lintAnalysis(model());
    expect(r.model).toBe('hand-made.onnx');
    expect(r.findings[0]).toMatchObject({ ruleId: 'G4', node: null, severity: 'warn' });
    const order = r.analysis.layers.map((l) => l.name);
    const nodes = r.findings.filter((f) => f.node !== null).map((f) => order.indexOf(f.node!));
    expect(nodes).toEqual([...nodes].sort((a, b) => a - b));
    expect(r.summary).toEqual({ error: 0, warn: r.findings.filter((f) => f.severity === 'warn').length, info: r.findings.filter((f) => f.severity === 'info').length });
  });

  it('applies configured severities and options; off disables a rule', () => {
    const r = lintAnalysis(model(), { rules: { G2: { severity: 'error' }, G4: { severity: 'off' }, G1: { severity: 'info', options: { maxRatio: 10 } } } });
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
    expect(star.findings.every((f) => f.node === null || !f.node.startsWith('stage'))).toBe(true);
  });

  it('skips rules that need a device profile when none is given', () => {
    expect(lintAnalysis(model()).findings.some((f) => f.ruleId === 'E104')).toBe(false);
    const device = { schemaVersion: 1 as const, name: 'd', peakFlopsPerSecond: 1e12, bandwidthBytesPerSecond: 1e10, perOpOverheadUs: 0 };
    expect(lintAnalysis(model(), { deviceProfile: device }).findings.some((f) => f.ruleId === 'E104')).toBe(true);
  });

  it('renders messages and fixes, and links the docs', () => {
    const f = lintAnalysis(model(), { ruleSet: [g1] }).findings[0];
    expect(f).toMatchObject({ ruleId: 'G1', ruleName: 'unbalanced-channels', node: 'stage2.expand', opType: 'Conv', messageId: 'unbalancedChannels' });
    expect(f.message).toMatch(/^1x1 conv 64 -> 384 channels \(ratio 6:1\): memAccess [\d,]+ is [\d.]+% above the lower bound/);
    expect(f.suggestion).toMatch(/^balance the widths: about 157 -> 157 channels/);
    expect(f.docsUrl).toBe('https://github.com/efflint/efflint/blob/main/docs/rules/G1.md');
  });

  it('merges options over defaults', () => {
    expect(resolveRuleSetting(g1, { options: { maxRatio: 4 } })).toEqual({ severity: 'warn', options: { maxRatio: 4, minExcessPercent: 15, ignoreModelInputs: true } });
    expect(resolveRuleSetting(RULES[0], undefined).options).toEqual(g1.meta.defaultOptions);
  });
});
