import { describe, expect, it } from 'vitest';
import type { ProfileLayer, ProfileResult } from '../../src/profile/types.js';
import { buildReportData } from '../../src/report/report/report-data.js';
import { formatReportMarkdown } from '../../src/report/report/report-md.js';
import { at } from '../../src/util/at.js';
import { markdownCode } from '../../src/util/escape.js';
import { RULES } from '../../src/rules/registry.js';
import { sampleResult } from './fixtures.js';

const MODEL = 'models/<script>alert(1)</script>|net.onnx';

function kernel(
  name: string,
  category: ProfileLayer['category'],
  nodes: string[],
  measuredUs: number,
  flops: number | null,
): ProfileLayer {
  return {
    name,
    opType: nodes.length > 1 ? 'Conv+BatchNormalization+Relu' : 'Conv',
    category,
    nodes,
    kernelOp: null,
    provider: 'CPUExecutionProvider',
    joinedBy: 'node-name',
    inserted: nodes.length === 0,
    measuredUs,
    share: measuredUs / 100,
    flops,
    memAccess: flops === null ? null : flops / 10,
    memBytes: null,
    measuredBytes: null,
    bytesRatio: null,
    predictedUs: flops === null ? null : measuredUs / 2,
    bound: null,
  };
}

/** A measured profile of the fixture model: conv1 fused with bn1/relu1, the grouped conv, the Add. */
function profile(): ProfileResult {
  const layers = [
    kernel('conv1_fused', 'conv', ['conv1', 'bn1', 'relu1'], 50, 7e6),
    kernel('gconv|2', 'conv', ['gconv|2'], 30, 1e6),
    kernel('add', 'elementwise', ['add'], 15, 5e4),
    kernel('ReorderOutput', 'data-movement', [], 5, null),
  ];
  return {
    schemaVersion: 1,
    model: MODEL,
    source: 'onnxruntime-node',
    ep: 'cpu',
    provider: 'CPUExecutionProvider',
    onnxruntimeVersion: '1.30.0',
    optLevel: 'all',
    threads: null,
    batch: 1,
    warmup: 5,
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 64, 28, 28] }],
    latencyMs: { median: 1.234, p90: 1.5, min: 1.2, max: 1.6, cv: 0.04, runs: 20 },
    profiledRunMs: { median: 2.5, p90: 2.7, min: 2.4, max: 2.9, cv: 0.05, runs: 20 },
    layers,
    opTypes: [],
    categories: [
      { category: 'conv', measuredUs: 80, share: 0.8, flopsShare: 0.99, memAccessShare: 0.9 },
      { category: 'elementwise', measuredUs: 15, share: 0.15, flopsShare: 0.01, memAccessShare: 0.1 },
      { category: 'data-movement', measuredUs: 5, share: 0.05, flopsShare: 0, memAccessShare: 0 },
      { category: 'other', measuredUs: 0, share: 0, flopsShare: 0, memAccessShare: 0 },
    ],
    coverage: {
      kernels: 4,
      joinedKernels: 3,
      unjoined: [{ name: 'ReorderOutput', measuredUs: 5, inserted: true }],
      joinedTimeShare: 0.95,
      nodes: 8,
      measuredNodes: 6,
      unmeasuredNodes: ['stem', 'bn2'],
      costlyUnmeasured: ['stem'],
      foldedNodes: 0,
      kernelSumUs: 100,
      kernelSumOverProfiledRun: 0.8,
      kernelSumOverLatency: 0.1,
    },
    memoryCheck: null,
    correlation: { flopsSpearman: 0.84, predictedSpearman: 0.93, layers: 3 },
    fallback: [],
    deviceProfile: 'cpu:test',
    conventions: {
      measuredUs: 'median kernel time over the timed runs',
      flops: 'multiply-adds',
      memBytes: 'bytes',
      measuredBytes: 'bytes',
    },
    warnings: [],
  };
}

/** Every Markdown table has the same number of cells in each row (escaped pipes do not split). */
function tablesAreRectangular(md: string): boolean {
  const blocks = md.split(/\n(?!\|)/).map((b) => b.split('\n').filter((l) => l.startsWith('|')));
  return blocks
    .filter((rows) => rows.length > 0)
    .every((rows) => {
      const cells = rows.map((r) => r.split(/(?<!\\)\|/).length);
      return cells.every((n) => n === cells[0]);
    });
}

describe('markdownCode', () => {
  it('makes a code span that survives a table cell', () => {
    expect(markdownCode('a|b')).toBe('`a\\|b`');
    expect(markdownCode('x`y')).toBe('`` x`y ``');
    expect(markdownCode('<b>')).toBe('`<b>`');
    expect(markdownCode('two\nlines')).toBe('`two\\nlines`');
  });
});

describe('formatReportMarkdown', () => {
  const lint = sampleResult(MODEL);
  const data = buildReportData({
    lint,
    profile: profile(),
    // As confirmFindings (profile/confirm-findings.ts) gives them: one verdict per finding.
    confirmations: lint.findings.map((f, i) => ({
      confirmed: i === 0 ? true : null,
      evidence: `verdict ${i} on ${f.node ?? 'the model'}`,
    })),
    rules: RULES,
    version: '9.9.9',
    environment: { cpu: 'Test CPU', cores: 4, memoryGiB: 8, os: 'linux', node: 'v20.0.0' },
  });
  const md = formatReportMarkdown(data);

  it('has the same sections as the HTML report, in order', () => {
    const headings = [...md.matchAll(/^#{1,4} (.*)$/gm)].map((m) => at(m, 1));
    expect(headings.filter((h) => !/^[GE]\d+ /.test(h))).toEqual([
      `efflint latency report: \`models/<script>alert(1)</script>\\|net.onnx\``,
      'Summary',
      'Key figures',
      'Where the time goes',
      'Top layers by measured time',
      'FLOPs vs measured time',
      'Guideline findings',
      'ShuffleNet V2 guidelines',
      'Extras',
      'Coverage and warnings',
      'Methodology',
    ]);
    expect(tablesAreRectangular(md)).toBe(true);
  });

  it('shows totals, latency and the Figure 2 table with time shares', () => {
    expect(md).toContain('| FLOPs | params | memAccess | latency |');
    expect(md).toContain('1.23 ms median, p90 1.50 ms, CV 4.0% (20 runs)');
    expect(md).toContain('| category | kernels | share of FLOPs | share of memAccess | share of time | measured µs |');
    expect(md).toContain('| conv / GEMM | 2 | 99.0% | 90.0% | 80.0% | 80.0 |');
    expect(md).toContain('Measured kernels, after fusion:\n\n| category | kernels |');
    expect(md).toContain('ONNX graph, before fusion (as exported):\n\n| category | layers |');
    expect(md).toContain('default threads (one per physical core)');
  });

  it('lists top kernels with predicted and measured time and prints both correlations', () => {
    expect(md).toContain(
      '| # | kernel | op | category | FLOPs | memAccess | predicted µs | measured µs | share of time |',
    );
    expect(md).toContain(
      '| 1 | `conv1_fused` (3 nodes) | Conv+BatchNormalization+Relu | conv / GEMM | 7.00M | 700.0K | 25.0 | 50.0 | 50.0% |',
    );
    expect(md).toContain('| 2 | `gconv\\|2` | Conv |');
    expect(md).toContain('`ReorderOutput` (inserted)');
    expect(md).toContain('**FLOPs alone: ρ=0.84; roofline prediction: ρ=0.93**');
    expect(md).toContain('Where FLOPs mislead');
  });

  it('groups findings per rule with verdicts, evidence and docs links', () => {
    expect(md).toMatch(
      /\| \[G2\]\(https:\/\/github\.com\/efflint\/efflint\/blob\/main\/docs\/rules\/G2\.md\) \| `group-convolution` \| 0 \| 1 \| 0 \| \d \| \d \| \d \|/,
    );
    expect(md).toContain('#### G2 `group-convolution`: 1 finding:');
    expect(md).toMatch(/\| warning \| (confirmed|not confirmed|not measured) \| `gconv\\\|2` \| .*<br>Measured: /);
    expect(md).toContain('#### E104 `memory-bound-layer`: not run: needs --device-profile');
    expect(md).toContain('[docs/report.md](https://github.com/efflint/efflint/blob/main/docs/report.md)');
    expect(md).toContain('- **Machine**: Test CPU, 4 logical cores, 8 GiB RAM, linux, Node.js v20.0.0');
  });

  it('never lets a name become HTML or break a table', () => {
    const outsideCode = md.replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toMatch(/<script/i);
    expect(md).toContain('`models/<script>alert(1)</script>\\|net.onnx`');
  });

  it('says clearly when no latency was measured', () => {
    const plain = formatReportMarkdown(
      buildReportData({ lint: sampleResult(MODEL), rules: RULES, version: '9.9.9', noProfileReason: '--no-profile' }),
    );
    expect(plain).toContain('> **No latency was measured** (--no-profile).');
    expect(plain).toContain('**not measured** (--no-profile)');
    expect(plain).toContain('## Top layers by memory access');
    expect(plain).toContain('| category | layers | share of FLOPs | share of memAccess |\n');
    expect(plain).not.toContain('## FLOPs vs measured time');
    expect(plain).not.toMatch(/\| (confirmed|not confirmed|not measured) \|/);
    expect(plain).not.toContain('| measured |');
    expect(plain).toContain('- **Latency**: not measured (--no-profile)');
    expect(tablesAreRectangular(plain)).toBe(true);
  });

  it('is deterministic', () => {
    expect(formatReportMarkdown(data)).toBe(md);
  });
});
