import onnxProto from 'onnx-proto';
import type { IGraphProto, IModelProto, INodeProto, IValueInfoProto } from '../../src/zoo/onnx-writer.js';
import {
  AttributeType,
  DataType,
  model as writerModel,
  node as writerNode,
  tensorValueInfo,
} from '../../src/zoo/onnx-writer.js';

/**
 * The tests' reference encoder: onnx-proto's full protobufjs codec for arbitrary, even invalid,
 * ModelProto records (decoder tests change records before encoding them), the zoo's ONNX writer
 * (src/zoo/onnx-writer.ts) for the records themselves, and raw wire-format pieces for bytes no
 * codec produces.
 */

/** onnx-proto's full protobufjs codec: the reference encoder and decoder in these tests. */
export const { onnx } = onnxProto;
export type {
  IAttributeProto,
  IGraphProto,
  IModelProto,
  INodeProto,
  ITensorProto,
  IValueInfoProto,
} from '../../src/zoo/onnx-writer.js';

/** TensorProto.DataType. */
export const DT = DataType;
/** AttributeProto.AttributeType. */
export const AT = AttributeType;

export { encodeGraph, encodeModel, encodeTensor } from '../../src/zoo/onnx-writer.js';

/** A model around `graph` with the given IR version and ai.onnx opset; `extra` fields override. */
export function model(graph: IGraphProto, irVersion = 8, opset = 17, extra: Partial<IModelProto> = {}): IModelProto {
  return { ...writerModel(graph, { irVersion, opsets: [{ domain: '', version: opset }] }), ...extra };
}

/** A tensor value_info; string dims are dim_param, null dims are unknown (neither field set), null: no shape. */
export function tensorInfo(name: string, elemType: number, dims: (number | string | null)[] | null): IValueInfoProto {
  return tensorValueInfo(name, dims, elemType);
}

/** A node; `extra` sets (or overrides) any other NodeProto field. */
export function node(opType: string, inputs: string[], outputs: string[], extra: Partial<INodeProto> = {}): INodeProto {
  return { ...writerNode(opType, inputs, outputs), ...extra };
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
