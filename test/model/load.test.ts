import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph, Model, TensorRef } from '../../src/model/ir.js';
import { loadModelBytes, loadModelFile } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import {
  AT,
  concat,
  DT,
  encodeGraph,
  encodeModel,
  encodeTensor,
  fieldBytes,
  fieldString,
  fieldVarint,
  float32Bytes,
  int64Bytes,
  model,
  node,
  onnx,
  tensorInfo,
} from './proto-builder.js';

const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-load-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

function bytesAt(bytes: Uint8Array, ref: TensorRef): Uint8Array {
  if (ref.location.kind !== 'inline') throw new Error(`expected inline, got ${ref.location.kind}`);
  return Uint8Array.from(bytes.subarray(ref.location.offset, ref.location.offset + ref.location.length));
}

function init(g: Graph, name: string): TensorRef {
  const t = g.initializers.get(name);
  if (t === undefined) throw new Error(`no initializer ${name}`);
  return t;
}

/** A Conv with a raw_data weight and a float_data bias. */
const weightValues = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => i * 0.5 - 7);
const convBytes = encodeModel(
  model(
    {
      name: 'conv',
      node: [
        node('Conv', ['X', 'W', 'B'], ['Y'], {
          name: 'conv1',
          attribute: [{ name: 'pads', type: AT.INTS, ints: [1, 1, 1, 1] }],
        }),
      ],
      initializer: [
        { name: 'W', dims: [4, 3, 3, 3], dataType: DT.FLOAT, rawData: float32Bytes(weightValues) },
        { name: 'B', dims: [4], dataType: DT.FLOAT, floatData: [1, 2, 3, 4] },
      ],
      input: [tensorInfo('X', DT.FLOAT, ['N', 3, 8, 8])],
      output: [tensorInfo('Y', DT.FLOAT, ['N', 4, 8, 8])],
    },
    8,
    17,
    {
      producerName: 'efflint-test',
      producerVersion: '1.2.3',
      docString: 'skipped',
      metadataProps: [{ key: 'author', value: 'me' }],
    },
  ),
);

describe('loadModelBytes / loadModelFile', () => {
  it('locates a raw_data weight without reading it: dtype, dims, byteLength, offset', () => {
    const m = loadModelBytes(convBytes, { path: 'conv.onnx' });
    expect(m.path).toBe('conv.onnx');
    expect(m.irVersion).toBe(8);
    expect([...m.opsets]).toEqual([['', 17]]);
    expect(m.producerName).toBe('efflint-test');
    expect(m.producerVersion).toBe('1.2.3');
    expect([...m.metadata]).toEqual([['author', 'me']]);
    expect(m.warnings).toEqual([]);
    const w = init(m.graph, 'W');
    expect(w).toMatchObject({ name: 'W', dtype: 'float32', dims: [4, 3, 3, 3], byteLength: 432 });
    expect(w.location).toMatchObject({ kind: 'inline', field: 'raw_data', length: 432 });
    expect(bytesAt(convBytes, w)).toEqual(float32Bytes(weightValues));
    const b = init(m.graph, 'B');
    expect(b).toMatchObject({ dtype: 'float32', dims: [4], byteLength: 16 });
    expect(b.location).toMatchObject({ kind: 'inline', field: 'float_data', length: 16 });
    expect(bytesAt(convBytes, b)).toEqual(float32Bytes([1, 2, 3, 4]));
    const conv = at(m.graph.nodes, 0);
    expect(conv).toMatchObject({
      name: 'conv1',
      opType: 'Conv',
      domain: '',
      inputs: ['X', 'W', 'B'],
      outputs: ['Y'],
      index: 0,
    });
    expect(conv.attributes.get('pads')).toEqual({ type: 'ints', value: [1, 1, 1, 1] });
    expect(m.graph.inputs).toEqual([{ name: 'X', dtype: 'float32', shape: ['N', 3, 8, 8], kind: 'tensor' }]);
    expect(at(m.graph.outputs, 0).shape).toEqual(['N', 4, 8, 8]);
  });

  it('gives the same IR from a file (paged reads) as from memory, offsets absolute in the file', () => {
    const file = writeTmp('conv.onnx', convBytes);
    const fromFile = loadModelFile(file);
    const fromBytes = loadModelBytes(convBytes, { path: file });
    expect(fromFile.path).toBe(file);
    expect(fromFile.graph).toEqual(fromBytes.graph);
    const w = init(fromFile.graph, 'W');
    expect(bytesAt(fs.readFileSync(file), w)).toEqual(float32Bytes(weightValues));
    expect(fromFile.tensors.read(w, 1000)).toEqual(weightValues);
    expect(fromFile.tensors.read(w, 10)).toBeNull();
  });

  it('crosses page boundaries: many nodes and a weight larger than a page', () => {
    const nodes = Array.from({ length: 3000 }, (_, i) =>
      node('Relu', [`t${i}`], [`t${i + 1}`], { name: `relu_${'x'.repeat(i % 70)}_${i}` }),
    );
    const big = new Float32Array(300_000).map((_, i) => i % 251);
    const bytes = encodeModel(
      model({
        node: nodes,
        initializer: [
          { name: 'big', dims: [300_000], dataType: DT.FLOAT, rawData: new Uint8Array(big.buffer) },
          { name: 'shape', dims: [2], dataType: DT.INT64, int64Data: [3, -1] },
        ],
        input: [tensorInfo('t0', DT.FLOAT, [1, 8])],
        output: [tensorInfo('t3000', DT.FLOAT, [1, 8])],
      }),
    );
    expect(bytes.length).toBeGreaterThan(1_300_000);
    const file = writeTmp('paged.onnx', bytes);
    const fromFile = loadModelFile(file);
    expect(fromFile.graph).toEqual(loadModelBytes(bytes).graph);
    expect(fromFile.graph.nodes).toHaveLength(3000);
    expect(at(fromFile.graph.nodes, 2999).name).toBe(`relu_${'x'.repeat(2999 % 70)}_2999`);
    expect(fromFile.tensors.read(init(fromFile.graph, 'shape'), 8)).toEqual([3, -1]);
    expect(
      Buffer.compare(bytesAt(fs.readFileSync(file), init(fromFile.graph, 'big')), new Uint8Array(big.buffer)),
    ).toBe(0);
  });

  it('names unnamed nodes <opType>_<index> like onnxruntime', () => {
    const m = loadModelBytes(
      encodeModel(
        model({
          node: [
            node('Relu', ['x'], ['a']),
            node('Add', ['a', 'a'], ['b'], { name: 'named' }),
            node('Relu', ['b'], ['c']),
          ],
          input: [tensorInfo('x', DT.FLOAT, [2])],
          output: [tensorInfo('c', DT.FLOAT, [2])],
        }),
      ),
    );
    expect(m.graph.nodes.map((n) => [n.name, n.index])).toEqual([
      ['Relu_0', 0],
      ['named', 1],
      ['Relu_2', 2],
    ]);
    expect(m.path).toBe('<buffer>');
  });

  it('IR 3: initializers also listed as graph inputs are not inputs in the IR', () => {
    const m = loadModelBytes(
      encodeModel(
        model(
          {
            node: [node('Gemm', ['X', 'W', 'B'], ['Y'])],
            initializer: [
              { name: 'W', dims: [4, 2], dataType: DT.FLOAT, rawData: new Uint8Array(32) },
              { name: 'B', dims: [2], dataType: DT.FLOAT, rawData: new Uint8Array(8) },
            ],
            input: [
              tensorInfo('X', DT.FLOAT, [1, 4]),
              tensorInfo('W', DT.FLOAT, [4, 2]),
              tensorInfo('B', DT.FLOAT, [2]),
            ],
            output: [tensorInfo('Y', DT.FLOAT, [1, 2])],
          },
          3,
          6,
        ),
      ),
    );
    expect(m.irVersion).toBe(3);
    expect(m.warnings).toEqual([]);
    expect(m.graph.inputs.map((v) => v.name)).toEqual(['X']);
    expect([...m.graph.initializers.keys()]).toEqual(['W', 'B']);
  });

  it('normalises the ai.onnx domain and keeps every opset import', () => {
    const m = loadModelBytes(
      encodeModel({
        irVersion: 7,
        opsetImport: [
          { domain: 'ai.onnx', version: 12 },
          { domain: 'com.microsoft', version: 1 },
          { domain: 'ai.onnx.ml', version: 2 },
        ],
        graph: {
          node: [
            node('Relu', ['x'], ['y'], { domain: 'ai.onnx' }),
            node('FusedConv', ['y'], ['z'], { domain: 'com.microsoft' }),
          ],
        },
      }),
    );
    expect([...m.opsets]).toEqual([
      ['', 12],
      ['com.microsoft', 1],
      ['ai.onnx.ml', 2],
    ]);
    expect(m.graph.nodes.map((n) => n.domain)).toEqual(['', 'com.microsoft']);
  });

  it('records value_info, symbolic, unknown and absent shapes, and non-tensor types', () => {
    const m = loadModelBytes(
      encodeModel(
        model({
          node: [node('Identity', ['x'], ['y'])],
          input: [
            tensorInfo('x', DT.FLOAT16, ['batch', null, 3]),
            tensorInfo('norank', DT.INT64, null),
            {
              name: 'seq',
              type: {
                sequenceType: { elemType: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } },
              },
            },
            {
              name: 'opt',
              type: {
                optionalType: { elemType: { sequenceType: { elemType: { tensorType: { elemType: DT.INT32 } } } } },
              },
            },
            {
              name: 'map',
              type: {
                mapType: { keyType: DT.STRING, valueType: { tensorType: { elemType: DT.DOUBLE, shape: { dim: [] } } } },
              },
            },
            {
              name: 'sparse',
              type: {
                sparseTensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 100 }, { dimValue: 100 }] } },
              },
            },
            { name: 'untyped' },
          ],
          valueInfo: [tensorInfo('mid', DT.BOOL, [null, 'batch'])],
          output: [tensorInfo('y', DT.FLOAT16, ['batch', null, 3])],
        }),
      ),
    );
    const byName = new Map(m.graph.inputs.map((v) => [v.name, v]));
    expect(byName.get('x')).toEqual({ name: 'x', dtype: 'float16', shape: ['batch', 'unk__0', 3], kind: 'tensor' });
    expect(byName.get('norank')).toEqual({ name: 'norank', dtype: 'int64', shape: null, kind: 'tensor' });
    expect(byName.get('seq')).toEqual({
      name: 'seq',
      dtype: null,
      shape: null,
      kind: 'sequence',
      element: { dtype: 'float32', shape: [2] },
    });
    expect(byName.get('opt')).toEqual({
      name: 'opt',
      dtype: null,
      shape: null,
      kind: 'optional',
      element: { dtype: 'int32', shape: null },
    });
    expect(byName.get('map')).toEqual({
      name: 'map',
      dtype: null,
      shape: null,
      kind: 'map',
      element: { dtype: 'float64', shape: [] },
    });
    expect(byName.get('sparse')).toMatchObject({
      dtype: null,
      kind: 'sparse_tensor',
      element: { dtype: 'float32', shape: [100, 100] },
    });
    expect(byName.get('untyped')).toEqual({ name: 'untyped', dtype: null, shape: null });
    // Numbered in file order: protobuf writers emit output (12) before value_info (13).
    expect(at(m.graph.outputs, 0).shape).toEqual(['batch', 'unk__1', 3]);
    expect(m.graph.valueInfo).toEqual([{ name: 'mid', dtype: 'bool', shape: ['unk__2', 'batch'], kind: 'tensor' }]);
  });

  it('decodes attributes of every type', () => {
    const sub = { name: 'sub', node: [node('Relu', ['a'], ['b'])], output: [tensorInfo('b', DT.FLOAT, [1])] };
    const m = loadModelBytes(
      encodeModel(
        model({
          node: [
            node('Custom', ['x'], ['y'], {
              domain: 'test',
              attribute: [
                { name: 'f', type: AT.FLOAT, f: 0.25 },
                { name: 'i', type: AT.INT, i: -3 },
                // INT64_MAX as the low and high 32 bits: protobufjs encodes a string exactly only when it can load 'long'.
                { name: 'big', type: AT.INT, i: { low: -1, high: 0x7fffffff, unsigned: false } },
                { name: 's', type: AT.STRING, s: new TextEncoder().encode('héllo') },
                { name: 't', type: AT.TENSOR, t: { dims: [2], dataType: DT.INT64, int64Data: [7, 8] } },
                { name: 'g', type: AT.GRAPH, g: sub },
                { name: 'fs', type: AT.FLOATS, floats: [0.5, 1.5] },
                { name: 'is', type: AT.INTS, ints: [1, -1, 0] },
                {
                  name: 'ss',
                  type: AT.STRINGS,
                  strings: [new TextEncoder().encode('a'), new TextEncoder().encode('b')],
                },
                {
                  name: 'ts',
                  type: AT.TENSORS,
                  tensors: [{ name: 't0', dims: [1], dataType: DT.FLOAT, floatData: [1] }],
                },
                { name: 'gs', type: AT.GRAPHS, graphs: [sub, sub] },
                {
                  name: 'tp',
                  type: AT.TYPE_PROTO,
                  tp: { tensorType: { elemType: DT.UINT8, shape: { dim: [{ dimValue: 4 }] } } },
                },
                {
                  name: 'sp',
                  type: AT.SPARSE_TENSOR,
                  sparseTensor: {
                    values: { name: 'v', dims: [2], dataType: DT.FLOAT, floatData: [1, 2] },
                    indices: { dims: [2], dataType: DT.INT64, int64Data: [0, 5] },
                    dims: [10],
                  },
                },
                { name: 'empty_ints', type: AT.INTS },
                { name: 'untyped_int', i: 5 },
              ],
            }),
          ],
        }),
      ),
    );
    const a = at(m.graph.nodes, 0).attributes;
    expect(a.get('f')).toEqual({ type: 'float', value: 0.25 });
    expect(a.get('i')).toEqual({ type: 'int', value: -3 });
    // INT64_MAX read as a JS number: the nearest double, 2^63.
    expect(a.get('big')).toEqual({ type: 'int', value: Number(9223372036854775807n) });
    expect(a.get('s')).toEqual({ type: 'string', value: 'héllo' });
    const t = a.get('t');
    expect(t?.type === 'tensor' && t.value).toMatchObject({ dtype: 'int64', dims: [2], byteLength: 16 });
    if (t?.type === 'tensor') expect(m.tensors.read(t.value, 10)).toEqual([7, 8]);
    const g = a.get('g');
    expect(g?.type === 'graph' && g.value.nodes.map((n) => n.name)).toEqual(['Relu_0']);
    expect(a.get('fs')).toEqual({ type: 'floats', value: [0.5, 1.5] });
    expect(a.get('is')).toEqual({ type: 'ints', value: [1, -1, 0] });
    expect(a.get('ss')).toEqual({ type: 'strings', value: ['a', 'b'] });
    const ts = a.get('ts');
    expect(ts?.type === 'tensors' && ts.value.map((x) => x.name)).toEqual(['t0']);
    const gs = a.get('gs');
    expect(gs?.type === 'graphs' && gs.value.length).toBe(2);
    expect(a.get('tp')).toEqual({
      type: 'type_proto',
      value: { name: '', dtype: 'uint8', shape: [4], kind: 'tensor' },
    });
    expect(a.get('sp')).toEqual({ type: 'sparse_tensor', value: { name: 'v', dtype: 'float32', dims: [10], nnz: 2 } });
    expect(a.get('empty_ints')).toEqual({ type: 'ints', value: [] });
    expect(a.get('untyped_int')).toEqual({ type: 'int', value: 5 });
  });

  it('decodes If then/else subgraphs recursively, with their own initializers', () => {
    const branch = (name: string, op: string) => ({
      name,
      node: [node(op, ['x', 'k'], [`${name}_out`])],
      initializer: [{ name: 'k', dims: [1], dataType: DT.FLOAT, rawData: float32Bytes([2]) }],
      output: [tensorInfo(`${name}_out`, DT.FLOAT, [3])],
    });
    const bytes = encodeModel(
      model({
        node: [
          node('If', ['cond'], ['y'], {
            name: 'if',
            attribute: [
              { name: 'then_branch', type: AT.GRAPH, g: branch('then', 'Add') },
              { name: 'else_branch', type: AT.GRAPH, g: branch('else', 'Mul') },
            ],
          }),
        ],
        input: [tensorInfo('cond', DT.BOOL, []), tensorInfo('x', DT.FLOAT, [3])],
        output: [tensorInfo('y', DT.FLOAT, [3])],
      }),
    );
    const m = loadModelBytes(bytes);
    const ifNode = at(m.graph.nodes, 0);
    const thenG = ifNode.attributes.get('then_branch');
    const elseG = ifNode.attributes.get('else_branch');
    if (thenG?.type !== 'graph' || elseG?.type !== 'graph') throw new Error('branches not graphs');
    expect(thenG.value.name).toBe('then');
    expect(thenG.value.nodes.map((n) => `${n.name}:${n.opType}`)).toEqual(['Add_0:Add']);
    expect(elseG.value.nodes.map((n) => n.opType)).toEqual(['Mul']);
    const k = init(elseG.value, 'k');
    expect(bytesAt(bytes, k)).toEqual(float32Bytes([2]));
    expect(m.tensors.read(k, 1)).toEqual([2]);
  });

  it('decodes a Loop body with its inputs and outputs', () => {
    const body = {
      name: 'body',
      node: [node('Add', ['acc_in', 'one'], ['acc_out']), node('Identity', ['cond_in'], ['cond_out'])],
      initializer: [{ name: 'one', dims: [], dataType: DT.FLOAT, floatData: [1] }],
      input: [tensorInfo('iter', DT.INT64, []), tensorInfo('cond_in', DT.BOOL, []), tensorInfo('acc_in', DT.FLOAT, [])],
      output: [tensorInfo('cond_out', DT.BOOL, []), tensorInfo('acc_out', DT.FLOAT, [])],
    };
    const m = loadModelBytes(
      encodeModel(
        model({
          node: [node('Loop', ['M', '', 'acc0'], ['acc'], { attribute: [{ name: 'body', type: AT.GRAPH, g: body }] })],
          input: [tensorInfo('M', DT.INT64, []), tensorInfo('acc0', DT.FLOAT, [])],
          output: [tensorInfo('acc', DT.FLOAT, [])],
        }),
      ),
    );
    const loop = at(m.graph.nodes, 0);
    expect(loop.name).toBe('Loop_0');
    expect(loop.inputs).toEqual(['M', '', 'acc0']);
    const b = loop.attributes.get('body');
    if (b?.type !== 'graph') throw new Error('no body');
    expect(b.value.inputs.map((v) => v.name)).toEqual(['iter', 'cond_in', 'acc_in']);
    expect(b.value.outputs.map((v) => v.name)).toEqual(['cond_out', 'acc_out']);
    expect(b.value.nodes.map((n) => n.name)).toEqual(['Add_0', 'Identity_1']);
    expect(m.tensors.read(init(b.value, 'one'), 1)).toEqual([1]);
  });

  it('decodes model-local functions, with ref_attr_name attributes', () => {
    const m = loadModelBytes(
      encodeModel({
        irVersion: 8,
        opsetImport: [
          { domain: '', version: 15 },
          { domain: 'local', version: 1 },
        ],
        graph: {
          node: [
            node('ScaledRelu', ['x'], ['y'], { domain: 'local', attribute: [{ name: 'alpha', type: AT.FLOAT, f: 2 }] }),
          ],
        },
        functions: [
          {
            name: 'ScaledRelu',
            domain: 'local',
            input: ['X'],
            output: ['Y'],
            attribute: ['alpha'],
            opsetImport: [{ domain: 'ai.onnx', version: 15 }],
            node: [
              node('Constant', [], ['a'], {
                attribute: [{ name: 'value_float', type: AT.FLOAT, refAttrName: 'alpha' }],
              }),
              node('Relu', ['X'], ['r']),
              node('Mul', ['r', 'a'], ['Y']),
            ],
          },
        ],
      }),
    );
    expect(m.functions).toHaveLength(1);
    const f = at(m.functions, 0);
    expect(f).toMatchObject({
      name: 'ScaledRelu',
      domain: 'local',
      inputs: ['X'],
      outputs: ['Y'],
      attributeNames: ['alpha'],
    });
    expect([...f.opsets]).toEqual([['', 15]]);
    expect(f.nodes.map((n) => n.name)).toEqual(['Constant_0', 'Relu_1', 'Mul_2']);
    expect(at(f.nodes, 0).attributes.get('value_float')).toEqual({ type: 'ref', refAttrName: 'alpha' });
    expect(at(m.graph.nodes, 0).domain).toBe('local');
  });

  it('reads FunctionProto.attribute_proto (IR 9) names, a field newer than onnx-proto', () => {
    const fn = concat(
      fieldString(1, 'F'),
      fieldString(10, 'local'),
      fieldString(4, 'X'),
      fieldString(5, 'Y'),
      fieldString(6, 'a'),
      fieldBytes(11, fieldString(1, 'b'), fieldVarint(20, AT.INT), fieldVarint(3, 4)),
      fieldBytes(7, fieldString(1, 'X'), fieldString(2, 'Y'), fieldString(4, 'Identity')),
    );
    const bytes = concat(
      encodeModel(model({ node: [node('F', ['x'], ['y'], { domain: 'local' })] })),
      fieldBytes(25, fn),
    );
    const m = loadModelBytes(bytes);
    expect(m.functions[0]).toMatchObject({
      name: 'F',
      attributeNames: ['a', 'b'],
      nodes: [{ opType: 'Identity', name: 'Identity_0' }],
    });
  });

  it('records sparse initializers (excluded from inputs) without reading values or indices', () => {
    const m = loadModelBytes(
      encodeModel(
        model({
          node: [node('MatMul', ['x', 'S'], ['y'])],
          sparseInitializer: [
            {
              values: { name: 'S', dims: [3], dataType: DT.FLOAT, rawData: float32Bytes([1, 2, 3]) },
              indices: { dims: [3], dataType: DT.INT64, int64Data: [0, 5, 15] },
              dims: [4, 4],
            },
          ],
          input: [tensorInfo('x', DT.FLOAT, [1, 4]), tensorInfo('S', DT.FLOAT, [4, 4])],
          output: [tensorInfo('y', DT.FLOAT, [1, 4])],
        }),
      ),
    );
    expect(m.graph.sparseInitializers.get('S')).toEqual({ name: 'S', dtype: 'float32', dims: [4, 4], nnz: 3 });
    expect(m.graph.inputs.map((v) => v.name)).toEqual(['x']);
    expect(m.graph.initializers.size).toBe(0);
  });

  it('Constant nodes: value as a located TensorRef, value_float(s)/value_int(s) as plain attributes', () => {
    const m = loadModelBytes(
      encodeModel(
        model({
          node: [
            node('Constant', [], ['c0'], {
              attribute: [
                {
                  name: 'value',
                  type: AT.TENSOR,
                  t: { dims: [3], dataType: DT.INT64, rawData: int64Bytes([1, -1, 64]) },
                },
              ],
            }),
            node('Constant', [], ['c1'], { attribute: [{ name: 'value_ints', type: AT.INTS, ints: [2, 3] }] }),
            node('Constant', [], ['c2'], { attribute: [{ name: 'value_float', type: AT.FLOAT, f: 1.5 }] }),
          ],
        }),
      ),
    );
    const v = at(m.graph.nodes, 0).attributes.get('value');
    if (v?.type !== 'tensor') throw new Error('no value');
    expect(v.value).toMatchObject({
      name: '',
      dtype: 'int64',
      dims: [3],
      byteLength: 24,
      location: { kind: 'inline', field: 'raw_data', length: 24 },
    });
    expect(m.tensors.read(v.value, 8)).toEqual([1, -1, 64]);
    expect(at(m.graph.nodes, 1).attributes.get('value_ints')).toEqual({ type: 'ints', value: [2, 3] });
    expect(at(m.graph.nodes, 2).attributes.get('value_float')).toEqual({ type: 'float', value: 1.5 });
  });

  it('does not read a huge string attribute (EPContext engine blobs); warns instead', () => {
    const blob = new Uint8Array(1024 * 1024 + 1).fill(65);
    const m = loadModelBytes(
      encodeModel(
        model({
          node: [
            node('EPContext', ['x'], ['y'], {
              name: 'ctx',
              domain: 'com.microsoft',
              attribute: [{ name: 'ep_cache_context', type: AT.STRING, s: blob }],
            }),
          ],
        }),
      ),
    );
    expect(at(m.graph.nodes, 0).attributes.get('ep_cache_context')).toEqual({ type: 'string', value: '' });
    expect(m.warnings).toEqual(['attribute "ep_cache_context" of node "ctx": 1048577-byte string not read']);
  });

  it('warns on IR versions outside 3-11 and a missing opset_import', () => {
    const m = loadModelBytes(encodeModel({ irVersion: 2, graph: { node: [node('Relu', ['x'], ['y'])] } }));
    expect([...m.opsets]).toEqual([['', 1]]);
    expect(m.warnings).toEqual([
      'IR version 2 is outside the versions this loader knows (3-11); loaded anyway',
      'the model declares no opset_import; assuming ai.onnx opset 1',
    ]);
  });
});

describe('external data', () => {
  const externalModel = (location: string, extra: { key: string; value: string }[] = []) =>
    encodeModel(
      model({
        node: [node('MatMul', ['x', 'W'], ['y'])],
        initializer: [
          {
            name: 'W',
            dims: [1024, 1024],
            dataType: DT.FLOAT16,
            dataLocation: EXTERNAL,
            externalData: [{ key: 'location', value: location }, ...extra],
          },
        ],
        input: [tensorInfo('x', DT.FLOAT16, [1, 1024])],
        output: [tensorInfo('y', DT.FLOAT16, [1, 1024])],
      }),
    );

  it('a missing external file is a warning, sizes come from dims, the file is never needed', () => {
    const file = writeTmp(
      'ext/missing.onnx',
      externalModel('weights.bin', [
        { key: 'offset', value: '4096' },
        { key: 'length', value: '2097152' },
      ]),
    );
    const m = loadModelFile(file);
    const w = init(m.graph, 'W');
    expect(w).toMatchObject({ dtype: 'float16', dims: [1024, 1024], byteLength: 2 * 1024 * 1024 });
    expect(w.location).toEqual({ kind: 'external', file: 'weights.bin', offset: 4096, length: 2097152 });
    expect(m.warnings).toEqual([
      `1 external-data tensor names a file that does not exist (first: "weights.bin", not found in ${path.dirname(file)}, tensor "W")`,
    ]);
    expect(m.tensors.read(w, Infinity)).toBeNull();
  });

  it('an existing external file gives no warning and is not opened; offset/length default', () => {
    const file = writeTmp('ext2/present.onnx', externalModel('data/w.bin'));
    // 2 MiB of zeros the loader never reads: a sparse file, its size from truncate, not from writing.
    fs.truncateSync(writeTmp('ext2/data/w.bin', new Uint8Array(0)), 1024 * 1024 * 2);
    const m = loadModelFile(file);
    expect(m.warnings).toEqual([]);
    expect(init(m.graph, 'W').location).toEqual({ kind: 'external', file: 'data/w.bin', offset: 0, length: null });
  });

  it('in-memory models do not check the external file unless baseDir is given', () => {
    expect(loadModelBytes(externalModel('nowhere.bin')).warnings).toEqual([]);
    expect(loadModelBytes(externalModel('nowhere.bin'), { baseDir: tmp }).warnings[0]).toContain('"nowhere.bin"');
  });
});

describe('tensors.read', () => {
  function readOne(tensor: Parameters<typeof encodeTensor>[0], max = 64, m?: Model): number[] | null {
    const loaded = m ?? loadModelBytes(encodeModel(model({ initializer: [{ name: 't', ...tensor }] })));
    return loaded.tensors.read(init(loaded.graph, 't'), max);
  }

  it('int64 from raw_data and from int64_data', () => {
    expect(readOne({ dims: [4], dataType: DT.INT64, rawData: int64Bytes([1, -1, 2 ** 40, -(2 ** 40)]) })).toEqual([
      1,
      -1,
      2 ** 40,
      -(2 ** 40),
    ]);
    expect(readOne({ dims: [4], dataType: DT.INT64, int64Data: [1, -1, 2 ** 40, -(2 ** 40)] })).toEqual([
      1,
      -1,
      2 ** 40,
      -(2 ** 40),
    ]);
    expect(readOne({ dims: [], dataType: DT.INT64, int64Data: [7] })).toEqual([7]);
  });

  it('int32/uint8/int8/bool/float16/float32/float64 in raw and typed forms', () => {
    expect(readOne({ dims: [2], dataType: DT.INT32, rawData: new Uint8Array(new Int32Array([-5, 6]).buffer) })).toEqual(
      [-5, 6],
    );
    expect(readOne({ dims: [2], dataType: DT.INT32, int32Data: [-5, 6] })).toEqual([-5, 6]);
    expect(readOne({ dims: [3], dataType: DT.UINT8, rawData: Uint8Array.from([0, 200, 255]) })).toEqual([0, 200, 255]);
    expect(readOne({ dims: [2], dataType: DT.INT8, rawData: Uint8Array.from([0xff, 0x7f]) })).toEqual([-1, 127]);
    expect(readOne({ dims: [2], dataType: DT.INT8, int32Data: [-1, 127] })).toEqual([-1, 127]);
    expect(readOne({ dims: [3], dataType: DT.BOOL, rawData: Uint8Array.from([0, 1, 2]) })).toEqual([0, 1, 1]);
    expect(readOne({ dims: [2], dataType: DT.BOOL, int32Data: [1, 0] })).toEqual([1, 0]);
    expect(
      readOne({
        dims: [3],
        dataType: DT.FLOAT16,
        rawData: new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer),
      }),
    ).toEqual([1, -2, 0.333251953125]);
    expect(readOne({ dims: [2], dataType: DT.FLOAT16, int32Data: [0x3c00, 0x7c00] })).toEqual([1, Infinity]);
    expect(readOne({ dims: [1], dataType: DT.BFLOAT16, int32Data: [0x3f80] })).toEqual([1]);
    expect(readOne({ dims: [2], dataType: DT.FLOAT, floatData: [0.5, -3] })).toEqual([0.5, -3]);
    expect(readOne({ dims: [2], dataType: DT.DOUBLE, doubleData: [0.1, -3] })).toEqual([0.1, -3]);
    expect(
      readOne({ dims: [2], dataType: DT.DOUBLE, rawData: new Uint8Array(new Float64Array([0.1, -3]).buffer) }),
    ).toEqual([0.1, -3]);
    expect(readOne({ dims: [2], dataType: DT.UINT64, uint64Data: [3, 2 ** 50] })).toEqual([3, 2 ** 50]);
  });

  it('null beyond maxElements, for strings, for a short payload; [] for empty tensors', () => {
    expect(readOne({ dims: [100], dataType: DT.INT64, int64Data: new Array(100).fill(1) }, 99)).toBeNull();
    expect(readOne({ dims: [1], dataType: DT.STRING, stringData: [new Uint8Array([65])] })).toBeNull();
    expect(readOne({ dims: [4], dataType: DT.INT64, rawData: int64Bytes([1, 2]) })).toBeNull();
    expect(readOne({ dims: [0], dataType: DT.INT64 })).toEqual([]);
    expect(readOne({ dims: [2], dataType: DT.INT64 })).toBeNull();
  });

  it('unpacked (one field per element) int64_data, as hand-written protobuf may store it', () => {
    const tensor = concat(
      fieldVarint(1, 3),
      fieldVarint(2, DT.INT64),
      fieldVarint(7, -4),
      fieldVarint(7, 5),
      fieldVarint(7, 2 ** 45),
      fieldString(8, 't'),
    );
    const graph = concat(encodeGraph({ name: 'g' }), fieldBytes(5, tensor));
    const bytes = concat(encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }] }), fieldBytes(7, graph));
    const m = loadModelBytes(bytes);
    const t = init(m.graph, 't');
    expect(t).toMatchObject({
      dims: [3],
      dtype: 'int64',
      byteLength: 24,
      location: { kind: 'inline', field: 'int64_data' },
    });
    expect(m.tensors.read(t, 3)).toEqual([-4, 5, 2 ** 45]);
    // A copy of the ref (same location object) still reads.
    expect(m.tensors.read({ ...t }, 3)).toEqual([-4, 5, 2 ** 45]);
  });

  it('unpacked dims (protobuf-C++ writes dims unpacked) decode like packed ones', () => {
    const tensor = concat(
      fieldVarint(1, 2),
      fieldVarint(1, 3),
      fieldVarint(2, DT.FLOAT),
      fieldString(8, 'w'),
      fieldBytes(9, new Uint8Array(24)),
    );
    const bytes = concat(
      encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }] }),
      fieldBytes(7, fieldBytes(5, tensor)),
    );
    const w = init(loadModelBytes(bytes).graph, 'w');
    expect(w).toMatchObject({
      dims: [2, 3],
      byteLength: 24,
      location: { kind: 'inline', field: 'raw_data', length: 24 },
    });
  });

  it('warns when raw_data disagrees with dims', () => {
    const m = loadModelBytes(
      encodeModel(model({ initializer: [{ name: 'w', dims: [4], dataType: DT.FLOAT, rawData: new Uint8Array(12) }] })),
    );
    expect(m.warnings).toEqual(['tensor "w": raw_data has 12 bytes, dims and dtype imply 16']);
    expect(init(m.graph, 'w').byteLength).toBe(16);
  });
});
