import { describe, expect, it } from 'vitest';
import { ProfilerError, UsageError } from '../../src/errors.js';
import { measureInterleaved } from '../../src/profile/measure/interleaved.js';
import type { MeasureVariant } from '../../src/profile/measure/interleaved.js';
import { buildOnnxModel } from '../../src/zoo/onnx-writer.js';
import { at } from '../../src/util/at.js';

const C = 64;
const S = 56;

/** A chain of `convs` 1x1 convolutions C -> C on an SxS map: `convs` times the work of one. */
function convChain(convs: number): MeasureVariant {
  const nodes = Array.from({ length: convs }, (_, i) => ({
    opType: 'Conv',
    name: `conv${i}`,
    inputs: [i === 0 ? 'x' : `t${i - 1}`, `w${i}`],
    outputs: [i === convs - 1 ? 'y' : `t${i}`],
    attributes: { kernel_shape: [1, 1] },
  }));
  const model = buildOnnxModel({
    inputs: [{ name: 'x', dims: [1, C, S, S] }],
    outputs: [{ name: 'y', dims: [1, C, S, S] }],
    nodes,
    initializers: nodes.map((_, i) => ({ name: `w${i}`, dims: [C, C, 1, 1] })),
  });
  return { label: `${convs} conv`, model, inputs: [{ name: 'x', dtype: 'float32', dims: [1, C, S, S], intRange: 2 }] };
}

describe('measureInterleaved (real onnxruntime)', () => {
  it('puts a model with 10x the work of another slower on both clocks, in every block', async () => {
    const r = await measureInterleaved([convChain(1), convChain(10)], {
      optLevel: 'disabled',
      blocks: 3,
      runsPerBlock: 5,
      warmup: 1,
    });
    expect(r).toMatchObject({
      optLevel: 'disabled',
      clock: 'cpu',
      blocks: 3,
      runsPerBlock: 5,
      warmup: 1,
      baseline: 0,
      intraOpThreads: 1,
    });
    expect(r.variants).toHaveLength(2);
    const one = at(r.variants, 0);
    const ten = at(r.variants, 1);
    expect(one.label).toBe('1 conv');
    for (const clock of ['cpu', 'wall'] as const) {
      expect(one[clock].ratio.perBlock).toEqual([1, 1, 1]);
      expect(ten[clock].ratio.perBlock).toHaveLength(3);
      // Ten convs against one: well under half the throughput in every block.
      for (const x of ten[clock].ratio.perBlock) expect(x).toBeLessThan(0.5);
      expect(ten[clock].medianMs).toBeGreaterThan(one[clock].medianMs);
      expect(ten[clock].ratio.min).toBeLessThanOrEqual(ten[clock].ratio.median);
      expect(ten[clock].ratio.max).toBeGreaterThanOrEqual(ten[clock].ratio.median);
    }
    // Ratios are per block: each one is the block's baseline median over the variant's.
    const med = (xs: readonly number[]): number =>
      at(
        [...xs].sort((a, b) => a - b),
        2,
      );
    for (let b = 0; b < 3; b++)
      expect(ten.cpu.ratio.perBlock[b]).toBeCloseTo(med(at(one.samples.cpuMs, b)) / med(at(ten.samples.cpuMs, b)), 12);
    expect(ten.samples.wallMs).toHaveLength(3);
    expect(ten.samples.wallMs[0]).toHaveLength(5);
    expect(ten.optimizedOps).toBeNull();
  });

  it("records onnxruntime's kernel choice at opt level 'all' when asked", async () => {
    const r = await measureInterleaved([convChain(2)], {
      optLevel: 'all',
      blocks: 1,
      runsPerBlock: 1,
      warmup: 0,
      inspectOptimizedGraphs: true,
    });
    const ops = at(r.variants, 0).optimizedOps!;
    const convs = (ops.Conv ?? 0) + (ops['com.microsoft.nchwc:Conv'] ?? 0);
    expect(convs).toBe(2);
  });

  it('rejects bad counts and reports a model onnxruntime cannot load, by label', async () => {
    await expect(measureInterleaved([convChain(1)], { blocks: 0 })).rejects.toBeInstanceOf(UsageError);
    await expect(measureInterleaved([], {})).rejects.toBeInstanceOf(UsageError);
    const broken: MeasureVariant = { label: 'broken', model: new Uint8Array([1, 2, 3]), inputs: [] };
    const err = await measureInterleaved([convChain(1), broken], { blocks: 1, runsPerBlock: 1, warmup: 0 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProfilerError);
    expect((err as Error).message).toMatch(/^broken: onnxruntime could not load the model/);
  });
});
