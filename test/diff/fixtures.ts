import type { Analysis, LayerReport, Totals } from '../../src/analyzers/analyze.js';
import { CONVENTIONS, SCHEMA_VERSION } from '../../src/analyzers/analyze.js';
import type { OpCategory } from '../../src/analyzers/types.js';
import type { ProfileResult } from '../../src/profile/types.js';
import type { FindingSeverity } from '../../src/rules/define-rule.js';
import type { Finding } from '../../src/rules/lint.js';

interface LayerSpec {
  readonly name: string;
  readonly opType: string;
  readonly category: OpCategory | 'unknown';
  readonly out: readonly number[] | null;
  readonly flops: number | null;
  readonly params?: number;
  readonly memAccess: number | null;
  readonly folded?: boolean;
  readonly domain?: string;
}

/** One layer with exactly the numbers given (no formula: the tests compute expectations by hand). */
export function layer(s: LayerSpec): LayerReport {
  return {
    name: s.name,
    opType: s.opType,
    domain: s.domain ?? '',
    category: s.category,
    scope: '',
    inputs: [],
    outputs: [`${s.name}.out`],
    inputShapes: [],
    outputShapes: [s.out],
    outputDtypes: ['float32'],
    attributes: {},
    flops: s.flops,
    params: s.params ?? 0,
    memAccess: s.memAccess,
    memBytes: s.memAccess === null ? null : 4 * s.memAccess,
    intensity: null,
    folded: s.folded ?? false,
    runs: 1,
  };
}

/** An Analysis with the given layers and hand-written totals. */
export function analysis(
  path: string,
  layers: readonly LayerReport[],
  totals: Totals,
  input: readonly number[] = [1, 3, 8, 8],
): Analysis {
  return {
    schemaVersion: SCHEMA_VERSION,
    model: { path, irVersion: 8, opsets: { 'ai.onnx': 17 }, producer: 'hand', producerVersion: '1', metadata: {} },
    conventions: CONVENTIONS,
    inputs: [{ name: 'input', dtype: 'float32', shape: input }],
    outputs: [{ name: 'output', dtype: 'float32', shape: [1, 10] }],
    layers,
    subgraphs: [],
    totals,
    warnings: [],
  };
}

/** What a test may set on a finding beyond rule, node, message id and severity. */
export interface FindingExtra {
  /** Root cause within the rule (the fingerprint's last part; default: the message id). */
  readonly cause?: string;
  readonly estimatedUs?: number;
  readonly share?: number;
  readonly fixedByRuntime?: boolean;
}

export function finding(
  ruleId: string,
  node: string | null,
  messageId: string,
  severity: FindingSeverity,
  message = `${ruleId} on ${node ?? 'model'}`,
  extra: FindingExtra = {},
): Finding {
  return {
    ruleId,
    ruleName: `rule-${ruleId.toLowerCase()}`,
    severity,
    node,
    opType: node === null ? null : 'Conv',
    messageId,
    data: {},
    message,
    metrics: { memAccess: 100, bad: Infinity },
    suggestion: 'do better',
    docsUrl: `https://github.com/efflint/efflint/blob/main/docs/rules/${ruleId}.md`,
    impact: { estimatedUs: extra.estimatedUs ?? 10, share: extra.share ?? 0.01 },
    fingerprint: `${ruleId}:${node ?? '(model)'}:${extra.cause ?? messageId}`,
    fixedByRuntime: extra.fixedByRuntime ?? false,
  };
}

/**
 * Base model:
 *   conv1  Conv  [1,16,8,8]  flops 1000  params 100   memAccess 500
 *   bn1    BN    [1,16,8,8]  flops   64  params  32   memAccess 200
 *   relu1  Relu  [1,16,8,8]  flops 1024              memAccess 2048
 *   shape  Shape [4]         flops    5  (folded)     memAccess 10
 *   fc     Gemm  [1,10]      flops 2000  params 2010  memAccess 3000
 * totals (folded layer left out): flops 4088, params 2142, memAccess 5748, memBytes 22992, layers 5.
 */
export function baseAnalysis(): Analysis {
  return analysis(
    'base.onnx',
    [
      layer({
        name: 'conv1',
        opType: 'Conv',
        category: 'conv',
        out: [1, 16, 8, 8],
        flops: 1000,
        params: 100,
        memAccess: 500,
      }),
      layer({
        name: 'bn1',
        opType: 'BatchNormalization',
        category: 'normalization',
        out: [1, 16, 8, 8],
        flops: 64,
        params: 32,
        memAccess: 200,
      }),
      layer({
        name: 'relu1',
        opType: 'Relu',
        category: 'activation',
        out: [1, 16, 8, 8],
        flops: 1024,
        memAccess: 2048,
      }),
      layer({ name: 'shape', opType: 'Shape', category: 'metadata', out: [4], flops: 5, memAccess: 10, folded: true }),
      layer({ name: 'fc', opType: 'Gemm', category: 'gemm', out: [1, 10], flops: 2000, params: 2010, memAccess: 3000 }),
    ],
    { flops: 4088, params: 2142, memAccess: 5748, memBytes: 22992, layers: 5, unknownCostLayers: [] },
  );
}

/**
 * Head model: conv1 widened to 32 channels, bn1 dropped, fc became a MatMul (same FLOPs), a new conv
 * and an op of unknown cost added.
 *   conv1    Conv    [1,32,8,8]  flops 2000  params 200   memAccess 800
 *   relu1    Relu    [1,16,8,8]  flops 1024              memAccess 2048   (unchanged)
 *   shape    Shape   [4]         flops    5  (folded)     memAccess 10     (unchanged)
 *   fc       MatMul  [1,10]      flops 2000  params 2000  memAccess 2990
 *   conv2    Conv    [1,8,8,8]   flops  300  params  30   memAccess 100    (added)
 *   custom   com.acme.MyOp  [1,10]  flops null  memAccess null             (added, unknown cost)
 * totals: flops 5324, params 2230, memAccess 5938, memBytes 23752, layers 6, unknown 1.
 */
export function headAnalysis(): Analysis {
  return analysis(
    'head.onnx',
    [
      layer({
        name: 'conv1',
        opType: 'Conv',
        category: 'conv',
        out: [1, 32, 8, 8],
        flops: 2000,
        params: 200,
        memAccess: 800,
      }),
      layer({
        name: 'relu1',
        opType: 'Relu',
        category: 'activation',
        out: [1, 16, 8, 8],
        flops: 1024,
        memAccess: 2048,
      }),
      layer({ name: 'shape', opType: 'Shape', category: 'metadata', out: [4], flops: 5, memAccess: 10, folded: true }),
      layer({
        name: 'fc',
        opType: 'MatMul',
        category: 'gemm',
        out: [1, 10],
        flops: 2000,
        params: 2000,
        memAccess: 2990,
      }),
      layer({
        name: 'conv2',
        opType: 'Conv',
        category: 'conv',
        out: [1, 8, 8, 8],
        flops: 300,
        params: 30,
        memAccess: 100,
      }),
      layer({
        name: 'custom',
        opType: 'MyOp',
        domain: 'com.acme',
        category: 'unknown',
        out: [1, 10],
        flops: null,
        memAccess: null,
      }),
    ],
    { flops: 5324, params: 2230, memAccess: 5938, memBytes: 23752, layers: 6, unknownCostLayers: ['custom'] },
  );
}

/** Base findings: G1 on conv1, E101 on bn1, and the same model-level G4 finding twice. */
export function baseFindings(): Finding[] {
  return [
    finding('G1', 'conv1', 'unbalancedChannels', 'warn', 'G1 ratio 4:1'),
    finding('E101', 'bn1', 'foldableBatchNorm', 'warn'),
    finding('G4', null, 'elementwiseShare', 'info'),
    finding('G4', null, 'elementwiseShare', 'info'),
  ];
}

/** Head findings: G1 on conv1 with other numbers (same finding), G4 once, and a new G2 error on conv2. */
export function headFindings(): Finding[] {
  return [
    finding('G1', 'conv1', 'unbalancedChannels', 'warn', 'G1 ratio 8:1'),
    finding('G4', null, 'elementwiseShare', 'info'),
    finding('G2', 'conv2', 'groupConvolution', 'error'),
  ];
}

/** A ProfileResult with just the fields the diff reads (the rest is irrelevant to it). */
export function profile(median: number, cv: number, runs = 10): ProfileResult {
  return {
    schemaVersion: 1,
    model: 'm',
    source: 'onnxruntime-node',
    ep: 'cpu',
    provider: 'CPUExecutionProvider',
    onnxruntimeVersion: '1.30.0',
    optLevel: 'all',
    threads: null,
    batch: 1,
    warmup: 5,
    inputs: [],
    latencyMs: { median, p90: median * 1.1, min: median * 0.9, max: median * 1.2, cv, runs },
    profiledRunMs: null,
    layers: [],
    opTypes: [],
    categories: [],
    coverage: {
      kernels: 0,
      joinedKernels: 0,
      unjoined: [],
      joinedTimeShare: 0,
      nodes: 0,
      measuredNodes: 0,
      unmeasuredNodes: [],
      costlyUnmeasured: [],
      foldedNodes: 0,
      kernelSumUs: 0,
      kernelSumOverProfiledRun: null,
      kernelSumOverLatency: null,
    },
    memoryCheck: null,
    correlation: { flopsSpearman: null, predictedSpearman: null, layers: 0 },
    fallback: [],
    deviceProfile: null,
    conventions: { measuredUs: '', flops: '', memBytes: '', measuredBytes: '' },
    warnings: [],
  };
}
