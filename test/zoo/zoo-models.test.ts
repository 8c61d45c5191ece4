import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { at } from '../../src/util/at.js';
import { buildZooModel, closeZooNames, getZooEntry, listZoo } from '../../src/zoo/index.js';
import type { ZooEntry } from '../../src/zoo/index.js';
import { attrInt, decodeModel, inspectModel, metadata, type ModelStats } from './inspect-model.js';

/** Exact parameter counts (torchvision num_params; Megvii layout for ShuffleNet V1). */
const EXACT_PARAMS: Record<string, number> = {
  shufflenet_v2_x0_5: 1_366_792,
  shufflenet_v2_x1_0: 2_278_604,
  shufflenet_v2_x1_5: 3_503_624,
  shufflenet_v2_x2_0: 7_393_996,
  efficientnet_b0: 5_288_548,
  efficientnet_b1: 7_794_184,
  efficientnet_b2: 9_109_994,
  efficientnet_b3: 12_233_232,
  efficientnet_b4: 19_341_616,
  efficientnet_b5: 30_389_784,
  efficientnet_b6: 43_040_704,
  efficientnet_b7: 66_347_960,
  efficientnet_v2_s: 21_458_488,
  efficientnet_v2_m: 54_139_356,
  mobilenet_v2: 3_504_872,
  resnet50: 25_557_032,
  shufflenet_v1_g3_x0_5: 717_324,
  shufflenet_v1_g3_x2_0: 5_449_776,
};

/** Conv + FC multiply-adds of paper-facts §7 (an independent analytic count), to 4 digits. */
const ANALYTIC_MACS: Record<string, number> = {
  shufflenet_v2_x0_5: 40.48e6,
  shufflenet_v2_x1_0: 144.91e6,
  shufflenet_v2_x1_5: 295.76e6,
  shufflenet_v2_x2_0: 583.25e6,
  shufflenet_v1_g1: 143.08e6,
  shufflenet_v1_g2: 140.84e6,
  shufflenet_v1_g3: 137.46e6,
  shufflenet_v1_g4: 134.34e6,
  shufflenet_v1_g8: 138.37e6,
  shufflenet_v1_g3_x0_5: 37.59e6,
  shufflenet_v1_g3_x2_0: 524.05e6,
  efficientnet_b0: 385.81e6,
  efficientnet_b1: 686.8e6,
  efficientnet_b2: 993.6e6,
  efficientnet_b3: 1.827e9,
  efficientnet_b4: 4.394e9,
  efficientnet_b5: 10.27e9,
  efficientnet_b6: 19.07e9,
  efficientnet_b7: 37.75e9,
  efficientnet_v2_s: 8.37e9,
  mobilenet_v2: 300.77e6,
};

/** ShuffleNet V1 (Megvii unit) parameters in closed form, independent of the graph. */
function shufflenetV1Params(groups: number, channels: readonly number[]): number {
  const stem = at(channels, 0);
  let p = 3 * stem * 9 + 2 * stem;
  let inCh = stem;
  [4, 8, 4].forEach((repeats, s) => {
    const out = at(channels, s + 1);
    for (let u = 0; u < repeats; u++) {
      const mid = out / 4;
      const mainOut = u === 0 ? out - inCh : out;
      const g1 = s === 0 && u === 0 ? 1 : groups;
      p += (inCh * mid) / g1 + 2 * mid; // pw1 + BN
      p += mid * 9 + 2 * mid; // dw + BN
      p += (mid * mainOut) / groups + 2 * mainOut; // pw2 + BN
      inCh = out;
    }
  });
  return p + inCh * 1000;
}

const SNV1_CHANNELS: Record<string, [number, number[]]> = {
  shufflenet_v1_g1: [1, [24, 144, 288, 576]],
  shufflenet_v1_g2: [2, [24, 200, 400, 800]],
  shufflenet_v1_g3: [3, [24, 240, 480, 960]],
  shufflenet_v1_g4: [4, [24, 272, 544, 1088]],
  shufflenet_v1_g8: [8, [24, 384, 768, 1536]],
  shufflenet_v1_g3_x0_5: [3, [12, 120, 240, 480]],
  shufflenet_v1_g3_x1_5: [3, [24, 360, 720, 1440]],
  shufflenet_v1_g3_x2_0: [3, [48, 480, 960, 1920]],
  shufflenet_v1_g8_x0_5: [8, [16, 192, 384, 768]],
  shufflenet_v1_g8_x1_5: [8, [24, 576, 1152, 2304]],
  shufflenet_v1_g8_x2_0: [8, [48, 768, 1536, 3072]],
};

const REQUIRED_NETWORKS = [
  ...['g1', 'g2', 'g3', 'g4', 'g8'].map((g) => `shufflenet_v1_${g}`),
  ...['x0_5', 'x1_5', 'x2_0'].flatMap((x) => [`shufflenet_v1_g3_${x}`, `shufflenet_v1_g8_${x}`]),
  ...['x0_5', 'x1_0', 'x1_5', 'x2_0'].map((x) => `shufflenet_v2_${x}`),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `efficientnet_b${i}`),
  'efficientnet_v2_s',
  'efficientnet_v2_m',
  'mobilenet_v2',
  'resnet50',
];
const REQUIRED_EXPERIMENTS = [
  ...['1to1', '1to2', '1to6', '1to12'].flatMap((r) => [`exp_g1_${r}_gpu_x1`, `exp_g1_${r}_arm_x1`]),
  ...[1, 2, 4, 8].map((g) => `exp_g2_g${g}`),
  'exp_g3_1frag',
  'exp_g3_2frag_series',
  'exp_g3_4frag_series',
  'exp_g3_2frag_parallel',
  'exp_g3_4frag_parallel',
  ...['on', 'off'].flatMap((r) => ['on', 'off'].map((s) => `exp_g4_relu_${r}_shortcut_${s}`)),
];
const NATIVE_RESOLUTION: Record<string, number> = {
  efficientnet_b0: 224,
  efficientnet_b1: 240,
  efficientnet_b2: 260,
  efficientnet_b3: 300,
  efficientnet_b4: 380,
  efficientnet_b5: 456,
  efficientnet_b6: 528,
  efficientnet_b7: 600,
  efficientnet_v2_s: 384,
  efficientnet_v2_m: 480,
};

const networks = listZoo().filter((e) => !e.name.startsWith('exp_'));
const experiments = listZoo().filter((e) => e.name.startsWith('exp_'));

const statsCache = new Map<string, ModelStats>();
function stats(name: string, deploy = false): ModelStats {
  const key = `${name}:${deploy}`;
  let s = statsCache.get(key);
  if (!s) {
    s = inspectModel(decodeModel(buildZooModel(name, { weights: false, deploy })));
    statsCache.set(key, s);
  }
  return s;
}

describe('zoo registry', () => {
  it('lists every required model once, with matching lookups', () => {
    const names = listZoo().map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of [...REQUIRED_NETWORKS, ...REQUIRED_EXPERIMENTS]) expect(getZooEntry(n)?.name, n).toBe(n);
    expect(getZooEntry('nope')).toBeUndefined();
  });

  it('throws a UsageError naming close matches for an unknown model', () => {
    expect(() => buildZooModel('efficientnet-b0')).toThrow(UsageError);
    expect(() => buildZooModel('efficientnet-b0')).toThrow(/Did you mean: efficientnet_b0/);
    expect(() => buildZooModel('shufflenet_v2_x1')).toThrow(/shufflenet_v2_x1_0/);
    expect(closeZooNames('resnet')).toContain('resnet50');
    expect(closeZooNames('mobilenetv2')).toContain('mobilenet_v2');
    expect(() => buildZooModel('zzzzzzzz')).not.toThrow(/Did you mean/);
  });

  it('rejects a bad batch or resolution with a UsageError', () => {
    expect(() => buildZooModel('exp_g2_g1', { batch: 0 })).toThrow(UsageError);
    expect(() => buildZooModel('exp_g2_g1', { resolution: 1.5 })).toThrow(UsageError);
  });

  it('describes every entry: family, source, input shape, published figures', () => {
    for (const e of listZoo()) {
      expect(e.family, e.name).toMatch(/^[a-z0-9_]+$/);
      expect(e.source.length, e.name).toBeGreaterThan(20);
      expect(e.description.length, e.name).toBeGreaterThan(20);
      expect(e.inputShape[0]).toBe(1);
    }
    for (const e of networks) {
      expect(e.inputShape, e.name).toEqual([1, 3, NATIVE_RESOLUTION[e.name] ?? 224, NATIVE_RESOLUTION[e.name] ?? 224]);
      expect(e.published?.flops, e.name).toBeGreaterThan(0);
    }
    for (const e of experiments) expect(Object.keys(e.paperMeasurements ?? {}).length, e.name).toBeGreaterThan(2);
  });
});

describe('zoo networks: parameters and multiply-adds', () => {
  it.each(networks.map((e) => [e.name, e] as const))('%s', (name, entry: ZooEntry) => {
    const s = stats(name);
    expect(s.outputShapes).toEqual([[1, 1000]]);
    if (name in EXACT_PARAMS) expect(s.params).toBe(EXACT_PARAMS[name]);
    const snv1 = SNV1_CHANNELS[name];
    if (snv1) expect(s.params).toBe(shufflenetV1Params(...snv1));
    if (entry.published?.params !== undefined) {
      // Rounded published counts (0.1M) must agree to their rounding.
      const exact = Number.isInteger(entry.published.params / 1e5) && entry.published.params >= 1e5 ? 0.05e6 : 0;
      expect(Math.abs(s.params - entry.published.params)).toBeLessThanOrEqual(exact);
    }
    const flops = entry.published!.flops!;
    expect(Math.abs(s.convGemmMacs / flops - 1), `${s.convGemmMacs} vs ${flops}`).toBeLessThan(0.02);
    const analyticMacs = ANALYTIC_MACS[name];
    if (analyticMacs !== undefined) expect(Math.abs(s.convGemmMacs / analyticMacs - 1)).toBeLessThan(0.001);
    // Only Clip bounds (two shared scalars) and BN running statistics are float non-weights.
    const bnRunning = 2 * s.bnChannels;
    expect(s.otherFloatElements - bnRunning).toBe(s.opCounts.Clip ? 2 : 0);
  });
});

describe('zoo deploy mode', () => {
  it.each(networks.map((e) => [e.name] as const))('%s folds every BatchNormalization into its conv', (name) => {
    const train = stats(name);
    const deploy = stats(name, true);
    expect(train.opCounts.BatchNormalization).toBe((train.opCounts.Conv ?? 0) - countSeConvs(train));
    expect(deploy.opCounts.BatchNormalization).toBeUndefined();
    expect(deploy.opCounts.Conv).toBe(train.opCounts.Conv);
    expect(deploy.convGemmMacs).toBe(train.convGemmMacs);
    // BN scale + bias (2C) become a conv bias (C).
    expect(deploy.params).toBe(train.params - train.bnChannels);
  });

  it('marks the form in metadata', () => {
    const m = decodeModel(buildZooModel('mobilenet_v2', { deploy: true, weights: false }));
    expect(metadata(m)['efflint.zoo.deploy']).toBe('true');
  });
});

/** SE convs (1x1 on a 1x1 map, with bias) are the only convs without a BatchNormalization. */
function countSeConvs(s: ModelStats): number {
  return s.opCounts.GlobalAveragePool && s.opCounts.Sigmoid ? 2 * (s.opCounts.GlobalAveragePool - 1) : 0;
}

describe('zoo build options and metadata', () => {
  it('sets batch and resolution on the input and output shapes', () => {
    const m = decodeModel(buildZooModel('shufflenet_v2_x0_5', { batch: 4, resolution: 160, weights: false }));
    const s = inspectModel(m);
    expect(s.shapes.get('input')).toEqual([4, 3, 160, 160]);
    expect(s.outputShapes).toEqual([[4, 1000]]);
    const e = inspectModel(decodeModel(buildZooModel('exp_g3_2frag_parallel', { batch: 2, resolution: 28 })));
    expect(e.shapes.get('input')).toEqual([2, 128, 28, 28]);
    expect(e.outputShapes).toEqual([[2, 128, 28, 28]]);
    // MACs scale with batch and pixels.
    const b0 = stats('efficientnet_b0').convGemmMacs;
    const b0x2 = inspectModel(decodeModel(buildZooModel('efficientnet_b0', { batch: 2, weights: false }))).convGemmMacs;
    expect(b0x2).toBe(2 * b0);
  });

  it('records producer, name, source and paper measurements', () => {
    const entry = getZooEntry('shufflenet_v2_x1_0')!;
    const m = decodeModel(entry.build({ weights: false }));
    expect(m.producerName).toBe('efflint-zoo');
    const meta = metadata(m);
    expect(meta['efflint.zoo.name']).toBe('shufflenet_v2_x1_0');
    expect(meta['efflint.zoo.source']).toBe(entry.source);
    expect(meta['efflint.zoo.published.params']).toBe('2278604');
    expect(meta['efflint.zoo.paper.snv2.table8.gpu.batches_per_s']).toBe('341');
    expect(meta['efflint.zoo.paper.snv2.table8.arm.images_per_s']).toBe('24.4');
    for (const e of experiments.slice(0, 12)) {
      const em = metadata(decodeModel(e.build({ weights: false })));
      for (const [k, v] of Object.entries(e.paperMeasurements!)) expect(em[`efflint.zoo.paper.${k}`]).toBe(String(v));
    }
  });

  it('builds byte-identical models for the same seed', () => {
    const a = buildZooModel('exp_g4_relu_on_shortcut_on');
    expect(buildZooModel('exp_g4_relu_on_shortcut_on')).toEqual(a);
    expect(buildZooModel('exp_g4_relu_on_shortcut_on', { seed: 7 })).not.toEqual(a);
  });
});

describe('ShuffleNet V2 guideline experiments (SNV2 Tables 1-4)', () => {
  const macs = (name: string) => stats(name).convGemmMacs;

  it('has no BatchNormalization, no bias and a 56x56 input', () => {
    for (const e of experiments) {
      const s = stats(e.name);
      expect(s.opCounts.BatchNormalization, e.name).toBeUndefined();
      expect(e.inputShape.slice(2), e.name).toEqual([56, 56]);
      const m = decodeModel(e.build({ weights: false }));
      expect(m.graph!.node!.filter((n) => n.opType === 'Conv').every((n) => n.input!.length === 2)).toBe(true);
    }
  });

  it('G1: Table 1 channels, 10 blocks of c1->c2->c1, FLOPs nearly fixed across ratios', () => {
    const table: Record<string, [number, number]> = {
      '1to1': [128, 128],
      '1to2': [90, 180],
      '1to6': [52, 312],
      '1to12': [36, 432],
    };
    for (const [ratio, [c1, c2]] of Object.entries(table)) {
      const s = stats(`exp_g1_${ratio}_gpu_x1`);
      expect(s.shapes.get('input')).toEqual([1, c1, 56, 56]);
      expect(s.shapes.get('block1.conv1.out')).toEqual([1, c2, 56, 56]);
      expect(s.opCounts.Conv).toBe(20);
      expect(s.params).toBe(20 * c1 * c2);
      expect(s.convGemmMacs).toBe(20 * 56 * 56 * c1 * c2);
    }
    for (const device of ['gpu', 'arm']) {
      for (const m of [1, 2, 4]) {
        const ref = macs(`exp_g1_1to1_${device}_x${m}`);
        for (const ratio of ['1to2', '1to6', '1to12']) {
          // The paper's own channel choices keep FLOPs within 5.1% (1:12 is the farthest).
          expect(Math.abs(macs(`exp_g1_${ratio}_${device}_x${m}`) / ref - 1)).toBeLessThan(0.06);
        }
      }
    }
    expect(stats('exp_g1_1to2_arm_x4').shapes.get('input')).toEqual([1, 88, 56, 56]);
  });

  it('G2: 10 pointwise group convs with g groups at nearly equal FLOPs', () => {
    for (const [g, c] of [
      [1, 128],
      [2, 180],
      [4, 256],
      [8, 360],
    ]) {
      const m = decodeModel(buildZooModel(`exp_g2_g${g}`, { weights: false }));
      const convs = m.graph!.node!.filter((n) => n.opType === 'Conv');
      expect(convs).toHaveLength(10);
      expect(convs.every((n) => attrInt(n, 'group', 1) === g)).toBe(true);
      expect(inspectModel(m).shapes.get('input')).toEqual([1, c, 56, 56]);
    }
    for (const suffix of ['', '_x2', '_x4', '_cpu', '_cpu_x2', '_cpu_x4']) {
      const ref = macs(`exp_g2_g1${suffix}`);
      for (const g of [2, 4, 8]) expect(Math.abs(macs(`exp_g2_g${g}${suffix}`) / ref - 1)).toBeLessThan(0.035);
    }
    // The paper's c = 180 for g = 8 (CPU) is not divisible by 8: built with 184.
    expect(stats('exp_g2_g8_cpu').shapes.get('input')).toEqual([1, 184, 56, 56]);
    expect(getZooEntry('exp_g2_g8_cpu')!.paperMeasurements!['snv2.table2.channels']).toMatch(
      /180 in the paper; built with 184/,
    );
  });

  it('G3: 1-4 fragments in series or parallel at equal FLOPs (within 1.2%)', () => {
    const expected: Record<string, { conv: number; concat?: number }> = {
      '1frag': { conv: 10 },
      '2frag_series': { conv: 20 },
      '4frag_series': { conv: 40 },
      '2frag_parallel': { conv: 20, concat: 10 },
      '4frag_parallel': { conv: 40, concat: 10 },
    };
    for (const c of ['', '_c64', '_c256', '_c512']) {
      const ref = macs(`exp_g3_1frag${c}`);
      for (const [structure, counts] of Object.entries(expected)) {
        const s = stats(`exp_g3_${structure}${c}`);
        expect(s.opCounts.Conv).toBe(counts.conv);
        expect(s.opCounts.Concat).toBe(counts.concat);
        expect(Math.abs(s.convGemmMacs / ref - 1)).toBeLessThan(0.012);
      }
    }
    expect(stats('exp_g3_2frag_series').shapes.get('input')).toEqual([1, 91, 56, 56]);
    expect(stats('exp_g3_4frag_series').shapes.get('input')).toEqual([1, 64, 56, 56]);
    expect(stats('exp_g3_4frag_parallel').shapes.get('block1.branch1.conv.out')).toEqual([1, 32, 56, 56]);
    expect(stats('exp_g3_4frag_parallel').shapes.get('block1.concat.out')).toEqual([1, 128, 56, 56]);
  });

  it('G4: bottleneck units with ReLU and shortcut toggled, conv FLOPs unchanged', () => {
    for (const c of ['', '_c32', '_c128']) {
      const ref = stats(`exp_g4_relu_on_shortcut_on${c}`);
      expect(ref.opCounts.Conv).toBe(30);
      for (const relu of ['on', 'off']) {
        for (const shortcut of ['on', 'off']) {
          const s = stats(`exp_g4_relu_${relu}_shortcut_${shortcut}${c}`);
          expect(s.convGemmMacs).toBe(ref.convGemmMacs);
          expect(s.opCounts.Relu).toBe(relu === 'on' ? 30 : undefined);
          expect(s.opCounts.Add).toBe(shortcut === 'on' ? 10 : undefined);
        }
      }
    }
    const s = stats('exp_g4_relu_on_shortcut_on');
    expect(s.shapes.get('unit1.conv1.out')).toEqual([1, 16, 56, 56]);
    expect(s.shapes.get('unit1.conv2.out')).toEqual([1, 16, 56, 56]);
    expect(s.shapes.get('unit1.conv3.out')).toEqual([1, 64, 56, 56]);
  });

  it("attaches the paper's measured speeds", () => {
    expect(getZooEntry('exp_g1_1to12_gpu_x1')!.paperMeasurements!['snv2.table1.gpu.batches_per_s']).toBe(748);
    expect(getZooEntry('exp_g1_1to1_arm_x4')!.paperMeasurements!['snv2.table1.arm.images_per_s']).toBe(5.3);
    expect(getZooEntry('exp_g2_g8')!.paperMeasurements!['snv2.table2.gpu.batches_per_s']).toBe(634);
    expect(getZooEntry('exp_g2_g4_cpu_x2')!.paperMeasurements!['snv2.table2.arm.images_per_s']).toBe(8.7);
    const g3 = getZooEntry('exp_g3_4frag_parallel')!.paperMeasurements!;
    expect([g3['snv2.table3.gpu.batches_per_s'], g3['snv2.table3.arm.images_per_s']]).toEqual([691, 8.4]);
    expect(getZooEntry('exp_g3_1frag_c512')!.paperMeasurements!['snv2.table3.arm.images_per_s']).toBeUndefined();
    const g4 = getZooEntry('exp_g4_relu_off_shortcut_off')!.paperMeasurements!;
    expect([g4['snv2.table4.gpu.batches_per_s'], g4['snv2.table4.arm.images_per_s']]).toEqual([2376, 20.2]);
  });
});
