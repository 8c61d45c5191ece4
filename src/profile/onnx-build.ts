import onnxProto from 'onnx-proto';

/**
 * A minimal ONNX writer for the small synthetic models efflint runs itself (calibration, tests,
 * bench/predict.mjs): float32 tensors, int/float/ints/string/tensor attributes, opset 17. Weights are filled from a seeded generator.
 */

const { onnx } = onnxProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** A tensor-valued attribute (e.g. a Constant node's `value`, as exporters write weights). */
export interface BuildTensorAttribute {
  readonly tensor: BuildTensor;
}

/** A node to write; attributes are ints, floats, int lists, strings or tensors. */
export interface BuildNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** '' writes an unnamed node. */
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, number | string | readonly number[] | BuildTensorAttribute>>;
}

export interface BuildTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** 'float32' (seeded values in [-0.05, 0.05)) or 'int64' with explicit values. */
  readonly dtype?: 'float32' | 'int64';
  readonly int64Values?: readonly number[];
  /** Fill value for float32 instead of random values. */
  readonly fill?: number;
}

export interface BuildValue {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export interface BuildModel {
  readonly nodes: readonly BuildNode[];
  readonly inputs: readonly BuildValue[];
  readonly outputs: readonly BuildValue[];
  readonly initializers?: readonly BuildTensor[];
  readonly opset?: number;
}

const FLOAT = 1;
const INT64 = 7;

function attribute(name: string, v: number | string | readonly number[] | BuildTensorAttribute, seed: number): AttributeProto {
  if (typeof v === 'object' && !Array.isArray(v) && 'tensor' in v) return { name, type: onnx.AttributeProto.AttributeType.TENSOR, t: tensor(v.tensor, seed) };
  if (typeof v === 'string') return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...(v as number[])] };
  if (Number.isInteger(v)) return { name, type: onnx.AttributeProto.AttributeType.INT, i: v as number };
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v as number };
}

function valueInfo(v: BuildValue): ValueInfoProto {
  return {
    name: v.name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function tensor(t: BuildTensor, seed: number): TensorProto {
  if (t.dtype === 'int64') return { name: t.name, dims: [...t.dims], dataType: INT64, int64Data: [...(t.int64Values ?? [])] };
  const n = t.dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    if (t.fill !== undefined) {
      data[i] = t.fill;
      continue;
    }
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296 - 0.5) * 0.1;
  }
  return { name: t.name, dims: [...t.dims], dataType: FLOAT, rawData: new Uint8Array(data.buffer) };
}

/** Encodes a model as ONNX bytes (IR version 8, opset 17 unless given). */
export function buildOnnxModel(m: BuildModel): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'efflint',
    node: m.nodes.map((n, i) =>
      onnx.NodeProto.create({
        opType: n.opType,
        name: n.name ?? '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v, 54321 + i)),
      }),
    ),
    input: m.inputs.map(valueInfo),
    output: m.outputs.map(valueInfo),
    initializer: (m.initializers ?? []).map((t, i) => tensor(t, 12345 + i)),
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: m.opset ?? 17 }],
    producerName: 'efflint',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
