import { describe, expect, it } from 'vitest';
import { ops, sequenceContents } from '../../../src/analyzers/ops/sequence.js';
import type { TensorInfo } from '../../../src/analyzers/types.js';
import type { Dim } from '../../../src/model/ir.js';
import { at } from '../../../src/util/at.js';
import { f32, i64, opContext, runOp, type TestAttr, opFinder } from '../../helpers/op-context.js';

const op = opFinder(ops, 'sequence');

/** Runs one op and returns its first output and cost. */
function run(opType: string, inputs: (TensorInfo | null)[], attrs?: Record<string, TestAttr>) {
  const { outputs, cost } = runOp(op(opType), { opType, inputs, attrs });
  return { out: at(outputs, 0), cost };
}

const scalarI64 = (v: number): TensorInfo => ({ dtype: 'int64', shape: [], value: [v], isConstant: true });
const unknownI64: TensorInfo = { dtype: 'int64', shape: [] };

/** A sequence of the given element shapes, built by SequenceConstruct. */
const seqOf = (...shapes: Dim[][]): TensorInfo =>
  run(
    'SequenceConstruct',
    shapes.map((s) => f32(...s)),
  ).out;

describe('sequence family: representation', () => {
  it('a sequence is its element dtype with no tensor shape, plus the known contents', () => {
    const s = seqOf([2, 3], [4, 3]);
    expect(s.dtype).toBe('float32');
    expect(s.shape).toBeNull();
    expect(sequenceContents(s)).toEqual({
      length: 2,
      elements: [f32(2, 3), f32(4, 3)],
      template: { dtype: 'float32', dims: [null, 3] },
    });
  });
  it('an input without contents (a graph input, a Loop-carried sequence) is an unknown sequence', () => {
    const { out } = run('SequenceLength', [{ dtype: null, shape: null }]);
    expect(out).toEqual({ dtype: 'int64', shape: [] });
  });
});

interface Row {
  name: string;
  op: string;
  inputs: (TensorInfo | null)[];
  attrs?: Record<string, TestAttr>;
  shape: Dim[] | null;
  value?: number[];
  length?: number | null;
  flops?: number;
}

const rows: Row[] = [
  {
    name: 'SequenceEmpty has length 0 and the dtype attribute',
    op: 'SequenceLength',
    inputs: [run('SequenceEmpty', [], { dtype: 7 }).out],
    shape: [],
    value: [0],
  },
  {
    name: 'SequenceInsert appends at the end by default (test_sequence_model1)',
    op: 'SequenceAt',
    inputs: [
      run('SequenceInsert', [run('SequenceInsert', [run('SequenceEmpty', []).out, f32(2, 3, 4)]).out, f32(1, 3, 4)])
        .out,
      scalarI64(-1),
    ],
    shape: [1, 3, 4],
  },
  {
    name: 'SequenceInsert at position 0',
    op: 'SequenceAt',
    inputs: [run('SequenceInsert', [seqOf([2, 3]), f32(5, 3), scalarI64(0)]).out, scalarI64(0)],
    shape: [5, 3],
  },
  {
    name: 'SequenceErase removes the last by default',
    op: 'SequenceLength',
    inputs: [run('SequenceErase', [seqOf([2], [3], [4])]).out],
    shape: [],
    value: [2],
  },
  {
    name: 'SequenceErase at a negative position',
    op: 'SequenceAt',
    inputs: [run('SequenceErase', [seqOf([2], [3], [4]), scalarI64(-3)]).out, scalarI64(0)],
    shape: [3],
  },
  {
    name: 'SequenceAt at an unknown position: dims that differ become dims of the output',
    op: 'SequenceAt',
    inputs: [seqOf([2, 3], [4, 3]), unknownI64],
    shape: ['SequenceAt_0:0:0', 3],
  },
  {
    name: 'SequenceInsert at an unknown position keeps the length and the common template',
    op: 'SequenceAt',
    inputs: [run('SequenceInsert', [seqOf([2, 3]), f32(2, 3), unknownI64]).out, scalarI64(1)],
    shape: [2, 3],
  },
  {
    name: 'SequenceLength after an insert at an unknown position',
    op: 'SequenceLength',
    inputs: [run('SequenceInsert', [seqOf([2, 3]), f32(2, 3), unknownI64]).out],
    shape: [],
    value: [2],
  },
  {
    name: 'SplitToSequence without split: one element per index, keepdims 1',
    op: 'SequenceAt',
    inputs: [run('SplitToSequence', [f32(2, 3, 4)], { axis: -1 }).out, scalarI64(2)],
    shape: [2, 3, 1],
  },
  {
    name: 'SplitToSequence keepdims 0 drops the axis (test_sequence_model7)',
    op: 'SequenceAt',
    inputs: [run('SplitToSequence', [f32(2, 3, 4)], { keepdims: 0 }).out, scalarI64(1)],
    shape: [3, 4],
  },
  {
    name: 'SplitToSequence length without split (test_sequence_model6)',
    op: 'SequenceLength',
    inputs: [run('SplitToSequence', [f32(2, 3, 4)], { axis: -1 }).out],
    shape: [],
    value: [4],
  },
  {
    name: 'SplitToSequence scalar split: chunks of 2, the last smaller',
    op: 'SequenceAt',
    inputs: [run('SplitToSequence', [f32(7, 3), scalarI64(2)]).out, scalarI64(-1)],
    shape: [1, 3],
  },
  {
    name: 'SplitToSequence with a 1-D split',
    op: 'SequenceAt',
    inputs: [run('SplitToSequence', [f32(6, 3), i64([1, 2, 3])]).out, scalarI64(2)],
    shape: [3, 3],
  },
  {
    name: 'SplitToSequence with unknown 1-D split sizes: length from the split length (test_sequence_model8)',
    op: 'SequenceLength',
    inputs: [run('SplitToSequence', [f32('n'), { dtype: 'int64', shape: [3] }]).out],
    shape: [],
    value: [3],
  },
  {
    name: 'ConcatFromSequence axis 1 (test_sequence_model4)',
    op: 'ConcatFromSequence',
    inputs: [seqOf([2, 3, 4], [2, 3, 4], [2, 3, 4])],
    attrs: { axis: 1 },
    shape: [2, 9, 4],
    flops: 0,
  },
  {
    name: 'ConcatFromSequence new_axis stacks at the end (test_sequence_model5)',
    op: 'ConcatFromSequence',
    inputs: [seqOf([2, 3, 4], [2, 3, 4], [2, 3, 4])],
    attrs: { axis: -1, new_axis: 1 },
    shape: [2, 3, 4, 3],
  },
  {
    name: 'ConcatFromSequence of elements with different sizes on the axis',
    op: 'ConcatFromSequence',
    inputs: [seqOf([2, 3], [5, 3])],
    attrs: { axis: 0 },
    shape: [7, 3],
  },
  {
    name: 'ConcatFromSequence from a template of known length and a common axis size',
    op: 'ConcatFromSequence',
    inputs: [run('SequenceInsert', [seqOf([2, 3]), f32(2, 3), unknownI64]).out],
    attrs: { axis: 0 },
    shape: [4, 3],
  },
  {
    name: 'ConcatFromSequence of an unknown sequence: shape unknown',
    op: 'ConcatFromSequence',
    inputs: [{ dtype: 'float32', shape: null }],
    attrs: { axis: 0 },
    shape: null,
  },
];

describe('sequence family: shapes through chains of sequence ops', () => {
  it.each(rows)('$name', (row) => {
    const { out, cost } = run(row.op, row.inputs, row.attrs);
    expect(out.shape).toEqual(row.shape);
    if (row.value) expect(out.value).toEqual(row.value);
    if (row.flops !== undefined) expect(cost?.flops).toBe(row.flops);
  });
});

describe('sequence family: values and cost', () => {
  it('SequenceAt returns the element with its folded values', () => {
    const { out } = run('SequenceAt', [run('SequenceConstruct', [i64([3, 4]), i64([5])]).out, scalarI64(0)]);
    expect(out).toEqual({ dtype: 'int64', shape: [2], value: [3, 4] });
  });
  it('SequenceConstruct counts a copy of its inputs; SequenceEmpty and SequenceLength are metadata', () => {
    expect(run('SequenceConstruct', [f32(2, 3), f32(4, 3)]).cost).toEqual({
      flops: 0,
      memory: { elements: 2 * 18, bytes: 2 * 18 * 4 },
      paramInputs: [],
    });
    expect(run('SequenceEmpty', []).cost?.memory).toBe('none');
    expect(run('SequenceLength', [seqOf([1])]).cost?.memory).toBe('none');
  });
  it('SequenceAt reads only the element it copies out (plus the position)', () => {
    expect(run('SequenceAt', [seqOf([2, 3], [4, 3]), scalarI64(1)]).cost?.memory).toEqual({
      elements: 2 * 12 + 1,
      bytes: 2 * 12 * 4 + 8,
    });
  });
  it('SequenceMap infers the body once on the element template; lengths carry over', () => {
    const ctx = opContext({
      opType: 'SequenceMap',
      inputs: [seqOf([2, 3], [4, 3]), f32(3)],
      attrs: {
        body: {
          type: 'graph',
          value: {
            name: 'body',
            nodes: [],
            inputs: [],
            outputs: [],
            valueInfo: [],
            initializers: new Map(),
            sparseInitializers: new Map(),
          },
        },
      },
    });
    const seen: (readonly TensorInfo[])[] = [];
    const out = op('SequenceMap').inferShape({
      ...ctx,
      inferSubgraph: (_g, formals) => {
        seen.push(formals);
        // body: y = x + t, plus a dim the body makes up (data-dependent)
        return [{ dtype: 'float32', shape: [at(formals, 0).shape?.[0] ?? 'x', 3, 'NonZero_7:0:1'] }];
      },
    });
    expect(seen).toEqual([[f32('SequenceMap_0:element0:0', 3), f32(3)]]);
    expect(sequenceContents(out[0])).toEqual({
      length: 2,
      elements: null,
      template: { dtype: 'float32', dims: [null, 3, null] },
    });
  });
});

describe('sequence family: structural errors', () => {
  it('SequenceAt out of range', () => {
    expect(() => run('SequenceAt', [seqOf([2], [3]), scalarI64(2)])).toThrow(
      /position 2 is out of range for a sequence of 2 elements/,
    );
  });
  it('SequenceErase from an empty sequence', () => {
    expect(() => run('SequenceErase', [run('SequenceEmpty', []).out])).toThrow(
      /position -1 is out of range for a sequence of 0 elements/,
    );
  });
  it('SequenceConstruct of mixed dtypes', () => {
    expect(() => run('SequenceConstruct', [f32(2), i64([1])])).toThrow(/different dtypes/);
  });
  it('SplitToSequence sizes that do not sum to the dim', () => {
    expect(() => run('SplitToSequence', [f32(6, 3), i64([1, 2])])).toThrow(/do not sum to 6/);
  });
  it('ConcatFromSequence elements that disagree off the axis', () => {
    expect(() => run('ConcatFromSequence', [seqOf([2, 3], [2, 4])], { axis: 0 })).toThrow(/disagree on dim 1/);
  });
});
