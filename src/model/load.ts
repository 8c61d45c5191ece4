import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { EfflintError, InvalidModelError } from '../errors.js';
import { FileByteSource, MemoryByteSource, readFileRange, type ByteSource } from './byte-source.js';
import type { Model } from './ir.js';
import { OnnxDecoder } from './onnx-decoder.js';
import { checkExternalData, externalTensors, summariseExternalDataProblems } from './external-data.js';
import { ProtoReader } from './proto-reader.js';
import { TensorValues, type RangeReader } from './tensor-values.js';
import { validateModelStructure } from './validate.js';

/** Options for loadModelBytes. */
export interface LoadOptions {
  /** Display path for in-memory models, e.g. 'zoo:resnet50'; used in messages and `Model.path`. */
  path?: string;
  /**
   * Directory that external-data locations are relative to. When set, external-data references
   * that leave it, or name a missing or special file, or reach past a file's end, become warnings
   * (external-data.ts); when absent (a model built in memory), they are not checked.
   */
  baseDir?: string;
}

/**
 * IR versions this loader knows (onnx.proto `Version`, IR_VERSION_2017_11_3 = 3 ... 11). Older and
 * newer ones load with a warning; field numbers have never been reused.
 */
const KNOWN_IR_VERSIONS = { min: 3, max: 11 } as const;

/** An ir_version beyond this is not a model written by any ONNX release: the bytes are not ONNX. */
const IMPLAUSIBLE_IR_VERSION = 1000;

/**
 * Loads an ONNX model file without reading its weights: the file is read through a page-sized
 * window and tensor payloads are skipped by seeking, so time and memory follow the graph's size,
 * not the weights'. External-data files are never opened, only looked up (external-data.ts): a
 * problem with them is a warning.
 *
 * @throws InvalidModelError (one line naming the file and the problem) for a missing, unreadable,
 *   empty, truncated or non-ONNX file, or a graph onnxruntime would refuse (validate.ts).
 */
export function loadModelFile(path: string): Model {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (err) {
    throw new InvalidModelError(`${path}: ${describeFsError(err)}`, { cause: err });
  }
  if (stat.isDirectory()) throw new InvalidModelError(`${path}: is a directory, not an ONNX model file`);
  // A FIFO or device could block forever on read; a model is always a regular file.
  if (!stat.isFile()) throw new InvalidModelError(`${path}: not a regular file`);
  if (stat.size === 0) throw new InvalidModelError(`${path}: empty file (0 bytes), not an ONNX model`);

  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new InvalidModelError(`${path}: ${describeFsError(err)}`, { cause: err });
  }
  try {
    const source = new FileByteSource(fd, stat.size);
    return decode(source, path, nodePath.dirname(path), (offset, length) => readFileRange(path, offset, length));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Loads an ONNX model from bytes in memory (shared, not copied: `tensors.read` reads from them
 * later, so do not modify them while the model is in use).
 *
 * @throws InvalidModelError naming `options.path` (default `<buffer>`) and the problem.
 */
export function loadModelBytes(bytes: Uint8Array, options: LoadOptions = {}): Model {
  const label = options.path ?? '<buffer>';
  if (bytes.length === 0) throw new InvalidModelError(`${label}: empty input (0 bytes), not an ONNX model`);
  const readRange: RangeReader = (offset, length) =>
    offset >= 0 && offset + length <= bytes.length ? bytes.subarray(offset, offset + length) : null;
  return decode(new MemoryByteSource(bytes), label, options.baseDir, readRange);
}

/**
 * Decodes a model from any byte source (the seam tests use to count what a load reads).
 * @internal
 */
export function decode(source: ByteSource, label: string, baseDir: string | undefined, readRange: RangeReader): Model {
  const reader = new ProtoReader(source, label);
  const decoder = new OnnxDecoder(reader);
  let decoded: ReturnType<OnnxDecoder['model']>;
  try {
    decoded = decoder.model();
  } catch (err) {
    const foreign = foreignFormat(source);
    if (foreign !== null)
      throw new InvalidModelError(`${label}: not an ONNX model (looks like ${foreign})`, { cause: err });
    if (err instanceof EfflintError) throw err;
    // A read that failed (EIO, a file on a network share gone) says so; any other exception from the decoder
    // (a TypeError, a RangeError) is a bug in efflint, never dressed up as a broken model.
    if (isSystemError(err))
      throw new InvalidModelError(`${label}: cannot read: ${err.message.split('\n')[0]}`, { cause: err });
    throw err;
  }

  if (decoded.graph === null || decoded.irVersion <= 0 || decoded.irVersion > IMPLAUSIBLE_IR_VERSION) {
    const foreign = foreignFormat(source);
    if (foreign !== null) throw new InvalidModelError(`${label}: not an ONNX model (looks like ${foreign})`);
    if (decoded.graph === null) throw new InvalidModelError(`${label}: not an ONNX model (no graph in ModelProto)`);
    throw new InvalidModelError(
      `${label}: not an ONNX model (ir_version ${decoded.irVersion} is missing or implausible)`,
    );
  }

  const warnings = decoder.allWarnings();
  if (decoded.irVersion < KNOWN_IR_VERSIONS.min || decoded.irVersion > KNOWN_IR_VERSIONS.max) {
    warnings.unshift(
      `IR version ${decoded.irVersion} is outside the versions this loader knows (${KNOWN_IR_VERSIONS.min}-${KNOWN_IR_VERSIONS.max}); loaded anyway`,
    );
  }
  const opsets = decoded.opsets;
  if (opsets.size === 0) {
    // Models before IR 3 had no opset_import; they mean ai.onnx opset 1 (onnx/docs/Versioning.md).
    opsets.set('', 1);
    warnings.push('the model declares no opset_import; assuming ai.onnx opset 1');
  }
  const invalid = validateModelStructure(decoded.graph, opsets);
  if (invalid !== null) throw new InvalidModelError(`${label}: ${invalid}`);
  if (baseDir !== undefined && decoder.externalFiles.size > 0) {
    warnings.push(
      ...summariseExternalDataProblems(checkExternalData(externalTensors(decoded.graph, decoded.functions), baseDir)),
    );
  }

  return {
    path: label,
    irVersion: decoded.irVersion,
    opsets,
    producerName: decoded.producerName,
    producerVersion: decoded.producerVersion,
    graph: decoded.graph,
    functions: decoded.functions,
    metadata: decoded.metadata,
    warnings,
    tensors: new TensorValues(readRange, decoder.scattered),
  };
}

/** An error Node's I/O raised (it carries an errno code such as `EIO`), as opposed to one thrown by code. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).code === 'string' &&
    typeof (err as NodeJS.ErrnoException).syscall === 'string'
  );
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not an ONNX model file';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return `cannot read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

/**
 * Names the format of bytes that failed to decode as ONNX, for a more useful message than the
 * wire-format problem. Signatures: the formats' published magic numbers.
 */
function foreignFormat(source: ByteSource): string | null {
  const n = Math.min(source.size, 512);
  let head: Uint8Array;
  try {
    head = source.slice(0, n);
  } catch {
    return null;
  }
  const starts = (...sig: number[]): boolean => sig.every((b, i) => head[i] === b);
  const ascii = (offset: number, text: string): boolean =>
    String.fromCharCode(...head.subarray(offset, offset + text.length)) === text;
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (starts(0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (ascii(0, 'GIF8')) return 'a GIF image';
  if (ascii(0, '%PDF')) return 'a PDF document';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a ZIP archive, e.g. a PyTorch checkpoint';
  if (starts(0x1f, 0x8b)) return 'gzip-compressed data';
  if (starts(0x89, 0x48, 0x44, 0x46)) return 'an HDF5 file, e.g. a Keras model';
  if (starts(0x7f, 0x45, 0x4c, 0x46)) return 'an ELF executable';
  if (ascii(0, 'GGUF')) return 'a GGUF model';
  if (ascii(4, 'TFL3')) return 'a TensorFlow Lite model';
  const pickleProtocol = head[1]; // undefined for a 1-byte file
  if (head[0] === 0x80 && pickleProtocol !== undefined && pickleProtocol >= 2 && pickleProtocol <= 5)
    return 'a Python pickle, e.g. a PyTorch checkpoint';
  if (n >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return 'a safetensors file';
  let printable = 0;
  for (const b of head) if (b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f)) printable++;
  if (n > 0 && printable === n) return 'a text file';
  return null;
}
