import type { AttributeValue, DType, Node } from '../model/ir.js';
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
  /** The attribute as `pick` reads it: undefined when absent, an error when `pick` does not take its type. */
  const read = <T>(name: string, expected: string, pick: (a: AttributeValue) => T | undefined): T | undefined => {
    const a = get(name);
    if (a === undefined) return undefined;
    const value = pick(a);
    if (value === undefined)
      throw new OpSpecError(`attribute '${name}' is ${TYPE_NAMES[a.type]}, expected ${expected}`);
    return value;
  };
  const intOr = (name: string): number | undefined =>
    read(name, 'INT', (a) => (a.type === 'int' ? a.value : undefined));
  return {
    has: (name) => node.attributes.has(name),
    raw: get,
    int: (name, fallback) => intOr(name) ?? fallback,
    intOr,
    float: (name, fallback) =>
      read(name, 'FLOAT', (a) => (a.type === 'float' || a.type === 'int' ? a.value : undefined)) ?? fallback,
    string: (name, fallback) => read(name, 'STRING', (a) => (a.type === 'string' ? a.value : undefined)) ?? fallback,
    ints: (name) => read(name, 'INTS', (a) => (a.type === 'ints' ? a.value : a.type === 'int' ? [a.value] : undefined)),
    floats: (name) =>
      read(name, 'FLOATS', (a) => (a.type === 'floats' ? a.value : a.type === 'float' ? [a.value] : undefined)),
    tensor: (name) => read(name, 'TENSOR', (a) => (a.type === 'tensor' ? a.value : undefined)),
    graph: (name) => read(name, 'GRAPH', (a) => (a.type === 'graph' ? a.value : undefined)),
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
