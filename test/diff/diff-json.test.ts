import { describe, expect, it } from 'vitest';
import { compareModels } from '../../src/diff/compare.js';
import { evaluateDiff } from '../../src/diff/thresholds.js';
import { DIFF_JSON_SCHEMA_VERSION, formatDiffJson } from '../../src/report/diff/diff-json.js';
import { baseAnalysis, baseFindings, headAnalysis, headFindings, profile } from './fixtures.js';
import { documentedDiffSchema, validate } from './json-schema.js';

const context = { color: false, version: '9.9.9' };
const pair = (withProfile: boolean) =>
  compareModels(
    { analysis: baseAnalysis(), findings: baseFindings(), profile: withProfile ? profile(10, 0.02) : undefined },
    { analysis: headAnalysis(), findings: headFindings(), profile: withProfile ? profile(10.3, 0.05) : undefined },
  );

describe('formatDiffJson', () => {
  it.each([false, true])('matches the schema documented in docs/json-schema.md (profiled: %s)', (withProfile) => {
    const d = pair(withProfile);
    const doc = JSON.parse(
      formatDiffJson(d, evaluateDiff(d, { maxFlopsIncrease: 5, failOnNew: 'warn', maxLatencyIncrease: 1 }), context),
    );
    expect(validate(doc, documentedDiffSchema())).toEqual([]);
    expect('latency' in doc).toBe(withProfile);
  });

  it('has the documented top-level shape and the numbers of the diff', () => {
    const d = pair(false);
    const doc = JSON.parse(formatDiffJson(d, evaluateDiff(d, { maxFlopsIncrease: 5 }), context));
    expect(Object.keys(doc)).toEqual([
      'schemaVersion',
      'base',
      'head',
      'conventions',
      'totals',
      'opTypes',
      'categories',
      'layers',
      'findings',
      'verdict',
      'warnings',
    ]);
    expect(doc.schemaVersion).toBe(DIFF_JSON_SCHEMA_VERSION);
    expect(doc.totals.flops).toEqual({ before: 4088, after: 5324, delta: 1236, percent: 30.2348 });
    expect(doc.totals.unknownCostLayers).toEqual({ before: 0, after: 1, delta: 1, percent: null });
    expect(doc.layers.added.map((l: { name: string }) => l.name)).toEqual(['conv2', 'custom']);
    expect(doc.layers.removed.map((l: { name: string }) => l.name)).toEqual(['bn1']);
    expect(doc.findings.new).toEqual([
      {
        ruleId: 'G2',
        severity: 'error',
        node: 'conv2',
        opType: 'Conv',
        messageId: 'groupConvolution',
        message: 'G2 on conv2',
        metrics: { memAccess: 100 }, // Infinity dropped: JSON has none
        suggestion: 'do better',
        docsUrl: 'https://github.com/efflint/efflint/blob/main/docs/rules/G2.md',
      },
    ]);
    expect(doc.verdict).toMatchObject({
      pass: false,
      violations: [{ threshold: 'maxFlopsIncrease', limit: 5, actual: 30.2348 }],
      thresholds: { maxFlopsIncrease: 5 },
    });
  });

  it('rounds measured milliseconds to 6 significant digits', () => {
    const d = compareModels(
      { analysis: baseAnalysis(), profile: profile(1 / 3, 0.01) },
      { analysis: baseAnalysis(), profile: profile(2 / 3, 0.01) },
    );
    const doc = JSON.parse(formatDiffJson(d, evaluateDiff(d, {}), context));
    expect(doc.latency.before.median).toBe(0.333333);
    expect(doc.latency.median.percent).toBe(100);
  });
});
