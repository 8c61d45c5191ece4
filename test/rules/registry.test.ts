import { describe, expect, it } from 'vitest';
import type { AnyRule } from '../../src/rules/define-rule.js';
import {
  defineRule,
  docsUrlFor,
  formatMessageNumber,
  placeholdersOf,
  renderTemplate,
} from '../../src/rules/define-rule.js';
import { RULES, RULE_REGISTRY, createRuleRegistry, findRule } from '../../src/rules/registry.js';

const stub = (id: string, name: string): AnyRule =>
  defineRule({
    meta: {
      id,
      name,
      category: 'extra',
      description: 'x',
      defaultSeverity: 'info',
      options: {},
      messages: { m: 'x' },
      fix: 'y',
    },
    check: () => undefined,
  });

describe('rule registry', () => {
  it('lists G1-G4 then the extras, each once', () => {
    expect(RULES.map((r) => r.meta.id)).toEqual(['G1', 'G2', 'G3', 'G4', 'E101', 'E102', 'E103', 'E104']);
    expect(RULE_REGISTRY.size).toBe(RULES.length);
  });

  it('rejects a duplicate id, a duplicate name, a bad id and a non-kebab name', () => {
    expect(() => createRuleRegistry([stub('E900', 'a-b'), stub('E900', 'c-d')])).toThrow(/duplicate rule id 'E900'/);
    expect(() => createRuleRegistry([stub('E900', 'a-b'), stub('E901', 'a-b')])).toThrow(/duplicate rule name 'a-b'/);
    expect(() => createRuleRegistry([stub('X1', 'a-b')])).toThrow(/not G<n> or E<nnn>/);
    expect(() => createRuleRegistry([stub('E900', 'NoFoo')])).toThrow(/kebab-case/);
  });

  it('finds rules by id or name', () => {
    expect(findRule('G2')?.meta.name).toBe('group-convolution');
    expect(findRule('unbalanced-channels')?.meta.id).toBe('G1');
    expect(findRule('G9')).toBeUndefined();
  });

  it.each(RULES.map((r) => [r.meta.id, r] as const))('%s has consistent meta', (_id, rule) => {
    const m = rule.meta;
    expect(m.docsUrl).toBe(docsUrlFor(m.id));
    expect(m.docsUrl).toBe(`https://github.com/efflint/efflint/blob/main/docs/rules/${m.id}.md`);
    expect(m.name).not.toMatch(/^(no|avoid)-/);
    expect(Object.keys(m.messages).length).toBeGreaterThan(0);
    expect(Object.keys(m.defaultOptions)).toEqual(Object.keys(m.options));
    for (const [k, spec] of Object.entries(m.options as Record<string, { default: unknown }>))
      expect(m.defaultOptions[k]).toBe(spec.default);
    expect(m.category).toBe(m.id.startsWith('G') ? 'guideline' : 'extra');
  });
});

describe('message templates', () => {
  it('lists placeholders and fills them, formatting numbers', () => {
    expect(placeholdersOf('a {{x}} b {{ y }} {{x}}')).toEqual(['x', 'y']);
    expect(renderTemplate('{{n}} of {{m}} ({{p}}%), {{s}}', { n: 1157728, m: 12, p: 42.0331, s: 'ok' })).toBe(
      '1,157,728 of 12 (42%), ok',
    );
    expect(renderTemplate('{{missing}}', {})).toBe('{{missing}}');
    expect([
      formatMessageNumber(5.95),
      formatMessageNumber(85.9),
      formatMessageNumber(0.125),
      formatMessageNumber(815110.4),
    ]).toEqual(['5.95', '85.9', '0.13', '815110']);
  });
});
