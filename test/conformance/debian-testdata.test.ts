import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { EfflintError } from '../../src/errors.js';
import { loadModelFile } from '../../src/model/load.js';
import { onnx } from '../helpers/tiny-model.js';

/**
 * Conformance over Debian's libonnx-testdata: every model is analysed, and every graph-output shape
 * efflint infers is compared with the dims of the real output tensor in test_data_set_0. Unknown is
 * allowed, wrong never. Inputs are bound to the dims of the real input tensors.
 */
const ROOT = '/usr/share/libonnx-testdata/data';
const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple', 'real'];

function modelDirs(): string[] {
  const dirs: string[] = [];
  for (const suite of SUITES) {
    const base = join(ROOT, suite);
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base).sort()) {
      if (existsSync(join(base, d, 'model.onnx')) && existsSync(join(base, d, 'test_data_set_0'))) dirs.push(join(base, d));
    }
  }
  return dirs;
}

function tensorDims(path: string): number[] | null {
  if (!existsSync(path)) return null;
  try {
    return onnx.TensorProto.decode(readFileSync(path)).dims.map(Number);
  } catch {
    return null;
  }
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

const dirs = modelDirs();

describe.skipIf(dirs.length === 0)(`Debian libonnx-testdata conformance (${dirs.length} models)`, () => {
  it('never throws, never infers a wrong output shape, and knows at least 90% of them', () => {
    const counts: Record<Verdict, number> = { known: 0, unknown: 0, wrong: 0 };
    const wrong: string[] = [];
    const failures: string[] = [];
    for (const dir of dirs) {
      const file = join(dir, 'model.onnx');
      let outputs;
      let declaredOutputs;
      try {
        const model = loadModelFile(file);
        const inputShapes: Record<string, number[]> = {};
        model.graph.inputs.forEach((v, i) => {
          const dims = v.dtype ? tensorDims(join(dir, 'test_data_set_0', `input_${i}.pb`)) : null;
          if (dims) inputShapes[v.name] = dims;
        });
        declaredOutputs = model.graph.outputs;
        outputs = analyzeModel(model, { inputShapes }).outputs;
      } catch (err) {
        failures.push(`${dir}: ${err instanceof EfflintError ? err.message : String(err)}`);
        continue;
      }
      declaredOutputs.forEach((v, i) => {
        if (!v.dtype) return; // sequence, map or optional outputs have no tensor dims to compare
        const real = tensorDims(join(dir, 'test_data_set_0', `output_${i}.pb`));
        if (!real) return;
        const verdict = compare(outputs[i]?.shape ?? null, real);
        counts[verdict] += 1;
        if (verdict === 'wrong') wrong.push(`${dir} output ${i}: inferred [${outputs[i]?.shape}] real [${real}]`);
      });
    }
    const total = counts.known + counts.unknown + counts.wrong;
    console.log(
      `libonnx-testdata: ${dirs.length} models, ${total} tensor outputs: ${counts.known} known (${((100 * counts.known) / total).toFixed(1)}%), ` +
        `${counts.unknown} unknown, ${counts.wrong} wrong, ${failures.length} analysis failures`,
    );
    expect(failures).toEqual([]);
    expect(wrong).toEqual([]);
    expect(counts.known / total).toBeGreaterThanOrEqual(0.9);
  });
});
