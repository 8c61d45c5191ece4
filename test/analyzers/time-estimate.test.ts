import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { DEFAULT_CPU_PROFILE } from '../../src/analyzers/device-profiles.js';
import type { DeviceProfile } from '../../src/analyzers/roofline.js';
import { roofline } from '../../src/analyzers/roofline.js';
import { buildOnnxruntimeCpuPlan } from '../../src/analyzers/runtime/index.js';
import { estimatePlanTime, familyRoofs, kernelWork } from '../../src/analyzers/runtime/time-estimate.js';
import { deviceProfileProblem } from '../../src/analyzers/device-profile-check.js';
import { loadModelBytes } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import { floatInit, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/**
 * One convolution of every family on a 1x32x8x8 input, planned for onnxruntime's CPU EP with NCHWc
 * block 16: ReorderInput, dense 1x1 + Relu (NCHWc), depthwise 3x3 + Clip (NCHWc), grouped 1x1 g=2
 * (16 channels per group, NCHWc), dense 1x1 32 -> 30 (NCHWc, output padded to 32), ReorderOutput,
 * dense 1x1 30 -> 30 (30 input channels miss the block: NCHW). Expected times are worked out by hand
 * in the comments (µs).
 */
const bytes = tinyModel({
  inputs: [tensorInfo('x', [1, 32, 8, 8])],
  outputs: [tensorInfo('y', [1, 30, 8, 8])],
  initializers: [
    floatInit('w1', [32, 32, 1, 1]),
    floatInit('w2', [32, 1, 3, 3]),
    floatInit('w3', [32, 16, 1, 1]),
    floatInit('w4', [30, 32, 1, 1]),
    floatInit('w5', [30, 30, 1, 1]),
    floatInit('lo', []),
    floatInit('hi', []),
  ],
  nodes: [
    node('Conv', ['x', 'w1'], ['c1'], { kernel_shape: [1, 1] }, 'dense'),
    node('Relu', ['c1'], ['r1'], {}, 'relu'),
    node('Conv', ['r1', 'w2'], ['c2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 32 }, 'depthwise'),
    node('Clip', ['c2', 'lo', 'hi'], ['r2'], {}, 'relu6'),
    node('Conv', ['r2', 'w3'], ['c3'], { kernel_shape: [1, 1], group: 2 }, 'grouped'),
    node('Conv', ['c3', 'w4'], ['c4'], { kernel_shape: [1, 1] }, 'padded'),
    node('Conv', ['c4', 'w5'], ['y'], { kernel_shape: [1, 1] }, 'unaligned'),
  ],
});
const analysis = analyzeModel(loadModelBytes(bytes, { path: 'families.onnx' }));
const plan = buildOnnxruntimeCpuPlan(analysis, { nchwcBlock: 16 });

/** Round numbers: 100 G multiply-adds/s peak, 10 GB/s memory, 1 µs per kernel. */
const BASE: DeviceProfile = {
  schemaVersion: 1,
  name: 'hand',
  peakFlopsPerSecond: 1e11,
  bandwidthBytesPerSecond: 1e10,
  perOpOverheadUs: 1,
};
const FAMILIES: DeviceProfile = {
  ...BASE,
  convRoofs: { dense: 5e10, depthwise: 1e10, grouped: 4e10, unaligned: 2e10, depthwiseUnaligned: 1e9 },
  copyBandwidthBytesPerSecond: 2e10,
  activationBandwidthBytesPerSecond: 4e10,
};

describe('estimatePlanTime with kernel-family roofs', () => {
  it('plans the model as the comments say', () => {
    expect(plan.kernels.map((k) => k.opType)).toEqual([
      'ReorderInput',
      'com.microsoft.nchwc:Conv',
      'com.microsoft.nchwc:Conv',
      'com.microsoft.nchwc:Conv',
      'com.microsoft.nchwc:Conv',
      'ReorderOutput',
      'Conv',
    ]);
    expect(estimatePlanTime(analysis, plan, FAMILIES).kernelFamily).toEqual([
      'copy',
      'dense',
      'depthwise',
      'grouped',
      'dense',
      'copy',
      'unaligned',
    ]);
  });

  it('times each family on its own roof, by hand', () => {
    const t = estimatePlanTime(analysis, plan, FAMILIES);
    const expected = [
      // ReorderInput: 2 x 2048 elements x 4 B = 16384 B at the copy bandwidth (20 GB/s) = 0.8192
      1 + 0.8192,
      // dense + Relu (applied in the FMA loop): (65536 + 2048) MAC / 50 G = 1.35168; activations
      // (20480 - 4096) B / 40 GB/s = 0.4096; weights 4096 B / 10 GB/s = 0.4096
      1 + 1.35168 + 0.4096 + 0.4096,
      // depthwise + Clip: (18432 + 4096) / 10 G = 2.2528; activations (17536 - 1152 + 16392 for the
      // Clip pass) / 40 GB/s = 0.8194; weights 1152 / 10 GB/s = 0.1152
      1 + 2.2528 + 0.8194 + 0.1152,
      // grouped: 32768 / 40 G = 0.8192; (18432 - 2048) / 40 GB/s = 0.4096; 2048 / 10 GB/s = 0.2048
      1 + 0.8192 + 0.4096 + 0.2048,
      // dense 32 -> 30, output channels padded to 32: 61440 x 32/30 = 65536 / 50 G = 1.31072;
      // (19712 - 3840) / 40 GB/s = 0.3968; 3840 / 10 GB/s = 0.384
      1 + 1.31072 + 0.3968 + 0.384,
      // ReorderOutput: 2 x 1920 x 4 = 15360 B / 20 GB/s = 0.768
      1 + 0.768,
      // NCHW: 57600 / 20 G = 2.88; (18960 - 3600) / 40 GB/s = 0.384; 3600 / 10 GB/s = 0.36
      1 + 2.88 + 0.384 + 0.36,
    ];
    t.kernelUs.forEach((us, i) => expect(us).toBeCloseTo(at(expected, i), 9));
    expect(t.modelUs).toBeCloseTo(21.0946, 9);
    // The reorders' 0.8 µs of copying is under their 1 µs overhead.
    expect(t.kernelBound).toEqual(['overhead', 'compute', 'compute', 'compute', 'compute', 'overhead', 'compute']);
    // Rules' excess bytes go at the activation bandwidth: 4e4 B / 40 GB/s = 1 µs.
    expect(t.bytesUs(4e4)).toBeCloseTo(1, 12);
  });

  it('scales every kernel but its overhead by the in-network factor', () => {
    const t = estimatePlanTime(analysis, plan, { ...FAMILIES, inNetworkFactor: 2 });
    // 7 kernels x 1 µs overhead + 2 x (21.0946 - 7)
    expect(t.modelUs).toBeCloseTo(35.1892, 9);
    expect(t.kernelUs[0]).toBeCloseTo(1 + 2 * 0.8192, 9);
  });

  it('without the optional fields is the plain roofline of before', () => {
    const t = estimatePlanTime(analysis, plan, BASE);
    // max(FLOPs / 100 G, bytes / 10 GB/s) + 1: every kernel here is memory-bound
    const expected = [1 + 1.6384, 1 + 2.048, 1 + 1.7536, 1 + 1.8432, 1 + 1.9712, 1 + 1.536, 1 + 1.896];
    t.kernelUs.forEach((us, i) => expect(us).toBeCloseTo(at(expected, i), 9));
    plan.kernels.forEach((k, i) => {
      const w = kernelWork(analysis, plan, k);
      expect(t.kernelUs[i]).toBeCloseTo(roofline(w.flops, w.bytes, BASE).predictedUs, 12);
    });
    expect(t.bytesUs(1e4)).toBeCloseTo(1, 12);
  });

  it('falls back from the NCHW depthwise roof to the depthwise one, and from the activation to the copy bandwidth', () => {
    const { dense, depthwise, grouped, unaligned } = FAMILIES.convRoofs!;
    const p: DeviceProfile = {
      ...FAMILIES,
      convRoofs: { dense, depthwise, grouped, unaligned },
      activationBandwidthBytesPerSecond: undefined,
    };
    expect(familyRoofs(p, 'depthwiseUnaligned')).toEqual({ flopsPerSecond: 1e10, bytesPerSecond: 2e10 });
    expect(familyRoofs(FAMILIES, 'depthwiseUnaligned')).toEqual({ flopsPerSecond: 1e9, bytesPerSecond: 4e10 });
    expect(familyRoofs(FAMILIES, 'gemm')).toEqual({ flopsPerSecond: 1e11, bytesPerSecond: 1e10 });
    expect(familyRoofs(FAMILIES, 'pooling')).toEqual({ flopsPerSecond: 1e11, bytesPerSecond: 4e10 });
  });
});

describe('device profile schema', () => {
  it('loads schemaVersion 1 profiles without the family fields, and the shipped default', () => {
    expect(deviceProfileProblem(BASE)).toBeNull();
    expect(deviceProfileProblem(FAMILIES)).toBeNull();
    expect(deviceProfileProblem(DEFAULT_CPU_PROFILE)).toBeNull();
    expect(DEFAULT_CPU_PROFILE.measuredWith).toMatchObject({ optLevel: 'all', clock: 'cpu' });
  });

  it('rejects malformed family fields key by key', () => {
    expect(deviceProfileProblem({ ...BASE, convRoofs: { dense: 1 } })).toMatch(/^convRoofs\.depthwise/);
    expect(deviceProfileProblem({ ...BASE, convRoofs: { ...FAMILIES.convRoofs, sparse: 1 } })).toMatch(
      /^convRoofs\.sparse: unknown family/,
    );
    expect(deviceProfileProblem({ ...BASE, copyBandwidthBytesPerSecond: -1 })).toMatch(/^copyBandwidthBytesPerSecond/);
    expect(deviceProfileProblem({ ...BASE, inNetworkFactor: 0 })).toMatch(/^inNetworkFactor/);
  });
});
