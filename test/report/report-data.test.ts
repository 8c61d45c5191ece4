import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../../src/analyzers/roofline.js';
import type { ProfileLayer, ProfileResult } from '../../src/profile/types.js';
import { buildReportData, REPORT_DOCS_URL } from '../../src/report/report/report-data.js';
import { docsUrlFor } from '../../src/rules/define-rule.js';
import type { Finding, LintResult } from '../../src/rules/lint.js';
import { summarize } from '../../src/rules/lint.js';
import { RULES } from '../../src/rules/registry.js';
import { at, mapGet } from '../../src/util/at.js';
import { AnalysisBuilder } from '../rules/analysis-builder.js';

/**
 * conv c (64 FLOPs, 48 memAccess) -> relu r (16, 32) -> transpose t (0, 32): 80 FLOPs, 112
 * memAccess. onnxruntime "fused" c and r into one kernel and inserted a reorder.
 */
function model(): LintResult['analysis'] {
  const b = new AnalysisBuilder();
  const x = b.input('input', [1, 4, 2, 2]);
  const t = b.transpose('t', b.relu('r', b.conv('c', x, { cOut: 4 })), [0, 1, 3, 2]);
  return b.build([t], 'm.onnx');
}

function finding(ruleId: string, node: string | null, opType: string | null = null): Finding {
  const rule = RULES.find((r) => r.meta.id === ruleId);
  return {
    ruleId,
    ruleName: rule?.meta.name ?? ruleId,
    severity: ruleId === 'E103' ? 'info' : 'warn',
    node,
    opType,
    messageId: 'm',
    data: {},
    message: `${ruleId} on ${node ?? 'model'}`,
    metrics: {},
    suggestion: 'fix it',
    docsUrl: docsUrlFor(ruleId),
    impact: { estimatedUs: 1, share: 0.01 },
    fingerprint: `${ruleId}:${node ?? '(model)'}:m`,
    fixedByRuntime: false,
  };
}

function lint(): LintResult {
  const findings = [
    finding('G4', null),
    finding('G1', 'c', 'Conv'),
    finding('G4', 'r', 'Relu'),
    finding('E103', 't', 'Transpose'),
  ];
  return {
    model: 'zoo:test',
    analysis: model(),
    findings,
    summary: summarize(findings),
    target: {
      runtime: 'onnxruntime-cpu',
      planSource: 'static-model',
      assumptions: {},
      deviceProfile: 'test-device',
      modelEstimatedUs: 100,
      kernels: 3,
      fusedLayers: 0,
    },
  };
}

function kernel(
  name: string,
  category: ProfileLayer['category'],
  nodes: string[],
  measuredUs: number,
  flops: number | null,
  memAccess: number | null,
  extra: Partial<ProfileLayer> = {},
): ProfileLayer {
  return {
    name,
    opType: nodes.length > 1 ? 'Conv+Relu' : name === 't' ? 'Transpose' : 'ReorderOutput',
    category,
    nodes,
    kernelOp: null,
    provider: 'CPUExecutionProvider',
    joinedBy: 'node-name',
    inserted: nodes.length === 0,
    measuredUs,
    share: measuredUs / 100,
    flops,
    memAccess,
    memBytes: memAccess === null ? null : 4 * memAccess,
    measuredBytes: null,
    bytesRatio: null,
    predictedUs: null,
    bound: null,
    ...extra,
  };
}

function profile(): ProfileResult {
  const layers = [
    kernel('t', 'data-movement', ['t'], 60, 0, 32),
    kernel('c_fused', 'conv', ['c', 'r'], 30, 80, 64, { predictedUs: 20, bound: 'compute' }),
    kernel('ReorderOutput', 'data-movement', [], 10, null, null),
  ];
  return {
    schemaVersion: 1,
    model: 'zoo:test',
    source: 'onnxruntime-node',
    ep: 'cpu',
    provider: 'CPUExecutionProvider',
    onnxruntimeVersion: '1.30.0',
    optLevel: 'all',
    threads: 2,
    batch: 1,
    warmup: 5,
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 4, 2, 2] }],
    latencyMs: { median: 0.2, p90: 0.25, min: 0.19, max: 0.3, cv: 0.05, runs: 20 },
    profiledRunMs: { median: 0.5, p90: 0.6, min: 0.45, max: 0.7, cv: 0.1, runs: 20 },
    layers,
    opTypes: [],
    categories: [
      { category: 'conv', measuredUs: 30, share: 0.3, flopsShare: 1, memAccessShare: 64 / 96 },
      { category: 'elementwise', measuredUs: 0, share: 0, flopsShare: 0, memAccessShare: 0 },
      { category: 'data-movement', measuredUs: 70, share: 0.7, flopsShare: 0, memAccessShare: 32 / 96 },
      { category: 'other', measuredUs: 0, share: 0, flopsShare: 0, memAccessShare: 0 },
    ],
    coverage: {
      kernels: 3,
      joinedKernels: 2,
      unjoined: [{ name: 'ReorderOutput', measuredUs: 10, inserted: true }],
      joinedTimeShare: 0.9,
      nodes: 3,
      measuredNodes: 3,
      unmeasuredNodes: [],
      costlyUnmeasured: [],
      foldedNodes: 0,
      kernelSumUs: 100,
      kernelSumOverProfiledRun: 0.2,
      kernelSumOverLatency: 0.5,
    },
    memoryCheck: null,
    correlation: { flopsSpearman: 0.5, predictedSpearman: 0.9, layers: 2 },
    fallback: [],
    deviceProfile: 'test-device',
    conventions: {
      measuredUs: 'median kernel time',
      flops: 'multiply-adds',
      memBytes: 'bytes',
      measuredBytes: 'trace bytes',
    },
    warnings: ['shared warning'],
  };
}

const DEVICE: DeviceProfile = {
  schemaVersion: 1,
  name: 'test-device',
  peakFlopsPerSecond: 1e9,
  bandwidthBytesPerSecond: 1e9,
  perOpOverheadUs: 1,
};

describe('buildReportData without a profile', () => {
  const d = buildReportData({
    lint: lint(),
    rules: RULES,
    version: '9.9.9',
    ruleSettings: { G2: { severity: 'off' } },
  });

  it('groups FLOPs and memAccess shares by Figure 2 category over the ONNX graph', () => {
    expect(d.breakdown.basis).toBe('graph');
    expect(d.breakdown).toBe(d.graphBreakdown);
    const rows = Object.fromEntries(d.breakdown.rows.map((r) => [r.category, r]));
    expect(rows.conv).toMatchObject({
      label: 'conv / GEMM',
      flopsShare: 64 / 80,
      memAccessShare: 48 / 112,
      timeShare: null,
      count: 1,
    });
    expect(rows.elementwise).toMatchObject({ flopsShare: 16 / 80, memAccessShare: 32 / 112, count: 1 });
    expect(rows['data-movement']).toMatchObject({ flopsShare: 0, memAccessShare: 32 / 112, count: 1 });
    expect(rows.other).toMatchObject({ flopsShare: 0, memAccessShare: 0, count: 0 });
  });

  it('says nothing was measured and ranks layers by memory access (ties in graph order)', () => {
    expect(d.measurement).toBeNull();
    expect(d.noProfileReason).toBe('not requested');
    expect(d.correlation).toBeNull();
    expect(d.coverage).toBeNull();
    expect(d.misleading).toEqual([]);
    expect(d.topLayers.by).toBe('memAccess');
    expect(d.topLayers.rows.map((r) => [r.name, r.share])).toEqual([
      ['c', 48 / 112],
      ['r', 32 / 112],
      ['t', 32 / 112],
    ]);
    expect(d.topLayers.rows[0]).toMatchObject({ measuredUs: null, predictedUs: null, nodes: ['c'], category: 'conv' });
    expect(d.scatter).toEqual({
      y: 'memAccess',
      points: [
        { name: 'c', opType: 'Conv', category: 'conv', flops: 64, y: 48 },
        { name: 'r', opType: 'Relu', category: 'elementwise', flops: 16, y: 32 },
        { name: 't', opType: 'Transpose', category: 'data-movement', flops: 0, y: 32 },
      ],
    });
    // r (16 FLOPs, 32 memAccess) is the only element-wise layer: 32/112 = 28.6%, 16/80 = 20.0%; with t, 64/112 = 57.1%.
    expect(d.takeaways[0]).toBe(
      "Element-wise and data-movement layers together are 57.1% of the ONNX graph's memory access for 20.0% of its FLOPs " +
        '(element-wise layers alone: 28.6% of the memory access, 20.0% of the FLOPs): FLOPs alone understate what they cost (ShuffleNet V2, G4).',
    );
    expect(d.figures.map((f) => [f.id, f.text])).toEqual([
      ['flops', '80'],
      ['params', String(d.totals.params)],
      ['memAccess', '112'],
      ['elementwiseGraphMemAccess', '28.6%'],
      ['elementwiseGraphFlops', '20.0%'],
    ]);
    expect(d.takeaways[1]).toContain('No latency was measured (not requested)');
  });

  it('groups findings by rule in registry order and tells rules that did not run from clean ones', () => {
    expect(d.findings.groups.map((g) => g.id)).toEqual(['G1', 'G2', 'G3', 'G4', 'E101', 'E102', 'E103', 'E104']);
    const byId = new Map(d.findings.groups.map((g) => [g.id, g]));
    expect(byId.get('G1')).toMatchObject({
      status: 'ran',
      counts: { error: 0, warn: 1, info: 0 },
      verdicts: null,
      category: 'guideline',
      docsUrl: docsUrlFor('G1'),
    });
    expect(byId.get('G2')?.status).toBe('off');
    expect(byId.get('G3')).toMatchObject({ status: 'ran', findings: [] });
    expect(byId.get('E104')?.status).toBe('needs-device-profile');
    expect(byId.get('G4')?.findings.map((f) => f.node)).toEqual([null, 'r']);
    expect(at(mapGet(byId, 'G4').findings, 0)).not.toHaveProperty('confirmed');
    expect(d.findings).toMatchObject({ measured: false, summary: { error: 0, warn: 3, info: 1 } });
  });

  it('predicts per-layer time with a device profile, and is deterministic', () => {
    const withDevice = buildReportData({
      lint: lint(),
      rules: RULES,
      version: '9.9.9',
      deviceProfile: DEVICE,
      noProfileReason: '--no-profile',
    });
    // c: 64 FLOPs / 1e9 = 0.064 µs; 192 bytes / 1e9 = 0.192 µs; + 1 µs overhead.
    expect(at(withDevice.topLayers.rows, 0).predictedUs).toBeCloseTo(1.192, 9);
    expect(at(withDevice.topLayers.rows, 0).bound).toBe('overhead');
    expect(withDevice.findings.groups.find((g) => g.id === 'E104')?.status).toBe('ran');
    expect(withDevice.noProfileReason).toBe('--no-profile');
    expect(withDevice.deviceProfile).toEqual({
      name: 'test-device',
      peakFlopsPerSecond: 1e9,
      bandwidthBytesPerSecond: 1e9,
      perOpOverheadUs: 1,
    });
    expect(JSON.stringify(buildReportData({ lint: lint(), rules: RULES, version: '1' }))).toBe(
      JSON.stringify(buildReportData({ lint: lint(), rules: RULES, version: '1' })),
    );
    expect(d.tool).toEqual({ version: '9.9.9', generatedAt: null, docsUrl: REPORT_DOCS_URL });
    expect(REPORT_DOCS_URL).toMatch(/^https:\/\/.*\/docs\/report\.md$/);
  });
});

/** Verdicts as confirmFindings gives them (profile/confirm-findings.ts), one per finding of lint(). */
const CONFIRMATIONS = [
  {
    confirmed: true,
    evidence:
      'element-wise kernels (depthwise convs included) take 70% of measured time; 1 of 1 node-level G4 counterfactuals confirmed',
  },
  {
    confirmed: false,
    evidence:
      'counterfactual 3x3 conv 4->4 vs ...: ratio 1.01 (block spread 0.010, margin 5.0%): the original is at most 1.0% slower',
  },
  { confirmed: null, evidence: "onnxruntime fused it into kernel 'c_fused' (Conv+Relu); not separately measurable" },
  { confirmed: null, evidence: 'no counterfactual is defined for E103 (m)' },
];

describe('buildReportData with a profile', () => {
  const d = buildReportData({
    lint: lint(),
    profile: profile(),
    confirmations: CONFIRMATIONS,
    rules: RULES,
    version: '9.9.9',
    top: 2,
    generatedAt: '2025-01-01T00:00:00.000Z',
  });

  it('takes the Figure 2 breakdown over measured kernels and keeps the graph one beside it', () => {
    expect(d.breakdown.basis).toBe('kernels');
    expect(
      d.breakdown.rows.map((r) => [r.category, r.flopsShare, r.memAccessShare, r.timeShare, r.measuredUs, r.count]),
    ).toEqual([
      ['conv', 1, 64 / 96, 0.3, 30, 1],
      ['elementwise', 0, 0, 0, 0, 0],
      ['data-movement', 0, 32 / 96, 0.7, 70, 2],
      ['other', 0, 0, 0, 0, 0],
    ]);
    expect(d.graphBreakdown.basis).toBe('graph');
    expect(at(d.graphBreakdown.rows, 0).flopsShare).toBe(0.8);
  });

  it('carries how latency was measured', () => {
    expect(d.measurement).toMatchObject({
      provider: 'CPUExecutionProvider',
      optLevel: 'all',
      threads: 2,
      warmup: 5,
      kernelSumUs: 100,
      deviceProfile: 'test-device',
    });
    expect(d.measurement?.latencyMs?.median).toBe(0.2);
    expect(d.measurement?.profilingSlowdown).toBeCloseTo(2.5, 9);
    expect(d.noProfileReason).toBeNull();
    expect(d.conventions.measuredUs).toBe('median kernel time');
    expect(d.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: '1×4×2×2' }]);
    expect(d.tool.generatedAt).toBe('2025-01-01T00:00:00.000Z');
  });

  it('lists the top kernels by measured time, the scatter points and the layers where FLOPs mislead', () => {
    expect(d.topLayers).toMatchObject({ by: 'measured', total: 3 });
    expect(d.topLayers.rows.map((r) => [r.name, r.measuredUs, r.share, r.predictedUs, r.nodes])).toEqual([
      ['t', 60, 0.6, null, ['t']],
      ['c_fused', 30, 0.3, 20, ['c', 'r']],
    ]);
    expect(d.scatter.y).toBe('measuredUs');
    expect(d.scatter.points.map((p) => [p.name, p.flops, p.y])).toEqual([
      ['t', 0, 60],
      ['c_fused', 80, 30],
    ]);
    // Time share above FLOPs share: t 0.6 - 0, ReorderOutput 0.1 - 0; c_fused (0.3 - 1) is not listed.
    expect(d.misleading.map((m) => [m.name, m.timeShare, m.flopsShare])).toEqual([
      ['t', 0.6, 0],
      ['ReorderOutput', 0.1, 0],
    ]);
    expect(d.correlation).toEqual({ flops: 0.5, predicted: 0.9, layers: 2, deviceProfile: 'test-device' });
    expect(d.coverage).toMatchObject({ fusedKernels: 1, fusedNodes: 2, kernels: 3, joinedKernels: 2 });
  });

  it('shows the verdicts it is given (counterfactual confirmation), keeping message and evidence apart', () => {
    const byId = new Map(d.findings.groups.map((g) => [g.id, g]));
    const [model, relu] = mapGet(byId, 'G4').findings;
    expect(model).toMatchObject({ confirmed: true, message: 'G4 on model', evidence: at(CONFIRMATIONS, 0).evidence });
    expect(relu).toMatchObject({ confirmed: null, evidence: at(CONFIRMATIONS, 2).evidence });
    expect(mapGet(byId, 'G1').findings[0]).toMatchObject({ confirmed: false, message: 'G1 on c' });
    expect(at(mapGet(byId, 'E103').findings, 0).confirmed).toBeNull();
    expect(byId.get('G4')?.verdicts).toEqual({ confirmed: 1, notConfirmed: 0, notMeasured: 1 });
    expect(byId.get('G1')?.verdicts).toEqual({ confirmed: 0, notConfirmed: 1, notMeasured: 0 });
    expect(byId.get('G3')?.verdicts).toEqual({ confirmed: 0, notConfirmed: 0, notMeasured: 0 });
    expect(d.findings.measured).toBe(true);
  });

  it('gives no verdicts without confirmations, profile or not, and rejects misaligned ones', () => {
    const plain = buildReportData({ lint: lint(), profile: profile(), rules: RULES, version: '1' });
    expect(plain.findings.measured).toBe(false);
    expect(
      plain.findings.groups.every((g) => g.verdicts === null && g.findings.every((f) => f.confirmed === undefined)),
    ).toBe(true);
    expect(plain.takeaways.at(-1)).toBe('4 findings from G1, G4, E103.');
    expect(() =>
      buildReportData({
        lint: lint(),
        profile: profile(),
        confirmations: CONFIRMATIONS.slice(1),
        rules: RULES,
        version: '1',
      }),
    ).toThrow(RangeError);
  });

  it('states the takeaways with the numbers above', () => {
    expect(d.takeaways).toEqual([
      'Over the measured kernels, convolutions and GEMMs (with the ops fused into them) do 100.0% of the FLOPs and take 30.0% of the measured time; everything else takes 70.0% of the time for 0.0% of the FLOPs.',
      "Data movement kernels alone take 70.0% of the measured time for 0.0% of the FLOPs (33.3% of the measured kernels' memory access).",
      "onnxruntime fused 2 ONNX nodes into 1 kernel; before fusion, element-wise layers were 28.6% of the ONNX graph's memory access and 20.0% of its FLOPs; after fusion, element-wise kernels take 0.0% of the measured time.",
      'Per-kernel FLOPs rank-correlate with measured time at ρ=0.50 over 2 kernels; the roofline prediction reaches ρ=0.90.',
      '4 findings from G1, G4, E103; 1 confirmed by measured time.',
    ]);
    expect(d.warnings).toEqual(['shared warning']);
  });

  it('warns when latency varied a lot between runs', () => {
    const p = profile();
    const noisy = buildReportData({
      lint: lint(),
      profile: { ...p, latencyMs: { ...(p.latencyMs as NonNullable<typeof p.latencyMs>), cv: 1.44 } },
      rules: RULES,
      version: '1',
    });
    expect(noisy.takeaways).toContain(
      'Run-to-run variation is high (CV 144.0% over 20 runs): shares and rankings are less reliable; rerun on an idle machine, or with more runs (--runs N).',
    );
    expect(d.takeaways.some((t) => t.startsWith('Run-to-run'))).toBe(false);
  });

  it('keeps findings of rules outside the rule list', () => {
    const custom = buildReportData({ lint: lint(), rules: RULES.filter((r) => r.meta.id !== 'E103'), version: '1' });
    const e103 = custom.findings.groups.find((g) => g.id === 'E103');
    expect(e103).toMatchObject({ name: 'transpose-reshape-pair', category: 'extra', status: 'ran' });
    expect(e103?.findings).toHaveLength(1);
  });
});
