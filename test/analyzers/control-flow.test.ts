import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, type Analysis, type LayerReport } from '../../src/analyzers/analyze.js';
import { loadModelBytes } from '../../src/model/load.js';
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
const untyped = (name: string, elemType: number = FLOAT): IValueInfoProto => ({ name, type: { tensorType: { elemType } } });

function ifNode(name: string, cond: string, outputs: string[], thenBranch: IGraphProto, elseBranch: IGraphProto): INodeProto {
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
  return { opType: 'Constant', name, input: [], output: [output], attribute: [{ name: 'value', type: TENSOR, t: floatInit(output, dims) }] };
}

/**
 * A speech-model pattern: `x: [T, B, F]`, `c = Shape(x)[2] == 4`, `y = If(c)`, `z = MatMul(y, Wout)`.
 * - then_branch (F == 4): `Relu(MatMul(x, Wt[4, H]))`.
 * - else_branch: `Reshape(x, Concat([0, 0], tail))` then an LSTM (needs rank 3) and Squeeze. With `tail: 'size'`
 *   the tail is `[-1, 1, 1][0 : 7 - F]`: rank 3 for F = 6 (the size it is written for), rank 5 for F = 4. With
 *   `tail: 'rank'` it is `[-1, 1, 1][0 : rank(x)]`: always rank 5, which efflint sees even when F is symbolic.
 */
function speechModel(tail: 'size' | 'rank'): Uint8Array {
  const elseNodes: INodeProto[] =
    tail === 'size'
      ? [node('Sub', ['seven', 'f'], ['n'], {}, 'seven_minus_f'), node('Unsqueeze', ['n', 'ax0'], ['end'], {}, 'end')]
      : [node('Shape', ['s'], ['end'], {}, 'rank')];
  const elseBranch = graphProto(
    {
      inputs: [],
      outputs: [untyped('ye')],
      initializers: [floatInit('W2', [1, 4 * H, 6]), floatInit('R2', [1, 4 * H, H]), int64Init('pattern', [-1, 1, 1]), int64Init('keep', [0, 0])],
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
  return tinyModel({
    inputs: [tensorInfo('x', ['T', 'B', 'F'])],
    outputs: [untyped('z')],
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
      ifNode('if', 'c', ['y'], thenBranch, elseBranch),
      node('MatMul', ['y', 'Wout'], ['z'], {}, 'head'),
    ],
  });
}

const analyze = (bytes: Uint8Array, inputShapes?: Record<string, number[]>): Analysis =>
  analyzeModel(loadModelBytes(bytes, { path: 'cf.onnx' }), { inputShapes });

const layer = (a: Analysis, name: string): LayerReport => {
  const l = a.layers.find((x) => x.name === name);
  if (!l) throw new Error(`no layer ${name} in ${a.layers.map((x) => x.name).join(', ')}`);
  return l;
};
const inScope = (a: Analysis, prefix: string): string[] => a.layers.filter((l) => l.scope.startsWith(prefix)).map((l) => l.name);

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

const outputDims = (a: Analysis): Record<string, readonly unknown[] | null> => Object.fromEntries(a.outputs.map((o) => [o.name, o.shape]));

describe('If with a condition that folds: only the taken branch', () => {
  const bytes = speechModel('size');

  it('F = 4 takes then_branch: the else_branch (rank 5 into an LSTM at this size) is neither inferred nor counted', async () => {
    const a = analyze(bytes, { x: [3, 2, 4] });
    expect(inScope(a, 'if/')).toEqual(['if/then_branch/matmul', 'if/then_branch/relu']);
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
    expect(inScope(a, 'if/')).toEqual(['if/else_branch/seven_minus_f', 'if/else_branch/end', 'if/else_branch/tail', 'if/else_branch/target', 'if/else_branch/reshape', 'if/else_branch/lstm', 'if/else_branch/squeeze']);
    expect(layer(a, 'if/else_branch/target').folded).toBe(true);
    expect(layer(a, 'if/else_branch/reshape').outputShapes).toEqual([[3, 2, 6]]);
    // LSTM per step and batch row: 4 gates x H x (input + H) multiply-adds, then per unit 3 sigmoids, 2 tanhs, 3 products.
    const lstm = 3 * 2 * (4 * H * (6 + H) + H * (3 * SIGMOID + 2 * TANH + 3));
    expect(layer(a, 'if/else_branch/lstm').flops).toBe(lstm);
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
    const elseLayers = a.layers.filter((l) => l.scope === 'if/else_branch');
    expect(elseLayers.map((l) => l.name)).toEqual(['if/else_branch/rank', 'if/else_branch/tail', 'if/else_branch/target', 'if/else_branch/reshape', 'if/else_branch/lstm', 'if/else_branch/squeeze']);
    expect(elseLayers.every((l) => l.flops === null && l.outputShapes.every((s) => s === null) && !l.folded)).toBe(true);
    expect(a.totals.unknownCostLayers).toEqual(expect.arrayContaining(elseLayers.map((l) => l.name)));
    expect(a.warnings).toContain(
      "node 'if' (If): else_branch cannot run with these input shapes, so its 6 layers have unknown cost and the outputs are the then_branch's: node 'lstm' (LSTM): LSTM: X must be 3-D, got rank 5",
    );
    expect(inScope(a, 'if/then_branch')).toEqual(['if/then_branch/matmul', 'if/then_branch/relu']);
    // The outputs are then_branch's ([T, B, H] with T read as batch 1), so the head keeps its shape.
    expect(layer(a, 'head').outputShapes).toEqual([[1, 'B', OUT]]);
  });

  it('the same model bound to F = 4 takes then_branch, as onnxruntime does', async () => {
    const a = analyze(bytes, { x: [3, 2, 4] });
    expect(inScope(a, 'if/')).toEqual(['if/then_branch/matmul', 'if/then_branch/relu']);
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
    expect(a.warnings.some((w) => w.startsWith("node 'if' (If): else_branch cannot run"))).toBe(true);
  });

  it('still aborts when neither branch can run', () => {
    const broken = graphProto({ inputs: [], outputs: [untyped('b')], initializers: [floatInit('Wb', [3, 4])], nodes: [node('Gemm', ['x', 'Wb'], ['b'], {}, 'gemm')] }, 'b');
    const model = tinyModel({
      inputs: [tensorInfo('x', [2, 3, 4]), tensorInfo('c', [], BOOL)],
      outputs: [untyped('y')],
      nodes: [ifNode('if', 'c', ['y'], broken, broken)],
    });
    expect(() => analyze(model)).toThrow(/neither branch can run/);
  });
});

describe('folded: only what onnxruntime computes at load time', () => {
  it('an If whose constant condition takes a branch that reads the graph input is not folded, nor is what follows', () => {
    const a = analyze(speechModel('size'), { x: [3, 2, 4] });
    const folded = Object.fromEntries(a.layers.map((l) => [l.name, l.folded]));
    expect(folded).toEqual({ shape: false, f: true, is4: true, if: false, 'if/then_branch/matmul': false, 'if/then_branch/relu': false, head: false });
    // `y` is a run-time tensor: the head counts Wout only.
    expect(layer(a, 'head').params).toBe(H * OUT);
  });

  it('an If whose constant condition takes a branch that reads only constants is folded, and its output is a weight', async () => {
    const thenBranch = graphProto({ inputs: [], outputs: [untyped('wt')], nodes: [node('Transpose', ['Wa'], ['wt'], { perm: [1, 0] }, 'transpose')] }, 'then');
    const elseBranch = graphProto({ inputs: [], outputs: [untyped('we')], nodes: [node('Identity', ['Wb'], ['we'], {}, 'id')] }, 'else');
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [2, 4])],
      outputs: [untyped('y')],
      initializers: [floatInit('Wa', [H, 4]), floatInit('Wb', [4, H]), int64Init('one', [1], []), int64Init('four', [4], [])],
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
    expect(inScope(a, 'if/')).toEqual(['if/then_branch/transpose']);
    expect(layer(a, 'if/then_branch/transpose').folded).toBe(true);
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
        nodes: [node('Identity', ['cond_in'], ['cond_out'], {}, 'keep'), node('Add', ['acc_in', 'x'], ['acc_out'], {}, 'accumulate')],
      },
      'body',
    );
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [2, 4])],
      outputs: [untyped('y')],
      initializers: [int64Init('trips', [3], []), { name: 'go', dims: [], dataType: BOOL, int32Data: [1] }, floatInit('acc0', [2, 4]), floatInit('Wm', [2, 4])],
      nodes: [
        { opType: 'Loop', name: 'loop', input: ['trips', 'go', 'acc0'], output: ['acc'], attribute: [{ name: 'body', type: GRAPH, g: body }] },
        node('Mul', ['acc', 'Wm'], ['y'], {}, 'scale'),
      ],
    });
    const a = analyze(bytes);
    expect(layer(a, 'loop').folded).toBe(false);
    expect(layer(a, 'loop/body/accumulate').folded).toBe(false);
    expect(layer(a, 'scale').folded).toBe(false);
    // The body is counted once (8 adds); the Mul reads acc (run time, not a parameter) and the weight Wm.
    expect(a.totals.flops).toBe(8 + 8);
    expect(a.totals.params).toBe(8);
    expect(outputDims(a)).toEqual(await runtimeDims(bytes, { x: [2, 4] }));
  });
});

describe('weights as Constant nodes inside branches', () => {
  // x: [N, F]; F == 4 -> x @ Constant[4, 3]; otherwise x @ Constant[8, 3].
  const thenBranch = graphProto(
    { inputs: [], outputs: [untyped('yt')], nodes: [constantNode('wt_const', 'Wt', [4, OUT]), node('MatMul', ['x', 'Wt'], ['yt'], {}, 'matmul')] },
    'then',
  );
  const elseBranch = graphProto(
    { inputs: [], outputs: [untyped('ye')], nodes: [constantNode('we_const', 'We', [8, OUT]), node('MatMul', ['x', 'We'], ['ye'], {}, 'matmul')] },
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
    { f: 4, branch: 'then_branch', params: 4 * OUT },
    { f: 8, branch: 'else_branch', params: 8 * OUT },
  ])('F = $f: the $branch weights are the only params', async ({ f, branch, params }) => {
    const a = analyze(bytes, { x: [2, f] });
    expect(inScope(a, 'if/')).toEqual([`if/${branch}/${branch === 'then_branch' ? 'wt' : 'we'}_const`, `if/${branch}/matmul`]);
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
