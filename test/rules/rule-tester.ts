import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyzers/analyze.js';
import type { DeviceProfile } from '../../src/analyzers/roofline.js';
import type { RuntimeName } from '../../src/analyzers/runtime/types.js';
import type { AnyRule, MessageData, OptionValue } from '../../src/rules/define-rule.js';
import { placeholdersOf } from '../../src/rules/define-rule.js';
import type { Finding } from '../../src/rules/lint.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';

export interface ValidCase {
  readonly name: string;
  readonly analysis: Analysis | (() => Analysis);
  readonly options?: Readonly<Record<string, OptionValue>>;
  readonly deviceProfile?: DeviceProfile;
  /**
   * The runtime the rule judges for. Rule tests default to 'none' (the raw graph) so each case shows
   * the rule's own logic; runtime-aware cases name 'onnxruntime-cpu' (NCHWc block pinned to 16).
   */
  readonly runtime?: RuntimeName;
}

export interface ExpectedFinding {
  readonly messageId: string;
  /** null = a model-level finding. */
  readonly node: string | null;
  /** Checked with toMatchObject: list the placeholders that matter. */
  readonly data?: Partial<MessageData>;
}

export interface InvalidCase extends ValidCase {
  readonly errors: readonly ExpectedFinding[];
}

/** Runs one rule alone (at 'warn') over an analysis, for the raw graph unless a runtime is named. */
export function runRule(
  rule: AnyRule,
  analysis: Analysis,
  options?: Readonly<Record<string, OptionValue>>,
  deviceProfile?: DeviceProfile,
  runtime: RuntimeName = 'none',
): Finding[] {
  return [
    ...lintAnalysis(analysis, {
      ruleSet: [rule],
      rules: { [rule.meta.id]: { severity: 'warn', options } },
      deviceProfile,
      runtime,
      nchwcBlock: 16,
    }).findings,
  ];
}

/** Every message and fix placeholder is filled: a template must not reach users with `{{x}}` in it. */
function expectRendered(rule: AnyRule, f: Finding): void {
  const template = rule.meta.messages[f.messageId];
  expect(template, `unknown messageId ${f.messageId}`).toBeDefined();
  for (const p of placeholdersOf(template ?? ''))
    expect(f.data, `placeholder {{${p}}} of ${f.messageId}`).toHaveProperty(p);
  expect(f.message).not.toMatch(/\{\{/);
  expect(f.suggestion).not.toMatch(/\{\{/);
}

/**
 * ESLint's RuleTester, for efflint rules: valid cases must produce no findings, invalid cases exactly
 * the listed ones (messageId, node, data), in the rule's report order. Case names must be unique and
 * an invalid case needs at least one expected finding.
 */
export function ruleTester(
  rule: AnyRule,
  cases: { valid: readonly ValidCase[]; invalid: readonly InvalidCase[] },
): void {
  const names = [...cases.valid, ...cases.invalid].map((c) => c.name);
  describe(`${rule.meta.id} ${rule.meta.name}`, () => {
    it('has unique case names and at least one valid and one invalid case', () => {
      expect(new Set(names).size).toBe(names.length);
      expect(cases.valid.length).toBeGreaterThan(0);
      expect(cases.invalid.length).toBeGreaterThan(0);
    });
    describe('valid', () => {
      for (const c of cases.valid) {
        it(c.name, () => {
          const analysis = typeof c.analysis === 'function' ? c.analysis() : c.analysis;
          const found = runRule(rule, analysis, c.options, c.deviceProfile, c.runtime);
          expect(found.map((f) => `${f.messageId}@${f.node}: ${f.message}`)).toEqual([]);
        });
      }
    });
    describe('invalid', () => {
      for (const c of cases.invalid) {
        it(c.name, () => {
          expect(c.errors.length).toBeGreaterThan(0);
          const analysis = typeof c.analysis === 'function' ? c.analysis() : c.analysis;
          const found = runRule(rule, analysis, c.options, c.deviceProfile, c.runtime);
          expect(found.map((f) => ({ messageId: f.messageId, node: f.node }))).toEqual(
            c.errors.map((e) => ({ messageId: e.messageId, node: e.node })),
          );
          found.forEach((f, i) => {
            expectRendered(rule, f);
            expect(f.ruleId).toBe(rule.meta.id);
            expect(f.docsUrl).toBe(rule.meta.docsUrl);
            const expected = at(c.errors, i);
            if (expected.data) expect(f.data).toMatchObject(expected.data);
          });
        });
      }
    });
  });
}
