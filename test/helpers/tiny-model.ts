import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type IGraphProto = onnxProto.onnx.IGraphProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type ITensorProto = onnxProto.onnx.ITensorProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A float tensor value_info; string dims are symbolic (dim_param). */
export function tensorInfo(name: string, dims: (number | string)[], elemType: number = FLOAT): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A float32 initializer stored as raw_data (zeros; values do not matter to analysis). */
export function floatInit(name: string, dims: number[]): ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(n * 4) };
}

/** An int64 initializer in int64_data form. */
export function int64Init(name: string, values: number[], dims: number[] = [values.length]): ITensorProto {
  return { name, dims, dataType: INT64, int64Data: values };
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[] | string> = {}, name = ''): INodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name,
    attribute: Object.entries(attrs).map(([k, v]) => {
      if (typeof v === 'string') return { name: k, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name: k, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      return Number.isInteger(v)
        ? { name: k, type: onnx.AttributeProto.AttributeType.INT, i: v }
        : { name: k, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
    }),
  };
}

export interface TinyModel {
  nodes: INodeProto[];
  inputs: IValueInfoProto[];
  outputs: IValueInfoProto[];
  initializers?: ITensorProto[];
  opset?: number;
  irVersion?: number;
  functions?: onnxProto.onnx.IFunctionProto[];
  valueInfo?: IValueInfoProto[];
  extraOpsets?: { domain: string; version: number }[];
}

export function graphProto(m: Omit<TinyModel, 'opset' | 'irVersion' | 'functions' | 'extraOpsets'>, name = 'g'): IGraphProto {
  return { name, node: m.nodes, input: m.inputs, output: m.outputs, initializer: m.initializers ?? [], valueInfo: m.valueInfo ?? [] };
}

/** Encodes a small ModelProto for graph-level tests. */
export function tinyModel(m: TinyModel): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: m.irVersion ?? 8,
      producerName: 'efflint-test',
      opsetImport: [{ domain: '', version: m.opset ?? 13 }, ...(m.extraOpsets ?? [])],
      graph: graphProto(m),
      functions: m.functions ?? [],
    }),
  ).finish();
}

export { onnx };
