import onnxProto from 'onnx-proto';
import type {
  AttributeRecord,
  IFunctionProto,
  IGraphProto,
  INodeProto,
  ITensorProto,
  IValueInfoProto,
} from '../../src/zoo/onnx-writer.js';
import { encodeModel, graph, model, node as writerNode } from '../../src/zoo/onnx-writer.js';

/**
 * Short names over the zoo's ONNX writer (src/zoo/onnx-writer.ts) for graph-level tests: every
 * record here is the writer's, only the defaults are the tests' (graph `g`, producer `efflint-test`,
 * ai.onnx opset 13, unnamed nodes written with an empty name).
 */

/** onnx-proto's codec, for tests that decode or build records the helpers do not cover. */
export const { onnx } = onnxProto;

/** tensorInfo(name, dims, elemType = FLOAT): a tensor value_info; string dims are symbolic (dim_param). */
export { tensorValueInfo as tensorInfo } from '../../src/zoo/onnx-writer.js';
/** floatInit(name, dims): a float32 initializer as raw_data, zeros (values do not matter to analysis). */
export { floatTensor as floatInit } from '../../src/zoo/onnx-writer.js';
/** int64Init(name, values, dims = [values.length]): an int64 initializer in int64_data form. */
export { int64Tensor as int64Init } from '../../src/zoo/onnx-writer.js';

/** A node with attributes from a record (see the writer's AttributeValue) and a name ('' by default). */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: AttributeRecord = {},
  name = '',
): INodeProto {
  return writerNode(opType, inputs, outputs, attrs, { name });
}

export interface TinyModel {
  nodes: INodeProto[];
  inputs: IValueInfoProto[];
  outputs: IValueInfoProto[];
  initializers?: ITensorProto[];
  opset?: number;
  irVersion?: number;
  functions?: IFunctionProto[];
  valueInfo?: IValueInfoProto[];
  extraOpsets?: { domain: string; version: number }[];
}

/** The graph of a TinyModel (also a subgraph for a graph attribute). */
export function graphProto(
  m: Omit<TinyModel, 'opset' | 'irVersion' | 'functions' | 'extraOpsets'>,
  name = 'g',
): IGraphProto {
  return graph({
    name,
    nodes: m.nodes,
    inputs: m.inputs,
    outputs: m.outputs,
    initializers: m.initializers ?? [],
    valueInfo: m.valueInfo ?? [],
  });
}

/** Encodes a small ModelProto for graph-level tests. */
export function tinyModel(m: TinyModel): Uint8Array {
  return encodeModel(
    model(graphProto(m), {
      irVersion: m.irVersion ?? 8,
      producerName: 'efflint-test',
      opsets: [{ domain: '', version: m.opset ?? 13 }, ...(m.extraOpsets ?? [])],
      functions: m.functions ?? [],
    }),
  );
}
