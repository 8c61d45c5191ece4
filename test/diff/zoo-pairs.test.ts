import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/api.js';
import type { CompareInput } from '../../src/diff/compare.js';
import { compareModels } from '../../src/diff/compare.js';
import { readFileSync } from 'node:fs';
import type { DiffThresholds } from '../../src/diff/thresholds.js';
import { evaluateDiff } from '../../src/diff/thresholds.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import type { ZooBuildOptions } from '../../src/zoo/index.js';

// Pairs of real zoo models whose differences are known independently of efflint's own numbers: from
// the papers, from torchvision's parameter counts, or from how the two models are built.

function side(model: string, zoo?: ZooBuildOptions): CompareInput {
  const analysis = analyzeFile(model, { zoo });
  return { model, analysis, findings: lintAnalysis(analysis, { model }).findings };
}

describe('shufflenet_v2_x0_5 -> shufflenet_v2_x1_0 (same graph, wider channels)', () => {
  const d = compareModels(side('zoo:shufflenet_v2_x0_5'), side('zoo:shufflenet_v2_x1_0'));

  it('params go from 1,366,792 to 2,278,604 (torchvision shufflenet_v2_x0_5 / x1_0)', () => {
    expect(d.totals.params).toMatchObject({ before: 1_366_792, after: 2_278_604, delta: 911_812 });
  });

  it('every layer keeps its name and op type: nothing added or removed, only shapes and FLOPs change', () => {
    expect(d.layers.added).toEqual([]);
    expect(d.layers.removed).toEqual([]);
    expect(d.totals.layers.delta).toBe(0);
    expect(d.layers.changed.length).toBeGreaterThan(0);
    expect(d.layers.changed.every((c) => !c.changes.includes('opType'))).toBe(true);
    expect(d.opTypes.every((o) => o.count.delta === 0)).toBe(true);
  });

  it('FLOPs grow about 3.4x (paper: 41M -> 146M)', () => {
    expect(d.totals.flops.after / d.totals.flops.before).toBeGreaterThan(3.2);
    expect(d.totals.flops.after / d.totals.flops.before).toBeLessThan(3.7);
  });
});

describe('shufflenet_v1_g3 -> shufflenet_v2_x1_0 (ShuffleNet V2 applies G1-G4 at equal FLOPs)', () => {
  const v1 = side('zoo:shufflenet_v1_g3');
  const v2 = side('zoo:shufflenet_v2_x1_0');
  const d = compareModels(v1, v2);

  it('the totals are those of the two analyses', () => {
    expect(d.totals.params).toMatchObject({ before: v1.analysis.totals.params, after: 2_278_604 });
    expect(d.totals.flops).toMatchObject({ before: v1.analysis.totals.flops, after: v2.analysis.totals.flops });
    expect(d.totals.layers).toMatchObject({ before: v1.analysis.layers.length, after: v2.analysis.layers.length });
  });

  it('FLOPs stay within 5% (SNV2 Table 8 compares them at the same ~140-146 MFLOPs level)', () => {
    expect(Math.abs(d.totals.flops.percent!)).toBeLessThan(5);
  });

  it('memory access cost goes down: the point of guidelines G1-G4', () => {
    expect(d.totals.memAccess.delta).toBeLessThan(0);
  });

  it('every G2 (group convolution) finding is fixed, none is new', () => {
    const baseG2 = v1.findings!.filter((f) => f.ruleId === 'G2');
    expect(baseG2.length).toBeGreaterThan(0);
    expect(d.findings.fixed.filter((f) => f.ruleId === 'G2')).toHaveLength(baseG2.length);
    expect(d.findings.new.filter((f) => f.ruleId === 'G2')).toEqual([]);
  });

  it('residual Adds and the average-pool shortcut give way to Concat (SNV2 Fig. 3 a/b -> c/d)', () => {
    const op = (t: string) => d.opTypes.find((o) => o.opType === t)!;
    expect(op('Add').count.before).toBeGreaterThan(0);
    expect(op('Add').count.after).toBe(0);
    expect(op('AveragePool').count.after).toBe(0);
    expect(op('Concat').count.after).toBeGreaterThan(0);
  });

  it('fails a 1% FLOPs gate (FLOPs grow) but not a 0% memAccess gate (memAccess falls)', () => {
    const v = evaluateDiff(d, { maxFlopsIncrease: 1, maxMemAccessIncrease: 0 });
    expect(v.violations.map((x) => x.threshold)).toEqual(['maxFlopsIncrease']);
  });
});

describe('exp_g2_g1 -> exp_g2_g8 (SNV2 Table 2: group convolution at equal FLOPs)', () => {
  const d = compareModels(side('zoo:exp_g2_g1'), side('zoo:exp_g2_g8'));

  it('FLOPs stay equal within 1.2% (c = 128, g = 1 vs c = 360, g = 8: hw*c^2/g = 16,384 vs 16,200 per pixel)', () => {
    expect(Math.abs(d.totals.flops.percent!)).toBeLessThan(1.2);
    expect(d.totals.flops).toMatchObject({ before: 10 * 3136 * 16_384, after: 10 * 3136 * 16_200 });
  });

  it('each of the 10 layers changes, memAccess 819,200 -> 2,274,120 (MAC = hw(c1 + c2) + c1*c2/g)', () => {
    expect(d.layers.added).toEqual([]);
    expect(d.layers.removed).toEqual([]);
    expect(d.layers.changed).toHaveLength(10);
    for (const c of d.layers.changed) {
      expect(c.changes).toEqual(['outputShape', 'flops']);
      // 56*56*(128+128) + 128*128 = 819,200; 56*56*(360+360) + 360*360/8 = 2,274,120
      expect(c.memAccess).toMatchObject({ before: 819_200, after: 2_274_120 });
    }
    expect(d.totals.memAccess).toMatchObject({ before: 8_192_000, after: 22_741_200 });
  });

  it('G2 is new on every layer, and a --fail-on-new warn gate fails', () => {
    expect(d.findings.new.filter((f) => f.ruleId === 'G2').map((f) => f.node)).toEqual(
      Array.from({ length: 10 }, (_, i) => `layer${i + 1}.conv`),
    );
    expect(d.findings.fixed).toEqual([]);
    expect(evaluateDiff(d, { failOnNew: 'warn' }).pass).toBe(false);
    expect(evaluateDiff(d, { failOnNew: 'error' }).pass).toBe(true);
  });
});

describe('shufflenet_v2_x1_0 -> the same model with --deploy (BatchNormalization folded into the convs)', () => {
  const train = side('zoo:shufflenet_v2_x1_0');
  const d = compareModels(train, side('zoo:shufflenet_v2_x1_0', { deploy: true }));
  const bn = train.analysis.layers.filter((l) => l.opType === 'BatchNormalization');

  it('removes exactly the BatchNormalization layers, adds and changes none', () => {
    expect(bn.length).toBeGreaterThan(0);
    expect(d.layers.removed.map((l) => l.name)).toEqual(bn.map((l) => l.name));
    expect(d.layers.added).toEqual([]);
    expect(d.layers.changed).toEqual([]);
    expect(d.totals.layers.delta).toBe(-bn.length);
    expect(d.opTypes.find((o) => o.opType === 'BatchNormalization')!.count).toMatchObject({
      before: bn.length,
      after: 0,
    });
  });

  it('FLOPs drop by the BatchNormalization FLOPs; params by one per channel (scale + bias become a conv bias)', () => {
    expect(d.totals.flops.delta).toBe(-bn.reduce((s, l) => s + (l.flops ?? 0), 0));
    expect(d.totals.params.delta).toBe(-bn.reduce((s, l) => s + l.params, 0) / 2);
    expect(d.totals.memAccess.delta).toBeLessThan(0);
  });

  it('fixes every E101 (foldable BatchNormalization) finding', () => {
    const e101 = train.findings!.filter((f) => f.ruleId === 'E101');
    expect(e101).toHaveLength(bn.length);
    expect(d.findings.fixed.filter((f) => f.ruleId === 'E101')).toHaveLength(e101.length);
    expect(d.findings.new.filter((f) => f.ruleId === 'E101')).toEqual([]);
  });

  it('passes a 0% gate on every cost', () => {
    expect(evaluateDiff(d, { maxFlopsIncrease: 0, maxParamsIncrease: 0, maxMemAccessIncrease: 0 }).pass).toBe(true);
  });
});

describe('a model -> its BN-folded form passes docs/ci.md\'s recommended gate (an improvement is never "new" findings)', () => {
  // The `diff` section docs/ci.md recommends, read from the page so the test follows the docs.
  const ciDocs = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');
  const recommendedSection = /"diff": (\{[^}]*\})/.exec(ciDocs);
  if (!recommendedSection) throw new Error('docs/ci.md: no "diff" section');
  const recommended = JSON.parse(at(recommendedSection, 1)) as DiffThresholds;

  it('docs/ci.md recommends failing on new warnings', () => {
    expect(recommended.failOnNew).toBe('warn');
  });

  for (const runtime of ['onnxruntime-cpu', 'none'] as const) {
    for (const model of ['zoo:shufflenet_v1_g3', 'zoo:mobilenet_v2', 'zoo:efficientnet_b0']) {
      it(`${model}, --runtime ${runtime}: 0 new findings, gate passes, BN findings fixed`, () => {
        const lintSide = (deploy: boolean): CompareInput => {
          const analysis = analyzeFile(model, { zoo: { deploy, weights: false } });
          return { model, analysis, findings: lintAnalysis(analysis, { model, runtime }).findings };
        };
        const d = compareModels(lintSide(false), lintSide(true));
        expect(d.findings.new.map((f) => f.fingerprint)).toEqual([]);
        expect(d.findings.fixed.filter((f) => f.ruleId === 'E101').length).toBeGreaterThan(0);
        expect(d.totals.memAccess.delta).toBeLessThan(0);
        expect(evaluateDiff(d, recommended).pass).toBe(true);
      });
    }
  }
});
