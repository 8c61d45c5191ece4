import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { InvalidModelError } from '../../src/errors.js';
import { loadModelBytes } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import { floatInit, graphProto, int64Init, node, onnx, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

const analyzeBytes = (bytes: Uint8Array, inputShapes?: Record<string, number[]>) =>
  analyzeModel(loadModelBytes(bytes, { path: 'test.onnx' }), { inputShapes });

describe('analyzeModel: costs', () => {
  it('counts a 1x1 conv as in the ShuffleNet V2 paper (B = hw*c1*c2, MAC = hw(c1+c2) + c1*c2)', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [1, 32, 56, 56])],
      outputs: [tensorInfo('y', [1, 32, 56, 56])],
      initializers: [floatInit('w', [32, 32, 1, 1])],
      nodes: [node('Conv', ['x', 'w'], ['y'], { kernel_shape: [1, 1] }, 'conv')],
    });
    const a = analyzeBytes(bytes);
    const conv = at(a.layers, 0);
    // paper-facts 1.2: (32,32) -> B = 3,211,264 and MAC = 201,728
    expect(conv.flops).toBe(56 * 56 * 32 * 32);
    expect(conv.flops).toBe(3_211_264);
    expect(conv.memAccess).toBe(201_728);
    expect(conv.memBytes).toBe(201_728 * 4);
    expect(conv.params).toBe(32 * 32);
    expect(a.totals.flops).toBe(3_211_264);
    expect(a.totals.params).toBe(1024);
    expect(at(a.outputs, 0).shape).toEqual([1, 32, 56, 56]);
  });

  it('reports an unknown op as cost unknown, never zero, and keeps it out of totals', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [1, 8])],
      outputs: [tensorInfo('z', [1, 8])],
      nodes: [node('Relu', ['x'], ['y'], {}, 'relu'), node('FancyOp', ['y'], ['z'], {}, 'fancy')],
    });
    const a = analyzeBytes(bytes);
    const fancy = a.layers.find((l) => l.name === 'fancy');
    expect(fancy?.flops).toBeNull();
    expect(fancy?.category).toBe('unknown');
    expect(a.totals.unknownCostLayers).toEqual(['fancy']);
    expect(a.totals.flops).toBe(8); // the ReLU: one op per output element
    expect(a.warnings.some((w) => w.includes('unknown cost'))).toBe(true);
  });

  it('counts a weight shared by two nodes once in the model total', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [2, 16])],
      outputs: [tensorInfo('z', [2, 16])],
      initializers: [floatInit('w', [16, 16])],
      nodes: [node('MatMul', ['x', 'w'], ['y'], {}, 'mm1'), node('MatMul', ['y', 'w'], ['z'], {}, 'mm2')],
    });
    const a = analyzeBytes(bytes);
    expect(a.layers.map((l) => l.params)).toEqual([256, 256]);
    expect(a.totals.params).toBe(256);
    expect(a.totals.flops).toBe(2 * (2 * 16 * 16));
  });

  it('names unnamed nodes <opType>_<index> like onnxruntime', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [4])],
      outputs: [tensorInfo('z', [4])],
      nodes: [node('Relu', ['x'], ['y']), node('Sigmoid', ['y'], ['z'])],
    });
    expect(analyzeBytes(bytes).layers.map((l) => l.name)).toEqual(['Relu_0', 'Sigmoid_1']);
  });
});

describe('analyzeModel: shapes', () => {
  it('folds the exporter channel-shuffle chain Shape -> Gather -> Div -> Unsqueeze -> Concat -> Reshape', () => {
    // x: [1, 8, 4, 4]; shuffle with 2 groups as torch.onnx exports view(b, g, c/g, h, w)
    const bytes = tinyModel({
      inputs: [tensorInfo('x', ['N', 8, 4, 4])],
      outputs: [tensorInfo('y', [])],
      initializers: [
        int64Init('i0', [0], []),
        int64Init('i1', [1], []),
        int64Init('g', [2], []),
        int64Init('ax0', [0]),
        int64Init('back', [1, 8, 4, 4]),
      ],
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'i0'], ['b'], { axis: 0 }),
        node('Gather', ['s', 'i1'], ['c'], { axis: 0 }),
        node('Div', ['c', 'g'], ['cpg']),
        node('Unsqueeze', ['b', 'ax0'], ['b1']),
        node('Unsqueeze', ['g', 'ax0'], ['g1']),
        node('Unsqueeze', ['cpg', 'ax0'], ['c1']),
        {
          opType: 'Constant',
          input: [],
          output: ['hw'],
          attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: int64Init('hwv', [4, 4]) }],
        },
        node('Concat', ['b1', 'g1', 'c1', 'hw'], ['shape5'], { axis: 0 }),
        node('Reshape', ['x', 'shape5'], ['r']),
        node('Transpose', ['r'], ['t'], { perm: [0, 2, 1, 3, 4] }),
        node('Reshape', ['t', 'back'], ['y']),
      ],
    });
    const a = analyzeBytes(bytes);
    const reshape = a.layers.find((l) => l.opType === 'Reshape');
    expect(reshape?.outputShapes[0]).toEqual([1, 2, 4, 4, 4]);
    expect(a.layers.find((l) => l.opType === 'Transpose')?.outputShapes[0]).toEqual([1, 4, 2, 4, 4]);
    expect(at(a.outputs, 0).shape).toEqual([1, 8, 4, 4]);
    expect(a.warnings.some((w) => w.includes('"N" bound to 1'))).toBe(true);
  });

  it('binds symbolic dims from --input and rejects a wrong rank or name', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', ['N', 3, 'H', 'W'])],
      outputs: [tensorInfo('y', [])],
      nodes: [node('Relu', ['x'], ['y'])],
    });
    expect(at(analyzeBytes(bytes, { x: [2, 3, 10, 12] }).outputs, 0).shape).toEqual([2, 3, 10, 12]);
    const unbound = analyzeBytes(bytes);
    expect(at(unbound.outputs, 0).shape).toEqual([1, 3, 'H', 'W']);
    expect(at(unbound.layers, 0).flops).toBeNull();
    expect(
      unbound.warnings.some((w) => w.includes('keeps symbolic dims "H", "W"') && w.includes('--input x=1x3xNxN')),
    ).toBe(true);
    expect(() => analyzeBytes(bytes, { x: [1, 3] })).toThrow(InvalidModelError);
    expect(() => analyzeBytes(bytes, { nope: [1] })).toThrow(/graph inputs are: x/);
  });

  it('fills a run-time dim from the declared output shape, unless the inputs were rebound', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [2, 3])],
      outputs: [tensorInfo('idx', [2, 4], onnx.TensorProto.DataType.INT64)],
      nodes: [node('NonZero', ['x'], ['idx'], {}, 'nz')],
    });
    expect(at(analyzeBytes(bytes).outputs, 0).shape).toEqual([2, 4]); // the count of non-zeros comes from the file
    const inferredOnly = analyzeModel(loadModelBytes(bytes), { useDeclaredShapes: false });
    expect(typeof at(inferredOnly.outputs, 0).shape?.[1]).toBe('string');
    const rebound = analyzeBytes(bytes, { x: [4, 3] });
    expect(at(rebound.outputs, 0).shape?.[0]).toBe(2); // rank 2 input: NonZero gives [rank, count]
    expect(typeof at(rebound.outputs, 0).shape?.[1]).toBe('string'); // the declared 4 belonged to a [2,3] input
  });

  it('rejects a shape of more than 2^53 elements in one line instead of totals that are no longer exact', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [1e6, 1e6, 1e6, 1e6])],
      outputs: [tensorInfo('y', [])],
      nodes: [node('Relu', ['x'], ['y'])],
    });
    // 1e6^4 = 1e24 elements.
    expect(() => analyzeBytes(bytes)).toThrow(
      /^test\.onnx: input "x" has the shape \[1000000,1000000,1000000,1000000\] with 1\.00e\+24 elements \(more than 2\^53\)$/,
    );
  });
});

describe('analyzeModel: invalid graphs', () => {
  it('rejects a cycle with one line naming a node', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [4])],
      outputs: [tensorInfo('z', [4])],
      nodes: [node('Add', ['x', 'z'], ['y'], {}, 'a'), node('Relu', ['y'], ['z'], {}, 'b')],
    });
    expect(() => analyzeBytes(bytes)).toThrow(/^test\.onnx: invalid graph: the nodes form a cycle: "a" -> "b" -> "a"$/);
  });

  it('rejects an input that nothing produces', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [4])],
      outputs: [tensorInfo('y', [4])],
      nodes: [node('Add', ['x', 'ghost'], ['y'], {}, 'add')],
    });
    expect(() => analyzeBytes(bytes)).toThrow(/node "add" \(Add\) reads "ghost", which no node/);
  });

  it('lists a Conv weight of the wrong rank as a layer of unknown cost, with a warning naming it', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [1, 3, 8, 8])],
      outputs: [tensorInfo('y', [])],
      initializers: [floatInit('w', [4, 3])],
      nodes: [node('Conv', ['x', 'w'], ['y'], {}, 'conv')],
    });
    const a = analyzeBytes(bytes);
    expect(a.layers.map((l) => [l.name, l.flops])).toEqual([['conv', null]]);
    expect(a.warnings.filter((w) => w.startsWith('node "conv" (Conv): '))).toEqual([
      'node "conv" (Conv): weight has rank 2 but the input has rank 4; expected (M, C/group, k1..kn); its cost is unknown',
    ]);
  });
});

describe('analyzeModel: subgraphs and functions', () => {
  it('visits both If branches once and says so', () => {
    const thenBranch = graphProto(
      { inputs: [], outputs: [tensorInfo('t', [])], nodes: [node('Relu', ['x'], ['t'], {}, 'then_relu')] },
      'then',
    );
    const elseBranch = graphProto(
      { inputs: [], outputs: [tensorInfo('e', [])], nodes: [node('Sigmoid', ['x'], ['e'], {}, 'else_sig')] },
      'else',
    );
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [1, 10]), tensorInfo('c', [], onnx.TensorProto.DataType.BOOL)],
      outputs: [tensorInfo('y', [])],
      nodes: [
        {
          opType: 'If',
          name: 'if',
          input: ['c'],
          output: ['y'],
          attribute: [
            { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: thenBranch },
            { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: elseBranch },
          ],
        },
      ],
    });
    const a = analyzeBytes(bytes);
    const names = a.layers.map((l) => l.name);
    expect(names.filter((n) => n.endsWith('then_relu'))).toHaveLength(1);
    expect(names.filter((n) => n.endsWith('else_sig'))).toHaveLength(1);
    expect(at(a.outputs, 0).shape).toEqual([1, 10]);
    expect(a.warnings).toContain(
      '1 If nodes have a condition known only at run time: both branches are counted (either may run)',
    );
  });

  it('expands a model-local function into its body layers', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [2, 5])],
      outputs: [tensorInfo('y', [])],
      extraOpsets: [{ domain: 'custom', version: 1 }],
      nodes: [{ opType: 'Swish', domain: 'custom', name: 'sw', input: ['x'], output: ['y'] }],
      functions: [
        {
          name: 'Swish',
          domain: 'custom',
          input: ['a'],
          output: ['b'],
          opsetImport: [{ domain: '', version: 13 }],
          node: [node('Sigmoid', ['a'], ['s'], {}, 'sig'), node('Mul', ['a', 's'], ['b'], {}, 'mul')],
        },
      ],
    });
    const a = analyzeBytes(bytes);
    expect(a.layers.map((l) => l.name)).toEqual(['sw', 'sw/Swish/sig', 'sw/Swish/mul']);
    expect(at(a.outputs, 0).shape).toEqual([2, 5]);
    expect(a.totals.unknownCostLayers).toEqual([]);
  });
});
