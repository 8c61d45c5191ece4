import { describe, expect, it } from 'vitest';
import { change, compareModels, findingKey } from '../../src/diff/compare.js';
import { at } from '../../src/util/at.js';
import {
  analysis,
  baseAnalysis,
  baseFindings,
  finding,
  headAnalysis,
  headFindings,
  layer,
  profile,
} from './fixtures.js';

// Every expected number below is worked out by hand from the layer tables in fixtures.ts.
const diff = () =>
  compareModels(
    { analysis: baseAnalysis(), findings: baseFindings() },
    { analysis: headAnalysis(), findings: headFindings() },
  );

describe('change', () => {
  it('gives delta and percent of the base value', () => {
    expect(change(200, 250)).toEqual({ before: 200, after: 250, delta: 50, percent: 25 });
    expect(change(200, 150)).toEqual({ before: 200, after: 150, delta: -50, percent: -25 });
  });
  it('is 0% when both are 0 and has no percentage for growth from 0', () => {
    expect(change(0, 0)).toEqual({ before: 0, after: 0, delta: 0, percent: 0 });
    expect(change(0, 7)).toEqual({ before: 0, after: 7, delta: 7, percent: null });
    expect(change(7, 0).percent).toBe(-100);
  });
});

describe('compareModels on hand-built analyses', () => {
  it('names both sides and counts their findings', () => {
    const d = diff();
    expect(d.base).toEqual({ model: 'base.onnx', summary: { error: 0, warn: 2, info: 2 } });
    expect(d.head).toEqual({ model: 'head.onnx', summary: { error: 1, warn: 1, info: 1 } });
    expect(
      compareModels({ model: 'zoo:a', analysis: baseAnalysis() }, { model: 'zoo:b', analysis: headAnalysis() }).head
        .model,
    ).toBe('zoo:b');
  });

  it('compares the totals: 4088 -> 5324 FLOPs is +1236 (+30.23%)', () => {
    const t = diff().totals;
    expect(t.flops).toEqual({ before: 4088, after: 5324, delta: 1236, percent: (100 * 1236) / 4088 });
    expect(t.flops.percent).toBeCloseTo(30.2348, 4);
    expect(t.params).toEqual({ before: 2142, after: 2230, delta: 88, percent: (100 * 88) / 2142 });
    expect(t.memAccess).toEqual({ before: 5748, after: 5938, delta: 190, percent: (100 * 190) / 5748 });
    expect(t.memBytes).toEqual({ before: 22992, after: 23752, delta: 760, percent: (100 * 760) / 22992 });
    expect(t.layers).toEqual({ before: 5, after: 6, delta: 1, percent: 20 });
    expect(t.unknownCostLayers).toEqual({ before: 0, after: 1, delta: 1, percent: null });
  });

  it('totals per op type (domain kept apart, folded layers and unknown costs left out), largest FLOPs change first', () => {
    const ops = diff().opTypes;
    expect(ops.map((o) => `${o.domain}${o.domain ? '.' : ''}${o.opType}`)).toEqual([
      'Gemm',
      'MatMul',
      'Conv',
      'BatchNormalization',
      'com.acme.MyOp',
      'Relu',
      'Shape',
    ]);
    const conv = ops.find((o) => o.opType === 'Conv')!;
    expect(conv.category).toBe('conv');
    expect(conv.count).toEqual({ before: 1, after: 2, delta: 1, percent: 100 });
    expect(conv.flops).toEqual({ before: 1000, after: 2300, delta: 1300, percent: 130 });
    expect(conv.params).toEqual({ before: 100, after: 230, delta: 130, percent: 130 });
    expect(conv.memAccess).toEqual({ before: 500, after: 900, delta: 400, percent: 80 });
    const gemm = ops.find((o) => o.opType === 'Gemm')!;
    expect(gemm.flops).toEqual({ before: 2000, after: 0, delta: -2000, percent: -100 });
    expect(ops.find((o) => o.opType === 'MatMul')!.flops).toEqual({
      before: 0,
      after: 2000,
      delta: 2000,
      percent: null,
    });
    const shape = ops.find((o) => o.opType === 'Shape')!;
    expect(shape.count).toEqual({ before: 1, after: 1, delta: 0, percent: 0 });
    expect(shape.flops).toEqual({ before: 0, after: 0, delta: 0, percent: 0 });
    const custom = ops.find((o) => o.opType === 'MyOp')!;
    expect(custom).toMatchObject({
      domain: 'com.acme',
      category: 'unknown',
      flops: { before: 0, after: 0 },
      count: { before: 0, after: 1 },
    });
    // Op types add up to the totals.
    const sum = (k: 'flops' | 'memAccess', side: 'before' | 'after') => ops.reduce((s, o) => s + o[k][side], 0);
    expect([
      sum('flops', 'before'),
      sum('flops', 'after'),
      sum('memAccess', 'before'),
      sum('memAccess', 'after'),
    ]).toEqual([4088, 5324, 5748, 5938]);
  });

  it('totals per category', () => {
    const cats = diff().categories;
    expect(cats.map((c) => c.category)).toEqual(['conv', 'normalization', 'gemm', 'unknown', 'activation', 'metadata']);
    expect(at(cats, 0).flops).toEqual({ before: 1000, after: 2300, delta: 1300, percent: 130 });
    expect(cats[2]).toMatchObject({
      category: 'gemm',
      flops: { delta: 0, percent: 0 },
      memAccess: { before: 3000, after: 2990, delta: -10 },
      params: { before: 2010, after: 2000 },
    });
  });

  it('matches layers by name: added, removed, changed with the reason and numbers, unchanged', () => {
    const L = diff().layers;
    expect(L.added.map((l) => l.name)).toEqual(['conv2', 'custom']);
    expect(L.added[0]).toEqual({
      name: 'conv2',
      opType: 'Conv',
      category: 'conv',
      outputShapes: [[1, 8, 8, 8]],
      flops: 300,
      params: 30,
      memAccess: 100,
    });
    expect(L.removed.map((l) => l.name)).toEqual(['bn1']);
    expect(L.unchanged).toBe(2); // relu1 and the folded shape
    expect(L.changed.map((l) => [l.name, l.changes])).toEqual([
      ['conv1', ['outputShape', 'flops']],
      ['fc', ['opType']],
    ]);
    const conv1 = at(L.changed, 0);
    expect(conv1.before.outputShapes).toEqual([[1, 16, 8, 8]]);
    expect(conv1.after.outputShapes).toEqual([[1, 32, 8, 8]]);
    expect(conv1.flops).toEqual({ before: 1000, after: 2000, delta: 1000, percent: 100 });
    expect(conv1.memAccess).toEqual({ before: 500, after: 800, delta: 300, percent: 60 });
    const fc = at(L.changed, 1);
    expect([fc.before.opType, fc.after.opType]).toEqual(['Gemm', 'MatMul']);
    expect(fc.flops).toEqual({ before: 2000, after: 2000, delta: 0, percent: 0 });
    expect(fc.memAccess?.delta).toBe(-10);
  });

  it('a layer whose cost becomes unknown is changed, with no FLOPs change to report', () => {
    const b = analysis(
      'b',
      [layer({ name: 'x', opType: 'Foo', category: 'other', out: [1], flops: 3, memAccess: 2 })],
      { flops: 3, params: 0, memAccess: 2, memBytes: 8, layers: 1, unknownCostLayers: [] },
    );
    const h = analysis(
      'h',
      [layer({ name: 'x', opType: 'Foo', category: 'other', out: [1], flops: null, memAccess: null })],
      { flops: 0, params: 0, memAccess: 0, memBytes: 0, layers: 1, unknownCostLayers: ['x'] },
    );
    const c = at(compareModels({ analysis: b }, { analysis: h }).layers.changed, 0);
    expect(c.changes).toEqual(['flops']);
    expect(c.flops).toBeNull();
  });

  it('pairs repeated node names by occurrence', () => {
    const mk = (flops: number[]) =>
      analysis(
        'm',
        flops.map((f) =>
          layer({ name: 'dup', opType: 'Relu', category: 'activation', out: [1], flops: f, memAccess: 1 }),
        ),
        {
          flops: flops.reduce((a, b) => a + b, 0),
          params: 0,
          memAccess: flops.length,
          memBytes: 4 * flops.length,
          layers: flops.length,
          unknownCostLayers: [],
        },
      );
    const L = compareModels({ analysis: mk([1, 2]) }, { analysis: mk([1, 3, 4]) }).layers;
    expect(L.unchanged).toBe(1);
    expect(L.changed.map((c) => [c.before.flops, c.after.flops])).toEqual([[2, 3]]);
    expect(L.added.map((l) => l.flops)).toEqual([4]);
  });

  it('matches findings by fingerprint (rule, node, cause), as multisets', () => {
    const F = diff().findings;
    expect(F.new.map(findingKey)).toEqual([findingKey(finding('G2', 'conv2', 'groupConvolution', 'error'))]);
    expect(F.new.map(findingKey)).toEqual(['G2:conv2:groupConvolution']);
    // the G1 finding changed its numbers but is the same finding; one of the two G4 findings went away
    expect(F.fixed.map((f) => [f.ruleId, f.node])).toEqual([
      ['E101', 'bn1'],
      ['G4', null],
    ]);
    expect(F.unchanged).toBe(2);
  });

  it('the key is the fingerprint: another cause is another finding, another message id with the same cause is the same one', () => {
    expect(findingKey(finding('G1', 'conv1', 'unbalancedChannels', 'warn'))).toBe('G1:conv1:unbalancedChannels');
    expect(findingKey(finding('G4', null, 'elementwiseShare', 'info'))).toBe('G4:(model):elementwiseShare');
    // conv1 changed (wider): the same rule and message on it with another root cause is new, the old one fixed
    const otherCause = compareModels(
      {
        analysis: baseAnalysis(),
        findings: [finding('G1', 'conv1', 'unbalancedChannels', 'warn', 'in', { cause: 'input' })],
      },
      {
        analysis: headAnalysis(),
        findings: [finding('G1', 'conv1', 'unbalancedChannels', 'warn', 'out', { cause: 'output' })],
      },
    ).findings;
    expect(otherCause.new.map(findingKey)).toEqual(['G1:conv1:output']);
    expect(otherCause.fixed.map(findingKey)).toEqual(['G1:conv1:input']);
    expect(otherCause.unchanged).toBe(0);
    // a reworded message id for the same cause is the same finding
    const reworded = compareModels(
      {
        analysis: baseAnalysis(),
        findings: [finding('G1', 'conv1', 'unbalancedChannels', 'warn', 'old', { cause: 'ratio' })],
      },
      {
        analysis: headAnalysis(),
        findings: [finding('G1', 'conv1', 'channelRatio', 'warn', 'new', { cause: 'ratio' })],
      },
    ).findings;
    expect(reworded).toEqual({ new: [], fixed: [], unchanged: 1 });
  });

  it('a finding on a node whose own amounts did not change is neither new nor fixed; on a changed or added node it is', () => {
    // relu1 (Relu, 1024 FLOPs, 2048 memAccess, 0 params) is the same in both models; conv1 grew; conv2 is added.
    const head = [
      finding('G4', 'relu1', 'heavyElementwise', 'warn', 'Relu: 30% of est. time', { share: 0.3 }),
      finding('G1', 'conv1', 'unbalancedChannels', 'warn'),
      finding('G2', 'conv2', 'groupConvolution', 'error'),
    ];
    const fresh = compareModels(
      { analysis: baseAnalysis(), findings: [] },
      { analysis: headAnalysis(), findings: head },
    ).findings;
    expect(fresh.new.map((f) => f.node)).toEqual(['conv1', 'conv2']);
    expect(fresh.fixed).toEqual([]);
    expect(fresh.unchanged).toBe(1); // the relu1 finding
    // the other way round: relu1's finding going away is not a fix, bn1's (removed) and conv1's (changed) are
    const base = [
      finding('G4', 'relu1', 'heavyElementwise', 'warn'),
      finding('E101', 'bn1', 'foldableBatchNorm', 'warn'),
      finding('G1', 'conv1', 'unbalancedChannels', 'warn'),
    ];
    const fixed = compareModels(
      { analysis: baseAnalysis(), findings: base },
      { analysis: headAnalysis(), findings: [] },
    ).findings;
    expect(fixed.fixed.map((f) => f.node)).toEqual(['bn1', 'conv1']);
    expect(fixed.new).toEqual([]);
    // model-level findings have no node: they stay new
    const model = compareModels(
      { analysis: baseAnalysis(), findings: [] },
      { analysis: baseAnalysis(), findings: [finding('G4', null, 'elementwiseShare', 'info')] },
    ).findings;
    expect(model.new.map(findingKey)).toEqual(['G4:(model):elementwiseShare']);
  });

  it('an op type change alone makes a node changed, so its finding is new', () => {
    const one = (opType: string) =>
      analysis(
        'm',
        [layer({ name: 'x', opType, category: 'gemm', out: [1, 10], flops: 20, params: 4, memAccess: 9 })],
        {
          flops: 20,
          params: 4,
          memAccess: 9,
          memBytes: 36,
          layers: 1,
          unknownCostLayers: [],
        },
      );
    const f = [finding('E102', 'x', 'someMessage', 'warn')];
    expect(
      compareModels({ analysis: one('Gemm'), findings: [] }, { analysis: one('MatMul'), findings: f }).findings.new.map(
        (x) => x.node,
      ),
    ).toEqual(['x']);
    expect(
      compareModels({ analysis: one('Gemm'), findings: [] }, { analysis: one('Gemm'), findings: f }).findings,
    ).toEqual({ new: [], fixed: [], unchanged: 1 });
  });

  it('without findings there is nothing new or fixed', () => {
    expect(compareModels({ analysis: baseAnalysis() }, { analysis: headAnalysis() }).findings).toEqual({
      new: [],
      fixed: [],
      unchanged: 0,
    });
  });

  it('warns about unknown costs and different inputs', () => {
    expect(diff().warnings).toEqual(['head has 1 layer of unknown cost, left out of its totals']);
    const wider = { ...headAnalysis(), inputs: [{ name: 'input', dtype: 'float32' as const, shape: [1, 3, 16, 16] }] };
    expect(compareModels({ analysis: baseAnalysis() }, { analysis: wider }).warnings[0]).toBe(
      "the models' inputs differ (base input[1,3,8,8]; head input[1,3,16,16]): costs are compared at different input sizes",
    );
  });

  it('is all zeros when a model is compared with itself', () => {
    const d = compareModels(
      { analysis: baseAnalysis(), findings: baseFindings() },
      { analysis: baseAnalysis(), findings: baseFindings() },
    );
    for (const c of Object.values(d.totals)) expect([c.delta, c.percent]).toEqual([0, 0]);
    expect(d.layers).toEqual({ added: [], removed: [], changed: [], unchanged: 5 });
    expect(d.findings).toEqual({ new: [], fixed: [], unchanged: 4 });
    expect(d.latency).toBeNull();
  });
});

describe('compareModels latency', () => {
  const withLatency = (a: number, cvA: number, b: number, cvB: number) =>
    compareModels(
      { analysis: baseAnalysis(), profile: profile(a, cvA) },
      { analysis: headAnalysis(), profile: profile(b, cvB) },
    );

  it('compares medians and calls a change below 2 x the larger CV noise', () => {
    // 10 ms (CV 2%) -> 10.3 ms (CV 5%): +3%, noise band 2 x 5% = 10%
    const lat = withLatency(10, 0.02, 10.3, 0.05).latency!;
    expect(lat.median.delta).toBeCloseTo(0.3, 10);
    expect(lat.median.percent).toBeCloseTo(3, 10);
    expect(lat.noisePercent).toBeCloseTo(10, 10);
    expect(lat.withinNoise).toBe(true);
    expect(lat.before.median).toBe(10);
    expect(lat.after.cv).toBe(0.05);
    expect(lat.settings).toEqual({
      ep: 'cpu',
      provider: 'CPUExecutionProvider',
      runs: 10,
      warmup: 5,
      threads: null,
      optLevel: 'all',
      onnxruntimeVersion: '1.30.0',
    });
  });

  it('a change beyond the noise band is real', () => {
    // 10 ms -> 12 ms: +20%, noise band 2 x 1% = 2%
    const lat = withLatency(10, 0.01, 12, 0.005).latency!;
    expect(lat.median.percent).toBeCloseTo(20, 10);
    expect(lat.noisePercent).toBeCloseTo(2, 10);
    expect(lat.withinNoise).toBe(false);
  });

  it('needs both sides profiled', () => {
    const d = compareModels({ analysis: baseAnalysis(), profile: profile(10, 0.01) }, { analysis: headAnalysis() });
    expect(d.latency).toBeNull();
    expect(d.warnings).toContain('only the base model was profiled: latency is not compared');
  });

  it('warns when the two profiles used different settings', () => {
    const d = compareModels(
      { analysis: baseAnalysis(), profile: profile(10, 0.01, 10) },
      { analysis: headAnalysis(), profile: profile(10, 0.01, 20) },
    );
    expect(d.warnings).toContain(
      'the two models were profiled with different settings (provider, runs, warm-up, threads or opt level)',
    );
  });
});
