import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLintJson } from '../../src/report/lint-json.js';
import { cleanResult, context, sampleResult } from './fixtures.js';

type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minimum?: number;
  minLength?: number;
  pattern?: string;
};

/** Just enough JSON Schema to check the documented shape (no dependency). Returns error paths. */
function validate(value: unknown, schema: Schema, path = '$'): string[] {
  const errors: string[] = [];
  const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: expected const ${String(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not in enum`);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) errors.push(`${path}: expected ${types.join('|')}, got ${t}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below minimum`);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(v, schema.items!, `${path}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in obj)) errors.push(`${path}: missing ${k}`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) errors.push(...validate(v, sub, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected ${k}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(v, schema.additionalProperties, `${path}.${k}`));
    }
  }
  return errors;
}

/** The JSON Schema block of the "lint" section of docs/json-schema.md. */
function documentedSchema(): Schema {
  const doc = readFileSync(new URL('../../docs/json-schema.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('\n## lint'));
  const block = /```json\n([\s\S]*?)\n```/.exec(section);
  if (!block) throw new Error('docs/json-schema.md: no ```json block in the lint section');
  return JSON.parse(block[1]) as Schema;
}

describe('formatLintJson', () => {
  const results = [sampleResult(), cleanResult()];
  const out = JSON.parse(formatLintJson(results, context));

  it('matches the schema documented in docs/json-schema.md', () => {
    expect(validate(out, documentedSchema())).toEqual([]);
  });

  it('the validator does catch a wrong document', () => {
    expect(validate({ schemaVersion: 2, results: [{ model: 1 }] }, documentedSchema()).length).toBeGreaterThan(0);
  });

  it('carries every finding with its summary', () => {
    expect(out.schemaVersion).toBe(1);
    expect(out.results.map((r: { model: string }) => r.model)).toEqual(['models/net.onnx', 'models/clean.onnx']);
    expect(out.results[0].findings).toHaveLength(results[0].findings.length);
    expect(out.results[0].summary).toEqual(results[0].summary);
    expect(out.results[1]).toEqual({ model: 'models/clean.onnx', findings: [], summary: { error: 0, warn: 0, info: 0 } });
    const g2 = out.results[0].findings.find((f: { ruleId: string }) => f.ruleId === 'G2');
    expect(g2).toMatchObject({ severity: 'warn', node: 'gconv|2', opType: 'Conv', docsUrl: 'https://github.com/efflint/efflint/blob/main/docs/rules/G2.md' });
    expect(g2.metrics.group).toBe(8);
  });
});
