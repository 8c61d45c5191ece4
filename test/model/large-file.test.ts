import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileByteSource, readFileRange, type ByteSource } from '../../src/model/byte-source.js';
import { decode, loadModelFile } from '../../src/model/load.js';
import { concat, DT, encodeModel, fieldBytes, fieldString, fieldVarint, model, node, varint } from './proto-builder.js';

/**
 * A model with a 3 GiB raw_data weight, written as a sparse file (the weight is a hole, so the
 * test uses no disk): loading it must read a few pages, not the weight.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-large-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const WEIGHT_BYTES = 3 * 1024 * 1024 * 1024;

function writeSparseModel(file: string): { rawOffset: number; size: number } {
  const tensorHead = concat(
    fieldVarint(1, 1024),
    fieldVarint(1, WEIGHT_BYTES / 4 / 1024),
    fieldVarint(2, DT.FLOAT),
    varint(9 * 8 + 2),
    varint(WEIGHT_BYTES),
  );
  const tensorTail = fieldString(8, 'W'); // the name comes after the payload: decoding must continue past it
  const tensorLength = tensorHead.length + WEIGHT_BYTES + tensorTail.length;
  const nodeBytes = fieldBytes(
    1,
    fieldString(1, 'X'),
    fieldString(1, 'W'),
    fieldString(2, 'Y'),
    fieldString(4, 'MatMul'),
  );
  const graphTail = concat(
    fieldBytes(1, fieldString(1, 'Y'), fieldString(2, 'Z'), fieldString(4, 'Relu')),
    fieldBytes(11, fieldString(1, 'X')),
    fieldBytes(12, fieldString(1, 'Z')),
  );
  const graphHead = concat(nodeBytes, varint(5 * 8 + 2), varint(tensorLength), tensorHead);
  const graphLength = graphHead.length + WEIGHT_BYTES + tensorTail.length + graphTail.length;
  const head = concat(
    encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }] }),
    varint(7 * 8 + 2),
    varint(graphLength),
    graphHead,
  );
  const tail = concat(tensorTail, graphTail, fieldBytes(14, fieldString(1, 'k'), fieldString(2, 'v')));
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, head, 0, head.length, 0);
    fs.writeSync(fd, tail, 0, tail.length, head.length + WEIGHT_BYTES);
  } finally {
    fs.closeSync(fd);
  }
  return { rawOffset: head.length, size: head.length + WEIGHT_BYTES + tail.length };
}

class CountingSource implements ByteSource {
  bytesRead = 0;
  constructor(private readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  window(offset: number, minLength: number): { readonly bytes: Uint8Array; readonly base: number } {
    const w = this.inner.window(offset, minLength);
    this.bytesRead += w.bytes.length;
    return w;
  }
  slice(offset: number, length: number): Uint8Array {
    this.bytesRead += length;
    return this.inner.slice(offset, length);
  }
}

describe('a 3 GiB inline weight', () => {
  const file = path.join(tmp, 'large.onnx');
  const { rawOffset, size } = writeSparseModel(file);

  it('is located, not read: offsets beyond 2^31, a few pages read in all', () => {
    const started = performance.now();
    const m = loadModelFile(file);
    const elapsed = performance.now() - started;
    const w = m.graph.initializers.get('W');
    expect(w).toEqual({
      name: 'W',
      dtype: 'float32',
      dims: [1024, WEIGHT_BYTES / 4 / 1024],
      byteLength: WEIGHT_BYTES,
      location: { kind: 'inline', field: 'raw_data', offset: rawOffset, length: WEIGHT_BYTES },
    });
    expect(m.graph.nodes.map((n) => n.name)).toEqual(['MatMul_0', 'Relu_1']);
    expect(m.graph.inputs.map((v) => v.name)).toEqual(['X']);
    expect([...m.metadata]).toEqual([['k', 'v']]);
    expect(m.warnings).toEqual([]);
    expect(m.tensors.read(w!, 1000)).toBeNull();
    expect(elapsed).toBeLessThan(1000);

    const fd = fs.openSync(file, 'r');
    try {
      const source = new CountingSource(new FileByteSource(fd, size));
      decode(source, file, tmp, (o, l) => readFileRange(file, o, l));
      expect(source.bytesRead).toBeLessThan(256 * 1024);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('many mid-sized inline weights', () => {
  it('reads a small window after each skipped payload, not a large page per weight', () => {
    const count = 300;
    const weight = new Uint8Array(128 * 1024);
    const bytes = encodeModel(
      model({
        node: Array.from({ length: count }, (_, i) => node('MatMul', [`x${i}`, `w${i}`], [`x${i + 1}`])),
        initializer: Array.from({ length: count }, (_, i) => ({
          name: `w${i}`,
          dims: [128, 256],
          dataType: DT.FLOAT,
          rawData: weight,
        })),
      }),
    );
    const file = path.join(tmp, 'mid.onnx');
    fs.writeFileSync(file, bytes);
    const fd = fs.openSync(file, 'r');
    try {
      const source = new CountingSource(new FileByteSource(fd, bytes.length));
      const m = decode(source, file, tmp, () => null);
      expect(m.graph.initializers.size).toBe(count);
      expect(m.graph.initializers.get('w299')?.byteLength).toBe(128 * 1024);
      // ~4 KiB per weight header; the weights themselves are 37.5 MiB.
      expect(source.bytesRead).toBeLessThan(count * 8 * 1024);
    } finally {
      fs.closeSync(fd);
    }
  });
});
