import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAttrs } from '../../src/analyzers/attrs.js';
import { OP_FAMILIES } from '../../src/analyzers/registry.js';
import type { OpContext, TensorInfo } from '../../src/analyzers/types.js';
import { dtypeFromCode, type DType } from '../../src/model/ir.js';
import { loadModelFile } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import { onnx } from '../helpers/tiny-model.js';

/**
 * Debian's libonnx-testdata node tests, one node each, run with their real inputs as folded values (the test feeds
 * shapes, axes, pads, scales and sizes as graph inputs). Every output shape must equal the real output's dims, and
 * every folded value its data; ops whose output size depends on data may answer a symbolic dim instead. The whole
 * model path (engine, unknown inputs) is covered by test/conformance.
 */
const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';
/** Output sizes that depend on run-time data: a symbolic dim is the right answer. */
const DATA_DEPENDENT = new Set(['NonMaxSuppression', 'Unique']);
/** The families whose ops this check covers (the shape, data-movement, recurrent, detection and control-flow ops). */
const FAMILIES = [
  'tensor/shape',
  'tensor/cast',
  'generator',
  'optional',
  'nn/dropout',
  'nn/flatten',
  'tensor/movement',
  'tensor/gather-scatter',
  'tensor/resize',
  'tensor/data-dependent',
  'math/expand',
  'nn/conv',
  'rnn',
  'object-detection',
  'controlflow',
];
const SINGLE_NODE_DEFS = new Map(
  FAMILIES.flatMap((family) => {
    const defs = OP_FAMILIES[family];
    if (!defs) throw new Error(`OP_FAMILIES has no family ${family}`);
    return defs;
  }).map((d) => [d.opType, d]),
);

function readTensorFile(path: string): { dtype: DType; dims: number[]; values: number[] | null } {
  const t = onnx.TensorProto.decode(readFileSync(path));
  const dims = t.dims.map(Number);
  const dtype = dtypeFromCode(t.dataType);
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > 1024) return { dtype, dims, values: null };
  const raw = t.rawData;
  if (raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const readers: Partial<Record<DType, [number, (o: number) => number]>> = {
      float32: [4, (o) => view.getFloat32(o, true)],
      float64: [8, (o) => view.getFloat64(o, true)],
      int64: [8, (o) => Number(view.getBigInt64(o, true))],
      int32: [4, (o) => view.getInt32(o, true)],
      uint8: [1, (o) => view.getUint8(o)],
      int8: [1, (o) => view.getInt8(o)],
      bool: [1, (o) => view.getUint8(o)],
    };
    const r = readers[dtype];
    return { dtype, dims, values: r ? Array.from({ length: n }, (_, i) => r[1](i * r[0])) : null };
  }
  const typed = [t.int64Data, t.floatData, t.int32Data, t.doubleData].find((a) => a.length > 0);
  return { dtype, dims, values: typed ? typed.map(Number) : n === 0 ? [] : null };
}

function singleNodeCases(): string[] {
  if (!existsSync(NODE_TESTS)) return [];
  return readdirSync(NODE_TESTS)
    .filter((d) => !d.endsWith('_expanded') && existsSync(join(NODE_TESTS, d, 'model.onnx')))
    .sort();
}

const nodeCases = singleNodeCases();

describe.skipIf(nodeCases.length === 0)('libonnx-testdata single-node cases with their real inputs', () => {
  it('infer the real output shapes and fold the real values', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const dir of nodeCases) {
      const model = loadModelFile(join(NODE_TESTS, dir, 'model.onnx'));
      const [node] = model.graph.nodes;
      if (model.graph.nodes.length !== 1 || node?.domain !== '') continue;
      const def = SINGLE_NODE_DEFS.get(node.opType);
      const tensorsOnly = [...model.graph.inputs, ...model.graph.outputs].every(
        (v) => (v.kind ?? 'tensor') === 'tensor',
      );
      if (!def || !tensorsOnly) continue;
      if (node.attributes.has('then_branch') || node.attributes.has('body')) continue; // subgraphs: test/conformance
      const data = join(NODE_TESTS, dir, 'test_data_set_0');
      const fed = new Map(
        model.graph.inputs.map((v, i) => [
          v.name,
          existsSync(join(data, `input_${i}.pb`)) ? readTensorFile(join(data, `input_${i}.pb`)) : null,
        ]),
      );
      const inputs = node.inputs.map((name): TensorInfo | null => {
        const init = name ? model.graph.initializers.get(name) : undefined;
        if (init) {
          const value = model.tensors.read(init, 1024);
          return { dtype: init.dtype, shape: init.dims, ...(value ? { value } : {}), isConstant: true };
        }
        const t = name ? fed.get(name) : null;
        return t ? { dtype: t.dtype, shape: t.dims, ...(t.values ? { value: t.values } : {}) } : null;
      });
      const ctx: OpContext = {
        node,
        opset: model.opsets.get('') ?? 1,
        inputs,
        attrs: createAttrs(node),
        readTensor: (ref) => model.tensors.read(ref, 1024),
        inferSubgraph: () => [],
        tryInferSubgraph: () => ({ outputs: [] }),
        warn: () => undefined,
      };
      const outputs = def.inferShape(ctx);
      def.cost?.(ctx, outputs);
      checked += 1;
      node.outputs.forEach((name, i) => {
        const file = join(data, `output_${i}.pb`);
        if (!name || !existsSync(file)) return;
        const real = readTensorFile(file);
        const got = at(outputs, i);
        const symbolic = got.shape?.some((d) => typeof d === 'string') ?? false;
        if (!(symbolic && DATA_DEPENDENT.has(node.opType)) && JSON.stringify(got.shape) !== JSON.stringify(real.dims)) {
          problems.push(`${dir} output ${i}: shape ${JSON.stringify(got.shape)} real ${JSON.stringify(real.dims)}`);
        }
        // Older test data stores bfloat16 tensors as uint16.
        if (got.dtype && got.dtype !== real.dtype && !(got.dtype === 'bfloat16' && real.dtype === 'uint16')) {
          problems.push(`${dir} output ${i}: dtype ${got.dtype} real ${real.dtype}`);
        }
        const want = real.values;
        const close = (v: number, k: number) => {
          const w = want?.[k];
          return w !== undefined && Math.abs(v - w) <= 1e-6 * Math.max(1, Math.abs(v));
        };
        if (got.value && want && !got.value.every(close)) {
          problems.push(
            `${dir} output ${i}: value [${got.value.slice(0, 8).join(',')}...] real [${want.slice(0, 8).join(',')}...]`,
          );
        }
      });
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });
});
