import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildZooModel, listZoo } from '../../src/zoo/index.js';

/**
 * The reference ONNX checker (python3-onnx, Debian's /usr/bin/python3) with full_check, which
 * also runs strict shape inference. Skipped where that Python has no onnx module.
 */
const PYTHON = '/usr/bin/python3';
const hasOnnx = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
const SLOW = !!process.env.EFFLINT_SLOW;

const CHECK = `
import sys, onnx
from onnx import shape_inference
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    shape_inference.infer_shapes(m, strict_mode=True)
print("ok")
`;

const DEFAULT = [
  'shufflenet_v1_g3',
  'shufflenet_v2_x0_5',
  'efficientnet_b0',
  'mobilenet_v2',
  'exp_g1_1to2_gpu_x1',
  'exp_g2_g8',
  'exp_g3_4frag_parallel',
  'exp_g4_relu_on_shortcut_on',
];

describe.skipIf(!hasOnnx)('zoo models pass the ONNX checker (full_check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'efflint-zoo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const names = SLOW ? listZoo().map((e) => e.name) : DEFAULT;
  it(`${names.length} models, training and deploy forms`, () => {
    const paths: string[] = [];
    for (const name of names) {
      for (const deploy of [false, true]) {
        const path = join(dir, `${name}${deploy ? '.deploy' : ''}.onnx`);
        writeFileSync(path, buildZooModel(name, { deploy, weights: false }));
        paths.push(path);
      }
    }
    const r = spawnSync(PYTHON, ['-c', CHECK, ...paths], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  }, 300_000);
});
