import { describe, expect, it } from 'vitest';
import { configJsonSchema, validateConfig } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

const v = (raw: unknown) => validateConfig(raw, 'efflint.config.json');

describe('validateConfig', () => {
  it('accepts the documented shape, by rule id or rule name', () => {
    const c = v({
      $schema: './efflint.schema.json',
      rules: { G1: 'error', 'group-convolution': ['warn', { maxGroups: 2 }], E102: ['off'] },
      ignore: [{ rule: 'G4', nodes: ['stage2.*'] }, { rule: '*' }, { rule: 'unbalanced-channels', nodes: ['stem'] }],
      input: { input: [1, 3, 224, 224] },
    });
    expect(c.rules).toEqual({
      G1: { severity: 'error' },
      G2: { severity: 'warn', options: { maxGroups: 2 } },
      E102: { severity: 'off' },
    });
    expect(c.ignore).toEqual([{ rule: 'G4', nodes: ['stage2.*'] }, { rule: '*' }, { rule: 'G1', nodes: ['stem'] }]);
    expect(c.input).toEqual({ input: [1, 3, 224, 224] });
  });

  it('accepts an empty object', () => {
    expect(v({})).toMatchObject({ rules: {}, ignore: [], input: {} });
  });

  it('accepts a target runtime, and leaves it unset when absent (the CLI then uses onnxruntime-cpu)', () => {
    for (const runtime of ['onnxruntime-cpu', 'tensorrt', 'none']) expect(v({ runtime }).runtime).toBe(runtime);
    expect(v({}).runtime).toBeUndefined();
    expect('runtime' in v({})).toBe(false);
  });

  it('accepts a diff section of thresholds, and defaults it to none', () => {
    const diff = {
      maxFlopsIncrease: 5,
      maxParamsIncrease: 0,
      maxMemAccessIncrease: 2.5,
      maxLatencyIncrease: 10,
      failOnNew: 'warn',
    };
    expect(v({ diff }).diff).toEqual(diff);
    expect(v({}).diff).toEqual({});
    expect(v({ diff: {} }).diff).toEqual({});
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /^efflint\.config\.json: expected a JSON object at the top level, got an array$/],
    [
      'unknown top-level key',
      { rulez: {} },
      /unknown key "rulez" \(allowed: \$schema, rules, ignore, input, runtime\)/,
    ],
    ['rules not an object', { rules: 'all' }, /rules: expected an object of rule id -> severity, got "all"/],
    [
      'unknown rule',
      { rules: { G9: 'warn' } },
      /rules: unknown rule "G9" \(known: G1 \(unbalanced-channels\), G2 \(group-convolution\)/,
    ],
    [
      'bad severity',
      { rules: { G1: 'warning' } },
      /rules\.G1: severity "warning" is not one of off, info, warn, error/,
    ],
    ['numeric severity', { rules: { G1: 2 } }, /rules\.G1: severity 2 is not one of off, info, warn, error/],
    ['empty array', { rules: { G1: [] } }, /rules\.G1: expected "severity" or \["severity", \{ options \}\]/],
    ['three elements', { rules: { G1: ['warn', {}, {}] } }, /rules\.G1: expected "severity" or/],
    [
      'options not an object',
      { rules: { G1: ['warn', 3] } },
      /rules\.G1: expected an options object as the second element, got 3/,
    ],
    [
      'unknown option',
      { rules: { G1: ['warn', { maxratio: 3 }] } },
      /rules\.G1: unknown option "maxratio" \(allowed: maxRatio, minExcessPercent, ignoreModelInputs\)/,
    ],
    [
      'option on a rule without options',
      { rules: { E101: ['warn', { x: 1 }] } },
      /rules\.E101: rule E101 takes no options/,
    ],
    [
      'wrong option type',
      { rules: { G1: ['warn', { maxRatio: '3' }] } },
      /rules\.G1\.maxRatio: expected a number >= 1, got "3"/,
    ],
    [
      'option below minimum',
      { rules: { G1: ['warn', { maxRatio: 0.5 }] } },
      /rules\.G1\.maxRatio: expected a number >= 1, got 0\.5/,
    ],
    [
      'integer option',
      { rules: { G2: ['warn', { maxGroups: 1.5 }] } },
      /rules\.G2\.maxGroups: expected an integer >= 1, got 1\.5/,
    ],
    [
      'boolean option',
      { rules: { G1: ['warn', { ignoreModelInputs: 'yes' }] } },
      /rules\.G1\.ignoreModelInputs: expected true or false, got "yes"/,
    ],
    [
      'rule configured twice',
      { rules: { G1: 'warn', 'unbalanced-channels': 'off' } },
      /rules\.unbalanced-channels: rule G1 is configured twice/,
    ],
    ['ignore not an array', { ignore: { rule: 'G4' } }, /ignore: expected an array of/],
    [
      'ignore entry without rule',
      { ignore: [{ nodes: ['a'] }] },
      /ignore\[0\]\.rule: expected a rule id, a rule name or "\*", got undefined/,
    ],
    [
      'ignore unknown key',
      { ignore: [{ rule: 'G4', node: 'a' }] },
      /ignore\[0\]: unknown key "node" \(allowed: rule, nodes\)/,
    ],
    [
      'ignore nodes not a list',
      { ignore: [{ rule: 'G4', nodes: 'stage2.*' }] },
      /ignore\[0\]\.nodes: expected an array of node-name globs/,
    ],
    ['ignore unknown rule', { ignore: [{ rule: 'G7' }] }, /ignore\[0\]\.rule: unknown rule "G7"/],
    [
      'input not dims',
      { input: { input: '1x3x224x224' } },
      /input\.input: expected an array of non-negative integers such as \[1, 3, 224, 224\]/,
    ],
    ['input negative', { input: { input: [1, -3] } }, /input\.input: expected an array of non-negative integers/],
    [
      'unknown key, naming the command section',
      { rulez: {} },
      /^efflint\.config\.json: unknown key "rulez" \(allowed: \$schema, rules, ignore, input, runtime\) or a command section \(diff\)$/,
    ],
    [
      'unknown runtime',
      { runtime: 'onnxruntime-gpu' },
      /^efflint\.config\.json: runtime: "onnxruntime-gpu" is not one of onnxruntime-cpu, tensorrt, none$/,
    ],
    [
      'runtime not a string',
      { runtime: ['none'] },
      /^efflint\.config\.json: runtime: .* is not one of onnxruntime-cpu, tensorrt, none$/,
    ],
    [
      'diff not an object',
      { diff: 5 },
      /^efflint\.config\.json: diff: expected an object of thresholds such as \{ "maxFlopsIncrease": 5, "failOnNew": "warn" \}, got 5$/,
    ],
    [
      'diff unknown key',
      { diff: { maxFlops: 5 } },
      /diff: unknown key "maxFlops" \(allowed: maxFlopsIncrease, maxParamsIncrease, maxMemAccessIncrease, maxLatencyIncrease, failOnNew\)/,
    ],
    [
      'diff percentage as a string',
      { diff: { maxFlopsIncrease: '5%' } },
      /diff\.maxFlopsIncrease: expected a percentage >= 0 \(e\.g\. 5 for \+5%\), got "5%"/,
    ],
    [
      'diff negative percentage',
      { diff: { maxParamsIncrease: -1 } },
      /diff\.maxParamsIncrease: expected a percentage >= 0 \(e\.g\. 5 for \+5%\), got -1/,
    ],
    [
      'diff failOnNew not a severity',
      { diff: { failOnNew: 'warning' } },
      /diff\.failOnNew: "warning" is not one of error, warn, info/,
    ],
  ];
  it.each(bad)('rejects %s with one helpful line', (_name, raw, message) => {
    let err: unknown;
    try {
      v(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('configJsonSchema', () => {
  it('describes every rule by id and name with its options', () => {
    const s = configJsonSchema() as { properties: { rules: { properties: Record<string, { oneOf: unknown[] }> } } };
    const rules = s.properties.rules.properties;
    expect(Object.keys(rules)).toContain('G1');
    expect(Object.keys(rules)).toContain('unbalanced-channels');
    expect(JSON.stringify(rules.G1)).toContain('"maxRatio"');
  });

  it('describes the runtime key as one of the runtimes', () => {
    const s = configJsonSchema() as { properties: { runtime: { enum: string[] } } };
    expect(s.properties.runtime.enum).toEqual(['onnxruntime-cpu', 'tensorrt', 'none']);
  });

  it('describes the diff section key by key', () => {
    const s = configJsonSchema() as {
      properties: {
        diff: {
          additionalProperties: boolean;
          properties: Record<string, { type?: string; minimum?: number; enum?: string[] }>;
        };
      };
    };
    expect(s.properties.diff.additionalProperties).toBe(false);
    expect(Object.keys(s.properties.diff.properties)).toEqual([
      'maxFlopsIncrease',
      'maxParamsIncrease',
      'maxMemAccessIncrease',
      'maxLatencyIncrease',
      'failOnNew',
    ]);
    expect(s.properties.diff.properties.maxFlopsIncrease).toMatchObject({ type: 'number', minimum: 0 });
    expect(s.properties.diff.properties.failOnNew?.enum).toEqual(['error', 'warn', 'info']);
  });
});
