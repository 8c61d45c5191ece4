/**
 * A protobuf message as an editable tree, for structure-aware fuzzing: parse a valid model, change one
 * field (its tag, its length prefix, its value, its children) and serialize again, which recomputes
 * every enclosing length, so a mutation stays where it was put instead of corrupting the whole file.
 *
 * Parsing is schema-guided only as far as knowing which length-delimited fields of ONNX messages are
 * sub-messages (onnx.proto field numbers); everything else is kept as bytes. Any field can carry raw
 * overrides for its tag or length prefix, which is how mutations write what no encoder would.
 */
import { at } from '../../src/util/at.js';
import { concat, varint } from '../model/proto-builder.js';

/** Kinds of ONNX messages the parser descends into (onnx.proto message names). */
export type MessageKind =
  | 'Model'
  | 'Graph'
  | 'Node'
  | 'Attribute'
  | 'Tensor'
  | 'SparseTensor'
  | 'ValueInfo'
  | 'Type'
  | 'TensorType'
  | 'WrapperType'
  | 'Shape'
  | 'Dimension'
  | 'OpsetId'
  | 'Entry'
  | 'Function';

/** For each message kind, its length-delimited fields that are sub-messages (onnx.proto, IR 11). */
const SUBMESSAGES: Readonly<Record<MessageKind, Readonly<Record<number, MessageKind>>>> = {
  Model: { 7: 'Graph', 8: 'OpsetId', 14: 'Entry', 25: 'Function' },
  Graph: { 1: 'Node', 5: 'Tensor', 11: 'ValueInfo', 12: 'ValueInfo', 13: 'ValueInfo', 15: 'SparseTensor' },
  Node: { 5: 'Attribute' },
  Attribute: {
    5: 'Tensor',
    6: 'Graph',
    10: 'Tensor',
    11: 'Graph',
    14: 'Type',
    15: 'Type',
    22: 'SparseTensor',
    23: 'SparseTensor',
  },
  Tensor: { 13: 'Entry' },
  SparseTensor: { 1: 'Tensor', 2: 'Tensor' },
  ValueInfo: { 2: 'Type' },
  Type: { 1: 'TensorType', 4: 'WrapperType', 5: 'WrapperType', 8: 'TensorType', 9: 'WrapperType' },
  TensorType: { 2: 'Shape' },
  WrapperType: { 1: 'Type', 2: 'Type' },
  Shape: { 1: 'Dimension' },
  Dimension: {},
  OpsetId: {},
  Entry: {},
  Function: { 7: 'Node', 11: 'Attribute', 9: 'OpsetId' },
};

/** One field of a message. `tagBytes` / `lengthBytes` replace the encoded tag or length prefix when set. */
export type WireField =
  | { field: number; wire: 0; value: bigint; tagBytes?: Uint8Array; valueBytes?: Uint8Array }
  | { field: number; wire: 1 | 5; bytes: Uint8Array; tagBytes?: Uint8Array }
  | { field: number; wire: 2; bytes: Uint8Array; tagBytes?: Uint8Array; lengthBytes?: Uint8Array }
  | { field: number; wire: 2; message: WireMessage; tagBytes?: Uint8Array; lengthBytes?: Uint8Array };

/** A message: its kind (null for a length-delimited field not known to be a message) and fields in order. */
export interface WireMessage {
  kind: MessageKind | null;
  fields: WireField[];
}

/** A base-128 varint of the low 64 bits of `value` (the test suite's one varint writer). */
export const encodeVarint = varint;

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return concat(...parts);
}

function readVarint(bytes: Uint8Array, pos: number, end: number): { value: bigint; next: number } | null {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return null;
    const b = at(bytes, pos + i); // pos + i < end <= bytes.length
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return { value: BigInt.asUintN(64, value), next: pos + i + 1 };
  }
  return null;
}

/**
 * Parses `bytes[start, end)` as a message of `kind`; null when they are not a well-formed message
 * (then the caller keeps them as bytes). Non-canonical varints are kept verbatim so a round trip is exact.
 */
export function parseMessage(
  bytes: Uint8Array,
  kind: MessageKind | null,
  start = 0,
  end = bytes.length,
  depth = 0,
): WireMessage | null {
  if (depth > 200) return null;
  const fields: WireField[] = [];
  let pos = start;
  while (pos < end) {
    const tag = readVarint(bytes, pos, end);
    if (tag === null || tag.value >> 3n === 0n || tag.value >> 3n >= 1n << 29n) return null;
    const field = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    const tagBytes = tag.next - pos === encodeVarint(tag.value).length ? undefined : bytes.slice(pos, tag.next);
    pos = tag.next;
    if (wire === 0) {
      const v = readVarint(bytes, pos, end);
      if (v === null) return null;
      const canonical = v.next - pos === encodeVarint(v.value).length;
      fields.push({
        field,
        wire: 0,
        value: v.value,
        tagBytes,
        valueBytes: canonical ? undefined : bytes.slice(pos, v.next),
      });
      pos = v.next;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > end) return null;
      fields.push({ field, wire, bytes: bytes.slice(pos, pos + n), tagBytes });
      pos += n;
    } else if (wire === 2) {
      const len = readVarint(bytes, pos, end);
      if (len === null || len.value > BigInt(end - len.next)) return null;
      const lengthBytes = len.next - pos === encodeVarint(len.value).length ? undefined : bytes.slice(pos, len.next);
      const bodyStart = len.next;
      const bodyEnd = bodyStart + Number(len.value);
      const subKind = kind === null ? undefined : SUBMESSAGES[kind][field];
      const sub = subKind === undefined ? null : parseMessage(bytes, subKind, bodyStart, bodyEnd, depth + 1);
      if (sub !== null) fields.push({ field, wire: 2, message: sub, tagBytes, lengthBytes });
      else fields.push({ field, wire: 2, bytes: bytes.slice(bodyStart, bodyEnd), tagBytes, lengthBytes });
      pos = bodyEnd;
    } else {
      return null;
    }
  }
  return { kind, fields };
}

/** Serializes a message; lengths are recomputed unless a field carries a `lengthBytes` override. */
export function serializeMessage(message: WireMessage): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of message.fields) parts.push(serializeField(f));
  return concatBytes(parts);
}

export function serializeField(f: WireField): Uint8Array {
  const tag = f.tagBytes ?? encodeVarint(BigInt(f.field) * 8n + BigInt(f.wire));
  if (f.wire === 0) return concatBytes([tag, f.valueBytes ?? encodeVarint(f.value)]);
  if (f.wire === 1 || f.wire === 5) return concatBytes([tag, f.bytes]);
  const body = 'message' in f ? serializeMessage(f.message) : f.bytes;
  return concatBytes([tag, (f as { lengthBytes?: Uint8Array }).lengthBytes ?? encodeVarint(body.length), body]);
}

/** A field somewhere in the tree, with the message that holds it and the kinds on the way down. */
export interface FieldSite {
  readonly parent: WireMessage;
  readonly index: number;
  readonly path: readonly string[];
}

/** Every field of the tree, depth first (parents before children). */
export function allSites(root: WireMessage): FieldSite[] {
  const out: FieldSite[] = [];
  const walk = (m: WireMessage, path: string[]): void => {
    m.fields.forEach((f, index) => {
      const here = [...path, `${m.kind ?? '?'}.${f.field}`];
      out.push({ parent: m, index, path: here });
      if (f.wire === 2 && 'message' in f) walk(f.message, here);
    });
  };
  walk(root, []);
  return out;
}

/** Every message of the given kind in the tree. */
export function messagesOf(root: WireMessage, kind: MessageKind): WireMessage[] {
  const out: WireMessage[] = [];
  const walk = (m: WireMessage): void => {
    if (m.kind === kind) out.push(m);
    for (const f of m.fields) if (f.wire === 2 && 'message' in f) walk(f.message);
  };
  walk(root);
  return out;
}

/** A deep copy (mutations edit in place). */
export function cloneMessage(m: WireMessage): WireMessage {
  return {
    kind: m.kind,
    fields: m.fields.map((f): WireField =>
      f.wire === 2 && 'message' in f ? { ...f, message: cloneMessage(f.message) } : { ...f },
    ),
  };
}

/** Field constructors for mutations and hand-built seeds. */
export const wire = {
  varint: (field: number, value: bigint | number): WireField => ({
    field,
    wire: 0,
    value: BigInt.asUintN(64, BigInt(value)),
  }),
  bytes: (field: number, bytes: Uint8Array): WireField => ({ field, wire: 2, bytes }),
  string: (field: number, text: string): WireField => ({ field, wire: 2, bytes: new TextEncoder().encode(text) }),
  message: (field: number, kind: MessageKind | null, fields: WireField[]): WireField => ({
    field,
    wire: 2,
    message: { kind, fields },
  }),
  float: (field: number, value: number): WireField => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return { field, wire: 5, bytes: b };
  },
};
