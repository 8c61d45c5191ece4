import { describe, expect, it } from 'vitest';
import { LINT_JSON_SCHEMA_VERSION, formatLintJson } from '../../src/report/lint/lint-json.js';
import { renderTemplate } from '../../src/rules/define-rule.js';
import { applyMinImpact } from '../../src/rules/lint.js';
import { RULES } from '../../src/rules/registry.js';
import { documentedSchema, validate } from '../diff/json-schema.js';
import { cleanResult, context, sampleResult } from './fixtures.js';

describe('formatLintJson', () => {
  const sample = sampleResult();
  const clean = cleanResult();
  const results = [sample, clean];
  const out = JSON.parse(formatLintJson(results, context));

  it('matches the schema documented in docs/json-schema.md', () => {
    expect(validate(out, documentedSchema('lint'))).toEqual([]);
  });

  it('matches it with --min-impact and --profile fields too', () => {
    const r = applyMinImpact(sampleResult(), 3);
    const confirmed = {
      ...r,
      findings: r.findings.map((f, i) => ({ ...f, confirmed: i % 2 === 0 ? true : null, evidence: 'measured' })),
    };
    const doc = JSON.parse(formatLintJson([confirmed], context));
    expect(validate(doc, documentedSchema('lint'))).toEqual([]);
    expect(doc.results[0].belowMinImpact).toEqual({ percent: 3, summary: r.belowMinImpact!.summary });
  });

  it('the validator does catch a wrong document', () => {
    const schema = documentedSchema('lint');
    expect(validate({ schemaVersion: 2, results: [{ model: 1 }] }, schema).length).toBeGreaterThan(0);
    // a version 1 document (no target, findings without messageId, data, impact, fingerprint, fixedByRuntime) is rejected
    const v1 = { schemaVersion: 1, results: [{ model: 'm', findings: [], summary: { error: 0, warn: 0, info: 0 } }] };
    expect(validate(v1, schema)).toEqual(
      expect.arrayContaining(['$.schemaVersion: expected const 2', '$.results[0]: missing target']),
    );
    const finding = { ...out.results[0].findings[0] };
    delete finding.impact;
    expect(validate({ ...out, results: [{ ...out.results[0], findings: [finding] }] }, schema)).toEqual([
      '$.results[0].findings[0]: missing impact',
    ]);
  });

  it('carries every finding with its summary and target, in the order of the results (largest impact first)', () => {
    expect(out.schemaVersion).toBe(2);
    expect(out.schemaVersion).toBe(LINT_JSON_SCHEMA_VERSION);
    expect(out.results.map((r: { model: string }) => r.model)).toEqual(['models/net.onnx', 'models/clean.onnx']);
    expect(out.results[0].findings).toHaveLength(sample.findings.length);
    expect(out.results[0].summary).toEqual(sample.summary);
    expect(out.results[0].target).toEqual(sample.target);
    expect(out.results[0].target).toMatchObject({ runtime: 'onnxruntime-cpu', planSource: 'static-model' });
    expect(out.results[0].target.modelEstimatedUs).toBeGreaterThan(0);
    expect(out.results[1]).toEqual({
      model: 'models/clean.onnx',
      target: clean.target,
      findings: [],
      summary: { error: 0, warn: 0, info: 0 },
      warnings: clean.analysis.warnings,
    });
    // No belowMinImpact when no threshold was applied.
    expect('belowMinImpact' in out.results[0]).toBe(false);
    expect(out.results[0].findings.map((f: { fingerprint: string }) => f.fingerprint)).toEqual(
      sample.findings.map((f) => f.fingerprint),
    );
    const shares = out.results[0].findings.map((f: { impact: { share: number } }) => f.impact.share);
    expect(shares).toEqual([...shares].sort((a: number, b: number) => b - a));
    const g2 = out.results[0].findings.find((f: { ruleId: string }) => f.ruleId === 'G2');
    expect(g2).toMatchObject({
      severity: 'warn',
      node: 'gconv|2',
      opType: 'Conv',
      docsUrl: 'https://github.com/efflint/efflint/blob/main/docs/rules/G2.md',
    });
    expect(g2.metrics.group).toBe(8);
  });

  it('gives each finding its message id and data, impact, fingerprint and fixedByRuntime', () => {
    for (const [i, f] of sample.findings.entries()) {
      const j = out.results[0].findings[i];
      expect(j).toMatchObject({
        ruleId: f.ruleId,
        node: f.node,
        messageId: f.messageId,
        data: f.data,
        message: f.message,
        fixedByRuntime: f.fixedByRuntime,
      });
      expect(j.impact).toEqual({ estimatedUs: f.impact.estimatedUs, share: f.impact.share });
      expect(j.fingerprint).toBe(`${f.ruleId}:${f.node ?? '(model)'}:${j.fingerprint.split(':').at(-1)}`);
      expect(j.fingerprint).toBe(f.fingerprint);
      expect(j.impact.share).toBeGreaterThanOrEqual(0);
      expect(j.impact.share).toBeLessThanOrEqual(1);
      // share is estimatedUs over the model's estimated time
      expect(j.impact.share).toBeCloseTo(j.impact.estimatedUs / out.results[0].target.modelEstimatedUs, 12);
    }
    const g2 = out.results[0].findings.find((f: { ruleId: string }) => f.ruleId === 'G2');
    expect(g2.messageId).toBe('groupConvolution');
    expect(g2.fingerprint).toBe('G2:gconv|2:groupConvolution');
    expect(g2.fixedByRuntime).toBe(false);
    // data holds the numbers the message was rendered from: machines read data, never the message
    expect(Object.keys(g2.data).length).toBeGreaterThan(0);
    for (const j of out.results[0].findings) {
      const template = RULES.find((r) => r.meta.id === j.ruleId)!.meta.messages[j.messageId];
      expect(renderTemplate(template ?? '', j.data)).toBe(j.message);
    }
    const model = out.results[0].findings.find((f: { node: string | null }) => f.node === null);
    expect(model.fingerprint).toMatch(/^G4:\(model\):/);
  });
});
