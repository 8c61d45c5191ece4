import { readFileSync } from 'node:fs';
import { at } from '../../src/util/at.js';

/** The subset of JSON Schema the documented diff schema uses. */
export interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
  minimum?: number;
  minLength?: number;
  pattern?: string;
}

/** Just enough JSON Schema to check the documented shape (no dependency): returns error paths. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/$defs/', '');
    const target = root.$defs?.[name];
    if (!target) return [`${path}: unresolved ${schema.$ref}`];
    return validate(value, target, root, path);
  }
  const errors: string[] = [];
  const typeOf = (v: unknown): string =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  if (schema.anyOf && !schema.anyOf.some((s) => validate(value, s, root, path).length === 0))
    errors.push(`${path}: matches none of anyOf`);
  if (schema.const !== undefined && value !== schema.const)
    errors.push(`${path}: expected const ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number')))
      errors.push(`${path}: expected ${types.join('|')}, got ${t}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum)
    errors.push(`${path}: below minimum`);
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => errors.push(...validate(v, schema.items!, root, `${path}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in obj)) errors.push(`${path}: missing ${k}`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) errors.push(...validate(v, sub, root, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected ${k}`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(v, schema.additionalProperties, root, `${path}.${k}`));
    }
  }
  return errors;
}

/** The JSON Schema block of the `## <section>` section of docs/json-schema.md ("lint", "diff"). */
export function documentedSchema(section: string): Schema {
  const doc = readFileSync(new URL('../../docs/json-schema.md', import.meta.url), 'utf8');
  const start = doc.indexOf(`\n## ${section}`);
  if (start < 0) throw new Error(`docs/json-schema.md: no "## ${section}" section`);
  const block = /```json\n([\s\S]*?)\n```/.exec(doc.slice(start));
  if (!block) throw new Error(`docs/json-schema.md: no \`\`\`json block in the ${section} section`);
  return JSON.parse(at(block, 1)) as Schema;
}

/** The JSON Schema block of the "diff" section of docs/json-schema.md. */
export function documentedDiffSchema(): Schema {
  return documentedSchema('diff');
}
