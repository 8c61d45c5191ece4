/**
 * efflint's one ONNX writer: plain onnx.proto records in, ModelProto bytes out, through onnx-proto's
 * protobufjs codec. The zoo's GraphBuilder, the profiler's calibration models, the benches and the
 * tests all write their models with it.
 *
 * Two levels:
 * - constructors of single records (value infos, tensors, attributes, nodes, graphs, functions,
 *   models) that return onnx-proto's plain `I*Proto` objects, so a test can still change a record
 *   (even into an invalid one) before `encodeModel`;
 * - `buildOnnxModel`, a whole float32 model from a short declarative description, with seeded
 *   weights (the profiler's calibration models and tiny test models).
 *
 * A constructor sets only the fields it is given: protobufjs writes a field that is present even
 * when it is empty (`name: ''`), so what is left out stays out of the bytes.
 */
import onnxProto from 'onnx-proto';
import { lcg32 } from '../util/random.js';

const { onnx } = onnxProto;

export type IModelProto = onnxProto.onnx.IModelProto;
export type IGraphProto = onnxProto.onnx.IGraphProto;
export type INodeProto = onnxProto.onnx.INodeProto;
export type ITensorProto = onnxProto.onnx.ITensorProto;
export type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type IAttributeProto = onnxProto.onnx.IAttributeProto;
export type IFunctionProto = onnxProto.onnx.IFunctionProto;
export type IOperatorSetIdProto = onnxProto.onnx.IOperatorSetIdProto;

/** TensorProto.DataType (onnx.proto): FLOAT = 1, INT64 = 7, ... */
export const DataType = onnx.TensorProto.DataType;
/** AttributeProto.AttributeType (onnx.proto): FLOAT = 1, INT = 2, ..., GRAPHS = 10. */
export const AttributeType = onnx.AttributeProto.AttributeType;

/** A dimension of a value info: a number is dim_value, a string dim_param, null neither (unknown). */
export type Dim = number | string | null;

/**
 * A tensor value info. `dims` null writes no shape at all (unknown rank); `elemType` is a
 * TensorProto.DataType, float32 by default.
 */
export function tensorValueInfo(
  name: string,
  dims: readonly Dim[] | null,
  elemType: number = DataType.FLOAT,
): IValueInfoProto {
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType };
  if (dims !== null) {
    tensorType.shape = {
      dim: dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    };
  }
  return { name, type: { tensorType } };
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The values as TensorProto.raw_data: little-endian (onnx.proto TensorProto.raw_data). */
function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A float32 (Float32Array) or int64 (BigInt64Array) tensor with its values as raw_data. */
export function rawTensor(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): ITensorProto {
  const dataType = data instanceof Float32Array ? DataType.FLOAT : DataType.INT64;
  return { name, dims: [...dims], dataType, rawData: littleEndianBytes(data) };
}

/** A float32 tensor as raw_data, every element `fill` (default 0: values that do not matter to analysis). */
export function floatTensor(name: string, dims: readonly number[], fill = 0): ITensorProto {
  return rawTensor(name, dims, new Float32Array(elementCount(dims)).fill(fill));
}

/**
 * `count` float32 values uniform in [-0.05, 0.05) from `lcg32(seed)`: cheap, deterministic synthetic
 * weights that keep activations small.
 */
function seededUniform(count: number, seed: number): Float32Array {
  const data = new Float32Array(count);
  const rand = lcg32(seed);
  for (let i = 0; i < count; i++) data[i] = (rand() - 0.5) * 0.1;
  return data;
}

/** A float32 tensor of {@link seededUniform} values, as raw_data. */
function seededFloatTensor(name: string, dims: readonly number[], seed: number): ITensorProto {
  return rawTensor(name, dims, seededUniform(elementCount(dims), seed));
}

/** An int64 tensor in int64_data form (dims default: a vector of the values). */
export function int64Tensor(
  name: string,
  values: readonly number[],
  dims: readonly number[] = [values.length],
): ITensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...values] };
}

/**
 * An attribute value, typed by its form: a number is INT when it is an integer and FLOAT otherwise,
 * a string is STRING (UTF-8), a number list INTS; the one-key records name the other kinds
 * (`{ float: 1 }` for a FLOAT that happens to be an integer).
 */
export type AttributeValue =
  | number
  | string
  | readonly number[]
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly strings: readonly string[] }
  | { readonly tensor: ITensorProto }
  | { readonly tensors: readonly ITensorProto[] }
  | { readonly graph: IGraphProto }
  | { readonly graphs: readonly IGraphProto[] };

/** Attributes by name, in writing order. */
export type AttributeRecord = Readonly<Record<string, AttributeValue>>;

function isNumberList(v: AttributeValue): v is readonly number[] {
  return Array.isArray(v);
}

/** One AttributeProto with its `type` set from the value's form (see {@link AttributeValue}). */
function attribute(name: string, v: AttributeValue): IAttributeProto {
  if (typeof v === 'number')
    return Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (isNumberList(v)) return { name, type: AttributeType.INTS, ints: [...v] };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: [...v.floats] };
  if ('strings' in v)
    return { name, type: AttributeType.STRINGS, strings: v.strings.map((s) => new TextEncoder().encode(s)) };
  if ('tensor' in v) return { name, type: AttributeType.TENSOR, t: v.tensor };
  if ('tensors' in v) return { name, type: AttributeType.TENSORS, tensors: [...v.tensors] };
  if ('graph' in v) return { name, type: AttributeType.GRAPH, g: v.graph };
  return { name, type: AttributeType.GRAPHS, graphs: [...v.graphs] };
}

/** NodeProto fields besides op type, inputs, outputs and attributes; each is written only when given. */
export interface NodeFields {
  /** '' writes an empty name (an unnamed node as exporters write it); undefined writes none. */
  readonly name?: string;
  readonly domain?: string;
  readonly docString?: string;
}

/** A NodeProto; attributes as a record (see {@link AttributeValue}) or as ready AttributeProtos. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: AttributeRecord | readonly IAttributeProto[] = {},
  fields: NodeFields = {},
): INodeProto {
  const list = isAttributeList(attributes)
    ? [...attributes]
    : Object.entries(attributes).map(([k, v]) => attribute(k, v));
  const n: INodeProto = { opType, input: [...inputs], output: [...outputs], attribute: list };
  if (fields.name !== undefined) n.name = fields.name;
  if (fields.domain !== undefined) n.domain = fields.domain;
  if (fields.docString !== undefined) n.docString = fields.docString;
  return n;
}

function isAttributeList(a: AttributeRecord | readonly IAttributeProto[]): a is readonly IAttributeProto[] {
  return Array.isArray(a);
}

/** The parts of a GraphProto; empty lists write nothing. */
export interface GraphParts {
  readonly name: string;
  readonly nodes: readonly INodeProto[];
  readonly inputs: readonly IValueInfoProto[];
  readonly outputs: readonly IValueInfoProto[];
  readonly initializers?: readonly ITensorProto[];
  /** GraphProto.value_info: shapes of intermediate tensors. */
  readonly valueInfo?: readonly IValueInfoProto[];
}

/** A GraphProto (also a subgraph, for an If/Loop/Scan graph attribute). */
export function graph(parts: GraphParts): IGraphProto {
  return {
    name: parts.name,
    node: [...parts.nodes],
    input: [...parts.inputs],
    output: [...parts.outputs],
    initializer: [...(parts.initializers ?? [])],
    valueInfo: [...(parts.valueInfo ?? [])],
  };
}

/** An opset import: `domain` '' is ai.onnx. */
export interface OpsetId {
  readonly domain: string;
  readonly version: number;
}

/** A model-local function (IR version 8 and later) that nodes of `domain` and `name` call. */
export interface FunctionParts {
  readonly name: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly nodes: readonly INodeProto[];
  readonly opsets: readonly OpsetId[];
  /** Names of the function's attributes (FunctionProto.attribute). */
  readonly attributes?: readonly string[];
}

/** A FunctionProto. */
export function modelFunction(parts: FunctionParts): IFunctionProto {
  return {
    name: parts.name,
    domain: parts.domain,
    input: [...parts.inputs],
    output: [...parts.outputs],
    attribute: [...(parts.attributes ?? [])],
    node: [...parts.nodes],
    opsetImport: parts.opsets.map((o) => ({ domain: o.domain, version: o.version })),
  };
}

/** ModelProto fields around the graph; each optional one is written only when given. */
export interface ModelFields {
  /** Default 8 (ONNX 1.10; the first with model-local functions). */
  readonly irVersion?: number;
  /** The opset imports, ai.onnx (domain '') included. */
  readonly opsets: readonly OpsetId[];
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly docString?: string;
  /** ModelProto.metadata_props, in order. */
  readonly metadata?: Iterable<readonly [string, string]>;
  readonly functions?: readonly IFunctionProto[];
}

/** A ModelProto around `graph`. */
export function model(g: IGraphProto, fields: ModelFields): IModelProto {
  const m: IModelProto = {
    irVersion: fields.irVersion ?? 8,
    opsetImport: fields.opsets.map((o) => ({ domain: o.domain, version: o.version })),
    graph: g,
  };
  if (fields.producerName !== undefined) m.producerName = fields.producerName;
  if (fields.producerVersion !== undefined) m.producerVersion = fields.producerVersion;
  if (fields.docString !== undefined) m.docString = fields.docString;
  if (fields.metadata !== undefined) m.metadataProps = [...fields.metadata].map(([key, value]) => ({ key, value }));
  if (fields.functions !== undefined) m.functions = [...fields.functions];
  return m;
}

/** ModelProto bytes of any model record, valid or not (tests encode deliberately broken ones). */
export function encodeModel(m: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(m)).finish();
}

/** GraphProto bytes (a graph attribute's payload, or a piece of a model written by hand). */
export function encodeGraph(g: IGraphProto): Uint8Array {
  return onnx.GraphProto.encode(onnx.GraphProto.create(g)).finish();
}

/** NodeProto bytes (bench/scale.mjs streams a model's node list from these). */
export function encodeNode(n: INodeProto): Uint8Array {
  return onnx.NodeProto.encode(onnx.NodeProto.create(n)).finish();
}

/** TensorProto bytes. */
export function encodeTensor(t: ITensorProto): Uint8Array {
  return onnx.TensorProto.encode(onnx.TensorProto.create(t)).finish();
}

/** ValueInfoProto bytes. */
export function encodeValueInfo(v: IValueInfoProto): Uint8Array {
  return onnx.ValueInfoProto.encode(onnx.ValueInfoProto.create(v)).finish();
}

/** FunctionProto bytes. */
export function encodeFunction(f: IFunctionProto): Uint8Array {
  return onnx.FunctionProto.encode(onnx.FunctionProto.create(f)).finish();
}

/** A float32 or int64 initializer of {@link buildOnnxModel}. */
export interface BuildTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** 'float32' (default: seeded values in [-0.05, 0.05), see {@link seededUniform}) or 'int64' with explicit values. */
  readonly dtype?: 'float32' | 'int64';
  readonly int64Values?: readonly number[];
  /** Fill value for float32 instead of random values. */
  readonly fill?: number;
}

/** A tensor-valued attribute (e.g. a Constant node's `value`, as exporters write weights). */
export interface BuildTensorAttribute {
  readonly tensor: BuildTensor;
}

/** A node of {@link buildOnnxModel}; attributes are ints, floats, int lists, strings or tensors. */
export interface BuildNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** '' (the default) writes an unnamed node. */
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, number | string | readonly number[] | BuildTensorAttribute>>;
}

/** A float32 graph input or output; string dims are symbolic. */
export interface BuildValue {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

/** A whole model for {@link buildOnnxModel}. */
export interface BuildModel {
  readonly nodes: readonly BuildNode[];
  readonly inputs: readonly BuildValue[];
  readonly outputs: readonly BuildValue[];
  readonly initializers?: readonly BuildTensor[];
  /** ai.onnx opset, default 17. */
  readonly opset?: number;
}

/** Seed of the i-th initializer's values, and of the tensor attributes of the i-th node. */
const INITIALIZER_SEED = 12345;
const ATTRIBUTE_TENSOR_SEED = 54321;

function buildTensor(t: BuildTensor, seed: number): ITensorProto {
  if (t.dtype === 'int64') return int64Tensor(t.name, t.int64Values ?? [], t.dims);
  return t.fill !== undefined ? floatTensor(t.name, t.dims, t.fill) : seededFloatTensor(t.name, t.dims, seed);
}

function buildAttributes(attributes: BuildNode['attributes'], seed: number): AttributeRecord {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(attributes ?? {})) {
    out[k] = typeof v === 'object' && 'tensor' in v ? { tensor: buildTensor(v.tensor, seed) } : v;
  }
  return out;
}

/**
 * Encodes a float32 model (graph `efflint`, producer `efflint`, IR version 8, opset 17 unless given).
 * The i-th float32 initializer without `fill` holds {@link seededUniform} values of seed 12345 + i,
 * a tensor attribute of the i-th node those of seed 54321 + i: the same bytes on every build.
 */
export function buildOnnxModel(m: BuildModel): Uint8Array {
  const g = graph({
    name: 'efflint',
    nodes: m.nodes.map((n, i) =>
      node(n.opType, n.inputs, n.outputs, buildAttributes(n.attributes, ATTRIBUTE_TENSOR_SEED + i), {
        name: n.name ?? '',
      }),
    ),
    inputs: m.inputs.map((v) => tensorValueInfo(v.name, v.dims)),
    outputs: m.outputs.map((v) => tensorValueInfo(v.name, v.dims)),
    initializers: (m.initializers ?? []).map((t, i) => buildTensor(t, INITIALIZER_SEED + i)),
  });
  return encodeModel(
    model(g, { irVersion: 8, opsets: [{ domain: '', version: m.opset ?? 17 }], producerName: 'efflint' }),
  );
}
