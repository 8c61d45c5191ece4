import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/api.js';
import { confirmFindings } from '../../src/profile/confirm-findings.js';
import { profileModel } from '../../src/profile/profile.js';
import type { ProfileLayer, ProfileResult } from '../../src/profile/types.js';
import { lintAnalysis } from '../../src/rules/lint.js';

function layer(name: string, category: ProfileLayer['category'], measuredUs: number, flops: number, nodes: string[] = [name], opType = 'Conv'): ProfileLayer {
  return { name, opType, category, nodes, kernelOp: opType, provider: 'CPUExecutionProvider', joinedBy: 'node-name', inserted: false, measuredUs, share: 0, flops, memAccess: 0, memBytes: 0, measuredBytes: null, bytesRatio: null, predictedUs: null, bound: null };
}

/** 4 convs (one slow per FLOP), a ReLU fused into conv c, and a heavy unfused Add. */
const PROFILE = {
  provider: 'CPUExecutionProvider',
  optLevel: 'all',
  layers: [
    layer('a', 'conv', 100, 100e6),
    layer('b', 'conv', 100, 100e6),
    layer('grouped', 'conv', 250, 100e6),
    layer('c_fused', 'conv', 100, 100e6, ['c', 'c.relu'], 'Conv+Relu'),
    layer('add', 'elementwise', 150, 1e6, ['add'], 'Add'),
  ],
} as unknown as ProfileResult;

const finding = (ruleId: string, node: string | null, metrics: Record<string, number> = {}) => ({ ruleId, node, message: `${ruleId} says so.`, metrics, severity: 'warn', suggestion: '', docsUrl: '' });

describe('confirmFindings', () => {
  it("confirms a conv finding when the conv is slower per FLOP than the model's efficient convs", () => {
    const [slow, normal] = confirmFindings([finding('G2', 'grouped', { group: 8 }), finding('G1', 'a')], PROFILE);
    expect(slow.confirmed).toBe(true);
    expect(slow.metrics).toMatchObject({ group: 8, measuredUs: 250, measuredConvSlowdown: 2.5 });
    expect(slow.message).toMatch(/^G2 says so\. Measured: .*2\.50x the model's efficient convs.*\(CPUExecutionProvider, opt all\)\.$/);
    expect(normal.confirmed).toBe(false);
  });

  it('confirms the whole-model G4 finding with element-wise time vs FLOPs shares', () => {
    const [g4] = confirmFindings([finding('G4', null)], PROFILE);
    expect(g4.confirmed).toBe(true);
    expect(g4.evidence).toContain('element-wise and data-movement kernels are 0.2% of FLOPs and 21% of measured time');
    expect(g4.metrics.measuredTimeSharePercent).toBeCloseTo((100 * 150) / 700, 9);
  });

  it('marks an element-wise node fused into a conv as not separately measurable (null), and says why', () => {
    const [relu, add] = confirmFindings([finding('G4', 'c.relu'), finding('G4', 'add')], PROFILE);
    expect(relu.confirmed).toBeNull();
    expect(relu.evidence).toContain("fused it into kernel 'c_fused'");
    expect(relu.evidence).toContain('not separately measurable');
    expect(add.confirmed).toBe(true);
    expect(add.metrics.measuredTimeToFlopsRatio).toBeGreaterThan(2);
  });

  it('does not confirm what costs almost nothing', () => {
    const tiny = { ...PROFILE, layers: [...PROFILE.layers, layer('reshape', 'data-movement', 1, 0, ['reshape'], 'Reshape')] } as ProfileResult;
    const [r] = confirmFindings([finding('E103', 'reshape')], tiny);
    expect(r.confirmed).toBe(false);
    const fused = { ...PROFILE, layers: PROFILE.layers.map((l) => (l.name === 'add' ? { ...l, measuredUs: 1 } : l)) } as ProfileResult;
    expect(confirmFindings([finding('G4', null)], fused)[0].confirmed).toBe(false);
  });

  it('leaves findings it cannot measure unconfirmed (null)', () => {
    const [missing, model] = confirmFindings([finding('G3', 'nope'), finding('E104', null)], PROFILE);
    expect(missing.confirmed).toBeNull();
    expect(model.confirmed).toBeNull();
  });

  it('works on real lint findings and a real profile', async () => {
    const analysis = analyzeFile('zoo:mobilenet_v2');
    // At opt level 'disabled' onnxruntime runs the raw graph: lint that graph (runtime none).
    const lint = lintAnalysis(analysis, { runtime: 'none' });
    expect(lint.findings.length).toBeGreaterThan(0);
    const profile = await profileModel('zoo:mobilenet_v2', { threads: 1, warmup: 1, runs: 2, optLevel: 'disabled' });
    const confirmed = confirmFindings(lint.findings, profile);
    expect(confirmed).toHaveLength(lint.findings.length);
    for (const f of confirmed) {
      expect([true, false, null]).toContain(f.confirmed);
      expect(f.message).toContain('Measured: ');
      expect(f.ruleId).toBeTruthy();
    }
    // Every node-level finding on mobilenet_v2 names a node that ran.
    expect(confirmed.filter((f) => f.node !== null && f.confirmed === null)).toEqual([]);
  });
});
