import { MemoryByteSource } from './byte-source.js';
import {
  BYTES_PER_ELEMENT,
  elementCount,
  type DType,
  type TensorLocation,
  type TensorRef,
  type TensorValueReader,
} from './ir.js';
import type { ScatteredPayload } from './onnx-decoder.js';
import { ProtoReader, WIRE_LEN } from './proto-reader.js';

/** Reads [offset, offset + length) of the model's bytes, or null when that is not possible. */
export type RangeReader = (offset: number, length: number) => Uint8Array | null;

/** Field numbers of TensorProto's typed payload fields (onnx.proto). */
const FIELD_NUMBER = { float_data: 4, int32_data: 5, int64_data: 7, double_data: 10, uint64_data: 11 } as const;
type TypedFieldNumber = (typeof FIELD_NUMBER)[keyof typeof FIELD_NUMBER];

/** Largest encoding of one element per typed field: fixed32, fixed64 or a 10-byte varint. */
const MAX_ELEMENT_BYTES: Readonly<Record<TypedFieldNumber, number>> = { 4: 4, 5: 10, 7: 10, 10: 8, 11: 10 };

/** A scattered (unpacked) tensor message larger than this is not re-read for its values. */
const MAX_SCATTERED_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * On-demand decoding of small tensors (shape constants) from the model's bytes, by the location
 * the loader recorded. Reads only the payload range of the requested tensor.
 */
export class TensorValues implements TensorValueReader {
  constructor(
    private readonly readRange: RangeReader,
    private readonly scattered: WeakMap<TensorLocation, ScatteredPayload>,
  ) {}

  read(ref: TensorRef, maxElements: number): number[] | null {
    const n = elementCount(ref.dims);
    if (!(n <= maxElements)) return null;
    const loc = ref.location;
    if (loc.kind === 'external') return null;
    if (loc.kind === 'empty') return n === 0 ? [] : null;
    if (loc.field === 'string_data' || !hasNumericValues(ref.dtype)) return null;
    if (n === 0) return [];
    try {
      if (loc.field === 'raw_data') return this.readRaw(ref.dtype, n, loc.offset, loc.length);
      const field = FIELD_NUMBER[loc.field];
      if (!typedFieldHolds(field, ref.dtype)) return null;
      const scattered = this.scattered.get(loc);
      const values =
        scattered === undefined ? this.readPacked(field, n, loc.offset, loc.length) : this.readScattered(n, scattered);
      return values === null ? null : convertTyped(ref.dtype, field, values);
    } catch {
      // A malformed payload reads as "value unknown", never as an error: analysis goes on.
      return null;
    }
  }

  private readRaw(dtype: DType, n: number, offset: number, length: number): number[] | null {
    const need = Math.ceil(n * BYTES_PER_ELEMENT[dtype]);
    if (length < need) return null;
    const bytes = this.readRange(offset, need);
    return bytes === null ? null : decodeRaw(dtype, bytes, n);
  }

  private readPacked(field: TypedFieldNumber, n: number, offset: number, length: number): number[] | null {
    const bytes = this.readRange(offset, Math.min(length, n * MAX_ELEMENT_BYTES[field]));
    if (bytes === null) return null;
    const r = new ProtoReader(new MemoryByteSource(bytes), '<tensor payload>');
    const out: number[] = [];
    while (out.length < n && r.pos < r.end) out.push(readElement(r, field));
    return out.length === n ? out : null;
  }

  private readScattered(n: number, s: ScatteredPayload): number[] | null {
    const size = s.messageEnd - s.messageStart;
    if (size > MAX_SCATTERED_MESSAGE_BYTES) return null;
    const bytes = this.readRange(s.messageStart, size);
    if (bytes === null) return null;
    const r = new ProtoReader(new MemoryByteSource(bytes), '<tensor message>');
    const out: number[] = [];
    while (out.length < n && r.pos < r.end) {
      if (r.tag() !== s.fieldNumber) {
        r.skip();
      } else if (r.wireType === WIRE_LEN) {
        const saved = r.beginPacked();
        while (out.length < n && r.pos < r.end) out.push(readElement(r, s.fieldNumber));
        r.endPacked(saved);
      } else {
        out.push(readElement(r, s.fieldNumber));
      }
    }
    return out.length === n ? out : null;
  }
}

function hasNumericValues(dtype: DType): boolean {
  return !(
    dtype === 'undefined' ||
    dtype === 'string' ||
    dtype === 'complex64' ||
    dtype === 'complex128' ||
    dtype.startsWith('float8') ||
    dtype === 'float4e2m1'
  );
}

/** Which dtypes each typed field may hold (onnx.proto TensorProto field comments). */
function typedFieldHolds(field: number, dtype: DType): boolean {
  switch (field) {
    case 4:
      return dtype === 'float32';
    case 10:
      return dtype === 'float64';
    case 7:
      return dtype === 'int64';
    case 11:
      return dtype === 'uint32' || dtype === 'uint64';
    case 5:
      return (
        dtype === 'int32' ||
        dtype === 'int16' ||
        dtype === 'int8' ||
        dtype === 'uint16' ||
        dtype === 'uint8' ||
        dtype === 'bool' ||
        dtype === 'float16' ||
        dtype === 'bfloat16'
      );
    default:
      return false;
  }
}

function readElement(r: ProtoReader, field: number): number {
  switch (field) {
    case 4:
      return r.float32();
    case 10:
      return r.float64();
    case 5:
      return r.int32();
    case 7:
      return r.int64();
    default:
      return r.uint();
  }
}

/** int32_data holds 16-bit floats as their bit patterns and bools as 0/1 (onnx.proto). */
function convertTyped(dtype: DType, field: number, values: number[]): number[] {
  if (field !== 5) return values;
  if (dtype === 'float16') return values.map((v) => halfToFloat(v & 0xffff));
  if (dtype === 'bfloat16') return values.map((v) => bfloat16ToFloat(v & 0xffff));
  if (dtype === 'bool') return values.map((v) => (v !== 0 ? 1 : 0));
  return values;
}

/** Little-endian raw_data (onnx.proto: "stored in little-endian order"). */
function decodeRaw(dtype: DType, bytes: Uint8Array, n: number): number[] | null {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(n);
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
      return out;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
      return out;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(i * 2, true));
      return out;
    case 'bfloat16':
      for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(v.getUint16(i * 2, true));
      return out;
    case 'int8':
      for (let i = 0; i < n; i++) out[i] = v.getInt8(i);
      return out;
    case 'uint8':
      for (let i = 0; i < n; i++) out[i] = v.getUint8(i);
      return out;
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = v.getUint8(i) !== 0 ? 1 : 0;
      return out;
    case 'int16':
      for (let i = 0; i < n; i++) out[i] = v.getInt16(i * 2, true);
      return out;
    case 'uint16':
      for (let i = 0; i < n; i++) out[i] = v.getUint16(i * 2, true);
      return out;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 4, true);
      return out;
    case 'uint32':
      for (let i = 0; i < n; i++) out[i] = v.getUint32(i * 4, true);
      return out;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 8 + 4, true) * 4294967296 + v.getUint32(i * 8, true);
      return out;
    case 'uint64':
      for (let i = 0; i < n; i++) out[i] = v.getUint32(i * 8 + 4, true) * 4294967296 + v.getUint32(i * 8, true);
      return out;
    case 'int4':
    case 'uint4':
      // Two elements per byte, the first in the low nibble (ONNX IR spec, "4 bit integer types").
      for (let i = 0; i < n; i++) {
        const nibble = (v.getUint8(i >> 1) >> ((i & 1) * 4)) & 0x0f;
        out[i] = dtype === 'int4' && nibble >= 8 ? nibble - 16 : nibble;
      }
      return out;
    default:
      return null;
  }
}

/** IEEE 754 binary16 bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits (the high half of a float32) to a number. */
export function bfloat16ToFloat(b: number): number {
  bf16Scratch.setUint32(0, b << 16);
  return bf16Scratch.getFloat32(0);
}
