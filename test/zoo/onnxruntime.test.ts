import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';
import { buildZooModel, getZooEntry, listZoo } from '../../src/zoo/index.js';
import type { ZooBuildOptions } from '../../src/zoo/index.js';

/**
 * Every zoo model must load and run in onnxruntime-node (CPU EP). The default run covers a few
 * small models; EFFLINT_SLOW=1 runs all of them (B7 at 600x600 included, ~1 min on 2 cores).
 */
const SLOW = !!process.env.EFFLINT_SLOW;
const CI_MODELS = [
  'shufflenet_v2_x0_5',
  'shufflenet_v1_g3',
  'mobilenet_v2',
  'exp_g3_4frag_parallel',
  'exp_g4_relu_on_shortcut_on',
];

function deterministicInput(shape: readonly number[]): ort.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37);
  return new ort.Tensor('float32', data, [...shape]);
}

/** Channels, height and width of a zoo model's NCHW input. */
function inputChw(name: string): [number, number, number] {
  const [, c, h, w] = getZooEntry(name)!.inputShape;
  if (c === undefined || h === undefined || w === undefined) throw new Error(`${name}: the input shape is not NCHW`);
  return [c, h, w];
}

async function run(name: string, options: ZooBuildOptions = {}): Promise<ort.Tensor> {
  const [c, h, w] = inputChw(name);
  const shape = [options.batch ?? 1, c, options.resolution ?? h, options.resolution ?? w];
  const session = await ort.InferenceSession.create(buildZooModel(name, options), {
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
  });
  try {
    expect(session.inputNames).toEqual(['input']);
    const out = await session.run({ input: deterministicInput(shape) });
    return out[at(session.outputNames, 0)] as ort.Tensor;
  } finally {
    await session.release();
  }
}

function expectedOutputShape(name: string, batch: number): number[] {
  // Every experiment block maps its width back to itself, so the output has the input shape.
  return name.startsWith('exp_') ? [batch, ...inputChw(name)] : [batch, 1000];
}

function allFinite(t: ort.Tensor): boolean {
  return (t.data as Float32Array).every(Number.isFinite);
}

describe('zoo models run in onnxruntime-node', () => {
  it.each(CI_MODELS)('%s', async (name) => {
    const out = await run(name);
    expect(out.dims).toEqual(expectedOutputShape(name, 1));
    expect(allFinite(out)).toBe(true);
  });

  it('runs at another batch and resolution', async () => {
    const out = await run('shufflenet_v2_x0_5', { batch: 2, resolution: 160 });
    expect(out.dims).toEqual([2, 1000]);
  });

  it.each(['shufflenet_v2_x0_5', 'mobilenet_v2'])('%s: the deploy form computes the same function', async (name) => {
    const a = (await run(name)).data as Float32Array;
    const b = (await run(name, { deploy: true })).data as Float32Array;
    const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(at(a, i) - at(b, i)));
    expect(scale).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(1e-4);
  });

  describe.skipIf(!SLOW)('all zoo models (EFFLINT_SLOW)', () => {
    it.each(
      listZoo()
        .map((e) => e.name)
        .filter((n) => !CI_MODELS.includes(n)),
    )(
      '%s',
      async (name) => {
        const out = await run(name);
        expect(out.dims).toEqual(expectedOutputShape(name, 1));
        expect(allFinite(out)).toBe(true);
      },
      120_000,
    );

    it.each(
      listZoo()
        .map((e) => e.name)
        .filter((n) => !n.startsWith('exp_')),
    )(
      '%s (deploy)',
      async (name) => {
        const out = await run(name, { deploy: true, weights: false });
        expect(out.dims).toEqual([1, 1000]);
      },
      120_000,
    );
  });
});
