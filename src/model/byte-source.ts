import * as fs from 'node:fs';
import { InvalidModelError } from '../errors.js';

/**
 * Random-access bytes for the protobuf reader. A file-backed source reads only the pages the
 * decoder touches, so skipping a 500 MB raw_data field costs a seek, not a read; an in-memory
 * source is the same interface over a Uint8Array (no copy).
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * A view covering at least [offset, offset + minLength) (clamped to `size`), with the absolute
   * offset of its first byte. The view may be an internal buffer that the next call overwrites.
   */
  window(offset: number, minLength: number): { readonly bytes: Uint8Array; readonly base: number };
  /** A stable copy-or-view of [offset, offset + length) that stays valid after later calls. */
  slice(offset: number, length: number): Uint8Array;
}

/**
 * File window sizes. After a jump (a skipped payload) the next read is small, since a tensor's
 * header is a few dozen bytes before the next payload; while decoding runs on sequentially the
 * window doubles up to the maximum, which amortises syscalls over a graph's many small fields.
 * So a model with 10,000 mid-sized weights reads ~10,000 small pages, not 10,000 large ones.
 */
const MIN_WINDOW = 4 * 1024;
const MAX_WINDOW = 256 * 1024;

/** A Uint8Array as a byte source; views share its memory. */
export class MemoryByteSource implements ByteSource {
  readonly size: number;
  private readonly view: { readonly bytes: Uint8Array; readonly base: number };

  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length;
    this.view = { bytes, base: 0 };
  }

  window(): { readonly bytes: Uint8Array; readonly base: number } {
    return this.view;
  }

  slice(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, offset + length);
  }
}

/**
 * An open file read through a window with positioned reads (`fs.readSync` at an offset), so
 * memory stays at one window however large the file is.
 */
export class FileByteSource implements ByteSource {
  readonly size: number;
  private buffer = new Uint8Array(MAX_WINDOW);
  private windowSize = MIN_WINDOW;
  private lastBase = -1;
  private lastEnd = -1;

  constructor(
    private readonly fd: number,
    size: number,
  ) {
    this.size = size;
  }

  window(offset: number, minLength: number): { readonly bytes: Uint8Array; readonly base: number } {
    const sequential = offset >= this.lastBase && offset <= this.lastEnd;
    this.windowSize = sequential ? Math.min(this.windowSize * 2, MAX_WINDOW) : MIN_WINDOW;
    const want = Math.min(Math.max(minLength, this.windowSize), this.size - offset);
    if (want > this.buffer.length) this.buffer = new Uint8Array(want);
    this.readInto(this.buffer, offset, want);
    this.lastBase = offset;
    this.lastEnd = offset + want;
    return { bytes: this.buffer.subarray(0, want), base: offset };
  }

  slice(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(out, offset, length);
    return out;
  }

  private readInto(target: Uint8Array, offset: number, length: number): void {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, target, done, length - done, offset + done);
      if (n === 0)
        throw new InvalidModelError(
          `unexpected end of file at byte ${offset + done} (the file shrank while it was read)`,
        );
      done += n;
    }
  }
}

/** Reads [offset, offset + length) of a file without keeping it open (used for on-demand values). */
export function readFileRange(path: string, offset: number, length: number): Uint8Array | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, length - done, offset + done);
      if (n === 0) return null;
      done += n;
    }
    return out;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
