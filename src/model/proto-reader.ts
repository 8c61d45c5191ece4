import { InvalidModelError } from '../errors.js';
import type { ByteSource } from './byte-source.js';

/*
 * Protobuf wire types (protobuf encoding guide, "Message Structure"). Groups (3, 4) are not used
 * by ONNX and are rejected like the undefined types 6 and 7.
 */
/** Wire type 0: a base-128 varint. */
export const WIRE_VARINT = 0;
/** Wire type 1: 8 little-endian bytes. */
export const WIRE_I64 = 1;
/** Wire type 2: a varint length, then that many bytes. */
export const WIRE_LEN = 2;
/** Wire type 5: 4 little-endian bytes. */
export const WIRE_I32 = 5;

/**
 * Maximum nesting of length-delimited messages. Bounds the decoder's recursion, so a crafted file
 * cannot overflow the stack. Each subgraph level costs three messages (NodeProto -> AttributeProto
 * -> GraphProto), so protobuf C++'s default of 100 (`io::CodedInputStream`) refused 32 nested Ifs;
 * 512 admits 170 nested Ifs (exporters of control flow reach 64 and more) and needs under 200 KB of
 * stack at the limit, a fifth of Node's default (measured: a fresh process with `--stack-size=200`
 * decodes 170 nested Ifs; `--stack-size=150` does not).
 */
export const MAX_MESSAGE_DEPTH = 512;

const TWO_POW_32 = 4294967296;
const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'group start', 'group end', 'fixed32', '6', '7'];

/**
 * A cursor over the protobuf wire format of a ByteSource. Positions are absolute byte offsets in
 * the source. Every read is bounded by `end`, the end of the message being decoded, so a length
 * that runs past its enclosing message is caught where it is read. Problems throw
 * InvalidModelError naming `label` (the file) and the byte offset.
 */
export class ProtoReader {
  /** Absolute offset of the next byte to read. */
  pos: number;
  /** Absolute end of the current message (the source size at top level). */
  end: number;
  /** Wire type of the last tag read. */
  wireType = 0;
  /** Field number of the last tag read. */
  field = 0;
  private depth = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  private base = 0;
  private windowEnd = 0;
  private data: DataView = new DataView(new ArrayBuffer(0));
  /** The window as a Buffer (a view, not a copy), for string decoding. */
  private text: Buffer = Buffer.alloc(0);
  private lo = 0;
  private hi = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly label: string,
    start = 0,
    end = source.size,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** Throws InvalidModelError: `<label>: <problem> (at byte N)`. */
  fail(problem: string, at: number = this.pos): never {
    throw new InvalidModelError(`${this.label}: ${problem} (at byte ${at})`);
  }

  /** Reads a field tag; returns the field number and sets `field` and `wireType`. */
  tag(): number {
    const at = this.pos;
    this.varint();
    const lo = this.lo;
    const field = lo >>> 3;
    const wire = lo & 7;
    if (this.hi !== 0 || field === 0) this.fail('invalid field tag (field number 0 or beyond 2^29)', at);
    if (wire !== WIRE_VARINT && wire !== WIRE_I64 && wire !== WIRE_LEN && wire !== WIRE_I32) {
      this.fail(`invalid wire type ${WIRE_NAMES[wire]} for field ${field}`, at);
    }
    this.field = field;
    this.wireType = wire;
    return field;
  }

  /** Fails unless the last tag has wire type `wire`; `what` names the field, e.g. `NodeProto.input`. */
  expect(wire: number, what: string): void {
    if (this.wireType !== wire) {
      this.fail(
        `${what} (field ${this.field}) has wire type ${WIRE_NAMES[this.wireType]}, expected ${WIRE_NAMES[wire]}`,
      );
    }
  }

  /** Skips the value of the last tag read. */
  skip(): void {
    switch (this.wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.advance(8);
        return;
      case WIRE_I32:
        this.advance(4);
        return;
      default:
        this.advance(this.length());
    }
  }

  /** Moves forward `n` bytes without reading them (a seek for file sources). */
  advance(n: number): void {
    if (n > this.end - this.pos) this.overrun(n, this.pos);
    this.pos += n;
  }

  /** Reads a length prefix and checks that the bytes it announces fit in the current message. */
  length(): number {
    const at = this.pos;
    this.varint();
    const n = this.hi * TWO_POW_32 + this.lo;
    if (n > this.end - this.pos) this.overrun(n, at);
    return n;
  }

  /**
   * Enters a length-delimited sub-message; returns the enclosing end to pass to endMessage.
   * Decode the sub-message with `while (r.pos < r.end)`.
   */
  beginMessage(): number {
    const n = this.length();
    if (++this.depth > MAX_MESSAGE_DEPTH) this.fail(`messages nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
    const saved = this.end;
    this.end = this.pos + n;
    return saved;
  }

  endMessage(savedEnd: number): void {
    this.pos = this.end;
    this.end = savedEnd;
    this.depth--;
  }

  /** Enters a packed repeated field (no depth counted); returns the enclosing end for endPacked. */
  beginPacked(): number {
    const n = this.length();
    const saved = this.end;
    this.end = this.pos + n;
    return saved;
  }

  endPacked(savedEnd: number): void {
    this.end = savedEnd;
  }

  /** Unsigned varint as a number (exact up to 2^53). */
  uint(): number {
    this.varint();
    return this.hi * TWO_POW_32 + this.lo;
  }

  /** Signed int64 varint (two's complement) as a number; exact within +-2^53. */
  int64(): number {
    this.varint();
    return (this.hi | 0) * TWO_POW_32 + this.lo;
  }

  /** int32 / enum varint (protobuf sign-extends negatives to 10 bytes; the low 32 bits hold the value). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** A fixed32 float (little-endian). */
  float32(): number {
    this.ensure(4);
    const v = this.data.getFloat32(this.pos - this.base, true);
    this.pos += 4;
    return v;
  }

  /** A fixed64 double (little-endian). */
  float64(): number {
    this.ensure(8);
    const v = this.data.getFloat64(this.pos - this.base, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited UTF-8 string. */
  string(): string {
    return this.stringOfLength(this.length());
  }

  /** The string body after a length prefix already read (and bounds-checked) with length(). */
  stringOfLength(n: number): string {
    if (n === 0) return '';
    this.ensure(n);
    const start = this.pos - this.base;
    this.pos += n;
    // Buffer#toString decodes short strings (names) ~2.5x faster than TextDecoder and, like it
    // and protobuf-js, turns invalid UTF-8 into U+FFFD.
    return this.text.toString('utf8', start, start + n);
  }

  /**
   * Reads the next varint into lo/hi (unsigned 32-bit halves). A varint is at most 10 bytes; it
   * may not run past the current message.
   */
  private varint(): void {
    const start = this.pos;
    const avail = this.end - start;
    if (avail <= 0) this.overrun(1, start);
    const need = avail < 10 ? avail : 10;
    if (start < this.base || start + need > this.windowEnd) this.refill(start, need);
    // The window holds [start, start + need). DataView reads are typed `number` (a typed array's
    // index is `number | undefined`), are as fast here, and throw a RangeError were that ever wrong.
    const d = this.data;
    let p = start - this.base;
    const limit = p + need;
    let byte = d.getUint8(p++);
    if (byte < 0x80) {
      this.lo = byte;
      this.hi = 0;
      this.pos = start + 1;
      return;
    }
    let lo = byte & 0x7f;
    let hi = 0;
    for (let shift = 7; shift < 28; shift += 7) {
      if (p >= limit) this.varintOverrun(start, need);
      byte = d.getUint8(p++);
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.setVarint(lo, 0, p);
        return;
      }
    }
    if (p >= limit) this.varintOverrun(start, need);
    byte = d.getUint8(p++);
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte < 0x80) {
      this.setVarint(lo, hi, p);
      return;
    }
    for (let shift = 3; shift < 38; shift += 7) {
      if (p >= limit) this.varintOverrun(start, need);
      byte = d.getUint8(p++);
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.setVarint(lo, hi, p);
        return;
      }
    }
    this.fail('varint longer than 10 bytes', start);
  }

  private setVarint(lo: number, hi: number, p: number): void {
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.pos = this.base + p;
  }

  private varintOverrun(start: number, need: number): never {
    if (need >= 10) this.fail('varint longer than 10 bytes', start);
    return this.overrun(need + 1, start);
  }

  private overrun(n: number, at: number): never {
    if (this.pos + n > this.source.size) {
      this.fail(`truncated: a field needs ${n} more bytes but the data ends at byte ${this.source.size}`, at);
    }
    this.fail(`length ${n} runs past the end of the enclosing message (byte ${this.end})`, at);
  }

  /** Makes [pos, pos + n) available in the window; n has been bounds-checked by the caller or here. */
  private ensure(n: number): void {
    if (n > this.end - this.pos) this.overrun(n, this.pos);
    if (this.pos < this.base || this.pos + n > this.windowEnd) this.refill(this.pos, n);
  }

  private refill(at: number, n: number): void {
    const w = this.source.window(at, n);
    if (w.bytes !== this.bytes) {
      this.bytes = w.bytes;
      this.data = new DataView(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength);
      this.text = Buffer.from(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength);
    }
    this.base = w.base;
    this.windowEnd = w.base + w.bytes.length;
  }
}
