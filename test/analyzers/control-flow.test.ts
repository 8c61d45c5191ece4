import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, type Analysis, type LayerReport } from '../../src/analyzers/analyze.js';
import { analyzeStructure } from '../../src/analyzers/structure.js';
import { loadModelBytes } from '../../src/model/load.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { runCli } from '../helpers/cli.js';
import { floatInit, graphProto, int64Init, node, onnx, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/**
 * If, Loop and Scan the way onnxruntime runs them (issue 11, item 1): a known condition analyses only the branch
 * that runs; under an unknown condition a branch that cannot run with these inputs becomes unknown-cost instead of
 * aborting; `folded` only where onnxruntime computes the node at load time. Output dims are compared with real
 * onnxruntime runs of the same bytes.
 */

type INodeProto = onnxProto.onnx.INodeProto;
type IGraphProto = onnxProto.onnx.IGraphProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

const { GRAPH, TENSOR } = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const BOOL = onnx.TensorProto.DataType.BOOL;
const INT64 = onnx.TensorProto.DataType.INT64;

/** LSTM hidden size and the width of the head MatMul after the If. */
const H = 5;
const OUT = 3;
/** Per-element FLOPs from src/analyzers/cost-model.ts: Relu one compare, Sigmoid exp+add+div, Tanh exp+2 adds+div. */
const RELU = 1;
const SIGMOID = 3;
const TANH = 4;

/** A value_info with a dtype and no shape (branch and graph outputs: onnxruntime then checks nothing against it). */
const untyped = (name: string, elemType: number = FLOAT): IValueInfoProto => ({
  name,
  type: { tensorType: { elemType } },
});

function ifNode(
  name: string,
  cond: string,
  outputs: string[],
  thenBranch: IGraphProto,
  elseBranch: IGraphProto,
): INodeProto {
  return {
    opType: 'If',
    name,
    input: [cond],
    output: outputs,
    attribute: [
      { name: 'then_branch', type: GRAPH, g: thenBranch },
      { name: 'else_branch', type: GRAPH, g: elseBranch },
    ],
  };
}

function constantNode(name: string, output: string, dims: number[]): INodeProto {
  return {
    opType: 'Constant',
    name,
    input: [],
    output: [output],
    attribute: [{ name: 'value', type: TENSOR, t: floatInit(output, dims) }],
  };
}

/**
 * A speech-model pattern: `x: [T, B, F]`, `c = Shape(x)[2] == 4`, `y = If(c)`, `z = MatMul(y, Wout)`.
 * - then_branch (F == 4): `Relu(MatMul(x, Wt[4, H]))`.
 * - else_branch: `Reshape(x, Concat([0, 0], tail))` then an LSTM (needs rank 3) and Squeeze. With `tail: 'size'`
 *   the tail is `[-1, 1, 1][0 : 7 - F]`: rank 3 for F = 6 (the size it is written for), rank 5 for F = 4. With
 *   `tail: 'rank'` it is `[-1, 1, 1][0 : rank(x)]`: always rank 5, which efflint sees even when F is symbolic.
 */
function speechModel(tail: 'size' | 'rank', probe = false): Uint8Array {
  const elseNodes: INodeProto[] =
    tail === 'size'
      ? [node('Sub', ['seven', 'f'], ['n'], {}, 'seven_minus_f'), node('Unsqueeze', ['n', 'ax0'], ['end'], {}, 'end')]
      : [node('Shape', ['s'], ['end'], {}, 'rank')];
  const elseBranch = graphProto(
    {
      inputs: [],
      outputs: [untyped('ye')],
      initializers: [
        floatInit('W2', [1, 4 * H, 6]),
        floatInit('R2', [1, 4 * H, H]),
        int64Init('pattern', [-1, 1, 1]),
        int64Init('keep', [0, 0]),
      ],
      nodes: [
        ...elseNodes,
        node('Slice', ['pattern', 'zero', 'end'], ['tail'], {}, 'tail'),
        node('Concat', ['keep', 'tail'], ['target'], { axis: 0 }, 'target'),
        node('Reshape', ['x', 'target'], ['xr'], {}, 'reshape'),
        node('LSTM', ['xr', 'W2', 'R2'], ['Y'], { hidden_size: H }, 'lstm'),
        node('Squeeze', ['Y', 'ax1'], ['ye'], {}, 'squeeze'),
      ],
    },
    'else',
  );
  const thenBranch = graphProto(
    {
      inputs: [],
      outputs: [untyped('yt')],
      initializers: [floatInit('Wt', [4, H])],
      nodes: [node('MatMul', ['x', 'Wt'], ['mt'], {}, 'matmul'), node('Relu', ['mt'], ['yt'], {}, 'relu')],
    },
    'then',
  );
  const ifN = ifNode('if', 'c', ['y'], thenBranch, elseBranch);
  // The probed copy also returns the branch's float intermediates (not its output, already y), so onnxruntime shows
  // their shapes. (A name listed twice among a branch's outputs crashes onnxruntime 1.x.)
  const probes = probe ? probeIf(ifN, { then: ['mt'], else: ['xr', 'Y'] }) : [];
  return tinyModel({
    inputs: [tensorInfo('x', ['T', 'B', 'F'])],
    outputs: [untyped('z'), ...probes.map((n) => untyped(n))],
    initializers: [
      int64Init('two', [2], []),
      int64Init('four', [4], []),
      int64Init('seven', [7], []),
      int64Init('zero', [0]),
      int64Init('ax0', [0]),
      int64Init('ax1', [1]),
      floatInit('Wout', [H, OUT]),
    ],
    nodes: [
      node('Shape', ['x'], ['s'], {}, 'shape'),
      node('Gather', ['s', 'two'], ['f'], {}, 'f'),
      node('Equal', ['f', 'four'], ['c'], {}, 'is4'),
      ifN,
      node('MatMul', ['y', 'Wout'], ['z'], {}, 'head'),
    ],
  });
}

/**
 * Makes an If also return intermediate float values of its branches (`probe_0`, `probe_1`...: the i-th name of the
 * branch that runs), padding the shorter list with a constant so both branches have as many outputs. Returns the new
 * output names, for the caller to add as graph outputs: onnxruntime then reports the shapes it computed inside the
 * branch.
 */
function probeIf(ifN: INodeProto, probes: { then: string[]; else: string[] }): string[] {
  const count = Math.max(probes.then.length, probes.else.length);
  for (const attr of ifN.attribute ?? []) {
    const g = attr.g as IGraphProto;
    const names = attr.name === 'then_branch' ? probes.then : probes.else;
    for (let i = 0; i < count; i++) {
      let name = names[i];
      if (name === undefined) {
        name = `${attr.name}_pad_${i}`;
        g.node = [...(g.node ?? []), constantNode(name, name, [1])];
      }
      g.output = [...(g.output ?? []), untyped(name)];
    }
  }
  const outs = Array.from({ length: count }, (_, i) => `probe_${i}`);
  ifN.output = [...(ifN.output ?? []), ...outs];
  return outs;
}

/** The shape a layer of `scope` gives its output `tensor`. */
function shapeIn(a: Analysis, scope: string, tensor: string): readonly unknown[] | null {
  for (const l of a.layers) {
    const i = l.outputs.indexOf(tensor);
    if (l.scope === scope && i >= 0) return at(l.outputShapes, i);
  }
  throw new Error(`no layer of ${scope} writes ${tensor}`);
}

/** Runs a model in onnxruntime (no graph optimisation) on the given feeds; returns every output's dims. */
async function runtimeDimsOf(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, readonly number[]>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  const out = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.dims]));
}

const zeros = (dims: number[]): ort.Tensor =>
  new ort.Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);
const int64Scalar = (v: number): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from([BigInt(v)]), []);

const analyze = (bytes: Uint8Array, inputShapes?: Record<string, number[]>): Analysis =>
  analyzeModel(loadModelBytes(bytes, { path: 'cf.onnx' }), { inputShapes });

const layer = (a: Analysis, name: string): LayerReport => {
  const l = a.layers.find((x) => x.name === name);
  if (!l) throw new Error(`no layer ${name} in ${a.layers.map((x) => x.name).join(', ')}`);
  return l;
};
const inScope = (a: Analysis, prefix: string): string[] =>
  a.layers.filter((l) => l.scope.startsWith(prefix)).map((l) => l.name);

/** Runs the model in onnxruntime on zeros of the given shape; returns every output's dims. */
async function runtimeDims(
  bytes: Uint8Array,
  inputs: Record<string, number[]>,
  level: 'disabled' | 'all' = 'all',
): Promise<Record<string, readonly number[]>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level, logSeverityLevel: 3 });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, dims] of Object.entries(inputs)) {
    feeds[name] = new ort.Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);
  }
  const out = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.dims]));
}

const outputDims = (a: Analysis): Record<string, readonly unknown[] | null> =>
  Object.fromEntries(a.outputs.map((o) => [o.name, o.shape]));

describe('If with a condition that folds: only the taken branch', () => {
  const bytes = speechModel('size');

  it('F = 4 takes then_branch: the else_branch (rank 5 into an LSTM at this size) is neither inferred nor counted', async () => {
    const a = analyze(bytes, { x: [3, 2, 4] });
    expect(inScope(a, 'if/')).toEqual(['if/then/matmul', 'if/then/relu']);
    expect(a.warnings.filter((w) => w.includes('cannot run'))).toEqual([]);
    // T*B rows: MatMul 4*H multiply-adds and H compares each, then the head's H*OUT.
    const rows = 3 * 2;
    expect(a.totals.flops).toBe(rows * 4 * H + rows * H * RELU + rows * H * OUT);
    expect(a.totals.params).toBe(4 * H + H * OUT);
    expect(a.totals.unknownCostLayers).toEqual([]);
    expect(outputDims(a)).toEqual(await runtimeDims(bytes, { x: [3, 2, 4] }));
  });

  it('F = 6 takes else_branch: its LSTM is costed, then_branch is not', async () => {
    const a = analyze(bytes, { x: [3, 2, 6] });
    expect(inScope(a, 'if/')).toEqual([
      'if/else/seven_minus_f',
      'if/else/end',
      'if/else/tail',
      'if/else/target',
      'if/else/reshape',
      'if/else/lstm',
      'if/else/squeeze',
    ]);
    expect(layer(a, 'if/else/target').folded).toBe(true);
    expect(layer(a, 'if/else/reshape').outputShapes).toEqual([[3, 2, 6]]);
    // LSTM per step and batch row: 4 gates x H x (input + H) multiply-adds, then per unit 3 sigmoids, 2 tanhs, 3 products.
    const lstm = 3 * 2 * (4 * H * (6 + H) + H * (3 * SIGMOID + 2 * TANH + 3));
    expect(layer(a, 'if/else/lstm').flops).toBe(lstm);
    expect(a.totals.flops).toBe(lstm + 3 * 2 * H * OUT);
    expect(a.totals.params).toBe(4 * H * 6 + 4 * H * H + H * OUT);
    expect(outputDims(a)).toEqual(await runtimeDims(bytes, { x: [3, 2, 6] }));
  });
});

describe('If with an unknown condition: a branch that cannot run is unknown-cost, never an abort', () => {
  const bytes = speechModel('rank');
  const dir = mkdtempSync(join(tmpdir(), 'efflint-cf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('F symbolic: both branches inferred, else_branch listed with unknown cost and one warning', () => {
    const a = analyze(bytes);
    const elseLayers = a.layers.filter((l) => l.scope === 'if/else');
    expect(elseLayers.map((l) => l.name)).toEqual([
      'if/else/rank',
      'if/else/tail',
      'if/else/target',
      'if/else/reshape',
      'if/else/lstm',
      'if/else/squeeze',
    ]);
    expect(elseLayers.every((l) => l.flops === null && l.outputShapes.every((s) => s === null) && !l.folded)).toBe(
      true,
    );
    expect(a.totals.unknownCostLayers).toEqual(expect.arrayContaining(elseLayers.map((l) => l.name)));
    expect(a.warnings).toContain(
      'node "if" (If): else_branch cannot run with these input shapes, so its 6 layers have unknown cost and the outputs are the then_branch\'s: node "lstm" (LSTM): LSTM: X must be 3-D, got rank 5',
    );
    expect(inScope(a, 'if/then')).toEqual(['if/then/matmul', 'if/then/relu']);
    // The outputs are then_branch's ([T, B, H] with T read as batch 1), so the head keeps its shape.
    expect(layer(a, 'head').outputShapes).toEqual([[1, 'B', OUT]]);
  });

  it('the same model bound to F = 4 takes then_branch, as onnxruntime does', async () => {
    const a = analyze(bytes, { x: [3, 2, 4] });
    expect(inScope(a, 'if/')).toEqual(['if/then/matmul', 'if/then/relu']);
    // At level "all" onnxruntime's own constant folding evaluates rank(x) inside the untaken branch and its shape
    // inference then rejects the LSTM at load; unoptimised, the session runs.
    expect(outputDims(a)).toEqual(await runtimeDims(bytes, { x: [3, 2, 4] }, 'disabled'));
  });

  it('`analyze` exits 0 and reports the branch in its warnings', () => {
    const file = join(dir, 'rank5-branch.onnx');
    writeFileSync(file, bytes);
    const r = runCli(['analyze', file, '--format', 'json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as Analysis;
    expect(a.warnings.some((w) => w.startsWith('node "if" (If): else_branch cannot run'))).toBe(true);
  });

  it('when neither branch can run, the If is the node that fails: it and both branches have unknown cost, with one warning', () => {
    const broken = graphProto(
      {
        inputs: [],
        outputs: [untyped('b')],
        initializers: [floatInit('Wb', [3, 4])],
        nodes: [node('Gemm', ['x', 'Wb'], ['b'], {}, 'gemm')],
      },
      'b',
    );
    const model = tinyModel({
      inputs: [tensorInfo('x', [2, 3, 4]), tensorInfo('c', [], BOOL)],
      outputs: [untyped('y')],
      nodes: [ifNode('if', 'c', ['y'], broken, broken)],
    });
    const a = analyze(model);
    expect(a.layers.map((l) => [l.name, l.flops])).toEqual([
      ['if', null],
      ['if/then/gemm', null],
      ['if/else/gemm', null],
    ]);
    const failure = a.warnings.filter((w) => w.startsWith('node "if" (If): '));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(
      /^node "if" \(If\): If: neither branch can run with these inputs: then_branch: node "gemm" \(Gemm\): .*; its cost is unknown$/,
    );
    expect(a.totals.unknownCostLayers).toEqual(['if', 'if/then/gemm', 'if/else/gemm']);
  });
});

describe('folded: only what onnxruntime computes at load time', () => {
  it('an If whose constant condition takes a branch that reads the graph input is not folded, nor is what follows', () => {
    const a = analyze(speechModel('size'), { x: [3, 2, 4] });
    const folded = Object.fromEntries(a.layers.map((l) => [l.name, l.folded]));
    expect(folded).toEqual({
      shape: false,
      f: true,
      is4: true,
      if: false,
      'if/then/matmul': false,
      'if/then/relu': false,
      head: false,
    });
    // `y` is a run-time tensor: the head counts Wout only.
    expect(layer(a, 'head').params).toBe(H * OUT);
  });

  it('an If whose constant condition takes a branch that reads only constants is folded, and its output is a weight', async () => {
    const thenBranch = graphProto(
      {
        inputs: [],
        outputs: [untyped('wt')],
        nodes: [node('Transpose', ['Wa'], ['wt'], { perm: [1, 0] }, 'transpose')],
      },
      'then',
    );
    const elseBranch = graphProto(
      { inputs: [], outputs: [untyped('we')], nodes: [node('Identity', ['Wb'], ['we'], {}, 'id')] },
      'else',
    );
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [2, 4])],
      outputs: [untyped('y')],
      initializers: [
        floatInit('Wa', [H, 4]),
        floatInit('Wb', [4, H]),
        int64Init('one', [1], []),
        int64Init('four', [4], []),
      ],
      nodes: [
        node('Shape', ['x'], ['s'], {}, 'shape'),
        node('Gather', ['s', 'one'], ['f'], {}, 'f'),
        node('Equal', ['f', 'four'], ['c'], {}, 'is4'),
        ifNode('if', 'c', ['w'], thenBranch, elseBranch),
        node('MatMul', ['x', 'w'], ['y'], {}, 'proj'),
      ],
    });
    const a = analyze(bytes);
    expect(layer(a, 'if').folded).toBe(true);
    expect(inScope(a, 'if/')).toEqual(['if/then/transpose']);
    expect(layer(a, 'if/then/transpose').folded).toBe(true);
    expect(layer(a, 'proj').folded).toBe(false);
    expect(a.totals.params).toBe(4 * H);
    expect(a.totals.flops).toBe(2 * 4 * H);
    expect(outputDims(a)).toEqual(await runtimeDims(bytes, { x: [2, 4] }));
  });

  it('a Loop whose inputs are all constant but whose body reads the graph input is not folded, nor is what follows', async () => {
    // acc = 0; for i < 3: acc = acc + x; y = acc * Wm (a weight).
    const body = graphProto(
      {
        inputs: [tensorInfo('i', [], INT64), tensorInfo('cond_in', [], BOOL)].concat(tensorInfo('acc_in', [2, 4])),
        outputs: [untyped('cond_out', BOOL), untyped('acc_out')],
        nodes: [
          node('Identity', ['cond_in'], ['cond_out'], {}, 'keep'),
          node('Add', ['acc_in', 'x'], ['acc_out'], {}, 'accumulate'),
        ],
      },
      'body',
    );
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [2, 4])],
      outputs: [untyped('y')],
      initializers: [
        int64Init('trips', [3], []),
        { name: 'go', dims: [], dataType: BOOL, int32Data: [1] },
        floatInit('acc0', [2, 4]),
        floatInit('Wm', [2, 4]),
      ],
      nodes: [
        {
          opType: 'Loop',
          name: 'loop',
          input: ['trips', 'go', 'acc0'],
          output: ['acc'],
          attribute: [{ name: 'body', type: GRAPH, g: body }],
        },
        node('Mul', ['acc', 'Wm'], ['y'], {}, 'scale'),
      ],
    });
    const a = analyze(bytes);
    expect(layer(a, 'loop').folded).toBe(false);
    expect(layer(a, 'loop/body/accumulate').folded).toBe(false);
    expect(layer(a, 'scale').folded).toBe(false);
    // The body runs 3 times (8 adds each); the Mul reads acc (run time, not a parameter) and the weight Wm.
    expect(layer(a, 'loop/body/accumulate').runs).toBe(3);
    expect(a.totals.flops).toBe(3 * 8 + 8);
    expect(a.totals.params).toBe(8);
    expect(outputDims(a)).toEqual(await runtimeDims(bytes, { x: [2, 4] }));
  });
});

describe('weights as Constant nodes inside branches', () => {
  // x: [N, F]; F == 4 -> x @ Constant[4, 3]; otherwise x @ Constant[8, 3].
  const thenBranch = graphProto(
    {
      inputs: [],
      outputs: [untyped('yt')],
      nodes: [constantNode('wt_const', 'Wt', [4, OUT]), node('MatMul', ['x', 'Wt'], ['yt'], {}, 'matmul')],
    },
    'then',
  );
  const elseBranch = graphProto(
    {
      inputs: [],
      outputs: [untyped('ye')],
      nodes: [constantNode('we_const', 'We', [8, OUT]), node('MatMul', ['x', 'We'], ['ye'], {}, 'matmul')],
    },
    'else',
  );
  const bytes = tinyModel({
    inputs: [tensorInfo('x', ['N', 'F'])],
    outputs: [untyped('y')],
    initializers: [int64Init('one', [1], []), int64Init('four', [4], [])],
    nodes: [
      node('Shape', ['x'], ['s'], {}, 'shape'),
      node('Gather', ['s', 'one'], ['f'], {}, 'f'),
      node('Equal', ['f', 'four'], ['c'], {}, 'is4'),
      ifNode('if', 'c', ['y'], thenBranch, elseBranch),
    ],
  });

  it.each([
    { f: 4, branch: 'then', params: 4 * OUT },
    { f: 8, branch: 'else', params: 8 * OUT },
  ])('F = $f: the $branch branch weights are the only params', async ({ f, branch, params }) => {
    const a = analyze(bytes, { x: [2, f] });
    expect(inScope(a, 'if/')).toEqual([`if/${branch}/${branch === 'then' ? 'wt' : 'we'}_const`, `if/${branch}/matmul`]);
    expect(layer(a, `if/${branch}/matmul`).params).toBe(params);
    expect(a.totals.params).toBe(params);
    expect(a.totals.flops).toBe(2 * f * OUT);
    expect(outputDims(a)).toEqual(await runtimeDims(bytes, { x: [2, f] }));
  });

  it('F unknown: either branch may run, so both count', () => {
    const a = analyze(bytes);
    expect(a.totals.params).toBe(4 * OUT + 8 * OUT);
    expect(a.warnings.filter((w) => w.includes('cannot run'))).toEqual([]);
  });
});

describe('per-node shapes inside bodies, as onnxruntime computes them', () => {
  const probed = speechModel('size', true);

  it.each([
    { f: 4, branch: 'then', probes: ['mt'], output: 'yt' },
    { f: 6, branch: 'else', probes: ['xr', 'Y'], output: 'ye' },
  ])(
    'F = $f: every float intermediate of the $branch branch has the shape onnxruntime gives it',
    async ({ f, branch, probes, output }) => {
      const a = analyze(probed, { x: [3, 2, f] });
      const measured = await runtimeDimsOf(probed, { x: zeros([3, 2, f]) });
      probes.forEach((tensor, i) => expect(shapeIn(a, `if/${branch}`, tensor), tensor).toEqual(measured[`probe_${i}`]));
      // The branch's own output is the If's output y.
      expect(shapeIn(a, `if/${branch}`, output)).toEqual(shapeIn(a, '', 'y'));
      expect(a.outputs.find((o) => o.name === 'z')?.shape).toEqual(measured.z);
    },
  );
});

/**
 * `h = x; for i < M: h = Relu(MatMul(h, W) + x)` with `x: [2, 4]` and the weight W [4, 4] inside the body. With
 * `probe`, the body's MatMul and Add outputs are also scan outputs (`m_all`, `a_all`: one slice per iteration).
 */
function loopModel(trips: 'constant' | 'input', probe = false): Uint8Array {
  const body = graphProto(
    {
      inputs: [tensorInfo('i', [], INT64), tensorInfo('cond_in', [], BOOL), untyped('h_in')],
      outputs: [untyped('cond_out', BOOL), untyped('h_out'), ...(probe ? [untyped('m'), untyped('a')] : [])],
      initializers: [floatInit('W', [4, 4])],
      nodes: [
        node('Identity', ['cond_in'], ['cond_out'], {}, 'keep'),
        node('MatMul', ['h_in', 'W'], ['m'], {}, 'matmul'),
        node('Add', ['m', 'x'], ['a'], {}, 'add'),
        node('Relu', ['a'], ['h_out'], {}, 'relu'),
      ],
    },
    'body',
  );
  return tinyModel({
    inputs: [tensorInfo('x', [2, 4]), ...(trips === 'input' ? [tensorInfo('n', [], INT64)] : [])],
    outputs: [untyped('h'), ...(probe ? [untyped('m_all'), untyped('a_all')] : [])],
    initializers: [
      ...(trips === 'constant' ? [int64Init('n', [3], [])] : []),
      { name: 'go', dims: [], dataType: BOOL, int32Data: [1] },
    ],
    nodes: [
      {
        opType: 'Loop',
        name: 'loop',
        input: ['n', 'go', 'x'],
        output: ['h', ...(probe ? ['m_all', 'a_all'] : [])],
        attribute: [{ name: 'body', type: GRAPH, g: body }],
      },
    ],
  });
}

/** One iteration of loopModel's body: MatMul 2*4*4 multiply-adds, Add and Relu one FLOP per element. */
const LOOP_BODY_FLOPS = 2 * 4 * 4 + 8 + 8 * RELU;
/** MatMul reads h (8) and W (16), writes 8; Add reads 2 x 8, writes 8; Relu reads and writes 8; Identity is a view. */
const LOOP_BODY_MEM = 8 + 16 + 8 + 3 * 8 + 2 * 8;

describe('Loop: the body counted once per iteration', () => {
  it('a constant trip count multiplies the body: 3 iterations', () => {
    const a = analyze(loopModel('constant'));
    expect(inScope(a, 'loop/')).toEqual(['loop/body/keep', 'loop/body/matmul', 'loop/body/add', 'loop/body/relu']);
    expect(a.layers.filter((l) => l.scope === 'loop/body').map((l) => l.runs)).toEqual([3, 3, 3, 3]);
    // Per-layer numbers are per run; totals multiply. Parameters are tensors, counted once.
    expect(layer(a, 'loop/body/matmul').flops).toBe(2 * 4 * 4);
    expect(a.totals.flops).toBe(3 * LOOP_BODY_FLOPS);
    expect(a.totals.memAccess).toBe(3 * LOOP_BODY_MEM);
    expect(a.totals.params).toBe(16);
    expect(a.warnings.filter((w) => w.includes('trip count'))).toEqual([]);
  });

  it('a trip count known only at run time: runs null, the body counted once, and a warning', () => {
    const a = analyze(loopModel('input'));
    expect(a.layers.filter((l) => l.scope === 'loop/body').map((l) => l.runs)).toEqual([null, null, null, null]);
    expect(a.totals.flops).toBe(LOOP_BODY_FLOPS);
    expect(a.warnings).toContain(
      '4 layers belong to Loop/Scan bodies whose trip count is only known at run time (runs: null): totals count them once, as if the body ran once',
    );
  });

  it('body shapes per node and the Loop outputs are the ones onnxruntime computes', async () => {
    const bytes = loopModel('constant', true);
    const a = analyze(bytes);
    const measured = await runtimeDimsOf(bytes, { x: zeros([2, 4]) });
    // A scan output stacks one body value per iteration: [trips, ...the body's shape].
    expect([3, ...(shapeIn(a, 'loop/body', 'm') ?? [])]).toEqual(measured.m_all);
    expect([3, ...(shapeIn(a, 'loop/body', 'a') ?? [])]).toEqual(measured.a_all);
    expect(shapeIn(a, 'loop/body', 'h_out')).toEqual(measured.h);
    expect(outputDims(a)).toEqual(measured);
  });
});

describe('Loop and Scan bodies that cannot run with these shapes: unknown cost, never an abort', () => {
  // x: [N, 4], N read as batch 1; the body reshapes h to [3, -1], which 4 elements cannot fill. onnxruntime runs the
  // model when the loop runs no iteration (n = 0), so the body failing is not a reason to reject the model.
  const body = graphProto(
    {
      inputs: [tensorInfo('i', [], INT64), tensorInfo('cond_in', [], BOOL), untyped('h_in')],
      outputs: [untyped('cond_out', BOOL), untyped('h_out')],
      initializers: [int64Init('three_rows', [3, -1])],
      nodes: [
        node('Identity', ['cond_in'], ['cond_out'], {}, 'keep'),
        node('Reshape', ['h_in', 'three_rows'], ['h_out'], {}, 'reshape'),
      ],
    },
    'body',
  );
  const bytes = tinyModel({
    inputs: [tensorInfo('x', ['N', 4]), tensorInfo('n', [], INT64)],
    outputs: [untyped('h')],
    initializers: [{ name: 'go', dims: [], dataType: BOOL, int32Data: [1] }],
    nodes: [
      {
        opType: 'Loop',
        name: 'loop',
        input: ['n', 'go', 'x'],
        output: ['h'],
        attribute: [{ name: 'body', type: GRAPH, g: body }],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'efflint-loop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the body layers get unknown cost and one warning names the failing node', async () => {
    const a = analyze(bytes);
    const bodyLayers = a.layers.filter((l) => l.scope === 'loop/body');
    expect(bodyLayers.map((l) => l.name)).toEqual(['loop/body/keep', 'loop/body/reshape']);
    expect(bodyLayers.every((l) => l.flops === null)).toBe(true);
    expect(a.totals.unknownCostLayers).toEqual(['loop/body/keep', 'loop/body/reshape']);
    expect(a.warnings.filter((w) => w.startsWith('node "loop" (Loop): body cannot run'))).toEqual([
      expect.stringMatching(
        /so its 2 layers have unknown cost and its outputs are what the body declares: node "reshape" \(Reshape\)/,
      ),
    ]);
    // onnxruntime accepts and runs the model (no iteration).
    expect(await runtimeDimsOf(bytes, { x: zeros([1, 4]), n: int64Scalar(0) })).toEqual({ h: [1, 4] });
  });

  it('`analyze` exits 0 and says so in its warnings', () => {
    const file = join(dir, 'loop-body.onnx');
    writeFileSync(file, bytes);
    const r = runCli(['analyze', file, '--format', 'json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(
      (JSON.parse(r.stdout) as Analysis).warnings.some((w) => w.startsWith('node "loop" (Loop): body cannot run')),
    ).toBe(true);
  });

  it('a Scan whose body fails is the same: unknown-cost body, a warning, the analysis goes on', () => {
    const scanBody = graphProto(
      {
        inputs: [untyped('s_in'), untyped('slice')],
        outputs: [untyped('s_out'), untyped('y_t')],
        initializers: [int64Init('three_rows', [3, -1])],
        nodes: [
          node('Add', ['s_in', 'slice'], ['s_out'], {}, 'acc'),
          node('Reshape', ['slice', 'three_rows'], ['y_t'], {}, 'reshape'),
        ],
      },
      'body',
    );
    const model = tinyModel({
      inputs: [tensorInfo('s0', [4]), tensorInfo('xs', [5, 4])],
      outputs: [untyped('s'), untyped('ys')],
      opset: 11,
      nodes: [
        {
          opType: 'Scan',
          name: 'scan',
          input: ['s0', 'xs'],
          output: ['s', 'ys'],
          attribute: [
            { name: 'body', type: GRAPH, g: scanBody },
            { name: 'num_scan_inputs', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
          ],
        },
      ],
    });
    const a = analyze(model);
    expect(a.layers.filter((l) => l.scope === 'scan/body').every((l) => l.flops === null)).toBe(true);
    expect(a.warnings.some((w) => w.startsWith('node "scan" (Scan): body cannot run'))).toBe(true);
  });
});

describe('deep structures', () => {
  /**
   * `depth` Ifs, each nested in the then-branch of the one before: level k's then-branch is `Relu(if_{k+1}(...))`
   * (the innermost one `Relu(x)`), its else-branch `Neg(x)`. Every If reads the condition `c`.
   */
  function nestedIfs(depth: number, cond: 'constant' | 'input'): Uint8Array {
    let inner: INodeProto[] = [node('Relu', ['x'], [`o_${depth - 1}`], {}, `relu_${depth - 1}`)];
    let ifN: INodeProto | null = null;
    for (let k = depth - 1; k >= 0; k--) {
      const thenBranch = graphProto({ inputs: [], outputs: [untyped(`o_${k}`)], nodes: inner }, 'then');
      const elseBranch = graphProto(
        { inputs: [], outputs: [untyped(`e_${k}`)], nodes: [node('Neg', ['x'], [`e_${k}`], {}, `neg_${k}`)] },
        'else',
      );
      ifN = ifNode(`if_${k}`, 'c', [`t_${k}`], thenBranch, elseBranch);
      if (k > 0) inner = [ifN, node('Relu', [`t_${k}`], [`o_${k - 1}`], {}, `relu_${k - 1}`)];
    }
    return tinyModel({
      inputs: [tensorInfo('x', [1, 10]), ...(cond === 'input' ? [tensorInfo('c', [], BOOL)] : [])],
      outputs: [untyped('t_0')],
      initializers: cond === 'constant' ? [{ name: 'c', dims: [], dataType: BOOL, int32Data: [1] }] : [],
      nodes: [ifN as INodeProto],
    });
  }

  it('64 nested Ifs with a known condition: only the then-branches, 64 Relus of 10 elements', () => {
    const bytes = nestedIfs(64, 'constant');
    const a = analyze(bytes);
    expect(a.totals.flops).toBe(64 * 10 * RELU);
    expect(a.layers.filter((l) => l.opType === 'Neg')).toEqual([]);
    const path = Array.from({ length: 64 }, (_, k) => `if_${k}/then`).join('/');
    expect(layer(a, `${path}/relu_63`).outputShapes).toEqual([[1, 10]]);
    expect(layer(a, `${path}/relu_63`).name.split('/')).toHaveLength(2 * 64 + 1);
  });

  it('30 nested Ifs (onnxruntime parses at most 100 protobuf message levels) give the output shape onnxruntime gives', async () => {
    const bytes = nestedIfs(30, 'constant');
    expect(outputDims(analyze(bytes))).toEqual(await runtimeDimsOf(bytes, { x: zeros([1, 10]) }));
  });

  it('64 nested Ifs with an unknown condition: both branches at every level', () => {
    const a = analyze(nestedIfs(64, 'input'));
    expect(a.totals.flops).toBe(64 * 10 * RELU + 64 * 10);
    expect(a.warnings).toContain(
      '64 If nodes have a condition known only at run time: both branches are counted (either may run)',
    );
  });

  it('a chain of 100,000 nodes analyses, structure and lint included', () => {
    const n = 100_000;
    const nodes = Array.from({ length: n }, (_, i) =>
      node('Relu', [i === 0 ? 'x' : `r_${i - 1}`], [i === n - 1 ? 'y' : `r_${i}`], {}, `relu_${i}`),
    );
    const a = analyze(tinyModel({ inputs: [tensorInfo('x', [1, 4])], outputs: [untyped('y')], nodes }));
    expect(a.totals.layers).toBe(n);
    expect(a.totals.flops).toBe(n * 4 * RELU);
    const structure = analyzeStructure(a);
    expect(structure.chains.map((c) => c.layers.length)).toEqual([n]);
    expect(lintAnalysis(a).analysis.layers).toHaveLength(n);
  });
});
