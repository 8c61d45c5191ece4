/**
 * Cross-check of op definitions against onnxruntime-node (CPU EP): a single-node model runs with zero-filled inputs,
 * and efflint's inferred output shapes and dtypes must equal the tensors onnxruntime returns. Used by the op tests of
 * the families whose ops onnxruntime implements beyond the ONNX reference data (contrib ops, opset 23/24 ops).
 */
import * as ort from 'onnxruntime-node';
import type onnxProto from 'onnx-proto';
import { expect } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { loadModelBytes } from '../../src/model/load.js';
import { node, onnx, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

export const MS = 'com.microsoft';
export const { FLOAT, UINT8, INT8, INT32, INT64 } = onnx.TensorProto.DataType;

const BYTES: Readonly<Record<number, number>> = { [FLOAT]: 4, [UINT8]: 1, [INT8]: 1, [INT32]: 4, [INT64]: 8 };
const ORT_TYPE: Readonly<Record<number, 'float32' | 'uint8' | 'int8' | 'int32' | 'int64'>> = {
  [FLOAT]: 'float32',
  [UINT8]: 'uint8',
  [INT8]: 'int8',
  [INT32]: 'int32',
  [INT64]: 'int64',
};

function bytesPerElement(dataType: number): number {
  const bytes = BYTES[dataType];
  if (bytes === undefined) throw new Error(`no byte size for TensorProto data type ${dataType}`);
  return bytes;
}

function ortType(dataType: number): 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' {
  const type = ORT_TYPE[dataType];
  if (type === undefined) throw new Error(`no onnxruntime type for TensorProto data type ${dataType}`);
  return type;
}

/** A zero-filled initializer. */
export const zeros = (name: string, dataType: number, dims: number[]): onnxProto.onnx.ITensorProto => ({
  name,
  dims,
  dataType,
  rawData: new Uint8Array(dims.reduce((a, b) => a * b, 1) * bytesPerElement(dataType)),
});
export const int32s = (name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto => ({
  name,
  dims,
  dataType: INT32,
  int32Data: values,
});
/** A float32 scalar scale and a uint8 scalar zero point, both zero. */
export const q = (name: string) => zeros(name, FLOAT, []);
export const zp = (name: string) => zeros(name, UINT8, []);

export interface OrtCase {
  name: string;
  op: string;
  /** The node's domain; com.microsoft when omitted. */
  domain?: string;
  inputs: string[];
  /** Graph inputs fed with zeros: name -> [TensorProto data type, dims]. */
  feeds: Record<string, [onnxProto.onnx.TensorProto.DataType, number[]]>;
  inits: onnxProto.onnx.ITensorProto[];
  attrs?: Record<string, number | number[] | string>;
  outputs?: number;
  opset?: number;
}

/** Runs the case's single-node model in onnxruntime and expects efflint's analysis to give the same output shapes and dtypes. */
export async function expectOnnxruntimeAgrees(c: OrtCase): Promise<void> {
  const outputs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`);
  const n = { ...node(c.op, c.inputs, outputs, c.attrs ?? {}), domain: c.domain ?? MS };
  const bytes = tinyModel({
    nodes: [n],
    inputs: Object.entries(c.feeds).map(([name, [type, dims]]) => tensorInfo(name, dims, type)),
    outputs: outputs.map((name) => ({ name })),
    initializers: c.inits,
    opset: c.opset ?? 17,
    irVersion: (c.opset ?? 17) > 17 ? 10 : 8,
    extraOpsets: [{ domain: MS, version: 1 }],
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, [type, dims]] of Object.entries(c.feeds)) {
      const count = dims.reduce((a, b) => a * b, 1);
      const data =
        type === INT64
          ? new BigInt64Array(count)
          : type === INT32
            ? new Int32Array(count)
            : type === FLOAT
              ? new Float32Array(count)
              : new Uint8Array(count);
      feeds[name] = new ort.Tensor(ortType(type), data, dims);
    }
    const real = await session.run(feeds);
    const realOutputs = outputs.map((name) => {
      const value = real[name];
      if (value === undefined) throw new Error(`onnxruntime returned no output ${name}`);
      return value;
    });
    const analysis = analyzeModel(loadModelBytes(bytes));
    expect(analysis.outputs.map((o) => o.shape)).toEqual(realOutputs.map((t) => [...t.dims]));
    expect(analysis.outputs.map((o) => o.dtype)).toEqual(realOutputs.map((t) => t.type));
  } finally {
    await session.release();
  }
}
