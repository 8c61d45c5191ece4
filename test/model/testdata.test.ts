import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidModelError } from '../../src/errors.js';
import { DTYPE_BY_CODE, type Graph, type Model, type TensorRef, type ValueInfo } from '../../src/model/ir.js';
import { loadModelFile } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import { onnx, type IGraphProto, type ITensorProto, type IValueInfoProto } from './proto-builder.js';

/**
 * Cross-check against onnx-proto's full protobufjs decoder on every model of Debian's
 * libonnx-testdata (1,072 real operator and network models, IR 3-8).
 */
const ROOT = '/usr/share/libonnx-testdata/data';

function testdataModels(): string[] {
  if (!fs.existsSync(ROOT)) return [];
  const files: string[] = [];
  for (const suite of fs.readdirSync(ROOT).sort()) {
    const suiteDir = path.join(ROOT, suite);
    if (!fs.statSync(suiteDir).isDirectory()) continue;
    for (const name of fs.readdirSync(suiteDir).sort()) {
      const file = path.join(suiteDir, name, 'model.onnx');
      if (fs.existsSync(file)) files.push(file);
    }
  }
  return files;
}

const num = (v: unknown): number => Number(v);
const domainOf = (d: string | null | undefined): string => (d === 'ai.onnx' ? '' : (d ?? ''));

/** Compares one tensor's IR with the reference decode, including the bytes at its location. */
function compareTensor(file: Uint8Array, m: Model, ours: TensorRef, ref: ITensorProto, where: string): void {
  expect(ours.name, where).toBe(ref.name ?? '');
  expect(ours.dims, where).toEqual((ref.dims ?? []).map(num));
  expect(ours.dtype, where).toBe(DTYPE_BY_CODE[ref.dataType ?? 0]);
  const loc = ours.location;
  if (ref.rawData && ref.rawData.length > 0) {
    expect(loc.kind === 'inline' && loc.field, where).toBe('raw_data');
    if (loc.kind === 'inline')
      expect(Buffer.compare(file.subarray(loc.offset, loc.offset + loc.length), ref.rawData), where).toBe(0);
  }
  const typed = ref.floatData?.length
    ? ref.floatData
    : ref.int64Data?.length
      ? ref.int64Data
      : ref.doubleData?.length
        ? ref.doubleData
        : ref.uint64Data?.length
          ? ref.uint64Data
          : ref.int32Data?.length &&
              (ours.dtype === 'int32' ||
                ours.dtype === 'int8' ||
                ours.dtype === 'uint8' ||
                ours.dtype === 'int16' ||
                ours.dtype === 'uint16')
            ? ref.int32Data
            : null;
  if (typed && !(ref.rawData && ref.rawData.length > 0)) {
    expect(m.tensors.read(ours, Infinity), where).toEqual(typed.map(num));
  }
}

/** dtype and shape of a tensor value; unknown dims become unk__N symbols. */
function compareValue(ours: ValueInfo, ref: IValueInfoProto, where: string): void {
  const tt = ref.type?.tensorType;
  if (!tt) {
    expect(ours.dtype, where).toBeNull();
    return;
  }
  expect(ours.kind, where).toBe('tensor');
  expect(ours.dtype, where).toBe(tt.elemType ? DTYPE_BY_CODE[tt.elemType] : null);
  if (!tt.shape) {
    expect(ours.shape, where).toBeNull();
    return;
  }
  const dims = tt.shape.dim ?? [];
  expect(ours.shape?.length, where).toBe(dims.length);
  dims.forEach((d, i) => {
    const got = ours.shape![i];
    // protobufjs exposes the oneof as `value`: which of dim_value / dim_param was set, if any.
    const which = (d as { value?: string }).value;
    if (which === 'dimParam' && d.dimParam) expect(got, where).toBe(d.dimParam);
    else if (which === 'dimValue') expect(got, where).toBe(num(d.dimValue));
    else expect(got, where).toMatch(/^unk__\d+$/);
  });
}

function compareGraph(file: Uint8Array, m: Model, ours: Graph, ref: IGraphProto, where: string): number {
  const refNodes = ref.node ?? [];
  expect(ours.name, where).toBe(ref.name ?? '');
  expect(ours.nodes.length, `${where}: node count`).toBe(refNodes.length);
  const initNames = (ref.initializer ?? []).map((t) => t.name ?? '');
  expect([...ours.initializers.keys()], `${where}: initializer names`).toEqual([...new Set(initNames)]);
  const isInit = new Set([...initNames, ...(ref.sparseInitializer ?? []).map((s) => s.values?.name ?? '')]);
  expect(
    ours.inputs.map((v) => v.name),
    `${where}: inputs`,
  ).toEqual((ref.input ?? []).map((v) => v.name ?? '').filter((n) => !isInit.has(n)));
  expect(
    ours.outputs.map((v) => v.name),
    `${where}: outputs`,
  ).toEqual((ref.output ?? []).map((v) => v.name ?? ''));
  expect(ours.valueInfo.length, `${where}: value_info`).toBe((ref.valueInfo ?? []).length);
  const refValues = [
    ...(ref.input ?? []).filter((v) => !isInit.has(v.name ?? '')),
    ...(ref.output ?? []),
    ...(ref.valueInfo ?? []),
  ];
  [...ours.inputs, ...ours.outputs, ...ours.valueInfo].forEach((v, k) =>
    compareValue(v, at(refValues, k), `${where}: value ${v.name}`),
  );
  for (const t of ref.initializer ?? [])
    compareTensor(file, m, ours.initializers.get(t.name ?? '')!, t, `${where}: initializer ${t.name}`);

  let count = refNodes.length;
  refNodes.forEach((rn, i) => {
    const n = at(ours.nodes, i);
    const nodeWhere = `${where}: node ${i}`;
    expect(n.opType, nodeWhere).toBe(rn.opType ?? '');
    expect(n.domain, nodeWhere).toBe(domainOf(rn.domain));
    const refName = rn.name ?? '';
    expect(n.name, nodeWhere).toBe(refName !== '' ? refName : `${rn.opType}_${i}`);
    expect(n.inputs, nodeWhere).toEqual(rn.input ?? []);
    expect(n.outputs, nodeWhere).toEqual(rn.output ?? []);
    expect([...n.attributes.keys()], nodeWhere).toEqual((rn.attribute ?? []).map((a) => a.name ?? ''));
    for (const ra of rn.attribute ?? []) {
      const a = n.attributes.get(ra.name ?? '')!;
      const t = `${nodeWhere} attribute ${ra.name}`;
      switch (a.type) {
        case 'int':
          expect(a.value, t).toBe(num(ra.i));
          break;
        case 'ints':
          expect(a.value, t).toEqual((ra.ints ?? []).map(num));
          break;
        case 'float':
          expect(a.value, t).toBe(ra.f);
          break;
        case 'floats':
          expect(a.value, t).toEqual(ra.floats);
          break;
        case 'string':
          expect(a.value, t).toBe(Buffer.from(ra.s ?? []).toString('utf8'));
          break;
        case 'tensor':
          compareTensor(file, m, a.value, ra.t!, t);
          break;
        case 'graph':
          count += compareGraph(file, m, a.value, ra.g!, t);
          break;
        case 'graphs':
          a.value.forEach((g, k) => (count += compareGraph(file, m, g, at(ra.graphs!, k), `${t}[${k}]`)));
          break;
        default:
          break;
      }
    }
  });
  return count;
}

const models = testdataModels();

describe.skipIf(models.length === 0)(`libonnx-testdata cross-check (${models.length} models)`, () => {
  if (models.length === 0) console.warn(`skipped: ${ROOT} is absent (Debian package libonnx-testdata)`);

  it('decodes every model like onnx-proto, or rejects it with InvalidModelError only', () => {
    let nodes = 0;
    let rejected = 0;
    for (const file of models) {
      const bytes = fs.readFileSync(file);
      const ref = onnx.ModelProto.decode(bytes);
      let m: Model;
      try {
        m = loadModelFile(file);
      } catch (err) {
        if (!(err instanceof InvalidModelError)) throw err;
        rejected++;
        continue;
      }
      expect(m.irVersion, file).toBe(num(ref.irVersion));
      expect([...m.opsets], file).toEqual(ref.opsetImport.map((o) => [domainOf(o.domain), num(o.version)]));
      expect(m.producerName, file).toBe(ref.producerName);
      expect(m.functions.length, file).toBe(ref.functions.length);
      nodes += compareGraph(bytes, m, m.graph, ref.graph!, file);
    }
    expect(rejected).toBe(0);
    expect(nodes).toBeGreaterThan(1000);
  });
});
