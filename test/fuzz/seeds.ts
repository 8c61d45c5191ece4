import { buildZooModel } from '../../src/zoo/index.js';
import { floatInit, graphProto, int64Init, node, onnx, tensorInfo, tinyModel } from '../helpers/tiny-model.js';
import type { Seed } from './arbitraries.js';
import { nestedIfs } from './arbitraries.js';
import { parseMessage, serializeMessage, type WireMessage } from './wire-tree.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const BOOL = onnx.TensorProto.DataType.BOOL;
const AT = onnx.AttributeProto.AttributeType;

/**
 * Drops the raw_data of every initializer of the main graph: a zoo model is then a few KB of graph
 * (dims stay, so costs are unchanged) and mutations land in the structure, not in weight bytes.
 */
function withoutWeights(bytes: Uint8Array): Uint8Array {
  const tree = parseMessage(new Uint8Array(bytes), 'Model') as WireMessage;
  for (const g of tree.fields) {
    if (g.field !== 7 || !('message' in g)) continue;
    for (const t of g.message.fields) {
      // Small payloads stay: shape and axes constants that shape inference folds.
      if (t.field === 5 && 'message' in t)
        t.message.fields = t.message.fields.filter((f) => f.field !== 9 || !('bytes' in f) || f.bytes.length <= 256);
    }
  }
  return serializeMessage(tree);
}

/** Small hand-built models that cover what the zoo does not: subgraphs, functions, odd ops, int payloads. */
function handBuilt(): Seed[] {
  const convRelu = tinyModel({
    nodes: [
      node(
        'Conv',
        ['x', 'w', 'b'],
        ['c'],
        { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], group: 1 },
        'conv',
      ),
      node('Relu', ['c'], ['r'], {}, 'relu'),
      node('Reshape', ['r', 'shape'], ['y'], {}, 'reshape'),
    ],
    inputs: [tensorInfo('x', [1, 4, 8, 8])],
    outputs: [tensorInfo('y', [1, 'n'])],
    initializers: [floatInit('w', [8, 4, 3, 3]), floatInit('b', [8]), int64Init('shape', [1, -1])],
    valueInfo: [tensorInfo('c', [1, 8, 8, 8])],
  });
  const matmul = tinyModel({
    nodes: [
      node('MatMul', ['x', 'w'], ['m']),
      node('Gemm', ['m', 'w2', 'b2'], ['g'], { transB: 1, alpha: 0.5 }),
      node('Softmax', ['g'], ['s'], { axis: -1 }),
      node('Split', ['s', 'splits'], ['s0', 's1'], { axis: 1 }),
      node('Concat', ['s1', 's0'], ['y'], { axis: 1 }),
    ],
    inputs: [tensorInfo('x', ['batch', 16])],
    outputs: [tensorInfo('y', ['batch', 8])],
    initializers: [
      floatInit('w', [16, 32]),
      floatInit('w2', [8, 32]),
      floatInit('b2', [8]),
      int64Init('splits', [4, 4]),
    ],
    opset: 17,
  });
  const thenGraph = graphProto(
    { nodes: [node('Relu', ['x'], ['t'])], inputs: [], outputs: [tensorInfo('t', [1, 4])] },
    'then',
  );
  const elseGraph = graphProto(
    { nodes: [node('Neg', ['x'], ['e'])], inputs: [], outputs: [tensorInfo('e', [1, 4])] },
    'else',
  );
  const ifModel = tinyModel({
    nodes: [
      {
        opType: 'If',
        name: 'if',
        input: ['c'],
        output: ['y'],
        attribute: [
          { name: 'then_branch', type: AT.GRAPH, g: thenGraph },
          { name: 'else_branch', type: AT.GRAPH, g: elseGraph },
        ],
      },
    ],
    inputs: [tensorInfo('x', [1, 4]), tensorInfo('c', [], BOOL)],
    outputs: [tensorInfo('y', [1, 4])],
  });
  const withFunction = tinyModel({
    nodes: [node('Twice', ['x'], ['y'], {}, 'call'), node('Resize', ['y', '', 'scales'], ['z'], { mode: 'nearest' })],
    inputs: [tensorInfo('x', [1, 3, 4, 4])],
    outputs: [tensorInfo('z', [1, 3, 8, 8])],
    initializers: [{ name: 'scales', dims: [4], dataType: FLOAT, floatData: [1, 1, 2, 2] }],
    extraOpsets: [{ domain: 'local', version: 1 }],
    functions: [
      {
        name: 'Twice',
        domain: '',
        input: ['a'],
        output: ['b'],
        node: [node('Add', ['a', 'a'], ['b'])],
        opsetImport: [{ domain: '', version: 13 }],
      },
    ],
  });
  // A graph input bound by name for the nested-If seed; the chain itself is spliced in as bytes.
  const nestedBase = tinyModel({
    nodes: [],
    inputs: [tensorInfo('x', [1, 4], BOOL)],
    outputs: [tensorInfo('x', [1, 4], BOOL)],
  });
  const tree = parseMessage(new Uint8Array(nestedBase), 'Model') as WireMessage;
  const graph = tree.fields.find((f) => f.field === 7);
  if (graph !== undefined && 'message' in graph)
    graph.message.fields.unshift({ field: 1, wire: 2, bytes: nestedIfs(4, 'x', 'x') });
  return [
    { name: 'conv-relu-reshape', bytes: convRelu },
    { name: 'matmul-gemm-split', bytes: matmul },
    { name: 'if-branches', bytes: ifModel },
    { name: 'function-resize', bytes: withFunction },
    { name: 'nested-if-4', bytes: serializeMessage(tree) },
  ];
}

/** Reference zoo models (small ones, weights dropped). */
const ZOO_SEEDS = [
  'exp_g1_1to1_arm_x1',
  'exp_g2_g2',
  'exp_g3_2frag_parallel',
  'exp_g4_relu_on_shortcut_on_c32',
] as const;

/** The seed corpus: hand-built models first, then zoo models. */
export function fuzzSeeds(): Seed[] {
  return [
    ...handBuilt(),
    ...ZOO_SEEDS.map((name) => ({ name: `zoo:${name}`, bytes: withoutWeights(buildZooModel(name)) })),
  ];
}
