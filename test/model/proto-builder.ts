import onnxProto from 'onnx-proto';

/** onnx-proto's full protobufjs codec: the reference encoder and decoder in these tests. */
export const { onnx } = onnxProto;
export type IModelProto = onnxProto.onnx.IModelProto;
export type IGraphProto = onnxProto.onnx.IGraphProto;
export type INodeProto = onnxProto.onnx.INodeProto;
export type ITensorProto = onnxProto.onnx.ITensorProto;
export type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type IAttributeProto = onnxProto.onnx.IAttributeProto;

export const DT = onnx.TensorProto.DataType;
export const AT = onnx.AttributeProto.AttributeType;

export function encodeModel(model: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function encodeGraph(graph: IGraphProto): Uint8Array {
  return onnx.GraphProto.encode(onnx.GraphProto.create(graph)).finish();
}

export function encodeTensor(tensor: ITensorProto): Uint8Array {
  return onnx.TensorProto.encode(onnx.TensorProto.create(tensor)).finish();
}

/** A model around `graph` with the given IR version and ai.onnx opset. */
export function model(graph: IGraphProto, irVersion = 8, opset = 17, extra: Partial<IModelProto> = {}): IModelProto {
  return { irVersion, opsetImport: [{ domain: '', version: opset }], graph, ...extra };
}

/** A tensor value_info; string dims are dim_param, null dims are unknown (neither field set). */
export function tensorInfo(name: string, elemType: number, dims: (number | string | null)[] | null): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: dims === null ? undefined : { dim: dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function node(opType: string, inputs: string[], outputs: string[], extra: Partial<INodeProto> = {}): INodeProto {
  return { opType, input: inputs, output: outputs, ...extra };
}

/** Little-endian bytes of float32 values. */
export function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** Little-endian bytes of int64 values. */
export function int64Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
}

/*
 * Raw wire-format pieces for bytes onnx-proto cannot produce (unpacked fields, bad lengths,
 * fields of newer onnx.proto versions).
 */

/** A base-128 varint (negative numbers as 10-byte two's complement, as protobuf encodes int64). */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A varint field. */
export function fieldVarint(field: number, value: number | bigint): Uint8Array {
  return concat(varint(field * 8), varint(value));
}

/** A length-delimited field (sub-message, string or bytes). */
export function fieldBytes(field: number, ...payload: Uint8Array[]): Uint8Array {
  const body = concat(...payload);
  return concat(varint(field * 8 + 2), varint(body.length), body);
}

export function fieldString(field: number, text: string): Uint8Array {
  return fieldBytes(field, new TextEncoder().encode(text));
}
