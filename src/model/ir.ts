/**
 * The typed model IR that every later stage reads. It is produced by the weight-free loader
 * (load.ts): tensor payloads are never copied here, only located (TensorLocation), so the IR of a
 * 1 GB model is as small as its graph.
 */

/** ONNX TensorProto.DataType names (onnx.proto), in the style of onnxruntime's Tensor.Type. */
export type DType =
  | 'undefined'
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4'
  | 'float4e2m1';

/** TensorProto.DataType code -> name, index = code. */
export const DTYPE_BY_CODE: readonly DType[] = [
  'undefined',
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'uint4',
  'int4',
  'float4e2m1',
];

/** Storage size of one element in bytes (4-bit types count as 0.5). Strings have no fixed size: 0. */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  undefined: 0,
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  string: 0,
  bool: 1,
  float16: 2,
  float64: 8,
  uint32: 4,
  uint64: 8,
  complex64: 8,
  complex128: 16,
  bfloat16: 2,
  float8e4m3fn: 1,
  float8e4m3fnuz: 1,
  float8e5m2: 1,
  float8e5m2fnuz: 1,
  uint4: 0.5,
  int4: 0.5,
  float4e2m1: 0.5,
};

export function dtypeFromCode(code: number): DType {
  return DTYPE_BY_CODE[code] ?? 'undefined';
}

export function isFloatDType(dtype: DType): boolean {
  return (
    dtype === 'float32' ||
    dtype === 'float16' ||
    dtype === 'float64' ||
    dtype === 'bfloat16' ||
    dtype.startsWith('float8') ||
    dtype === 'float4e2m1'
  );
}

export function isIntegerDType(dtype: DType): boolean {
  return /^u?int(4|8|16|32|64)$/.test(dtype) || dtype === 'bool';
}

/** A dimension: a concrete size, or a symbolic name (dim_param) kept as a string. */
export type Dim = number | string;

/**
 * Where a tensor's payload lives. The loader records this instead of reading the bytes.
 * - `inline`: bytes inside the model file/buffer at [offset, offset+length), stored in the
 *   TensorProto field `field` (raw_data, or a packed typed field such as int64_data).
 * - `external`: TensorProto.data_location = EXTERNAL; `file` is external_data's `location` as
 *   written (relative to the model's directory); the file is never opened by analysis.
 * - `empty`: a tensor with no payload (zero elements, or a proto that omits it).
 */
export type TensorLocation =
  | { readonly kind: 'inline'; readonly field: TensorPayloadField; readonly offset: number; readonly length: number }
  | { readonly kind: 'external'; readonly file: string; readonly offset: number; readonly length: number | null }
  | { readonly kind: 'empty' };

/** TensorProto fields that can hold a payload. */
export type TensorPayloadField =
  'raw_data' | 'float_data' | 'int32_data' | 'string_data' | 'int64_data' | 'double_data' | 'uint64_data';

/** A tensor whose payload was located but not read (initializer, Constant value, attribute). */
export interface TensorRef {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** Payload size in bytes by dtype (elements * BYTES_PER_ELEMENT). */
  readonly byteLength: number;
  readonly location: TensorLocation;
}

export interface SparseTensorRef {
  readonly name: string;
  readonly dtype: DType;
  /** Dense shape. */
  readonly dims: readonly number[];
  /** Number of stored (non-zero) values. */
  readonly nnz: number;
}

/** The TypeProto case of a value (onnx.proto TypeProto.value). */
export type ValueKind = 'tensor' | 'sparse_tensor' | 'sequence' | 'optional' | 'map' | 'opaque';

/**
 * ValueInfoProto. `dtype`/`shape` describe a dense tensor only: they are null for every other kind,
 * whose tensor element is in `element`. `shape` is null when the rank is unknown. Unknown dims
 * (neither dim_value nor dim_param) get a fresh symbol `unk__N`, unique within the model, as
 * onnxruntime names them.
 */
export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType | null;
  readonly shape: readonly Dim[] | null;
  /** Absent means a tensor, or no type recorded at all (then dtype and shape are null). */
  readonly kind?: ValueKind;
  /**
   * For sparse_tensor: its dtype and dense shape; sequence/optional: the innermost tensor element;
   * map: the value type's tensor. Absent for tensors and opaque types.
   */
  readonly element?: { readonly dtype: DType | null; readonly shape: readonly Dim[] | null };
}

export type AttributeValue =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: TensorRef }
  | { readonly type: 'graph'; readonly value: Graph }
  | { readonly type: 'sparse_tensor'; readonly value: SparseTensorRef }
  | { readonly type: 'type_proto'; readonly value: ValueInfo }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensors'; readonly value: readonly TensorRef[] }
  | { readonly type: 'graphs'; readonly value: readonly Graph[] }
  | { readonly type: 'sparse_tensors'; readonly value: readonly SparseTensorRef[] }
  | { readonly type: 'type_protos'; readonly value: readonly ValueInfo[] }
  | { readonly type: 'ref'; readonly refAttrName: string };

/** One NodeProto: op type, domain, input and output names, attributes (graph attributes decoded as Graphs). */
export interface Node {
  /** NodeProto.name, or `<opType>_<index>` (onnxruntime's convention) when empty. */
  readonly name: string;
  readonly opType: string;
  /** '' for the default ai.onnx domain ('ai.onnx' is normalised to ''). */
  readonly domain: string;
  /** Input names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
  /** Position of the node in its graph's node list. */
  readonly index: number;
}

/** One GraphProto: nodes in file order, inputs, outputs, initializers (located, never read) and value_info. */
export interface Graph {
  readonly name: string;
  readonly nodes: readonly Node[];
  /** Graph inputs that are not initializers (old IR < 4 models list initializers as inputs too). */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly valueInfo: readonly ValueInfo[];
  readonly initializers: ReadonlyMap<string, TensorRef>;
  readonly sparseInitializers: ReadonlyMap<string, SparseTensorRef>;
}

/** A model-local function (FunctionProto). */
export interface FunctionDef {
  readonly name: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributeNames: readonly string[];
  readonly nodes: readonly Node[];
  readonly opsets: ReadonlyMap<string, number>;
}

/** Reads the values of small tensors on demand (shape constants). Never used for weights. */
export interface TensorValueReader {
  /**
   * Decoded values of `ref` as numbers (int64 beyond 2^53 loses precision, which shape
   * arithmetic never needs), or null when the payload is external, too large
   * (> maxElements), or of a dtype that has no numeric value.
   */
  read(ref: TensorRef, maxElements: number): number[] | null;
}

/** A decoded ONNX model: metadata, opsets, the main graph, model-local functions and load warnings. */
export interface Model {
  /** File path, or `zoo:NAME` / `<buffer>` for in-memory models. */
  readonly path: string;
  readonly irVersion: number;
  /** Opset version per domain ('' = ai.onnx). */
  readonly opsets: ReadonlyMap<string, number>;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: Graph;
  readonly functions: readonly FunctionDef[];
  readonly metadata: ReadonlyMap<string, string>;
  /** Non-fatal problems found while loading (e.g. a missing external-data file). */
  readonly warnings: readonly string[];
  readonly tensors: TensorValueReader;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
