import { execFileSync } from 'node:child_process';
import { mulberry32 } from '../../src/util/random.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidModelError } from '../../src/errors.js';
import { loadModelBytes, loadModelFile } from '../../src/model/load.js';
import { MAX_MESSAGE_DEPTH } from '../../src/model/proto-reader.js';
import { at } from '../../src/util/at.js';
import {
  concat,
  DT,
  encodeModel,
  fieldBytes,
  fieldString,
  fieldVarint,
  float32Bytes,
  model,
  node,
  tensorInfo,
} from './proto-builder.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-bad-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, bytes: Uint8Array | string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Asserts a one-line InvalidModelError that names `file` and contains `fragment`. */
function expectInvalid(load: () => unknown, file: string, fragment: string | RegExp): void {
  let error: unknown;
  try {
    load();
  } catch (err) {
    error = err;
  }
  expect(error, `expected ${file} to be rejected`).toBeInstanceOf(InvalidModelError);
  const message = (error as Error).message;
  expect(message.startsWith(`${file}: `), message).toBe(true);
  expect(message).not.toContain('\n');
  if (typeof fragment === 'string') expect(message).toContain(fragment);
  else expect(message).toMatch(fragment);
}

/** Writes `bytes` to a file and expects both the file and the in-memory loader to reject it. */
function expectBadBytes(name: string, bytes: Uint8Array, fragment: string | RegExp): void {
  const file = writeTmp(name, bytes);
  expectInvalid(() => loadModelFile(file), file, fragment);
  expectInvalid(() => loadModelBytes(bytes, { path: `mem:${name}` }), `mem:${name}`, fragment);
}

const good = encodeModel(
  model({
    node: [node('Conv', ['X', 'W'], ['Y'], { name: 'conv' }), node('Relu', ['Y'], ['Z'])],
    initializer: [
      { name: 'W', dims: [8, 3, 3, 3], dataType: DT.FLOAT, rawData: float32Bytes(new Array(216).fill(0.5)) },
    ],
    input: [tensorInfo('X', DT.FLOAT, ['N', 3, 32, 32])],
    output: [tensorInfo('Z', DT.FLOAT, ['N', 8, 30, 30])],
  }),
);
const modelHeader = encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }] });

describe('bad input gives a one-line InvalidModelError naming the file', () => {
  it('missing file, directory, empty file', () => {
    const missing = path.join(tmp, 'nope.onnx');
    expectInvalid(() => loadModelFile(missing), missing, 'no such file');
    expectInvalid(() => loadModelFile(tmp), tmp, 'is a directory');
    const empty = writeTmp('empty.onnx', new Uint8Array(0));
    expectInvalid(() => loadModelFile(empty), empty, 'empty file');
    expectInvalid(() => loadModelBytes(new Uint8Array(0), { path: 'zoo:x' }), 'zoo:x', 'empty input');
  });

  it.skipIf(process.platform === 'win32')('a FIFO is refused instead of blocking', () => {
    const fifo = path.join(tmp, 'fifo.onnx');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo on this system
    }
    expectInvalid(() => loadModelFile(fifo), fifo, 'not a regular file');
  });

  it('truncated: a cut inside the weight and every other cut either loads or is rejected cleanly', () => {
    const cut = good.subarray(0, good.length - 400);
    expectBadBytes('truncated.onnx', cut, 'truncated');
    let rejected = 0;
    for (let n = 1; n < good.length; n++) {
      try {
        loadModelBytes(good.subarray(0, n), { path: 'cut.onnx' });
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidModelError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(good.length * 0.9);
  });

  it('bit-flipped garbage and random bytes never escape as anything but InvalidModelError', () => {
    const rand = mulberry32(42);
    let rejected = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = Uint8Array.from(good);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) {
        const pos = Math.floor(rand() * bytes.length);
        bytes[pos] = at(bytes, pos) ^ (1 << Math.floor(rand() * 8));
      }
      try {
        loadModelBytes(bytes, { path: 'flipped.onnx' });
      } catch (err) {
        if (!(err instanceof InvalidModelError)) throw err;
        expect(err.message).toMatch(/^flipped\.onnx: /);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
    for (let seed = 1; seed <= 20; seed++) {
      const r = mulberry32(seed);
      const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256));
      expectInvalid(() => loadModelBytes(noise, { path: 'noise.onnx' }), 'noise.onnx', /./);
    }
    const flipped = Uint8Array.from(good);
    const graphTag = good.indexOf(0x3a);
    flipped[graphTag] = at(flipped, graphTag) ^ 0x02; // the graph's tag (field 7, length-delimited) becomes a varint
    expectBadBytes('flipped.onnx', flipped, 'ModelProto.graph (field 7) has wire type varint');
  });

  it('non-ONNX files name what they look like', () => {
    const png = concat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), new Uint8Array(200).fill(7));
    expectBadBytes('image.png', png, 'not an ONNX model (looks like a PNG image)');
    expectBadBytes(
      'readme.onnx',
      new TextEncoder().encode('# Not a model\nJust some text, hello world.\n'),
      'looks like a text file',
    );
    expectBadBytes(
      'ckpt.pt',
      concat(Uint8Array.from([0x50, 0x4b, 0x03, 0x04]), new Uint8Array(64)),
      'looks like a ZIP archive',
    );
  });

  it('a protobuf that decodes but is not a model', () => {
    expectBadBytes('nograph.onnx', modelHeader, 'not an ONNX model (no graph in ModelProto)');
    expectBadBytes(
      'noir.onnx',
      encodeModel({ graph: { node: [node('Relu', ['x'], ['y'])] } }),
      'ir_version 0 is missing or implausible',
    );
  });

  it('invalid wire types, wrong wire type for a known field', () => {
    expectBadBytes('wire7.onnx', Uint8Array.from([0x0f, 0x00]), 'invalid wire type');
    expectBadBytes(
      'group.onnx',
      concat(fieldVarint(1, 8), Uint8Array.from([0x3b, 0x3c])),
      'invalid wire type group start',
    );
    expectBadBytes(
      'graphvarint.onnx',
      concat(fieldVarint(1, 8), Uint8Array.from([0x38, 0x01])),
      'ModelProto.graph (field 7) has wire type varint, expected length-delimited',
    );
    expectBadBytes('field0.onnx', Uint8Array.from([0x02, 0x00]), 'invalid field tag');
  });

  it('lengths that run past the end of the data or of the enclosing message', () => {
    expectBadBytes('pastend.onnx', concat(fieldVarint(1, 8), Uint8Array.from([0x3a, 0x64, 0x0a, 0x00])), 'truncated');
    const graph = concat(Uint8Array.from([0x0a, 0x0a]), fieldString(4, 'Relu')); // node claims 10 bytes, has 6
    expectBadBytes(
      'pastmsg.onnx',
      concat(fieldVarint(1, 8), fieldBytes(7, graph), fieldBytes(8, fieldVarint(2, 17))),
      'runs past the end of the enclosing message',
    );
    expectBadBytes(
      'hugelen.onnx',
      concat(fieldVarint(1, 8), Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])),
      'truncated',
    );
  });

  it('a varint longer than 10 bytes', () => {
    expectBadBytes(
      'longvarint.onnx',
      concat(Uint8Array.from([0x08]), new Uint8Array(10).fill(0xff), Uint8Array.from([0x01])),
      'varint longer than 10 bytes',
    );
    expectBadBytes('cutvarint.onnx', Uint8Array.from([0x08, 0xff, 0xff]), 'truncated');
  });

  it('nesting deeper than the limit fails cleanly (no stack overflow), even 100,000 levels deep', () => {
    let type = fieldBytes(1, fieldVarint(1, DT.FLOAT));
    for (let i = 0; i < MAX_MESSAGE_DEPTH; i++) type = fieldBytes(4, fieldBytes(1, type)); // sequence of sequence of ...
    const deep = concat(modelHeader, fieldBytes(7, fieldBytes(11, fieldString(1, 'x'), fieldBytes(2, type))));
    expectBadBytes('deep.onnx', deep, `nested deeper than ${MAX_MESSAGE_DEPTH}`);

    // Graph -> node -> attribute -> graph ... built inside out with one buffer, 100k levels.
    const levels = 99_999; // a multiple of 3, so the outermost level is GraphProto.node
    const parts: Uint8Array[] = [];
    let size = 0;
    for (let i = 0; i < levels; i++) {
      const field = at([6, 5, 1], i % 3); // AttributeProto.g, NodeProto.attribute, GraphProto.node
      const prefix = concat(Uint8Array.from([field * 8 + 2]), varintBytes(size));
      parts.push(prefix);
      size += prefix.length;
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (let i = parts.length - 1; i >= 0; i--) {
      const part = at(parts, i);
      body.set(part, offset);
      offset += part.length;
    }
    expectBadBytes(
      'deeper.onnx',
      concat(modelHeader, Uint8Array.from([0x3a]), varintBytes(body.length), body),
      'nested deeper',
    );
  });

  it('negative, too large and absurd dimensions', () => {
    const withInit = (tensor: Uint8Array) => concat(modelHeader, fieldBytes(7, fieldBytes(5, tensor)));
    expectBadBytes(
      'negdim.onnx',
      withInit(concat(fieldVarint(1, -1), fieldVarint(2, DT.FLOAT), fieldString(8, 'w'))),
      'negative dimension -1 in the dims of tensor "w"',
    );
    expectBadBytes(
      'hugedim.onnx',
      withInit(concat(fieldVarint(1, 2n ** 60n), fieldVarint(2, DT.FLOAT), fieldString(8, 'w'))),
      'beyond 2^53',
    );
    expectBadBytes(
      'absurd.onnx',
      withInit(
        concat(
          fieldVarint(1, 2 ** 31),
          fieldVarint(1, 2 ** 31),
          fieldVarint(1, 2 ** 31),
          fieldVarint(2, DT.FLOAT),
          fieldString(8, 'w'),
        ),
      ),
      'absurd element count',
    );
    expectBadBytes(
      'absurdbytes.onnx',
      withInit(concat(fieldVarint(1, 2 ** 51), fieldVarint(2, DT.DOUBLE), fieldString(8, 'w'))),
      'absurd size',
    );
    const negShape = encodeModel(model({ input: [tensorInfo('x', DT.FLOAT, [1, -1])] }));
    expectBadBytes('negshape.onnx', negShape, 'negative dimension -1 in the shape of "x"');
  });

  it('broken external-data entries', () => {
    const ext = (entries: Uint8Array[]) =>
      concat(
        modelHeader,
        fieldBytes(
          7,
          fieldBytes(
            5,
            fieldVarint(1, 4),
            fieldVarint(2, DT.FLOAT),
            fieldString(8, 'w'),
            fieldVarint(14, 1),
            ...entries,
          ),
        ),
      );
    const entry = (k: string, v: string) => fieldBytes(13, fieldString(1, k), fieldString(2, v));
    expectBadBytes(
      'extnoloc.onnx',
      ext([entry('offset', '0')]),
      'data_location EXTERNAL but no external_data location',
    );
    expectBadBytes(
      'extbadoff.onnx',
      ext([entry('location', 'w.bin'), entry('offset', '-5')]),
      'invalid external_data offset "-5"',
    );
  });
});

function varintBytes(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}
