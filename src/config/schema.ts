import type { DiffThresholds } from '../diff/thresholds.js';
import { DIFF_THRESHOLD_KEYS, FAIL_ON_NEW, PERCENT_THRESHOLDS } from '../diff/thresholds.js';
import { ConfigError } from '../errors.js';
import { quoteUserInput } from '../util/escape.js';
import type { AnyRule, OptionSpec, OptionValue, Severity } from '../rules/define-rule.js';
import { SEVERITIES } from '../rules/define-rule.js';
import type { IgnoreEntry, RuleSetting } from '../rules/lint.js';
import { RULES } from '../rules/registry.js';
import type { RuntimeName } from '../analyzers/runtime/types.js';
import { RUNTIME_NAMES } from '../analyzers/runtime/types.js';

/** efflint.config.json after validation: rule settings keyed by rule id, never by name. */
export interface ResolvedConfig {
  /** Where it came from; null when no file was found (all defaults). */
  readonly path: string | null;
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly ignore: readonly IgnoreEntry[];
  /** Input shapes by graph input name, as `--input name=dims` would bind them. */
  readonly input: Readonly<Record<string, readonly number[]>>;
  /** `efflint diff` thresholds (the `diff` section); flags on the command line win key by key. */
  readonly diff: DiffThresholds;
  /** The runtime the rules judge the model for (`--runtime` wins); absent: onnxruntime-cpu. */
  readonly runtime?: RuntimeName;
}

export const EMPTY_CONFIG: ResolvedConfig = { path: null, rules: {}, ignore: [], input: {}, diff: {} };

const TOP_LEVEL_KEYS = ['$schema', 'rules', 'ignore', 'input', 'runtime'] as const;
/** Sections that configure one command. */
const COMMAND_KEYS = ['diff'] as const;
const IGNORE_KEYS = ['rule', 'nodes'] as const;

/** A parsed JSON value (or a missing one) as an error message names it. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${quoteUserInput(v)}"`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined) return String(v);
  return 'an object';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkOption(
  fail: (where: string, msg: string) => never,
  where: string,
  spec: OptionSpec,
  value: unknown,
): OptionValue {
  const range = [
    spec.minimum !== undefined ? `>= ${spec.minimum}` : '',
    spec.maximum !== undefined ? `<= ${spec.maximum}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  if (spec.type === 'number' || spec.type === 'integer') {
    const want = `${spec.type === 'integer' ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, `expected ${want}, got ${describe(value)}`);
    if (spec.type === 'integer' && !Number.isInteger(value)) fail(where, `expected ${want}, got ${value}`);
    if ((spec.minimum !== undefined && value < spec.minimum) || (spec.maximum !== undefined && value > spec.maximum))
      fail(where, `expected ${want}, got ${value}`);
    return value;
  }
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') fail(where, `expected true or false, got ${describe(value)}`);
    return value;
  }
  if (typeof value !== 'string') fail(where, `expected a string, got ${describe(value)}`);
  if (spec.enum && !spec.enum.includes(value)) fail(where, `${describe(value)} is not one of ${spec.enum.join(', ')}`);
  return value;
}

/**
 * Validates a parsed config key by key. Every problem is a one-line ConfigError naming the file, the
 * key path and the allowed choices, e.g. `efflint.config.json: rules.G1: severity "warning" is not
 * one of off, info, warn, error`. Keys and values from the file are quoted with quoteUserInput (at
 * most 200 characters, control characters shown escaped).
 */
export function validateConfig(raw: unknown, source: string, rules: readonly AnyRule[] = RULES): ResolvedConfig {
  const fail: (where: string, msg: string) => never = (where, msg) => {
    throw new ConfigError(`${quoteUserInput(source)}: ${where ? `${where}: ` : ''}${msg}`);
  };
  if (!isObject(raw)) fail('', `expected a JSON object at the top level, got ${describe(raw)}`);
  const root = raw;
  for (const key of Object.keys(root)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key) && !(COMMAND_KEYS as readonly string[]).includes(key)) {
      fail(
        '',
        `unknown key ${describe(key)} (allowed: ${TOP_LEVEL_KEYS.join(', ')}) or a command section (${COMMAND_KEYS.join(', ')})`,
      );
    }
  }
  const byKey = new Map<string, AnyRule>();
  for (const r of rules) {
    byKey.set(r.meta.id, r);
    byKey.set(r.meta.name, r);
  }
  const knownRules = rules.map((r) => `${r.meta.id} (${r.meta.name})`).join(', ');
  const ruleFor = (where: string, key: string): AnyRule =>
    byKey.get(key) ?? fail(where, `unknown rule ${describe(key)} (known: ${knownRules})`);

  const settings: Record<string, RuleSetting> = {};
  if (root.rules !== undefined) {
    if (!isObject(root.rules)) fail('rules', `expected an object of rule id -> severity, got ${describe(root.rules)}`);
    for (const [key, value] of Object.entries(root.rules)) {
      const where = `rules.${quoteUserInput(key)}`;
      const rule = ruleFor('rules', key);
      if (settings[rule.meta.id]) fail(where, `rule ${rule.meta.id} is configured twice (by id and by name)`);
      const parts: unknown[] = Array.isArray(value) ? value : [value];
      const [severity, options, ...rest] = parts;
      if (Array.isArray(value) && (value.length === 0 || rest.length > 0))
        fail(where, 'expected "severity" or ["severity", { options }]');
      if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) {
        fail(where, `severity ${describe(severity)} is not one of ${SEVERITIES.join(', ')}`);
      }
      let checked: Record<string, OptionValue> | undefined;
      if (options !== undefined) {
        if (!isObject(options))
          fail(where, `expected an options object as the second element, got ${describe(options)}`);
        const specs = rule.meta.options as Readonly<Record<string, OptionSpec>>;
        const allowed = Object.keys(specs);
        checked = {};
        for (const [name, v] of Object.entries(options)) {
          const spec = specs[name];
          if (!spec)
            fail(
              where,
              allowed.length
                ? `unknown option ${describe(name)} (allowed: ${allowed.join(', ')})`
                : `rule ${rule.meta.id} takes no options`,
            );
          checked[name] = checkOption(fail, `${where}.${quoteUserInput(name)}`, spec, v);
        }
      }
      settings[rule.meta.id] = { severity: severity as Severity, ...(checked ? { options: checked } : {}) };
    }
  }

  const ignore: IgnoreEntry[] = [];
  if (root.ignore !== undefined) {
    if (!Array.isArray(root.ignore))
      fail('ignore', `expected an array of { "rule": "G4", "nodes": ["stage2.*"] }, got ${describe(root.ignore)}`);
    (root.ignore as unknown[]).forEach((entry, i) => {
      const where = `ignore[${i}]`;
      if (!isObject(entry))
        fail(where, `expected an object { "rule": "G4", "nodes": ["stage2.*"] }, got ${describe(entry)}`);
      for (const key of Object.keys(entry)) {
        if (!(IGNORE_KEYS as readonly string[]).includes(key))
          fail(where, `unknown key ${describe(key)} (allowed: ${IGNORE_KEYS.join(', ')})`);
      }
      if (typeof entry.rule !== 'string')
        fail(`${where}.rule`, `expected a rule id, a rule name or "*", got ${describe(entry.rule)}`);
      const rule = entry.rule === '*' ? '*' : ruleFor(`${where}.rule`, entry.rule).meta.id;
      let nodes: string[] | undefined;
      if (entry.nodes !== undefined) {
        if (!Array.isArray(entry.nodes) || entry.nodes.some((n) => typeof n !== 'string' || n === '')) {
          fail(
            `${where}.nodes`,
            `expected an array of node-name globs such as "stage2.*", got ${describe(entry.nodes)}`,
          );
        }
        nodes = entry.nodes as string[];
      }
      ignore.push(nodes ? { rule, nodes } : { rule });
    });
  }

  const input: Record<string, number[]> = {};
  if (root.input !== undefined) {
    if (!isObject(root.input))
      fail(
        'input',
        `expected an object of input name -> dims such as { "input": [1, 3, 224, 224] }, got ${describe(root.input)}`,
      );
    for (const [name, dims] of Object.entries(root.input)) {
      if (!Array.isArray(dims) || dims.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
        fail(
          `input.${quoteUserInput(name)}`,
          `expected an array of non-negative integers such as [1, 3, 224, 224], got ${describe(dims)}`,
        );
      }
      input[name] = dims as number[];
    }
  }
  let runtime: RuntimeName | undefined;
  if (root.runtime !== undefined) {
    if (typeof root.runtime !== 'string' || !(RUNTIME_NAMES as readonly string[]).includes(root.runtime)) {
      fail('runtime', `${describe(root.runtime)} is not one of ${RUNTIME_NAMES.join(', ')}`);
    }
    runtime = root.runtime as RuntimeName;
  }
  return {
    path: source,
    rules: settings,
    ignore,
    input,
    diff: validateDiffSection(fail, root.diff),
    ...(runtime ? { runtime } : {}),
  };
}

/** The `diff` section: percentage gates (finite numbers >= 0) and failOnNew (a severity). */
function validateDiffSection(fail: (where: string, msg: string) => never, raw: unknown): DiffThresholds {
  if (raw === undefined) return {};
  const example = '{ "maxFlopsIncrease": 5, "failOnNew": "warn" }';
  if (!isObject(raw)) fail('diff', `expected an object of thresholds such as ${example}, got ${describe(raw)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const where = `diff.${quoteUserInput(key)}`;
    if (!(DIFF_THRESHOLD_KEYS as readonly string[]).includes(key))
      fail('diff', `unknown key ${describe(key)} (allowed: ${DIFF_THRESHOLD_KEYS.join(', ')})`);
    if (key === FAIL_ON_NEW.key) {
      if (typeof value !== 'string' || !(FAIL_ON_NEW.choices as readonly string[]).includes(value)) {
        fail(where, `${describe(value)} is not one of ${FAIL_ON_NEW.choices.join(', ')}`);
      }
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      fail(where, `expected a percentage >= 0 (e.g. 5 for +5%), got ${describe(value)}`);
    }
    out[key] = value;
  }
  return out;
}

/** JSON Schema (draft 2020-12) of efflint.config.json, generated from the rules' meta (for editors). */
export function configJsonSchema(rules: readonly AnyRule[] = RULES): Record<string, unknown> {
  const severity = { enum: [...SEVERITIES] };
  const ruleProps: Record<string, unknown> = {};
  for (const r of rules) {
    const optionProps = Object.fromEntries(
      Object.entries(r.meta.options as Readonly<Record<string, OptionSpec>>).map(([name, spec]) => [
        name,
        {
          type: spec.type,
          default: spec.default,
          description: spec.description,
          ...(spec.minimum !== undefined ? { minimum: spec.minimum } : {}),
          ...(spec.maximum !== undefined ? { maximum: spec.maximum } : {}),
          ...(spec.enum ? { enum: spec.enum } : {}),
        },
      ]),
    );
    const setting = {
      description: `${r.meta.id} ${r.meta.name}: ${r.meta.description}`,
      oneOf: [
        severity,
        {
          type: 'array',
          prefixItems: [severity, { type: 'object', properties: optionProps, additionalProperties: false }],
          minItems: 1,
          maxItems: 2,
        },
      ],
    };
    ruleProps[r.meta.id] = setting;
    ruleProps[r.meta.name] = setting;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'efflint.config.json',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      rules: { type: 'object', properties: ruleProps, additionalProperties: false },
      ignore: {
        type: 'array',
        items: {
          type: 'object',
          required: ['rule'],
          additionalProperties: false,
          properties: { rule: { type: 'string' }, nodes: { type: 'array', items: { type: 'string', minLength: 1 } } },
        },
      },
      input: { type: 'object', additionalProperties: { type: 'array', items: { type: 'integer', minimum: 0 } } },
      runtime: {
        enum: [...RUNTIME_NAMES],
        description: 'runtime whose executed graph the rules judge (--runtime wins)',
      },
      diff: {
        type: 'object',
        description: 'efflint diff thresholds; command-line flags win key by key',
        additionalProperties: false,
        properties: {
          ...Object.fromEntries(
            PERCENT_THRESHOLDS.map((t) => [
              t.key,
              { type: 'number', minimum: 0, description: `${t.description} (${t.flag})` },
            ]),
          ),
          [FAIL_ON_NEW.key]: {
            enum: [...FAIL_ON_NEW.choices],
            description: `new findings at or above this severity fail (${FAIL_ON_NEW.flag})`,
          },
        },
      },
    },
  };
}
