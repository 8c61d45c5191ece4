import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyRule } from '../../src/index.js';
import {
  ConfigError,
  RULES,
  UsageError,
  analyze,
  defineRule,
  diff,
  formatAnalysis,
  formatDiff,
  formatLint,
  lint,
  loadConfig,
  loadModel,
  report,
} from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { floatInit, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/**
 * The library API end to end: one way to load, analyse, lint, diff and report, with the CLI's numbers
 * (the built CLI, `npm run build` first, prints the same JSON), and rules of the caller's own that
 * efflint.config.json can configure.
 */

/**
 * x [1,3,8,8] -> conv3x3 (8 out, pad 1) -> [1,8,8,8] -> conv1x1 (32 out) -> [1,32,8,8], no bias.
 * MACs: 8*8*8 outputs * 3*3*3 = 13,824, plus 32*8*8 outputs * 8 = 16,384: 30,208.
 * Params: 8*3*3*3 = 216, plus 32*8 = 256: 472.
 */
const TWO_CONVS = tinyModel({
  nodes: [
    node('Conv', ['x', 'w1'], ['y1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv1'),
    node('Conv', ['y1', 'w2'], ['y'], { kernel_shape: [1, 1] }, 'conv2'),
  ],
  inputs: [tensorInfo('x', [1, 3, 8, 8])],
  outputs: [tensorInfo('y', [1, 32, 8, 8])],
  initializers: [floatInit('w1', [8, 3, 3, 3]), floatInit('w2', [32, 8, 1, 1])],
});

/** A caller's rule: a Conv with more output channels than `maxChannels` (default 64). */
const wideConv = defineRule<{ maxChannels: number }, { wide: { channels: number; max: number } }>({
  meta: {
    id: 'X1',
    docsUrl: 'https://example.test/rules/wide-conv',
    name: 'wide-conv',
    category: 'extra',
    description: 'A Conv with more output channels than the budget.',
    defaultSeverity: 'warn',
    options: {
      maxChannels: { type: 'integer', default: 64, minimum: 1, description: 'Largest allowed output channel count.' },
    },
    messages: { wide: '{{channels}} output channels, more than {{max}}' },
    fix: 'Use at most {{max}} channels.',
  },
  check(ctx) {
    for (const layer of ctx.analysis.layers) {
      const channels = Number(layer.outputShapes[0]?.[1]);
      if (layer.opType === 'Conv' && channels > ctx.options.maxChannels) {
        ctx.report({ node: layer, messageId: 'wide', data: { channels, max: ctx.options.maxChannels }, excessUs: 0 });
      }
    }
  },
});
const RULE_SET: readonly AnyRule[] = [...RULES, wideConv];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-api-'));
  writeFileSync(join(dir, 'two-convs.onnx'), TWO_CONVS);
});

describe('loadModel and analyze', () => {
  it('take a path, zoo:NAME, bytes or a loaded model, with the same numbers', () => {
    const fromPath = analyze(join(dir, 'two-convs.onnx'));
    expect(fromPath.totals).toMatchObject({ flops: 30_208, params: 472 });
    expect(fromPath.layers.map((l) => [l.name, l.outputShapes[0]])).toEqual([
      ['conv1', [1, 8, 8, 8]],
      ['conv2', [1, 32, 8, 8]],
    ]);
    const model = loadModel(TWO_CONVS, { name: 'two-convs' });
    expect(model.path).toBe('two-convs');
    expect(loadModel(TWO_CONVS).path).toBe('<bytes>');
    expect(analyze(model).totals).toEqual(fromPath.totals);
    expect(analyze(TWO_CONVS).totals).toEqual(fromPath.totals);
    // The only input bound by '' (batch 2 doubles every count but the params).
    expect(analyze(model, { inputShapes: { '': [2, 3, 8, 8] } }).totals).toMatchObject({ flops: 60_416, params: 472 });
    expect(loadModel('zoo:exp_g2_g1').graph.nodes.length).toBe(analyze('zoo:exp_g2_g1').layers.length);
  });

  it('print what `efflint analyze --format json` prints', () => {
    expect(formatAnalysis(analyze('zoo:shufflenet_v2_x0_5'), 'json')).toBe(
      runCli(['analyze', 'zoo:shufflenet_v2_x0_5', '--format', 'json'], { cwd: dir }).stdout,
    );
    expect(formatAnalysis(analyze(TWO_CONVS), 'csv').split('\n')[0]).toMatch(/^name,/);
  });
});

describe('lint, with rules of your own', () => {
  it('runs a defineRule rule at its defaults when it is in the ruleSet', () => {
    const analysis = analyze(TWO_CONVS);
    expect(lint(analysis).findings.filter((f) => f.ruleId === 'X1')).toEqual([]);
    // 32 channels are within the default budget of 64.
    expect(lint(analysis, { ruleSet: RULE_SET }).findings.filter((f) => f.ruleId === 'X1')).toEqual([]);
    const inline = lint(analysis, {
      ruleSet: RULE_SET,
      config: { rules: { 'wide-conv': ['error', { maxChannels: 16 }] } },
    });
    expect(inline.findings.filter((f) => f.ruleId === 'X1').map((f) => [f.severity, f.node, f.message])).toEqual([
      ['error', 'conv2', '32 output channels, more than 16'],
    ]);
  });

  it('efflint.config.json configures it when loadConfig gets the same ruleSet', () => {
    const project = mkdtempSync(join(tmpdir(), 'efflint-api-config-'));
    writeFileSync(
      join(project, 'efflint.config.json'),
      JSON.stringify({
        rules: { X1: ['error', { maxChannels: 4 }] },
        ignore: [{ rule: 'wide-conv', nodes: ['conv1'] }],
      }),
    );
    // Without the rule the file names an unknown rule, as before.
    expect(() => loadConfig({ cwd: project })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd: project })).toThrow(/rules: unknown rule "X1"/);
    const config = loadConfig({ cwd: project, ruleSet: RULE_SET });
    expect(config.rules).toEqual({ X1: { severity: 'error', options: { maxChannels: 4 } } });
    const result = lint(analyze(TWO_CONVS), { config, ruleSet: RULE_SET });
    // conv1 (8 channels) would be flagged too, but the config's ignore entry leaves it out.
    expect(result.findings.filter((f) => f.ruleId === 'X1').map((f) => [f.severity, f.node, f.data])).toEqual([
      ['error', 'conv2', { channels: 32, max: 4 }],
    ]);
    expect(result.summary.error).toBeGreaterThanOrEqual(1);
    // The config names X1, so linting without X1 in the ruleSet is an error, not a silently dropped setting.
    expect(() => lint(analyze(TWO_CONVS), { config })).toThrow(/rule 'X1' is configured but not in the ruleSet/);
    // An option the rule does not declare is rejected like a built-in rule's.
    expect(() =>
      lint(analyze(TWO_CONVS), { ruleSet: RULE_SET, config: { rules: { X1: ['warn', { width: 3 }] } } }),
    ).toThrow(/config: rules\.X1: unknown option "width" \(allowed: maxChannels\)/);
    // SARIF lists the rule after the built-in ones, and its finding.
    const sarif = JSON.parse(formatLint(result, 'sarif', { ruleSet: RULE_SET }));
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(RULE_SET.map((r) => r.meta.id));
    expect(
      sarif.runs[0].results.filter((r: { ruleId: string }) => r.ruleId === 'X1').map((r: { level: string }) => r.level),
    ).toEqual(['error']);
    // A rule of its own points at its own docs page, not at efflint's.
    expect(sarif.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'X1').helpUri).toBe(
      'https://example.test/rules/wide-conv',
    );
  });

  it('refuses a ruleSet with two rules of one id or name', () => {
    const clash = defineRule({ ...wideConv, meta: { ...wideConv.meta, id: 'G1' } });
    expect(() => lint(analyze(TWO_CONVS), { ruleSet: [...RULES, clash] })).toThrow(UsageError);
    expect(() => lint(analyze(TWO_CONVS), { ruleSet: [...RULES, clash] })).toThrow(
      "ruleSet: two rules are called 'G1'",
    );
  });

  it('finds and prints what `efflint lint --format json` prints', () => {
    const r = runCli(['lint', 'zoo:shufflenet_v1_g3', '--format', 'json'], { cwd: dir });
    expect(formatLint(lint(analyze('zoo:shufflenet_v1_g3'), { model: 'zoo:shufflenet_v1_g3' }), 'json')).toBe(r.stdout);
    expect(() => formatLint([], 'netron')).toThrow('formatLint: format netron describes one model; got 0');
  });
});

describe('diff and report', () => {
  it('diff compares and judges as `efflint diff` does', () => {
    const result = diff('zoo:shufflenet_v2_x0_5', 'zoo:shufflenet_v2_x1_0', { thresholds: { maxFlopsIncrease: 5 } });
    expect(result.verdict.pass).toBe(false);
    expect(result.diff.totals.flops.after).toBe(analyze('zoo:shufflenet_v2_x1_0').totals.flops);
    const r = runCli(
      ['diff', 'zoo:shufflenet_v2_x0_5', 'zoo:shufflenet_v2_x1_0', '--format', 'json', '--max-flops-increase', '5'],
      { cwd: dir },
    );
    expect(r.code).toBe(1);
    expect(formatDiff(result, 'json')).toBe(r.stdout);
    expect(diff(TWO_CONVS, TWO_CONVS).verdict.pass).toBe(true);
  });

  it('report writes the same page on every run (no time stamp unless given)', () => {
    const result = lint(analyze('zoo:exp_g2_g1'));
    const md = report(result, { format: 'markdown' });
    expect(md).toMatch(/^# efflint/);
    expect(report(result, { format: 'markdown' })).toBe(md);
    expect(report(result)).toMatch(/^<!doctype html>/i);
  });
});
