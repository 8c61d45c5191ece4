import { describe, expect, it } from 'vitest';
import { ops } from '../../../src/analyzers/ops/controlflow.js';
import type { TensorInfo } from '../../../src/analyzers/types.js';
import type { Dim, Graph } from '../../../src/model/ir.js';
import { at } from '../../../src/util/at.js';
import { f32, i64, opContext, opFinder, type TestAttr } from '../../helpers/op-context.js';

const byType = opFinder(ops, 'controlflow');

const graph = (name: string): Graph => ({
  name,
  nodes: [],
  inputs: [],
  outputs: [],
  valueInfo: [],
  initializers: new Map(),
  sparseInitializers: new Map(),
});
const graphAttr = (name: string): TestAttr => ({ type: 'graph', value: graph(name) });

type Body = (inputs: readonly TensorInfo[]) => TensorInfo[];

/** Runs a control-flow op with fake bodies keyed by graph name; records what each body was given. */
function run(
  type: string,
  c: { inputs: (TensorInfo | null)[]; attrs: Record<string, TestAttr>; opset?: number; outputs?: number },
  bodies: Record<string, Body>,
) {
  const calls: { graph: string; inputs: readonly TensorInfo[] }[] = [];
  const bodyOf = (g: Graph): Body => {
    const body = bodies[g.name];
    if (!body) throw new Error(`no fake body for graph ${g.name}`);
    return body;
  };
  const ctx = {
    ...opContext({ ...c, opType: type }),
    inferSubgraph: (g: Graph, inputs: readonly TensorInfo[]) => {
      calls.push({ graph: g.name, inputs });
      return bodyOf(g)(inputs);
    },
    tryInferSubgraph: (g: Graph, inputs: readonly TensorInfo[]) => {
      calls.push({ graph: g.name, inputs });
      try {
        return { outputs: bodyOf(g)(inputs) };
      } catch (err) {
        return { failure: String(err), layers: 1 };
      }
    },
  };
  const def = byType(type);
  const outputs = def.inferShape(ctx);
  return { outputs, cost: def.cost?.(ctx, outputs), calls, warnings: ctx.warnings };
}

const bool = (v?: number): TensorInfo => ({ dtype: 'bool', shape: [], ...(v === undefined ? {} : { value: [v] }) });
const trueOut: TensorInfo = { dtype: 'bool', shape: [], value: [1] };

interface IfRow {
  name: string;
  cond: TensorInfo;
  then: TensorInfo[];
  else: TensorInfo[];
  shapes: (Dim[] | null)[];
  values?: (readonly number[] | null)[];
  /** Branches inferred, in order. */
  inferred: string[];
}

const ifRows: IfRow[] = [
  {
    name: 'known true takes then, values included',
    cond: bool(1),
    then: [i64([1, 2])],
    else: [i64([3])],
    shapes: [[2]],
    values: [[1, 2]],
    inferred: ['then'],
  },
  {
    name: 'known false takes else',
    cond: bool(0),
    then: [f32(2, 3)],
    else: [f32(4)],
    shapes: [[4]],
    inferred: ['else'],
  },
  {
    name: 'unknown cond: agreeing dims stay, differing dims become symbolic',
    cond: bool(),
    then: [f32(2, 3)],
    else: [f32(2, 5)],
    shapes: [[2, 'If_0:0:1']],
    inferred: ['then', 'else'],
  },
  {
    name: 'unknown cond: different ranks give an unknown shape',
    cond: bool(),
    then: [f32(2, 3)],
    else: [f32(6)],
    shapes: [null],
    inferred: ['then', 'else'],
  },
  {
    name: 'unknown cond: equal values survive',
    cond: bool(),
    then: [i64([7])],
    else: [i64([7])],
    shapes: [[1]],
    values: [[7]],
    inferred: ['then', 'else'],
  },
  {
    name: 'unknown cond: different values are dropped',
    cond: bool(),
    then: [i64([7])],
    else: [i64([8])],
    shapes: [[1]],
    values: [null],
    inferred: ['then', 'else'],
  },
];

describe('If', () => {
  it.each(ifRows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { outputs, cost, calls } = run(
      'If',
      {
        inputs: [r.cond],
        attrs: { then_branch: graphAttr('then'), else_branch: graphAttr('else') },
        outputs: r.shapes.length,
      },
      { then: () => r.then, else: () => r.else },
    );
    expect(outputs.map((o) => o.shape)).toEqual(r.shapes);
    r.values?.forEach((v, i) =>
      v === null ? expect(at(outputs, i).value).toBeUndefined() : expect(at(outputs, i).value).toEqual(v),
    );
    expect(calls.map((c) => c.graph)).toEqual(r.inferred);
    expect(calls.every((c) => c.inputs.length === 0)).toBe(true);
    expect(cost).toEqual({ flops: 0, memory: 'none', paramInputs: [] });
  });

  it('throws when a branch has the wrong number of outputs', () => {
    expect(() =>
      run(
        'If',
        { inputs: [bool()], attrs: { then_branch: graphAttr('then'), else_branch: graphAttr('else') } },
        {
          then: () => [f32(1)],
          else: () => [f32(1), f32(2)],
        },
      ),
    ).toThrow(/outputs/);
  });

  it('unknown cond: a branch that fails gives the outputs of the other, values included, and a warning', () => {
    const ctx = { inputs: [bool()], attrs: { then_branch: graphAttr('then'), else_branch: graphAttr('else') } };
    const fails = () => {
      throw new Error('X must be 3-D, got rank 5');
    };
    const { outputs, calls, warnings } = run('If', ctx, { then: () => [i64([2, 3])], else: fails });
    expect(outputs.map((o) => [o.shape, o.value, o.isConstant])).toEqual([[[2], [2, 3], undefined]]);
    expect(calls.map((c) => c.graph)).toEqual(['then', 'else']);
    expect(warnings).toEqual([
      expect.stringMatching(/^else_branch cannot run .* outputs are the then_branch's: .*rank 5/),
    ]);
    expect(() => run('If', ctx, { then: fails, else: fails })).toThrow(/neither branch can run/);
  });

  it('throws without its branches', () => {
    expect(() => run('If', { inputs: [bool(1)], attrs: {} }, {})).toThrow(/then_branch/);
  });
});

interface LoopRow {
  name: string;
  /** Node inputs: M, cond, carried... */
  inputs: (TensorInfo | null)[];
  /** Body outputs: cond, carried..., scan outputs... */
  body: TensorInfo[];
  outputs: number;
  shapes: (Dim[] | null)[];
  /** Body runs per run of the Loop (its cost's bodyRuns): the trip count, null when only known at run time. */
  runs: number | null;
}

const loopRows: LoopRow[] = [
  {
    name: 'known trip count, no cond: scan outputs get M as leading dim',
    inputs: [i64([5], []), null, f32(2, 3)],
    body: [trueOut, f32(2, 3), f32(4)],
    outputs: 2,
    shapes: [
      [2, 3],
      [5, 4],
    ],
    runs: 5,
  },
  {
    name: 'known trip count, cond known true',
    inputs: [i64([3], []), bool(1), f32(2)],
    body: [trueOut, f32(2), f32(1, 8)],
    outputs: 2,
    shapes: [[2], [3, 1, 8]],
    runs: 3,
  },
  {
    name: 'body cond not known true: may exit early, dynamic trip count',
    inputs: [i64([5], []), null, f32(2)],
    body: [bool(), f32(2), f32(4)],
    outputs: 2,
    shapes: [[2], ['Loop_0:1:0', 4]],
    runs: null,
  },
  {
    name: 'unknown M',
    inputs: [{ dtype: 'int64', shape: [] }, null],
    body: [trueOut, f32(4)],
    outputs: 1,
    shapes: [['Loop_0:0:0', 4]],
    runs: null,
  },
  {
    name: 'INT64_MAX M is a while loop',
    inputs: [i64([Number(9223372036854775807n)], []), bool(1)],
    body: [trueOut, f32(4)],
    outputs: 1,
    shapes: [['Loop_0:0:0', 4]],
    runs: null,
  },
  {
    name: 'M = 0 runs no iteration',
    inputs: [i64([0], []), null],
    body: [bool(), f32(4)],
    outputs: 1,
    shapes: [[0, 4]],
    runs: 0,
  },
  {
    name: 'carried state that grows gets a symbolic dim',
    inputs: [i64([4], []), null, f32(1, 3)],
    body: [trueOut, f32(2, 3)],
    outputs: 1,
    shapes: [['Loop_0:0:0', 3]],
    runs: 4,
  },
];

describe('Loop', () => {
  it.each(loopRows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { outputs, cost } = run(
      'Loop',
      { inputs: r.inputs, attrs: { body: graphAttr('body') }, outputs: r.outputs },
      { body: () => r.body },
    );
    expect(outputs.map((o) => o.shape)).toEqual(r.shapes);
    expect(cost).toEqual({ flops: 0, memory: 'none', paramInputs: [], bodyRuns: r.runs });
  });

  it('a body that fails with these inputs: a warning, and the outputs the body declares, never an abort', () => {
    const body: Graph = {
      ...graph('body'),
      outputs: [
        { name: 'c', dtype: 'bool', shape: [] },
        { name: 'acc', dtype: 'float32', shape: [2] },
      ],
    };
    const { outputs, cost, warnings } = run(
      'Loop',
      { inputs: [i64([3], []), null, f32(2)], attrs: { body: { type: 'graph', value: body } }, outputs: 1 },
      {
        body: () => {
          throw new Error('X must be 3-D, got rank 5');
        },
      },
    );
    expect(outputs.map((o) => [o.dtype, o.shape])).toEqual([['float32', [2]]]);
    expect(warnings).toEqual([
      expect.stringMatching(/^body cannot run with these input shapes, so its 1 layers have unknown cost .*rank 5/),
    ]);
    // Whether the body exits early is not known without its cond output.
    expect(cost).toEqual({ flops: 0, memory: 'none', paramInputs: [], bodyRuns: null });
  });

  it('gives the body iteration_num, cond = true and the carried values without their folded values', () => {
    const { calls } = run(
      'Loop',
      { inputs: [i64([5], []), null, i64([1, 2])], attrs: { body: graphAttr('body') }, outputs: 1 },
      { body: () => [trueOut, i64([3, 4])] },
    );
    expect(at(calls, 0).inputs).toEqual([
      { dtype: 'int64', shape: [] },
      { dtype: 'bool', shape: [], value: [1] },
      { dtype: 'int64', shape: [2] },
    ]);
  });

  it('throws when the body has the wrong number of outputs', () => {
    expect(() =>
      run(
        'Loop',
        { inputs: [i64([2], []), null, f32(1)], attrs: { body: graphAttr('body') }, outputs: 1 },
        { body: () => [trueOut] },
      ),
    ).toThrow(/outputs/);
  });
});

describe('Scan', () => {
  it('scan-9: slices along axis 0, stacks the per-iteration outputs', () => {
    const { outputs, calls, cost } = run(
      'Scan',
      { inputs: [f32(2), f32(10, 3)], attrs: { body: graphAttr('body'), num_scan_inputs: 1 }, opset: 11, outputs: 2 },
      { body: () => [f32(2), f32(4)] },
    );
    expect(at(calls, 0).inputs).toEqual([f32(2), f32(3)]);
    expect(outputs.map((o) => o.shape)).toEqual([[2], [10, 4]]);
    // The body runs once per slice.
    expect(cost).toEqual({ flops: 0, memory: 'none', paramInputs: [], bodyRuns: 10 });
  });

  it('scan_input_axes and scan_output_axes', () => {
    const { outputs, calls } = run(
      'Scan',
      {
        inputs: [f32(2), f32(3, 10)],
        attrs: { body: graphAttr('body'), num_scan_inputs: 1, scan_input_axes: [1], scan_output_axes: [-1] },
        opset: 16,
        outputs: 2,
      },
      { body: () => [f32(2), f32(4, 5)] },
    );
    expect(at(at(calls, 0).inputs, 1).shape).toEqual([3]);
    expect(outputs.map((o) => o.shape)).toEqual([[2], [4, 5, 10]]);
  });

  it('scan-8: batch axis 0 and sequence axis 1', () => {
    const { outputs, calls, cost } = run(
      'Scan',
      {
        inputs: [null, f32(4, 2), f32(4, 10, 3)],
        attrs: { body: graphAttr('body'), num_scan_inputs: 1 },
        opset: 8,
        outputs: 2,
      },
      { body: () => [f32(2), f32(5)] },
    );
    expect(at(calls, 0).inputs.map((t) => t.shape)).toEqual([[2], [3]]);
    expect(outputs.map((o) => o.shape)).toEqual([
      [4, 2],
      [4, 10, 5],
    ]);
    // Once per batch entry and step.
    expect(cost?.bodyRuns).toBe(4 * 10);
  });

  it('throws when scan inputs disagree on the sequence length', () => {
    expect(() =>
      run(
        'Scan',
        {
          inputs: [f32(10, 3), f32(9, 3)],
          attrs: { body: graphAttr('body'), num_scan_inputs: 2 },
          opset: 11,
          outputs: 1,
        },
        { body: () => [f32(1)] },
      ),
    ).toThrow(/sequence length/);
  });
});
