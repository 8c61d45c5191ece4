import type onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { analyzeModel, type Analysis } from '../../src/analyzers/analyze.js';
import { analyzeStructure } from '../../src/analyzers/structure.js';
import { loadModelBytes } from '../../src/model/load.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { floatInit, graphProto, node, onnx, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/**
 * Bodies of nodes that share a name (ONNX does not require unique node names): each body is scoped on its own
 * (`<name>`, then `<name>#2`, `<name>#3`... in the order the graph is listed), gets only its own layers and the outer
 * tensors it reads, and lint reports each finding inside it once. Keyed by the bare name, every same-named call's
 * body took in the layers of all of them (quadratic in time and memory on a model of thousands of calls).
 */

type INodeProto = onnxProto.onnx.INodeProto;
type IGraphProto = onnxProto.onnx.IGraphProto;

const { GRAPH } = onnx.AttributeProto.AttributeType;
const BOOL = onnx.TensorProto.DataType.BOOL;
const untyped = (name: string): onnxProto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
});

/** 32 channels on 8x8; a 3x3 conv with 8 groups: a G2 finding wherever it runs. */
const X = [1, 32, 8, 8];
const groupedConv = (input: string, weight: string, output: string): INodeProto =>
  node('Conv', [input, weight], [output], { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'gconv');

/** local.Block(X, W) = Relu(grouped Conv(X, W)): 2 layers per call. */
const BLOCK: onnxProto.onnx.IFunctionProto = {
  name: 'Block',
  domain: 'local',
  input: ['X', 'W'],
  output: ['Y'],
  node: [groupedConv('X', 'W', 'conv'), node('Relu', ['conv'], ['Y'], {}, 'relu')],
  opsetImport: [{ domain: '', version: 13 }],
};

const branch = (
  name: string,
  nodes: INodeProto[],
  output: string,
  initializers: onnxProto.onnx.ITensorProto[] = [],
): IGraphProto => graphProto({ inputs: [], outputs: [untyped(output)], nodes, initializers }, name);

const ifNode = (output: string, thenBranch: IGraphProto, elseBranch: IGraphProto): INodeProto => ({
  opType: 'If',
  name: 'gate',
  input: ['c'],
  output: [output],
  attribute: [
    { name: 'then_branch', type: GRAPH, g: thenBranch },
    { name: 'else_branch', type: GRAPH, g: elseBranch },
  ],
});

const relu = (name: string, input: string, output: string): INodeProto => node('Relu', [input], [output], {}, name);

/**
 * x -> block -> h1 -> block -> h2 -> block -> h3 -> gate(c) -> y1 -> gate(c) -> y: three calls named `block`, two Ifs
 * named `gate` whose condition is a graph input (both branches listed). The branches read h3 (first If) and y1 (second)
 * from the main graph. Layers by body, counted by hand:
 *   block/Block, block#2/Block, block#3/Block: gconv, relu (2 each);
 *   gate/then: gconv (1); gate/else: r1, r2 (2);
 *   gate#2/then: r1, r2, r3 (3); gate#2/else: r1 (1).
 */
function sameNamesModel(): Uint8Array {
  const call = (input: string, output: string): INodeProto => ({
    ...node('Block', [input, 'Wg'], [output], {}, 'block'),
    domain: 'local',
  });
  const first = ifNode(
    'y1',
    branch('then', [groupedConv('h3', 'Wt', 'a1')], 'a1', [floatInit('Wt', [32, 4, 3, 3])]),
    branch('else', [relu('r1', 'h3', 'b1'), relu('r2', 'b1', 'b2')], 'b2'),
  );
  const second = ifNode(
    'y',
    branch('then', [relu('r1', 'y1', 'd1'), relu('r2', 'd1', 'd2'), relu('r3', 'd2', 'd3')], 'd3'),
    branch('else', [relu('r1', 'y1', 'e1')], 'e1'),
  );
  return tinyModel({
    inputs: [tensorInfo('x', X), tensorInfo('c', [], BOOL)],
    outputs: [untyped('y')],
    initializers: [floatInit('Wg', [32, 4, 3, 3])],
    nodes: [call('x', 'h1'), call('h1', 'h2'), call('h2', 'h3'), first, second],
    functions: [BLOCK],
    extraOpsets: [{ domain: 'local', version: 1 }],
  });
}

const EXPECTED_LAYERS: Record<string, number> = {
  'block/Block': 2,
  'block#2/Block': 2,
  'block#3/Block': 2,
  'gate/then': 1,
  'gate/else': 2,
  'gate#2/then': 3,
  'gate#2/else': 1,
};

const analysis = (): Analysis => analyzeModel(loadModelBytes(sameNamesModel(), { path: 'same-names.onnx' }));

describe('bodies of nodes that share a name', () => {
  it('each body gets a scope of its own, with its own layers', () => {
    const a = analysis();
    expect(a.subgraphs.map((b) => b.scope).sort()).toEqual(Object.keys(EXPECTED_LAYERS).sort());
    for (const [scope, count] of Object.entries(EXPECTED_LAYERS)) {
      expect(
        a.layers.filter((l) => l.scope === scope).map((l) => l.name),
        scope,
      ).toHaveLength(count);
    }
    // 5 main-graph layers (3 calls, 2 Ifs) + 13 body layers.
    expect(a.layers).toHaveLength(18);
    expect(a.layers.filter((l) => l.scope === '').map((l) => l.name)).toEqual([
      'block',
      'block',
      'block',
      'gate',
      'gate',
    ]);
    expect(a.layers.filter((l) => l.scope === 'block#2/Block').map((l) => l.name)).toEqual([
      'block#2/Block/gconv',
      'block#2/Block/relu',
    ]);
    // Counted per If, not per name: each of the two Ifs lists both branches.
    expect(a.warnings).toContain(
      '2 If nodes have a condition known only at run time: both branches are counted (either may run)',
    );
  });

  it('each body structure holds only its own layers, and each If reads only what its own branches read', () => {
    const a = analysis();
    const s = analyzeStructure(a);
    const bodies = new Map(s.subgraphs.map((b) => [b.scope, b]));
    expect([...bodies.keys()].sort()).toEqual(Object.keys(EXPECTED_LAYERS).sort());
    expect(s.subgraphs).toHaveLength(7);
    for (const [scope, count] of Object.entries(EXPECTED_LAYERS)) {
      const flow = bodies.get(scope)!.dataflow;
      expect(
        flow.nodes.map((i) => at(a.layers, i).scope),
        scope,
      ).toEqual(new Array<string>(count).fill(scope));
    }
    // Main graph: the chain block, block, block, gate, gate; the first If reads h3 through its branches, the second y1.
    const main = s.dataflow;
    expect(main.nodes.map((i) => at(a.layers, i).name)).toEqual(['block', 'block', 'block', 'gate', 'gate']);
    const [firstIf, secondIf] = [at(main.nodes, 3), at(main.nodes, 4)];
    expect(main.dataInputsOf(firstIf)).toEqual(['c', 'h3']);
    expect(main.dataInputsOf(secondIf)).toEqual(['c', 'y1']);
    // The condition c stays live until the second If: only the output is a single-tensor cut.
    expect(s.cutTensors).toEqual(['y']);
  });

  it('lint reports each grouped conv once, under its own body', () => {
    const findings = lintAnalysis(analysis()).findings;
    const g2 = findings.filter((f) => f.ruleId === 'G2').map((f) => f.node);
    expect(g2.sort()).toEqual(['block#2/Block/gconv', 'block#3/Block/gconv', 'block/Block/gconv', 'gate/then/gconv']);
    const keys = findings.map((f) => `${f.ruleId} ${f.node} ${f.message}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
