import { describe, expect, it } from 'vitest';
import { type VersionedOpDef, withOpsets } from '../../src/analyzers/opset-range.js';
import { buildRegistry, lookupOp, OP_FAMILIES, resolveOp } from '../../src/analyzers/registry.js';
import { UNKNOWN_TENSOR, type OpDef } from '../../src/analyzers/types.js';
import { OpSpecError } from '../../src/errors.js';

/** A definition that infers nothing: the registry looks only at opType, domain and the opset range. */
const stub = (opType: string, domain?: string): OpDef => ({
  opType,
  ...(domain ? { domain } : {}),
  category: 'other',
  inferShape: (ctx) => ctx.node.outputs.map(() => UNKNOWN_TENSOR),
});
const versioned = (opType: string, since: number, until?: number): VersionedOpDef => ({
  ...stub(opType),
  since,
  ...(until === undefined ? {} : { until }),
});

describe('op registry: lookup by (domain, opType, opset)', () => {
  it('an op below its first opset is out of range, with the reason a "cost unknown" warning gives', () => {
    // LayerNormalization first appears in ai.onnx opset 17 (Operators.md).
    expect(resolveOp('', 'LayerNormalization', 16)).toEqual({
      kind: 'opset-out-of-range',
      reason: 'LayerNormalization is not in ai.onnx opset 16 (it first appears in opset 17)',
    });
    expect(lookupOp('', 'LayerNormalization', 16)).toBeUndefined();
    const at17 = resolveOp('', 'LayerNormalization', 17);
    expect(at17.kind === 'found' && at17.def.opType).toBe('LayerNormalization');
    expect(lookupOp('', 'LayerNormalization', 24)?.since).toBe(17);
  });

  it('an op nobody defines is unknown at every opset; domains are matched after normalisation', () => {
    expect(resolveOp('', 'NoSuchOp', 13)).toEqual({ kind: 'unknown' });
    expect(resolveOp('com.example', 'Relu', 13)).toEqual({ kind: 'unknown' });
    expect(lookupOp('ai.onnx', 'Relu', 13)).toBe(lookupOp('', 'Relu', 13));
    expect(lookupOp('com.microsoft', 'FusedConv', 1)?.domain).toBe('com.microsoft');
  });

  it('without an opset, lookupOp gives the newest definition (the two-argument form callers used before ranges)', () => {
    expect(lookupOp('', 'Reshape')).toBe(lookupOp('', 'Reshape', 13));
    expect(lookupOp('', 'Reshape')?.since).toBe(1);
  });
});

describe('op registry: building', () => {
  it('two definitions of one op with overlapping ranges are a duplicate, thrown at registration', () => {
    expect(() => buildRegistry([[versioned('Foo', 1)], [versioned('Foo', 5)]])).toThrow(OpSpecError);
    expect(() => buildRegistry([[versioned('Foo', 1)], [versioned('Foo', 5)]])).toThrow(
      'duplicate op definition for ::Foo (opsets 1+ and 5+)',
    );
    expect(() => buildRegistry([[versioned('Foo', 1, 6)], [versioned('Foo', 6)]])).toThrow('(opsets 1-6 and 6+)');
    // The same op type in another domain is another key.
    expect(() =>
      buildRegistry([[versioned('Foo', 1)], [{ ...versioned('Foo', 1), domain: 'com.example' }]]),
    ).not.toThrow();
  });

  it('disjoint ranges coexist and are picked by opset; an opset past the last one says it was removed', () => {
    const old = versioned('Foo', 1, 4);
    const cur = versioned('Foo', 5, 10);
    const registry = buildRegistry([[cur, old]]);
    expect(resolveOp('', 'Foo', 3, registry)).toEqual({ kind: 'found', def: old });
    expect(resolveOp('', 'Foo', 5, registry)).toEqual({ kind: 'found', def: cur });
    expect(resolveOp('', 'Foo', 11, registry)).toEqual({
      kind: 'opset-out-of-range',
      reason: 'efflint implements Foo for ai.onnx opsets 1-4, 5-10, not 11 (it was removed after opset 10)',
    });
  });

  it('a family table must name every definition once, and nothing else', () => {
    expect(
      withOpsets([stub('A'), stub('B')], { A: 1, B: { since: 7, until: 12 } }).map((d) => [d.since, d.until]),
    ).toEqual([
      [1, undefined],
      [7, 12],
    ]);
    expect(() => withOpsets([stub('A')], {})).toThrow('no opset range for A');
    expect(() => withOpsets([stub('A')], { A: 1, B: 1 })).toThrow('opset range for B but no definition');
    expect(() => withOpsets([stub('A'), stub('A')], { A: 1 })).toThrow('lists A twice');
  });
});

describe('op families', () => {
  it('op types are unique in every family', () => {
    for (const [family, defs] of Object.entries(OP_FAMILIES))
      expect(new Set(defs.map((d) => d.opType)).size, family).toBe(defs.length);
  });
});
