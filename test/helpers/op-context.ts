import { createAttrs } from '../../src/analyzers/attrs.js';
import type { OpContext, OpDef, TensorInfo } from '../../src/analyzers/types.js';
import type { AttributeValue, Dim, DType, Node } from '../../src/model/ir.js';
import { expect } from 'vitest';

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

/** One row of a family's shapes-and-FLOPs table; `dtypes` defaults to float32 for every output. */
export interface OpShapeRow {
  name: string;
  op: string;
  inputs: (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  opset?: number;
  outputs?: number;
  shapes: (Dim[] | null)[];
  dtypes?: (DType | null)[];
  flops: number | null;
}

/** Runs one table row and asserts its output shapes, dtypes and FLOPs. */
export function expectOpRow(def: OpDef, row: OpShapeRow): void {
  const { outputs, cost } = runOp(def, {
    opType: row.op,
    inputs: row.inputs,
    attrs: row.attrs,
    opset: row.opset,
    outputs: row.outputs,
  });
  expect(outputs.map((o) => o.shape)).toEqual(row.shapes);
  expect(outputs.map((o) => o.dtype)).toEqual(row.dtypes ?? row.shapes.map(() => 'float32'));
  expect(cost?.flops).toBe(row.flops);
}
