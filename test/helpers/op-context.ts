import { createAttrs } from '../../src/analyzers/attrs.js';
import type { OpContext, OpDef, TensorInfo } from '../../src/analyzers/types.js';
import type { AttributeValue, Dim, DType, Node } from '../../src/model/ir.js';
import { at } from '../../src/util/at.js';
import { describe, expect, it } from 'vitest';

/** Attribute shorthand for tests: numbers -> int (or float when not integral), arrays -> ints/floats. */
export type TestAttr = number | string | readonly number[] | AttributeValue;

function toAttribute(v: TestAttr): AttributeValue {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    const arr = v as readonly number[];
    return arr.every(Number.isInteger) ? { type: 'ints', value: arr } : { type: 'floats', value: arr };
  }
  return v as AttributeValue;
}

export interface OpCase {
  opType: string;
  inputs: readonly (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  opset?: number;
  outputs?: number;
}

/** Builds a real OpContext around one node (no graph), for per-op unit tests. */
export function opContext(c: OpCase): OpContext & { warnings: string[] } {
  const warnings: string[] = [];
  const node: Node = {
    name: `${c.opType}_0`,
    opType: c.opType,
    domain: '',
    inputs: c.inputs.map((t, i) => (t ? `in${i}` : '')),
    outputs: Array.from({ length: c.outputs ?? 1 }, (_, i) => `out${i}`),
    attributes: new Map(Object.entries(c.attrs ?? {}).map(([k, v]) => [k, toAttribute(v)])),
    index: 0,
  };
  return {
    node,
    opset: c.opset ?? 17,
    inputs: c.inputs,
    attrs: createAttrs(node),
    readTensor: () => null,
    inferSubgraph: () => {
      throw new Error('no subgraphs in single-op tests');
    },
    tryInferSubgraph: () => {
      throw new Error('no subgraphs in single-op tests');
    },
    warn: (m) => warnings.push(m),
    warnings,
  };
}

/** Runs inferShape then cost for one op definition. */
export function runOp(def: OpDef, c: OpCase) {
  const ctx = opContext({ ...c, opType: def.opType });
  const outputs = def.inferShape(ctx);
  const cost = def.cost ? def.cost(ctx, outputs) : null;
  return { outputs, cost, warnings: ctx.warnings };
}

export const f32 = (...shape: (number | string)[]): TensorInfo => ({ dtype: 'float32', shape });
export const i64 = (value: readonly number[], shape?: number[]): TensorInfo => ({
  dtype: 'int64',
  shape: shape ?? [value.length],
  value,
  isConstant: true,
});
export const weight = (...shape: number[]): TensorInfo => ({ dtype: 'float32', shape, isConstant: true });

/** A lookup into one op family's definitions that fails loudly when the op is missing. */
export function opFinder(ops: readonly OpDef[], family: string): (opType: string) => OpDef {
  return (opType) => {
    const def = ops.find((o) => o.opType === opType);
    if (!def) throw new Error(`no ${opType} in ${family}`);
    return def;
  };
}

/** One row of an op family's table: a node's inputs and attributes, and what must come out. Every field given is asserted. */
export interface OpRow {
  name: string;
  op: string;
  inputs: readonly (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  opset?: number;
  outputs?: number;
  /** Expected output shapes, one per output. */
  shapes: (Dim[] | null)[];
  /** Expected folded values per output; `null` asserts that no value is set. */
  values?: (readonly number[] | null)[];
  /** Expected dtypes, one per output (when omitted: OpRowOptions.dtype). */
  dtypes?: (DType | null)[];
  /** Expected FLOPs (when omitted: OpRowOptions.flops). */
  flops?: number | null;
}

/** What a family's table expects of a row that leaves a field out. */
export interface OpRowOptions {
  /** The dtype of every output of a row without `dtypes`; left out, such rows' dtypes are not checked. */
  dtype?: DType;
  /** The FLOPs of a row without `flops` (0 for data movement); left out, such rows' FLOPs are not checked. */
  flops?: number | null;
}

/** Runs one table row and asserts its output shapes, folded values, dtypes and FLOPs. */
export function expectOpRow(def: OpDef, row: OpRow, options: OpRowOptions = {}): void {
  const { outputs, cost } = runOp(def, {
    opType: row.op,
    inputs: row.inputs,
    attrs: row.attrs,
    opset: row.opset,
    outputs: row.outputs,
  });
  expect(outputs.map((o) => o.shape)).toEqual(row.shapes);
  row.values?.forEach((v, i) => {
    if (v === null) expect(at(outputs, i).value).toBeUndefined();
    else expect(at(outputs, i).value).toEqual(v);
  });
  const dtypes = row.dtypes ?? (options.dtype === undefined ? undefined : row.shapes.map(() => options.dtype));
  if (dtypes) expect(outputs.map((o) => o.dtype)).toEqual(dtypes);
  const flops = row.flops === undefined ? options.flops : row.flops;
  if (flops !== undefined) expect(cost?.flops).toBe(flops);
}

/** One test per row of a family's table, each asserting what the row gives (see expectOpRow). */
export function describeOpRows(
  family: string,
  ops: readonly OpDef[],
  rows: readonly OpRow[],
  options: OpRowOptions = {},
): void {
  const byType = opFinder(ops, family);
  describe(`${family} family: shapes, dtypes, folded values, FLOPs`, () => {
    it.each(rows)('$name', (row) => {
      expectOpRow(byType(row.op), row, options);
    });
  });
}

/** One input a family's op must reject; `error` is what the message must match (any Error when left out). */
export interface OpErrorCase {
  name: string;
  op: string;
  inputs: readonly (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  opset?: number;
  outputs?: number;
  error?: RegExp;
}

/** One test per invalid input, each asserting that the op throws (with the given message). */
export function describeOpErrors(family: string, ops: readonly OpDef[], cases: readonly OpErrorCase[]): void {
  const byType = opFinder(ops, family);
  describe(`${family} family: invalid input throws`, () => {
    it.each(cases)('$name', (c) => {
      expect(() => runOp(byType(c.op), { ...c, opType: c.op })).toThrow(c.error ?? Error);
    });
  });
}
