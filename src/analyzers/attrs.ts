import type { AttributeValue, DType, Graph, Node, TensorRef } from '../model/ir.js';
import { dtypeFromCode } from '../model/ir.js';
import type { Attrs } from './types.js';
import { OpSpecError } from '../errors.js';

/**
 * Highest TensorProto.DataType code in onnx.proto (INT2 = 26, ONNX 1.20). A `to` or `dtype` attribute outside
 * 1..LAST_DATA_TYPE_CODE names no type, and onnxruntime rejects the node.
 */
const LAST_DATA_TYPE_CODE = 26;

/** The AttributeProto type names onnx.proto uses, for error messages. */
const TYPE_NAMES: Readonly<Record<AttributeValue['type'], string>> = {
  float: 'FLOAT',
  int: 'INT',
  string: 'STRING',
  tensor: 'TENSOR',
  graph: 'GRAPH',
  sparse_tensor: 'SPARSE_TENSOR',
  type_proto: 'TYPE_PROTO',
  floats: 'FLOATS',
  ints: 'INTS',
  strings: 'STRINGS',
  tensors: 'TENSORS',
  graphs: 'GRAPHS',
  sparse_tensors: 'SPARSE_TENSORS',
  type_protos: 'TYPE_PROTOS',
  ref: 'a reference',
};

/**
 * Typed attribute access over a node. An absent attribute gives the default; a present one of another type than the
 * accessor reads is an error (`attribute 'kernel_shape' is STRING, expected INTS`), as onnxruntime's schema check
 * rejects it when the session is created. An INT where INTS or FLOAT is read is taken as its one value.
 */
export function createAttrs(node: Pick<Node, 'attributes'>): Attrs {
  const get = (name: string): AttributeValue | undefined => node.attributes.get(name);
  const wrongType = (name: string, a: AttributeValue, expected: string): never => {
    throw new OpSpecError(`attribute '${name}' is ${TYPE_NAMES[a.type]}, expected ${expected}`);
  };
  return {
    has: (name) => node.attributes.has(name),
    raw: get,
    int(name, fallback) {
      const a = get(name);
      if (a === undefined) return fallback;
      return a.type === 'int' ? a.value : wrongType(name, a, 'INT');
    },
    intOr(name) {
      const a = get(name);
      if (a === undefined) return undefined;
      return a.type === 'int' ? a.value : wrongType(name, a, 'INT');
    },
    float(name, fallback) {
      const a = get(name);
      if (a === undefined) return fallback;
      if (a.type === 'float' || a.type === 'int') return a.value;
      return wrongType(name, a, 'FLOAT');
    },
    string(name, fallback) {
      const a = get(name);
      if (a === undefined) return fallback;
      return a.type === 'string' ? a.value : wrongType(name, a, 'STRING');
    },
    ints(name) {
      const a = get(name);
      if (a === undefined) return undefined;
      if (a.type === 'ints') return a.value;
      if (a.type === 'int') return [a.value];
      return wrongType(name, a, 'INTS');
    },
    floats(name) {
      const a = get(name);
      if (a === undefined) return undefined;
      if (a.type === 'floats') return a.value;
      if (a.type === 'float') return [a.value];
      return wrongType(name, a, 'FLOATS');
    },
    tensor(name): TensorRef | undefined {
      const a = get(name);
      if (a === undefined) return undefined;
      return a.type === 'tensor' ? a.value : wrongType(name, a, 'TENSOR');
    },
    graph(name): Graph | undefined {
      const a = get(name);
      if (a === undefined) return undefined;
      return a.type === 'graph' ? a.value : wrongType(name, a, 'GRAPH');
    },
  };
}

/**
 * A data-type attribute (Cast `to`, EyeLike `dtype`...): `fallback` when absent; throws when the code is no
 * TensorProto.DataType (0 is UNDEFINED, which no tensor has). A valid code efflint has no name for reads as 'undefined'.
 */
export function dataTypeAttr(attrs: Attrs, name: string, fallback: DType): DType;
export function dataTypeAttr(attrs: Attrs, name: string): DType | undefined;
export function dataTypeAttr(attrs: Attrs, name: string, fallback?: DType): DType | undefined {
  const code = attrs.intOr(name);
  if (code === undefined) return fallback;
  if (code < 1 || code > LAST_DATA_TYPE_CODE) throw new OpSpecError(`${name} = ${code} is not a TensorProto.DataType`);
  return dtypeFromCode(code);
}
