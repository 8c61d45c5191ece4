import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProfilerError, UsageError } from '../../src/errors.js';
import { importTrace, profileModel } from '../../src/profile/profile.js';
import { onnxruntimeInfo } from '../../src/profile/providers.js';
import type { ProfileResult } from '../../src/profile/types.js';
import { at, mapGet } from '../../src/util/at.js';
import { tinyConvNet } from './tiny-models.js';

/**
 * Real onnxruntime-node on small models, one thread, few runs: the machine running CI has two
 * cores, and these tests check structure and agreement, not speed.
 */
const FAST = { threads: 1, warmup: 2, runs: 5 } as const;

let dir: string;
let tiny: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-profile-test-'));
  tiny = join(dir, 'tiny.onnx');
  writeFileSync(tiny, tinyConvNet());
});

function nodesOf(r: ProfileResult): string[] {
  return r.layers.flatMap((l) => l.nodes);
}

describe('profileModel with onnxruntime-node (opt level disabled)', () => {
  let r: ProfileResult;
  beforeAll(async () => {
    r = await profileModel('zoo:shufflenet_v2_x0_5', {
      ...FAST,
      optLevel: 'disabled',
      saveTrace: join(dir, 'snv2-disabled.json'),
    });
  });

  it('times unprofiled runs, warm-up excluded', () => {
    expect(r.latencyMs?.runs).toBe(FAST.runs);
    expect(r.profiledRunMs?.runs).toBe(FAST.runs);
    const l = r.latencyMs!;
    expect(l.min).toBeLessThanOrEqual(l.median);
    expect(l.median).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.max);
    expect(l.cv).toBeGreaterThanOrEqual(0);
    expect(r).toMatchObject({
      source: 'onnxruntime-node',
      ep: 'cpu',
      provider: 'CPUExecutionProvider',
      optLevel: 'disabled',
      threads: 1,
      batch: 1,
      warmup: 2,
    });
  });

  it('measures every node, one kernel per node', () => {
    expect(r.coverage.unmeasuredNodes).toEqual([]);
    expect(r.coverage.costlyUnmeasured).toEqual([]);
    expect(r.coverage.measuredNodes).toBe(r.coverage.nodes);
    expect(r.coverage.joinedKernels).toBe(r.coverage.kernels);
    for (const l of r.layers) expect(l.nodes).toEqual([l.name]);
    expect(new Set(nodesOf(r)).size).toBe(nodesOf(r).length);
    expect(r.fallback).toEqual([]);
  });

  it('per-kernel medians sum to most of a profiled run (the rest is executor overhead)', () => {
    // Observed on an idle 2-core machine: 0.76-0.96 of the median profiled run (docs/profile.md); with the rest of
    // the suite running beside it 0.47, and 0.21-0.51 at load average 11 (descheduled time lands in the run, not in
    // the kernels). The bound is loose on purpose: it catches a join that sums a fraction of the kernels, not load.
    expect(r.coverage.kernelSumOverProfiledRun).toBeGreaterThan(0.15);
    expect(r.coverage.kernelSumOverProfiledRun).toBeLessThanOrEqual(1.02);
    const shares = r.layers.reduce((s, l) => s + l.share, 0);
    expect(shares).toBeCloseTo(1, 9);
  });

  it("traced bytes equal efflint's memBytes wherever data moves; every difference is explained", () => {
    const m = r.memoryCheck!;
    expect(m.compared).toBe(r.layers.length);
    expect(m.unexplained).toBe(0);
    expect(m.medianRatio).toBe(1);
    for (const x of m.mismatches) {
      // Reshape aliases its input (efflint: 0 bytes); Gemm's weight is pre-packed (absent from the trace).
      expect(['Reshape', 'Flatten', 'Gemm']).toContain(x.opType);
      expect(x.side).toBe('onnxruntime');
    }
    const moving = r.layers.filter((l) => (l.memBytes ?? 0) > 0 && l.opType !== 'Gemm');
    for (const l of moving) expect(Math.abs((l.bytesRatio ?? 0) - 1)).toBeLessThanOrEqual(0.05);
  });

  it('breaks time down into the Figure 2 categories', () => {
    expect(r.categories.map((c) => c.category)).toEqual(['conv', 'elementwise', 'data-movement', 'other']);
    expect(r.categories.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 9);
    const byCat = new Map(r.categories.map((c) => [c.category, c]));
    expect(mapGet(byCat, 'conv').flopsShare).toBeGreaterThan(0.9);
    // The paper's point: element-wise and data movement cost far more time than their FLOPs.
    expect(mapGet(byCat, 'elementwise').share + mapGet(byCat, 'data-movement').share).toBeGreaterThan(
      mapGet(byCat, 'elementwise').flopsShare,
    );
    expect(r.correlation.layers).toBe(r.layers.length);
    expect(r.correlation.flopsSpearman).not.toBeNull();
    expect(r.correlation.predictedSpearman).toBeNull();
  });

  it('imports the same trace back (any binding writes this format)', () => {
    const imported = importTrace('zoo:shufflenet_v2_x0_5', join(dir, 'snv2-disabled.json'), { warmup: FAST.warmup });
    expect(imported.source).toBe('onnxruntime-trace');
    expect(imported.latencyMs).toBeNull();
    expect(imported.provider).toBe('CPUExecutionProvider');
    expect(imported.coverage.unmeasuredNodes).toEqual([]);
    const live = new Map(r.layers.map((l) => [l.name, l.measuredUs]));
    for (const l of imported.layers) expect(l.measuredUs).toBe(live.get(l.name));
  });
});

describe('profileModel with fusions (opt level all)', () => {
  let r: ProfileResult;
  beforeAll(async () => {
    r = await profileModel(tiny, {
      ...FAST,
      optLevel: 'all',
      saveTrace: join(dir, 'tiny-all.json'),
      saveOptimizedModel: join(dir, 'tiny-all.onnx'),
    });
  });

  it('gives a fused kernel the group of nodes it replaced', () => {
    const byName = Object.fromEntries(r.layers.map((l) => [l.name, l]));
    expect(byName.r1_nchwc?.nodes).toEqual(['conv1', 'bn1', 'relu1']);
    expect(byName.r1_nchwc?.opType).toBe('Conv+BatchNormalization+Relu');
    expect(byName.r1_nchwc?.category).toBe('conv');
    expect(byName.c2_nchwc?.nodes).toEqual(['Conv_3', 'Add_4']);
    expect(byName.ReorderInput).toMatchObject({ nodes: [], category: 'data-movement', joinedBy: 'optimized-model' });
    expect(r.coverage.unmeasuredNodes).toEqual([]);
    expect(new Set(nodesOf(r)).size).toBe(nodesOf(r).length);
  });

  it('does not compare bytes of fused kernels', () => {
    expect(r.layers.find((l) => l.name === 'r1_nchwc')?.bytesRatio).toBeNull();
    expect(r.memoryCheck?.unexplained).toBe(0);
  });

  it('imports an onnxruntime trace with the optimized model that came with it', () => {
    expect(existsSync(join(dir, 'tiny-all.onnx'))).toBe(true);
    const withModel = importTrace(tiny, join(dir, 'tiny-all.json'), {
      warmup: FAST.warmup,
      optimizedModel: join(dir, 'tiny-all.onnx'),
    });
    expect(withModel.layers.map((l) => [l.name, l.nodes])).toEqual(r.layers.map((l) => [l.name, l.nodes]));
    // Names alone still recover the NCHWc groups, but not the Add fused into the second conv.
    const byName = importTrace(tiny, join(dir, 'tiny-all.json'), { warmup: FAST.warmup });
    expect(byName.layers.find((l) => l.name === 'r1_nchwc')?.nodes).toEqual(['conv1', 'bn1', 'relu1']);
    expect(byName.coverage.unmeasuredNodes).toEqual([]);
  });
});

describe('inputs and batch', () => {
  it('binds a batch on a file through the analyzer input shapes, and generates matching inputs', async () => {
    const r = await profileModel(tiny, { ...FAST, runs: 2, optLevel: 'disabled', batch: 3 });
    expect(r.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [3, 32, 32, 32] }]);
    expect(r.batch).toBe(3);
    const conv = r.layers.find((l) => l.name === 'conv1');
    expect(conv?.flops).toBe(3 * 32 * 32 * 32 * 32 * 9);
    expect(conv?.bytesRatio).toBe(1);
  });

  it('rebuilds zoo models with the batch; --input wins for a named input', async () => {
    const r = await profileModel('zoo:exp_g4_relu_on_shortcut_on_c32', {
      ...FAST,
      runs: 2,
      optLevel: 'disabled',
      batch: 2,
    });
    expect(at(r.inputs, 0).shape).toEqual([2, 32, 56, 56]);
    const bound = await profileModel(tiny, {
      ...FAST,
      runs: 2,
      optLevel: 'disabled',
      batch: 4,
      inputShapes: { x: [2, 32, 32, 32] },
    });
    expect(at(bound.inputs, 0).shape).toEqual([2, 32, 32, 32]);
  });

  it('asks for --input when a dim stays symbolic', async () => {
    const sym = join(dir, 'sym.onnx');
    const { buildOnnxModel } = await import('../../src/zoo/onnx-writer.js');
    writeFileSync(
      sym,
      buildOnnxModel({
        nodes: [{ opType: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'] }],
        inputs: [{ name: 'x', dims: ['N', 'L'] }],
        outputs: [{ name: 'y', dims: ['N', 'L'] }],
      }),
    );
    await expect(profileModel(sym, FAST)).rejects.toThrow(UsageError);
    await expect(profileModel(sym, FAST)).rejects.toThrow(/--input x=/);
  });
});

describe('execution providers', () => {
  it('names the providers this build lacks, with how to get them', async () => {
    await expect(profileModel(tiny, { ...FAST, ep: 'dml' })).rejects.toThrow(ProfilerError);
    await expect(profileModel(tiny, { ...FAST, ep: 'dml' })).rejects.toThrow(
      /not offered by onnxruntime-node.*Windows only/,
    );
  });

  it.runIf(onnxruntimeInfo().backends.some((b) => b.name === 'cuda' && !b.bundled))(
    'explains a CUDA provider whose libraries are not installed',
    async () => {
      const err = await profileModel(tiny, { ...FAST, ep: 'cuda' }).catch((e: unknown) => e);
      // Skipped in spirit on a machine with the CUDA build installed and a GPU: then it simply runs.
      if (err instanceof Error) {
        expect(err).toBeInstanceOf(ProfilerError);
        expect(err.message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm install');
        expect(err.message.split('\n')).toHaveLength(1);
      }
    },
  );
});

describe('onnxruntime errors', () => {
  it('reports a model onnxruntime cannot load as a one-line ProfilerError', async () => {
    const bad = join(dir, 'bad.onnx');
    const { buildOnnxModel } = await import('../../src/zoo/onnx-writer.js');
    writeFileSync(
      bad,
      buildOnnxModel({
        nodes: [{ opType: 'NoSuchOp', name: 'n', inputs: ['x'], outputs: ['y'] }],
        inputs: [{ name: 'x', dims: [1, 4] }],
        outputs: [{ name: 'y', dims: [1, 4] }],
      }),
    );
    const err = await profileModel(bad, FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProfilerError);
    expect((err as Error).message).toMatch(/^onnxruntime could not load the model: .*NoSuchOp/);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('TensorRT trtexec --exportProfile import', () => {
  it('joins the fixture to the zoo model it was written for', () => {
    const r = importTrace(
      'zoo:exp_g4_relu_on_shortcut_on_c32',
      new URL('../../fixtures/trtexec-profile.json', import.meta.url).pathname,
    );
    expect(r).toMatchObject({ source: 'tensorrt-trace', provider: 'TensorRT', latencyMs: null, memoryCheck: null });
    expect(r.coverage.unmeasuredNodes).toEqual([]);
    expect(r.coverage.unjoined.map((u) => u.inserted)).toEqual([true, true]);
    const foreign = r.layers.find((l) => l.name.startsWith('{ForeignNode'));
    expect(foreign?.nodes).toHaveLength(14);
    expect(r.layers.find((l) => l.name === 'unit1.conv3 + unit1.add + unit1.relu3')?.nodes).toEqual([
      'unit1.conv3',
      'unit1.add',
      'unit1.relu3',
    ]);
    expect(r.layers.find((l) => l.name === 'PWN(unit8.add, unit8.relu3)')?.category).toBe('elementwise');
    const json = JSON.parse(readFileSync(new URL('../../fixtures/trtexec-profile.json', import.meta.url), 'utf8')) as {
      medianMs?: number;
    }[];
    const total = json.slice(1).reduce((s, x) => s + (x.medianMs ?? 0) * 1000, 0);
    expect(r.coverage.kernelSumUs).toBeCloseTo(total, 6);
  });
});
