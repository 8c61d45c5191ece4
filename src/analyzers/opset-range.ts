import type { OpDef } from './types.js';

/**
 * The opsets of its domain that one op definition implements, both ends inclusive; no `until` means every later
 * opset too. `since` is the first version of the op in the ONNX spec's version history (docs/Changelog.md), or 1 for
 * onnxruntime contrib ops (the com.microsoft opset is 1). A definition that reads older forms of an op (Reshape's
 * `shape` attribute, Slice's `starts`/`ends` attributes, Split's `split`...) starts at the op's first version.
 */
export interface OpsetRange {
  readonly since: number;
  readonly until?: number;
}

/** An op definition together with the opset range it implements: what the registry holds. */
export type VersionedOpDef = OpDef & OpsetRange;

/** One family's ranges by op type; a plain number is `since` (every later opset implemented). */
export type OpsetTable = Readonly<Record<string, number | OpsetRange>>;

/**
 * Attaches each definition of a family its range from the family's table. A definition the table does not list, a
 * table entry with no definition, or two definitions of one op type in a family is a programming error, thrown when
 * the module loads.
 */
export function withOpsets(defs: readonly OpDef[], table: OpsetTable): VersionedOpDef[] {
  const seen = new Set<string>();
  const out = defs.map((def): VersionedOpDef => {
    if (seen.has(def.opType)) throw new Error(`op family lists ${def.opType} twice`);
    seen.add(def.opType);
    const range = table[def.opType];
    if (range === undefined) throw new Error(`op family has no opset range for ${def.opType}`);
    return typeof range === 'number' ? { ...def, since: range } : { ...def, ...range };
  });
  for (const opType of Object.keys(table)) {
    if (!seen.has(opType)) throw new Error(`op family has an opset range for ${opType} but no definition`);
  }
  return out;
}

/** Whether a definition implements `opset` of its domain. */
export function coversOpset(range: OpsetRange, opset: number): boolean {
  return opset >= range.since && (range.until === undefined || opset <= range.until);
}
