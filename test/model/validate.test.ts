import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InvalidModelError } from '../../src/errors.js';
import type { Graph, Node } from '../../src/model/ir.js';
import { loadModelBytes } from '../../src/model/load.js';
import { MAX_MESSAGE_DEPTH } from '../../src/model/proto-reader.js';
import { AI_ONNX_OPSETS, validateModelStructure } from '../../src/model/validate.js';
import { at } from '../../src/util/at.js';
import type { IGraphProto, IModelProto, INodeProto } from './proto-builder.js';
import { AT, DT, encodeModel, model, node, tensorInfo } from './proto-builder.js';

/*
 * Each structural case is decided twice: by efflint's loader and by a real onnxruntime-node
 * InferenceSession on the same bytes. efflint must refuse exactly what onnxruntime refuses.
 */

const x = tensorInfo('x', DT.FLOAT, [1, 4]);
const c = tensorInfo('c', DT.BOOL, []);
const out = (...names: string[]) => names.map((n) => tensorInfo(n, DT.FLOAT, [1, 4]));
const w = { name: 'w', dataType: DT.FLOAT, dims: [1, 4], floatData: [1, 2, 3, 4] };

/** A model with one graph input `x` (float [1,4]) and, for the If cases, a condition `c`. */
function plain(nodes: INodeProto[], outputs: string[], extra: Partial<IGraphProto> = {}, opset = 17): IModelProto {
  return model({ name: 'g', node: nodes, input: [x], output: out(...outputs), ...extra }, 8, opset);
}

const branch = (nodes: INodeProto[], outputs: string[]): IGraphProto => ({
  name: 'branch',
  node: nodes,
  output: out(...outputs),
});
const thenOk = branch([node('Relu', ['x'], ['t'], { name: 'then_relu' })], ['t']);
const elseOk = branch([node('Sigmoid', ['x'], ['e'], { name: 'else_sigmoid' })], ['e']);

function ifNode(thenBranch: IGraphProto, elseBranch: IGraphProto, output: string, name = 'if'): INodeProto {
  return node('If', ['c'], [output], {
    name,
    attribute: [
      { name: 'then_branch', type: AT.GRAPH, g: thenBranch },
      { name: 'else_branch', type: AT.GRAPH, g: elseBranch },
    ],
  });
}

function withIf(nodes: INodeProto[], outputs = ['y']): IModelProto {
  return model({ name: 'g', node: nodes, input: [x, c], output: out(...outputs) });
}

/** efflint's verdict: null (loads) or the one-line message. */
function efflintVerdict(bytes: Uint8Array): string | null {
  try {
    loadModelBytes(bytes, { path: 'm.onnx' });
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidModelError);
    return (err as Error).message;
  }
}

async function ortAccepts(bytes: Uint8Array): Promise<boolean> {
  try {
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 4 });
    await session.release();
    return true;
  } catch {
    return false;
  }
}

/** [case, model, efflint's message or null for a model both accept] */
const CASES: [string, IModelProto, string | null][] = [
  ['a well-formed graph', plain([node('Relu', ['x'], ['y'])], ['y']), null],
  [
    'nodes listed out of order (onnxruntime sorts them)',
    plain([node('Relu', ['a'], ['y'], { name: 'second' }), node('Relu', ['x'], ['a'], { name: 'first' })], ['y']),
    null,
  ],
  ['a graph output that is a graph input', plain([], ['x']), null],
  ['a graph output that is an initializer', model({ name: 'g', output: out('w'), initializer: [w] }), null],
  [
    'a node that consumes its own output',
    plain([node('Add', ['x', 'y'], ['y'], { name: 'add' })], ['y']),
    'm.onnx: invalid graph: node "add" consumes its own output "y"',
  ],
  [
    'a cycle through three nodes',
    plain(
      [
        node('Add', ['x', 'c3'], ['c1'], { name: 'n1' }),
        node('Relu', ['c1'], ['c2'], { name: 'n2' }),
        node('Relu', ['c2'], ['c3'], { name: 'n3' }),
        node('Relu', ['c3'], ['y'], { name: 'n4' }),
      ],
      ['y'],
    ),
    'm.onnx: invalid graph: the nodes form a cycle: "n1" -> "n2" -> "n3" -> "n1"',
  ],
  [
    'two nodes producing the same tensor',
    plain([node('Relu', ['x'], ['y'], { name: 'relu' }), node('Sigmoid', ['x'], ['y'], { name: 'sigmoid' })], ['y']),
    'm.onnx: invalid graph: tensor "y" is defined twice: by node "sigmoid" and by node "relu"',
  ],
  [
    'one node naming the same output twice',
    plain(
      [
        node('Split', ['x'], ['y', 'y'], {
          name: 'split',
          attribute: [
            { name: 'axis', type: AT.INT, i: 1 },
            { name: 'num_outputs', type: AT.INT, i: 2 },
          ],
        }),
      ],
      ['y'],
      {},
      18,
    ),
    'm.onnx: invalid graph: node "split" names its output "y" twice',
  ],
  [
    'a node output named like a graph input',
    plain([node('Relu', ['x'], ['x'], { name: 'relu' })], ['x']),
    'm.onnx: invalid graph: tensor "x" is defined twice: by node "relu" and by a graph input',
  ],
  [
    'a node output named like an initializer',
    plain([node('Relu', ['x'], ['w'], { name: 'relu' })], ['w'], { initializer: [w] }),
    'm.onnx: invalid graph: tensor "w" is defined twice: by node "relu" and by an initializer',
  ],
  [
    'a graph input declared twice',
    model({ name: 'g', node: [node('Relu', ['x'], ['y'])], input: [x, x], output: out('y') }),
    'm.onnx: invalid graph: graph input "x" is declared twice',
  ],
  [
    'a graph output no node produces',
    plain([node('Relu', ['x'], ['y'])], ['z']),
    'm.onnx: invalid graph: graph output "z" is not produced by any node, input or initializer',
  ],
  [
    // Names are quoted by util/escape.ts quoteName: cut at 200 characters, then terminal escaping.
    'a graph output no node produces, with a bidi override in a 302-character name',
    plain([node('Relu', ['x'], ['y'])], [`z\u202E${'n'.repeat(300)}`]),
    `m.onnx: invalid graph: graph output "z\\u202e${'n'.repeat(198)}… (+102 chars)" is not produced by any node, input or initializer`,
  ],
  [
    'ai.onnx opset -5',
    plain([node('Relu', ['x'], ['y'])], ['y'], {}, -5),
    `m.onnx: ai.onnx opset -5 is not a valid opset version (1 to ${AI_ONNX_OPSETS.max})`,
  ],
  [
    'ai.onnx opset 0',
    plain([node('Relu', ['x'], ['y'])], ['y'], {}, 0),
    `m.onnx: ai.onnx opset 0 is not a valid opset version (1 to ${AI_ONNX_OPSETS.max})`,
  ],
  [
    'ai.onnx opset 2^62',
    plain([node('Relu', ['x'], ['y'])], ['y'], {}, 2 ** 62),
    `m.onnx: ai.onnx opset 4611686018427387904 is not a valid opset version (1 to ${AI_ONNX_OPSETS.max})`,
  ],
  [
    'an If whose branches use the same names (separate scopes)',
    withIf([ifNode(thenOk, branch([node('Sigmoid', ['x'], ['t'])], ['t']), 'y')]),
    null,
  ],
  [
    'a subgraph reading a later node of the outer graph (no cycle)',
    withIf([ifNode(branch([node('Relu', ['z'], ['t'])], ['t']), elseOk, 'y'), node('Relu', ['x'], ['z'])]),
    null,
  ],
  [
    'a subgraph node that consumes its own output',
    withIf([ifNode(branch([node('Add', ['x', 't'], ['t'], { name: 'inner' })], ['t']), elseOk, 'y')]),
    'm.onnx: invalid graph: node "inner" consumes its own output "t" (in subgraph "then_branch" of node "if")',
  ],
  [
    'a subgraph that reads the output of the If that owns it',
    withIf([ifNode(branch([node('Relu', ['y'], ['t'])], ['t']), elseOk, 'y')]),
    'm.onnx: invalid graph: node "if" consumes its own output "y"',
  ],
  [
    'a cycle through a subgraph: the If reads z, z reads the If',
    withIf([
      ifNode(branch([node('Relu', ['z'], ['t'])], ['t']), elseOk, 'y'),
      node('Relu', ['y'], ['z'], { name: 'after' }),
    ]),
    'm.onnx: invalid graph: the nodes form a cycle: "if" -> "after" -> "if"',
  ],
  [
    'two subgraph nodes producing the same tensor',
    withIf([
      ifNode(
        branch([node('Relu', ['x'], ['t'], { name: 'a' }), node('Sigmoid', ['x'], ['t'], { name: 'b' })], ['t']),
        elseOk,
        'y',
      ),
    ]),
    'm.onnx: invalid graph: tensor "t" is defined twice: by node "b" and by node "a" (in subgraph "then_branch" of node "if")',
  ],
  [
    'a subgraph node redefining a name of the outer graph',
    withIf([
      node('Relu', ['x'], ['z'], { name: 'outer' }),
      ifNode(branch([node('Relu', ['x'], ['z'], { name: 'inner' })], ['z']), elseOk, 'y'),
    ]),
    'm.onnx: invalid graph: node "inner" redefines "z", already defined by node "outer" in an enclosing graph (in subgraph "then_branch" of node "if")',
  ],
  [
    'a subgraph output nothing in the subgraph produces',
    withIf([ifNode(branch([node('Relu', ['x'], ['t'])], ['nope']), elseOk, 'y')]),
    'm.onnx: invalid graph: graph output "nope" is not produced by any node, input or initializer (in subgraph "then_branch" of node "if")',
  ],
  [
    'a subgraph returning an outer value directly',
    withIf([ifNode(branch([], ['x']), elseOk, 'y')]),
    'm.onnx: invalid graph: subgraph output "x" is a value of an enclosing graph returned directly (onnxruntime needs an Identity node for it) (in subgraph "then_branch" of node "if")',
  ],
];

describe('structural validation agrees with onnxruntime', () => {
  it.each(CASES)('%s', async (_, m, message) => {
    const bytes = encodeModel(m);
    expect(efflintVerdict(bytes)).toBe(message);
    expect(await ortAccepts(bytes)).toBe(message === null);
  });

  it('opset 1 and the newest opsets load (onnxruntime may lack kernels for them, which is not a structural verdict)', () => {
    for (const opset of [1, 7, 17, 23, AI_ONNX_OPSETS.max])
      expect(efflintVerdict(encodeModel(plain([node('Relu', ['x'], ['y'])], ['y'], {}, opset)))).toBeNull();
    expect(efflintVerdict(encodeModel(plain([node('Relu', ['x'], ['y'])], ['y'], {}, AI_ONNX_OPSETS.max + 1)))).toMatch(
      /opset 31 is not a valid/,
    );
  });

  it('a custom domain with a negative version is left alone, as onnxruntime leaves it', async () => {
    const bytes = encodeModel({
      ...plain([node('Relu', ['x'], ['y'])], ['y']),
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'com.example', version: -3 },
      ],
    });
    expect(efflintVerdict(bytes)).toBeNull();
    expect(await ortAccepts(bytes)).toBe(true);
  });
});

/** An IR graph (no decoder): validation alone, at depths and sizes the wire format would cap. */
function irNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  index: number,
  attributes: Node['attributes'] = new Map(),
): Node {
  return { name: `${opType}_${index}`, opType, domain: '', inputs, outputs, attributes, index };
}

function irGraph(nodes: Node[], outputs: string[], inputs: string[] = []): Graph {
  const info = (name: string) => ({ name, dtype: 'float32' as const, shape: [1] });
  return {
    name: 'g',
    nodes,
    inputs: inputs.map(info),
    outputs: outputs.map(info),
    valueInfo: [],
    initializers: new Map(),
    sparseInitializers: new Map(),
  };
}

/** `depth` Ifs, each the then_branch of the one above; the innermost reads the outer input `x`. */
function nestedIfs(depth: number): Graph {
  let inner = irGraph([irNode('Relu', ['x'], [`r${depth}`], 0)], [`r${depth}`]);
  for (let d = depth - 1; d >= 0; d--) {
    const elseBranch = irGraph([irNode('Sigmoid', ['x'], [`s${d}`], 0)], [`s${d}`]);
    const attrs = new Map([
      ['then_branch', { type: 'graph' as const, value: inner }],
      ['else_branch', { type: 'graph' as const, value: elseBranch }],
    ]);
    inner = irGraph([irNode('If', ['c'], [`o${d}`], 0, attrs)], [`o${d}`], d === 0 ? ['x', 'c'] : []);
  }
  return inner;
}

describe('validation of deep and large graphs', () => {
  const opsets = new Map([['', 17]]);

  it('admits 64 and 1000 levels of nested If, and finds a cycle 1000 levels down', () => {
    expect(validateModelStructure(nestedIfs(64), opsets)).toBeNull();
    expect(validateModelStructure(nestedIfs(1000), opsets)).toBeNull();
    const g = nestedIfs(1000);
    let innermost = g;
    while (at(innermost.nodes, 0).opType === 'If')
      innermost = (at(innermost.nodes, 0).attributes.get('then_branch') as { value: Graph }).value;
    (innermost.nodes as Node[])[0] = irNode('Add', ['x', 'r1000'], ['r1000'], 0);
    expect(validateModelStructure(g, opsets)).toBe(
      'invalid graph: node "Add_0" consumes its own output "r1000" (in subgraph "then_branch" of node "If_0", 1000 subgraph levels deep)',
    );
  });

  it('a 100000-node chain closed into a cycle is found without deep recursion, the message abbreviated', () => {
    const n = 100_000;
    const nodes = Array.from({ length: n }, (_, i) =>
      irNode('Relu', [i === 0 ? `t${n - 1}` : `t${i - 1}`], [`t${i}`], i),
    );
    expect(validateModelStructure(irGraph(nodes, []), opsets)).toBe(
      `invalid graph: the nodes form a cycle: "Relu_0" -> "Relu_1" -> "Relu_2" -> "Relu_3" -> "Relu_4" -> ... (${n} nodes) -> "Relu_0"`,
    );
    nodes[0] = irNode('Relu', ['x'], ['t0'], 0);
    expect(validateModelStructure(irGraph(nodes, [`t${n - 1}`], ['x']), opsets)).toBeNull();
  });

  // The wire decoder caps message nesting (proto-reader.ts MAX_MESSAGE_DEPTH): each If level is
  // three messages (NodeProto, AttributeProto, GraphProto). Until the cap admits 64 levels this
  // case cannot be decoded; onnxruntime 1.30's protobuf parser (recursion limit 100) refuses it too.
  it.skipIf(MAX_MESSAGE_DEPTH < 3 * 64 + 4)('a 64-level nested If model file loads', () => {
    let inner: IGraphProto = branch([node('Relu', ['x'], ['r'])], ['r']);
    for (let d = 63; d >= 1; d--) inner = branch([ifNode(inner, elseOk, `o${d}`, `if${d}`)], [`o${d}`]);
    expect(efflintVerdict(encodeModel(withIf([ifNode(inner, elseOk, 'y', 'if0')])))).toBeNull();
  });
});
