import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { EfflintError } from '../../src/errors.js';
import { loadModelFile } from '../../src/model/load.js';
import type onnxProto from 'onnx-proto';
import { onnx } from '../helpers/tiny-model.js';

/**
 * Conformance over Debian's libonnx-testdata: every model is analysed, and every graph-output shape
 * efflint infers is compared with the dims of the real output tensor in test_data_set_0. Unknown is
 * allowed, wrong never. Inputs are bound to the dims of the real input tensors, and in the second test
 * small numeric inputs (shapes, axes, sizes, scales that the test feeds at run time) to their values,
 * as `inputValues` allows. Shapes the models declare are not used (`useDeclaredShapes: false`).
 */
const ROOT = '/usr/share/libonnx-testdata/data';
const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple', 'real'];

function modelDirs(): string[] {
  const dirs: string[] = [];
  for (const suite of SUITES) {
    const base = join(ROOT, suite);
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base).sort()) {
      if (existsSync(join(base, d, 'model.onnx')) && existsSync(join(base, d, 'test_data_set_0')))
        dirs.push(join(base, d));
    }
  }
  return dirs;
}

function readTensor(path: string): onnxProto.onnx.TensorProto | null {
  if (!existsSync(path)) return null;
  try {
    return onnx.TensorProto.decode(readFileSync(path));
  } catch {
    return null;
  }
}

function tensorDims(path: string): number[] | null {
  return readTensor(path)?.dims.map(Number) ?? null;
}

/** Values of a small numeric input (shapes, axes, sizes, scales, depths that the test feeds at run time). */
function smallValues(path: string): number[] | null {
  const t = readTensor(path);
  if (!t) return null;
  const count = t.dims.map(Number).reduce((a, b) => a * b, 1);
  if (count > 64) return null;
  const { INT64, INT32, FLOAT, DOUBLE } = onnx.TensorProto.DataType;
  const typed: Record<number, { field: number[]; bytes: number; read: (v: DataView, at: number) => number }> = {
    [INT64]: { field: t.int64Data.map(Number), bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
    [INT32]: { field: t.int32Data, bytes: 4, read: (v, at) => v.getInt32(at, true) },
    [FLOAT]: { field: t.floatData, bytes: 4, read: (v, at) => v.getFloat32(at, true) },
    [DOUBLE]: { field: t.doubleData, bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  };
  const kind = typed[t.dataType];
  if (!kind) return null;
  if (kind.field.length === count) return [...kind.field];
  if (t.rawData.length !== count * kind.bytes) return null;
  const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  return Array.from({ length: count }, (_, i) => kind.read(view, i * kind.bytes));
}

type Verdict = 'known' | 'unknown' | 'wrong';

function compare(inferred: readonly (number | string)[] | null, real: number[]): Verdict {
  if (inferred === null) return 'unknown';
  if (inferred.length !== real.length) return 'wrong';
  let symbolic = false;
  for (let i = 0; i < real.length; i++) {
    const d = inferred[i];
    if (typeof d === 'string') symbolic = true;
    else if (d !== real[i]) return 'wrong';
  }
  return symbolic ? 'unknown' : 'known';
}

interface Tally {
  counts: Record<Verdict, number>;
  wrong: string[];
  failures: string[];
}

/** Analyses every model, binding real input dims (and, with `bindValues`, small integer input values). */
function tally(dirs: readonly string[], bindValues: boolean): Tally {
  const t: Tally = { counts: { known: 0, unknown: 0, wrong: 0 }, wrong: [], failures: [] };
  for (const dir of dirs) {
    const data = (name: string) => join(dir, 'test_data_set_0', name);
    let outputs;
    let declaredOutputs;
    try {
      const model = loadModelFile(join(dir, 'model.onnx'));
      const inputShapes: Record<string, number[]> = {};
      const inputValues: Record<string, number[]> = {};
      model.graph.inputs.forEach((v, i) => {
        const values = bindValues ? smallValues(data(`input_${i}.pb`)) : null;
        if (values) inputValues[v.name] = values;
        const dims = v.dtype ? tensorDims(data(`input_${i}.pb`)) : null;
        // A few CastLike cases store a 'like' tensor whose rank contradicts the model; keep the model's.
        if (dims && (!v.shape || v.shape.length === dims.length)) inputShapes[v.name] = dims;
      });
      declaredOutputs = model.graph.outputs;
      // The test models declare their output shapes; comparing those with themselves would prove
      // nothing, so declared shapes are not used: this measures efflint's own inference.
      outputs = analyzeModel(model, { inputShapes, inputValues, useDeclaredShapes: false }).outputs;
    } catch (err) {
      t.failures.push(`${dir}: ${err instanceof EfflintError ? err.message : String(err)}`);
      continue;
    }
    declaredOutputs.forEach((v, i) => {
      if (!v.dtype) return; // sequence, map or optional outputs have no tensor dims to compare
      const real = tensorDims(data(`output_${i}.pb`));
      if (!real) return;
      const verdict = compare(outputs[i]?.shape ?? null, real);
      t.counts[verdict] += 1;
      if (verdict === 'wrong')
        t.wrong.push(
          `${dir} output ${i}: inferred ${JSON.stringify(outputs[i]?.shape ?? null)} real ${JSON.stringify(real)}`,
        );
      if (verdict === 'unknown' && process.env.EFFLINT_LIST_UNKNOWN)
        console.log(`unknown: ${dir} output ${i}: ${JSON.stringify(outputs[i]?.shape ?? null)}`);
    });
  }
  return t;
}

function summary(label: string, dirs: readonly string[], t: Tally): string {
  const { known, unknown, wrong } = t.counts;
  const total = known + unknown + wrong;
  return (
    `libonnx-testdata (${label}): ${dirs.length} models, ${total} tensor outputs: ${known} known ` +
    `(${((100 * known) / total).toFixed(1)}%), ${unknown} unknown, ${wrong} wrong, ${t.failures.length} analysis failures`
  );
}

const dirs = modelDirs();

describe.skipIf(dirs.length === 0)(`Debian libonnx-testdata conformance (${dirs.length} models)`, () => {
  it('input shapes bound: never throws, never infers a wrong output shape', () => {
    const t = tally(dirs, false);
    console.log(summary('input shapes bound', dirs, t));
    expect(t.failures).toEqual([]);
    expect(t.wrong).toEqual([]);
    // Tests that feed shapes, axes or sizes as run-time inputs cannot be known from the file alone.
    expect(t.counts.known / (t.counts.known + t.counts.unknown)).toBeGreaterThanOrEqual(0.85);
  });

  it('input shapes and small numeric input values bound: at least 90% known, none wrong', () => {
    const t = tally(dirs, true);
    console.log(summary('input shapes and values bound', dirs, t));
    expect(t.failures).toEqual([]);
    expect(t.wrong).toEqual([]);
    expect(t.counts.known / (t.counts.known + t.counts.unknown)).toBeGreaterThanOrEqual(0.9);
  });
});
