import { describe, expect, it } from 'vitest';
import { formatReportHtml } from '../../src/report/report/html.js';
import type { ReportData, RuleGroup } from '../../src/report/report/report-data.js';
import { FIGURE_LABELS, REPORT_DOCS_URL } from '../../src/report/report/report-data.js';
import { at } from '../../src/util/at.js';

const EVIL = '<script>alert(1)</script>';
const EVIL_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
const QUOTES = `a"b'c&d`;

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);

/**
 * A tiny well-formedness check: every non-void element is closed, in order (`<style>` content is
 * skipped; SVG leaves self-close). Returns the first problem, or null.
 */
function tagBalanceProblem(html: string): string | null {
  const body = html.replace(/<style>[\s\S]*?<\/style>/g, '<style></style>').replace(/^<!DOCTYPE html>/i, '');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g)) {
    const [, closing, , , self] = m;
    const name = at(m, 2).toLowerCase();
    if (self || (!closing && VOID.has(name))) continue;
    if (!closing) stack.push(name);
    else {
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open}> at ${m.index}`;
    }
  }
  if (/<(?![a-zA-Z/!])/.test(body.replace(/<\/?[a-zA-Z][^>]*>/g, ''))) return 'a stray < in text';
  return stack.length ? `unclosed: ${stack.join(' > ')}` : null;
}

function group(id: string, over: Partial<RuleGroup> = {}): RuleGroup {
  return {
    id,
    name: `${id.toLowerCase()}-rule`,
    category: id.startsWith('G') ? 'guideline' : 'extra',
    description: `What ${id} flags.`,
    docsUrl: `https://github.com/efflint/efflint/blob/main/docs/rules/${id}.md`,
    status: 'ran',
    findings: [],
    counts: { error: 0, warn: 0, info: 0 },
    verdicts: { confirmed: 0, notConfirmed: 0, notMeasured: 0 },
    ...over,
  };
}

/** A hand-built report: one fused conv kernel, a transpose named like a script tag, three findings. */
function data(): ReportData {
  return {
    schemaVersion: 1,
    model: `models/${EVIL}.onnx`,
    producer: 'pytorch 2.3',
    opsets: { 'ai.onnx': 17 },
    inputs: [{ name: QUOTES, dtype: 'float32', shape: '1×3×224×224' }],
    totals: { flops: 146e6, params: 2.3e6, memAccess: 25e6, memBytes: 100e6, layers: 200, unknownCostLayers: 0 },
    conventions: {
      flops: 'multiply-adds',
      params: 'weights',
      memAccess: 'elements read + written',
      measuredUs: 'median kernel time',
    },
    figures: [
      { id: 'flops', label: FIGURE_LABELS.flops, value: 146e6, text: '146.00M' },
      { id: 'params', label: FIGURE_LABELS.params, value: 2.3e6, text: '2.30M' },
      { id: 'memAccess', label: FIGURE_LABELS.memAccess, value: 25e6, text: '25.00M' },
      { id: 'elementwiseGraphMemAccess', label: FIGURE_LABELS.elementwiseGraphMemAccess, value: 0.39, text: '39.0%' },
      { id: 'elementwiseGraphFlops', label: FIGURE_LABELS.elementwiseGraphFlops, value: 0.05, text: '5.0%' },
      { id: 'elementwiseKernelTime', label: FIGURE_LABELS.elementwiseKernelTime, value: 0.1, text: '10.0%' },
    ],
    measurement: {
      source: 'onnxruntime-node',
      ep: 'cpu',
      provider: 'CPUExecutionProvider',
      onnxruntimeVersion: '1.30.0',
      optLevel: 'all',
      threads: 2,
      batch: 1,
      warmup: 5,
      latencyMs: { median: 4.2, p90: 4.6, min: 4.0, max: 5.0, cv: 0.031, runs: 20 },
      profiledRunMs: { median: 9.9, p90: 10.5, min: 9.5, max: 11, cv: 0.05, runs: 20 },
      profilingSlowdown: 2.36,
      kernelSumUs: 3900,
      deviceProfile: 'cpu:test',
    },
    noProfileReason: null,
    breakdown: {
      basis: 'kernels',
      rows: [
        {
          category: 'conv',
          label: 'conv / GEMM',
          flopsShare: 0.97,
          memAccessShare: 0.6,
          timeShare: 0.62,
          measuredUs: 2418,
          count: 56,
        },
        {
          category: 'elementwise',
          label: 'element-wise',
          flopsShare: 0.02,
          memAccessShare: 0.15,
          timeShare: 0.1,
          measuredUs: 390,
          count: 10,
        },
        {
          category: 'data-movement',
          label: 'data movement',
          flopsShare: 0,
          memAccessShare: 0.2,
          timeShare: 0.25,
          measuredUs: 975,
          count: 40,
        },
        {
          category: 'other',
          label: 'other',
          flopsShare: 0.01,
          memAccessShare: 0.05,
          timeShare: 0.03,
          measuredUs: 117,
          count: 2,
        },
      ],
    },
    graphBreakdown: {
      basis: 'graph',
      rows: [
        {
          category: 'conv',
          label: 'conv / GEMM',
          flopsShare: 0.94,
          memAccessShare: 0.36,
          timeShare: null,
          measuredUs: null,
          count: 57,
        },
        {
          category: 'elementwise',
          label: 'element-wise',
          flopsShare: 0.05,
          memAccessShare: 0.39,
          timeShare: null,
          measuredUs: null,
          count: 93,
        },
        {
          category: 'data-movement',
          label: 'data movement',
          flopsShare: 0,
          memAccessShare: 0.2,
          timeShare: null,
          measuredUs: null,
          count: 77,
        },
        {
          category: 'other',
          label: 'other',
          flopsShare: 0.01,
          memAccessShare: 0.05,
          timeShare: null,
          measuredUs: null,
          count: 2,
        },
      ],
    },
    takeaways: [`Data movement takes 25% of the time; worst kernel ${EVIL}.`],
    topLayers: {
      by: 'measured',
      total: 120,
      rows: [
        {
          name: 'conv1_fused',
          opType: 'Conv+BatchNormalization+Relu',
          category: 'conv',
          nodes: ['conv1', 'bn1', 'relu1'],
          flops: 10e6,
          memAccess: 1e6,
          predictedUs: 150,
          measuredUs: 200,
          share: 0.05,
          bound: 'compute',
        },
        {
          name: EVIL,
          opType: 'Transpose',
          category: 'data-movement',
          nodes: [EVIL],
          flops: 0,
          memAccess: 75e3,
          predictedUs: 12,
          measuredUs: 20,
          share: 0.005,
          bound: 'memory',
        },
        {
          name: 'ReorderOutput',
          opType: 'ReorderOutput',
          category: 'data-movement',
          nodes: [],
          flops: null,
          memAccess: null,
          predictedUs: null,
          measuredUs: 15,
          share: 0.004,
          bound: null,
        },
      ],
    },
    scatter: {
      y: 'measuredUs',
      points: [
        { name: 'conv1_fused', opType: 'Conv+BatchNormalization+Relu', category: 'conv', flops: 10e6, y: 200 },
        { name: EVIL, opType: 'Transpose', category: 'data-movement', flops: 0, y: 20 },
        { name: QUOTES, opType: 'Relu', category: 'elementwise', flops: 5e4, y: 8 },
      ],
    },
    correlation: { flops: 0.84, predicted: 0.93, layers: 96, deviceProfile: 'cpu:test' },
    misleading: [
      { name: EVIL, opType: 'Transpose', category: 'data-movement', timeShare: 0.005, flopsShare: 0, measuredUs: 20 },
    ],
    findings: {
      summary: { error: 1, warn: 1, info: 1 },
      measured: true,
      groups: [
        group('G1', {
          findings: [
            {
              severity: 'error',
              node: 'conv1',
              opType: 'Conv',
              message: 'c_in:c_out is 1:6',
              suggestion: 'balance channels',
              confirmed: true,
              evidence: '2.1x slower per FLOP',
            },
          ],
          counts: { error: 1, warn: 0, info: 0 },
          verdicts: { confirmed: 1, notConfirmed: 0, notMeasured: 0 },
        }),
        group('G2', { status: 'off', verdicts: null }),
        group('G3'),
        group('G4', {
          findings: [
            {
              severity: 'warn',
              node: null,
              opType: null,
              message: `element-wise ops ${EVIL}`,
              suggestion: '',
              confirmed: false,
              evidence: 'fused',
            },
          ],
          counts: { error: 0, warn: 1, info: 0 },
          verdicts: { confirmed: 0, notConfirmed: 1, notMeasured: 0 },
        }),
        group('E103', {
          findings: [
            {
              severity: 'info',
              node: EVIL,
              opType: 'Transpose',
              message: 'moves data',
              suggestion: 'drop it',
              confirmed: null,
              evidence: 'not measured',
            },
          ],
          counts: { error: 0, warn: 0, info: 1 },
          verdicts: { confirmed: 0, notConfirmed: 0, notMeasured: 1 },
        }),
        group('E104', { status: 'needs-device-profile', verdicts: null }),
      ],
    },
    coverage: {
      kernels: 172,
      joinedKernels: 136,
      joinedTimeShare: 0.83,
      nodes: 229,
      measuredNodes: 229,
      foldedNodes: 0,
      fusedKernels: 56,
      fusedNodes: 149,
      kernelSumOverProfiledRun: 0.64,
      costlyUnmeasured: [],
    },
    deviceProfile: { name: 'cpu:test', peakFlopsPerSecond: 1e11, bandwidthBytesPerSecond: 3e10, perOpOverheadUs: 0.4 },
    environment: { cpu: 'Test CPU', cores: 8, memoryGiB: 16, os: 'linux 6.1 x64', node: 'v20.0.0' },
    warnings: [`layer ${EVIL} has unknown cost`],
    tool: { version: '9.9.9', generatedAt: null, docsUrl: REPORT_DOCS_URL },
  };
}

/** The report of the same model with nothing measured. */
function unmeasured(): ReportData {
  const d = data();
  return {
    ...d,
    measurement: null,
    noProfileReason: '--no-profile',
    breakdown: d.graphBreakdown,
    topLayers: {
      ...d.topLayers,
      by: 'memAccess',
      rows: d.topLayers.rows.map((r) => ({ ...r, measuredUs: null, predictedUs: null, bound: null })),
    },
    scatter: { y: 'memAccess', points: d.scatter.points.map((p) => ({ ...p, y: 1000 })) },
    correlation: null,
    misleading: [],
    coverage: null,
    findings: {
      ...d.findings,
      measured: false,
      groups: d.findings.groups.map((g) => ({
        ...g,
        verdicts: null,
        findings: g.findings.map((f) => ({ ...f, confirmed: undefined, evidence: undefined })),
      })),
    },
    deviceProfile: null,
    conventions: { ...d.conventions, measuredUs: null },
  };
}

describe('formatReportHtml', () => {
  const html = formatReportHtml(data());

  it('is one well-formed HTML document', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(tagBalanceProblem(html)).toBeNull();
    expect(tagBalanceProblem(formatReportHtml(unmeasured()))).toBeNull();
    // The checker itself catches what it should.
    expect(tagBalanceProblem('<div><p>x</div></p>')).not.toBeNull();
    expect(tagBalanceProblem('<div>a < b</div>')).not.toBeNull();
  });

  it('has every section, in reading order', () => {
    const ids = [
      'summary',
      'where-the-time-goes',
      'top-layers',
      'flops-vs-time',
      'findings',
      'coverage',
      'methodology',
    ];
    const positions = ids.map((id) => html.indexOf(`id="${id}"`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const h of [
      'Summary',
      'Where the time goes',
      'Before fusion (ONNX graph)',
      'Top layers by measured time',
      'FLOPs vs measured time',
      'Where FLOPs mislead',
      'Guideline findings',
      'ShuffleNet V2 guidelines',
      'Extras',
      'Methodology',
    ]) {
      expect(html).toMatch(new RegExp(`<h[23]>${h.replace(/[()]/g, '\\$&')}</h[23]>`));
    }
  });

  it('loads nothing from the network and runs no script', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|<img|<iframe|<object|<embed|@import|url\(/i);
    expect(html).not.toMatch(/\s(src|srcset|xlink:href)=/i);
    // The only URLs are plain links to the docs.
    const links = [...html.matchAll(/<a href="(https?:\/\/[^"]*)">/g)].map((m) => at(m, 1));
    expect(links.length).toBeGreaterThan(0);
    expect(links.every((u) => u.startsWith('https://github.com/efflint/efflint/blob/main/docs/'))).toBe(true);
    expect(html.replace(/<a href="https?:\/\/[^"]*">/g, '')).not.toMatch(/https?:\/\//);
    expect(links).toContain(REPORT_DOCS_URL);
  });

  it('shows the header numbers and how latency was measured', () => {
    expect(html).toContain('<h1>models/&lt;script&gt;alert(1)&lt;/script&gt;.onnx</h1>');
    expect(html).toContain('>146.00M</div>');
    expect(html).toContain('>4.20 ms</div>');
    expect(html).toContain('p90 4.60 ms · CV 3.1%');
    expect(html).toContain(
      'Measured with CPUExecutionProvider (onnxruntime-node 1.30.0), graph optimization all, 2 threads, batch 1',
    );
    expect(html).toContain('profiling makes a run 2.36x slower');
    expect(html).toContain('Test CPU, 8 logical cores, 16 GiB RAM, linux 6.1 x64, Node.js v20.0.0');
  });

  it('draws three static SVG charts, each with an accessible title and description', () => {
    const svgs = [...html.matchAll(/<svg [^>]*aria-labelledby="([\w-]+)-title \1-desc"[^>]*>/g)].map((m) => m[1]);
    expect(svgs).toEqual(['chart-breakdown', 'chart-top-layers', 'chart-scatter']);
    for (const id of svgs) {
      expect(html).toContain(`<title id="${id}-title">`);
      expect(html).toContain(`<desc id="${id}-desc">`);
    }
    expect(html).toContain('>measured time</text>');
    expect(html).toContain('>FLOPs (multiply-adds, log scale)</text>');
  });

  it('prints the correlations and the top-layer table with predicted and measured time', () => {
    expect(html).toContain('FLOPs alone: <strong>ρ=0.84</strong>');
    expect(html).toContain('roofline prediction: <strong>ρ=0.93</strong>');
    expect(html).toMatch(/<th class="num">predicted µs<\/th><th class="num">measured µs<\/th>/);
    expect(html).toContain('3 ONNX nodes</summary><code>conv1<br>bn1<br>relu1</code>');
    expect(html).toContain('inserted by the runtime');
    expect(html).toContain('117 more kernels not shown.');
    expect(html).toContain('Conv</span><span class="op-name">+<wbr>BatchNormalization+<wbr>Relu</span>');
  });

  it('groups findings by rule with their measured verdict and a docs link', () => {
    expect(html).toContain('<details class="rule" id="rule-G1" open>');
    expect(html).toContain(
      '<a href="https://github.com/efflint/efflint/blob/main/docs/rules/G1.md">Rule documentation</a>',
    );
    expect(html).toContain('<span class="badge v-yes">confirmed</span>');
    expect(html).toContain('<span class="badge v-no">not confirmed</span>');
    expect(html).toContain('<span class="badge v-na">not measured</span>');
    expect(html).toContain('Measured: 2.1x slower per FLOP');
    expect(html).toContain('off in the configuration');
    expect(html).toContain('not run: needs --device-profile');
    expect(html).toContain('<em>whole model</em>');
  });

  it('escapes every string taken from the model', () => {
    expect(html).not.toContain(EVIL);
    expect(html.split(EVIL_ESCAPED).length - 1).toBeGreaterThanOrEqual(8);
    expect(html).not.toContain(QUOTES);
    expect(html).toContain('a&quot;b&#39;c&amp;d');
  });

  it('is deterministic', () => {
    expect(formatReportHtml(data())).toBe(html);
  });
});

describe('formatReportHtml without a profile', () => {
  const html = formatReportHtml(unmeasured());

  it('says clearly that no latency was measured and charts FLOPs vs memory access instead', () => {
    expect(html).toContain('<strong>No latency was measured</strong> (--no-profile)');
    expect(html).toContain('>not measured</div>');
    expect(html).toContain('>not measured (--no-profile)</text>');
    expect(html).toContain('<h2>Top layers by memory access</h2>');
    expect(html).toContain('<h2>FLOPs vs memory access</h2>');
    expect(html).toContain('Latency</dt><dd>not measured (--no-profile)</dd>');
    expect(html).not.toContain('measured µs</th>');
    expect(html).not.toContain('ρ=');
    expect(html).not.toMatch(/badge v-(yes|no)|>not measured<\/span>/);
    expect(html).toContain('<h2>Warnings</h2>');
    expect(html).not.toContain(EVIL);
  });
});
