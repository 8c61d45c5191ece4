import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyzers/analyze.js';
import { analyzeFile } from '../../src/api.js';
import type { Finding } from '../../src/rules/lint.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import type { RuntimeName } from '../../src/analyzers/runtime/types.js';

// The paper's own verdicts (ShuffleNet V2 section 3, paper-facts.md 1.7) on the reference zoo, at default thresholds.
const cache = new Map<string, Analysis>();
function lintZoo(name: string, runtime: RuntimeName = 'onnxruntime-cpu'): Finding[] {
  if (!cache.has(name)) cache.set(name, analyzeFile(`zoo:${name}`, { zoo: { weights: false } }));
  return [...lintAnalysis(cache.get(name)!, { runtime, nchwcBlock: 16 }).findings];
}
const of = (findings: readonly Finding[], ruleId: string): Finding[] => findings.filter((f) => f.ruleId === ruleId);
const convName = (f: Finding): string => f.node ?? '';

describe('rules on the reference zoo (default thresholds)', () => {
  it('shufflenet_v1_g8: G2 on grouped 1x1 convs; G4 counts the shortcut Adds onnxruntime fuses into convs by their residual read', () => {
    const f = lintZoo('shufflenet_v1_g8');
    const g2 = of(f, 'G2');
    expect(g2.length).toBeGreaterThan(20);
    for (const x of g2) {
      expect(x.opType).toBe('Conv');
      expect(x.data.kernel).toBe('1x1');
      expect(x.data.group).toBe(8);
      expect(x.severity).toBe('warn');
    }
    const share = of(f, 'G4').find((x) => x.messageId === 'elementwiseShare');
    expect(share?.node).toBeNull();
    expect(share?.data.breakdown).toMatch(/13 fused Add/);
    expect(share?.data.breakdown).toMatch(/16 depthwise Conv/);
    // BN and ReLU run inside the convs: one info for all of them, and the E101 findings are infos.
    expect(of(f, 'G4').find((x) => x.messageId === 'fusedByRuntime')).toMatchObject({
      severity: 'info',
      impact: { estimatedUs: 0 },
    });
    expect(of(f, 'E101').length).toBeGreaterThan(40);
    expect(of(f, 'E101').every((x) => x.messageId === 'foldedByRuntime' && x.severity === 'info')).toBe(true);
    expect(of(f, 'E103').every((x) => x.messageId === 'channelShuffle' && x.data.groups === 8)).toBe(true);
  });

  it('shufflenet_v2_x1_0: no G1, G2 or G3 on its convs; its channel shuffles are named', () => {
    const f = lintZoo('shufflenet_v2_x1_0');
    expect(of(f, 'G1')).toEqual([]);
    expect(of(f, 'G2')).toEqual([]);
    expect(of(f, 'G3')).toEqual([]);
    expect(of(f, 'E103').length).toBe(16);
  });

  it('mobilenet_v2: G1 on expansion and projection 1x1 convs, and G4', () => {
    const f = lintZoo('mobilenet_v2');
    const g1 = of(f, 'G1');
    expect(g1.some((x) => convName(x).includes('expand'))).toBe(true);
    expect(g1.some((x) => convName(x).includes('project'))).toBe(true);
    expect(g1.every((x) => x.data.kernel === '1x1')).toBe(true);
    expect(of(f, 'G4').some((x) => x.messageId === 'elementwiseShare')).toBe(true);
    expect(of(f, 'G2')).toEqual([]);
  });

  it('efficientnet_b0: G1, and G4 on the swish (x*sigmoid(x), one QuickGelu kernel on onnxruntime) and SE gate Muls', () => {
    const f = lintZoo('efficientnet_b0');
    expect(of(f, 'G1').length).toBeGreaterThan(0);
    const share = of(f, 'G4').find((x) => x.messageId === 'elementwiseShare')!;
    // 49 swish activations (QuickGelu, anchored at their Mul) + 16 SE gate Muls.
    expect(share.data.breakdown).toMatch(/^65 Mul, 16 depthwise Conv/);
    // 49 swish Sigmoids merged into QuickGelu, 16 SE gate Sigmoids in the SE conv's epilogue.
    expect(of(f, 'G4').find((x) => x.messageId === 'fusedByRuntime')?.data.breakdown).toMatch(
      /^65 Sigmoid, 49 BatchNormalization/,
    );
    expect(of(f, 'G3')).toEqual([]);
  });

  it('resnet50: onnxruntime folds every BN and fuses Add + ReLU into the convs, so no G4 warning; the raw graph has one', () => {
    const ort = lintZoo('resnet50');
    expect(of(ort, 'G4').filter((x) => x.severity === 'warn')).toEqual([]);
    expect(of(ort, 'E101').filter((x) => x.severity === 'warn')).toEqual([]);
    const raw = lintZoo('resnet50', 'none');
    expect(of(raw, 'E101').filter((x) => x.messageId === 'foldableBatchNorm' && x.severity === 'warn').length).toBe(53);
    expect(of(raw, 'G4').find((x) => x.messageId === 'elementwiseShare')?.data.breakdown).toMatch(/BatchNormalization/);
  });

  it('G3 fires on exp_g3_4frag_parallel and not on exp_g3_1frag', () => {
    const parallel = of(lintZoo('exp_g3_4frag_parallel'), 'G3');
    expect(parallel.length).toBe(10);
    for (const x of parallel)
      expect(x).toMatchObject({ messageId: 'parallelBranches', data: { branches: 4, fragments: 4 } });
    expect(lintZoo('exp_g3_1frag')).toEqual([]);
  });

  it.each([
    ['exp_g3_2frag_parallel', 0],
    ['exp_g3_2frag_series', 0],
    ['exp_g3_4frag_series', 0],
  ])('G3 on %s: %i findings (only 4 parallel branches cross the default threshold)', (name, n) => {
    expect(of(lintZoo(name), 'G3').length).toBe(n);
  });

  it("G2 follows the paper's group-conv experiment: g=1 clean, g=8 flagged", () => {
    expect(of(lintZoo('exp_g2_g1'), 'G2')).toEqual([]);
    const g8 = of(lintZoo('exp_g2_g8'), 'G2');
    expect(g8.length).toBe(10);
    expect(at(g8, 0).data).toMatchObject({ group: 8, memAccess: 2_274_120, denseMemAccess: 1_286_280 });
  });

  it("G1 follows the paper's channel-ratio experiment: 1:1 clean, 1:12 flagged", () => {
    expect(of(lintZoo('exp_g1_1to1_gpu_x1'), 'G1')).toEqual([]);
    expect(of(lintZoo('exp_g1_1to12_gpu_x1'), 'G1').length).toBeGreaterThan(0);
  });
});
