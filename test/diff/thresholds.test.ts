import { describe, expect, it } from 'vitest';
import type { ModelDiff } from '../../src/diff/compare.js';
import { compareModels } from '../../src/diff/compare.js';
import type { DiffThresholds } from '../../src/diff/thresholds.js';
import { DIFF_THRESHOLD_KEYS, evaluateDiff, mergeThresholds, signedPercent } from '../../src/diff/thresholds.js';
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

// Hand-built pair (fixtures.ts): FLOPs +30.23%, params +4.11%, memAccess +3.31%, one new G2 error.
const diff = (): ModelDiff =>
  compareModels(
    { analysis: baseAnalysis(), findings: baseFindings() },
    { analysis: headAnalysis(), findings: headFindings() },
  );
const latencyDiff = (before: number, cvB: number, after: number, cvA: number): ModelDiff =>
  compareModels(
    { analysis: baseAnalysis(), profile: profile(before, cvB) },
    { analysis: baseAnalysis(), profile: profile(after, cvA) },
  );

describe('evaluateDiff', () => {
  it('passes with no thresholds', () => {
    expect(evaluateDiff(diff(), {})).toEqual({ pass: true, violations: [], notes: [], thresholds: {} });
  });

  const cases: [string, DiffThresholds, string[]][] = [
    ['FLOPs +30.2% within 31%', { maxFlopsIncrease: 31 }, []],
    ['FLOPs +30.2% over 30%', { maxFlopsIncrease: 30 }, ['maxFlopsIncrease']],
    ['params +4.1% within 5%', { maxParamsIncrease: 5 }, []],
    ['params +4.1% over 4%', { maxParamsIncrease: 4 }, ['maxParamsIncrease']],
    ['memAccess +3.3% within 3.4%', { maxMemAccessIncrease: 3.4 }, []],
    ['memAccess +3.3% over 0%', { maxMemAccessIncrease: 0 }, ['maxMemAccessIncrease']],
    ['a new error at --fail-on-new error', { failOnNew: 'error' }, ['failOnNew']],
    ['a new error at --fail-on-new info', { failOnNew: 'info' }, ['failOnNew']],
    [
      'all at once, in table order',
      { failOnNew: 'warn', maxMemAccessIncrease: 1, maxFlopsIncrease: 1, maxParamsIncrease: 100 },
      ['maxFlopsIncrease', 'maxMemAccessIncrease', 'failOnNew'],
    ],
  ];
  it.each(cases)('%s', (_name, thresholds, failed) => {
    const v = evaluateDiff(diff(), thresholds);
    expect(v.violations.map((x) => x.threshold)).toEqual(failed);
    expect(v.pass).toBe(failed.length === 0);
    expect(v.thresholds).toEqual(thresholds);
  });

  it('says which threshold, with the numbers', () => {
    const [flops, fresh] = evaluateDiff(diff(), { maxFlopsIncrease: 30, failOnNew: 'warn' }).violations;
    expect(flops).toEqual({
      threshold: 'maxFlopsIncrease',
      flag: '--max-flops-increase',
      limit: 30,
      actual: (100 * 1236) / 4088,
      message: 'FLOPs +30.2% (4,088 -> 5,324) exceeds the 30% limit (--max-flops-increase)',
    });
    expect(fresh).toEqual({
      threshold: 'failOnNew',
      flag: '--fail-on-new',
      limit: 'warn',
      actual: 1,
      message: '1 new finding at or above warn (--fail-on-new): 1 error of G2',
    });
  });

  it('new findings below --fail-on-new do not fail', () => {
    const onlyInfo = compareModels(
      { analysis: baseAnalysis(), findings: [] },
      { analysis: baseAnalysis(), findings: baseFindings().filter((f) => f.severity === 'info') },
    );
    expect(onlyInfo.findings.new).toHaveLength(2);
    expect(evaluateDiff(onlyInfo, { failOnNew: 'warn' }).pass).toBe(true);
    expect(evaluateDiff(onlyInfo, { failOnNew: 'info' }).violations[0]?.message).toBe(
      '2 new findings at or above info (--fail-on-new): 2 info of G4',
    );
  });

  it('a finding on a node that did not change does not fail --fail-on-new; one on a changed node does', () => {
    // relu1 is the same in both models, conv1 grew (fixtures.ts)
    const onUnchanged = compareModels(
      { analysis: baseAnalysis(), findings: [] },
      { analysis: headAnalysis(), findings: [finding('G4', 'relu1', 'heavyElementwise', 'error')] },
    );
    expect(onUnchanged.findings.new).toEqual([]);
    expect(evaluateDiff(onUnchanged, { failOnNew: 'info' }).pass).toBe(true);
    const onChanged = compareModels(
      { analysis: baseAnalysis(), findings: [] },
      { analysis: headAnalysis(), findings: [finding('G1', 'conv1', 'unbalancedChannels', 'error')] },
    );
    expect(evaluateDiff(onChanged, { failOnNew: 'error' }).violations.map((v) => v.message)).toEqual([
      '1 new finding at or above error (--fail-on-new): 1 error of G1',
    ]);
  });

  it('fixed findings never fail', () => {
    const fixedOnly = compareModels(
      { analysis: baseAnalysis(), findings: baseFindings() },
      { analysis: baseAnalysis(), findings: [] },
    );
    expect(evaluateDiff(fixedOnly, { failOnNew: 'info' }).pass).toBe(true);
  });

  it('growth from 0 exceeds any limit', () => {
    const zero = { flops: 0, params: 0, memAccess: 0, memBytes: 0, layers: 1, unknownCostLayers: [] };
    const b = analysis(
      'b',
      [layer({ name: 'r', opType: 'Relu', category: 'activation', out: [1], flops: 0, memAccess: 0 })],
      zero,
    );
    const h = analysis(
      'h',
      [layer({ name: 'r', opType: 'Relu', category: 'activation', out: [1], flops: 0, memAccess: 0, params: 12 })],
      { ...zero, params: 12 },
    );
    const v = evaluateDiff(compareModels({ analysis: b }, { analysis: h }), {
      maxParamsIncrease: 1000,
      maxFlopsIncrease: 0,
    });
    expect(v.violations).toEqual([
      {
        threshold: 'maxParamsIncrease',
        flag: '--max-params-increase',
        limit: 1000,
        actual: null,
        message: 'params grew from 0 (0 -> 12) exceeds the 1000% limit (--max-params-increase)',
      },
    ]);
  });

  it('a decrease passes a 0% limit', () => {
    const shrink = compareModels({ analysis: headAnalysis() }, { analysis: baseAnalysis() });
    expect(evaluateDiff(shrink, { maxFlopsIncrease: 0, maxParamsIncrease: 0, maxMemAccessIncrease: 0 }).pass).toBe(
      true,
    );
  });

  describe('latency', () => {
    it('fails beyond the limit and outside noise', () => {
      // 10 ms -> 12 ms = +20%; noise band 2 x 1% = 2%
      const v = evaluateDiff(latencyDiff(10, 0.01, 12, 0.01), { maxLatencyIncrease: 10 });
      expect(v.violations).toHaveLength(1);
      expect(v.violations[0]).toMatchObject({
        threshold: 'maxLatencyIncrease',
        limit: 10,
        message: 'median latency +20.0% (10.000 ms -> 12.000 ms) exceeds the 10% limit (--max-latency-increase)',
      });
      expect(at(v.violations, 0).actual).toBeCloseTo(20, 10);
    });

    it('waives an increase over the limit that is within noise, with a note', () => {
      // 10 ms -> 10.6 ms = +6%; noise band 2 x 4% = 8%
      const v = evaluateDiff(latencyDiff(10, 0.04, 10.6, 0.01), { maxLatencyIncrease: 5 });
      expect(v.pass).toBe(true);
      expect(v.notes).toEqual([
        'median latency +6.0% (10.000 ms -> 10.600 ms) is over the 5% limit (--max-latency-increase) but within noise (2 x CV = 8.0%): not counted',
      ]);
    });

    it('passes within the limit', () => {
      expect(evaluateDiff(latencyDiff(10, 0.01, 10.3, 0.01), { maxLatencyIncrease: 5 })).toMatchObject({
        pass: true,
        notes: [],
      });
    });

    it('notes a latency threshold it cannot check', () => {
      const v = evaluateDiff(diff(), { maxLatencyIncrease: 5 });
      expect(v.pass).toBe(true);
      expect(v.notes).toEqual([
        '--max-latency-increase 5% not checked: latency was not measured for both models (use --profile)',
      ]);
    });
  });
});

describe('mergeThresholds', () => {
  it('lets each flag replace only its own config key', () => {
    expect(
      mergeThresholds(
        { maxFlopsIncrease: 5, failOnNew: 'error', maxParamsIncrease: 10 },
        { maxFlopsIncrease: 50, maxMemAccessIncrease: 1, failOnNew: undefined },
      ),
    ).toEqual({
      maxFlopsIncrease: 50,
      maxParamsIncrease: 10,
      maxMemAccessIncrease: 1,
      failOnNew: 'error',
    });
    expect(mergeThresholds({}, {})).toEqual({});
    expect(DIFF_THRESHOLD_KEYS).toEqual([
      'maxFlopsIncrease',
      'maxParamsIncrease',
      'maxMemAccessIncrease',
      'maxLatencyIncrease',
      'failOnNew',
    ]);
  });
});

describe('signedPercent', () => {
  it.each([
    [2.25, '+2.3%'],
    [-28.6, '-28.6%'],
    [0, '0.0%'],
    [0.04, '0.0%'],
    [-0.04, '0.0%'],
    [null, 'new'],
  ] as const)('%s -> %s', (p, text) => expect(signedPercent(p)).toBe(text));
});
