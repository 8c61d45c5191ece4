import { at } from '../../util/at.js';
import type { GraphBuilder, TensorHandle } from '../builder.js';
import { defineZooModel } from '../define-model.js';
import type { PublishedFigures, ZooEntry } from '../types.js';
import { convBnAct, makeDivisible, poolClassifier } from './layers.js';

/**
 * EfficientNet B0-B7 (Tan & Le, ICML 2019) and EfficientNetV2-S/M (Tan & Le, ICML 2021) in
 * torchvision's layout: width-scaled channels through `_make_divisible(c * width, 8)`, depth
 * through ceil(n * depth), symmetric k//2 padding, squeeze-and-excitation with
 * max(1, block_in // 4) channels, SiLU as Sigmoid + Mul, dropout and stochastic depth omitted
 * (identity at inference), classifier with bias.
 */
const SOURCE_V1 =
  'Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019 (arXiv:1905.11946), Table 1 and compound scaling; layout of torchvision models/efficientnet.py';
const SOURCE_V2 =
  'Tan & Le, "EfficientNetV2: Smaller Models and Faster Training", ICML 2021 (arXiv:2104.00298), Table 4; configs of google/automl efficientnetv2 and torchvision models/efficientnet.py';

interface StageConfig {
  readonly fused: boolean;
  readonly expand: number;
  readonly kernel: number;
  readonly stride: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly layers: number;
}

function stage(
  fused: boolean,
  expand: number,
  kernel: number,
  stride: number,
  inCh: number,
  outCh: number,
  layers: number,
): StageConfig {
  return { fused, expand, kernel, stride, inChannels: inCh, outChannels: outCh, layers };
}

/** ENet Table 1 as (expand, kernel, stride, in, out, repeats), B0 scale. */
const B0_STAGES: readonly StageConfig[] = [
  stage(false, 1, 3, 1, 32, 16, 1),
  stage(false, 6, 3, 2, 16, 24, 2),
  stage(false, 6, 5, 2, 24, 40, 2),
  stage(false, 6, 3, 2, 40, 80, 3),
  stage(false, 6, 5, 1, 80, 112, 3),
  stage(false, 6, 5, 2, 112, 192, 4),
  stage(false, 6, 3, 1, 192, 320, 1),
];

/** ENv2 Table 4 (S) and torchvision's M configuration; V2 stages are not width/depth scaled. */
const V2_S_STAGES: readonly StageConfig[] = [
  stage(true, 1, 3, 1, 24, 24, 2),
  stage(true, 4, 3, 2, 24, 48, 4),
  stage(true, 4, 3, 2, 48, 64, 4),
  stage(false, 4, 3, 2, 64, 128, 6),
  stage(false, 6, 3, 1, 128, 160, 9),
  stage(false, 6, 3, 2, 160, 256, 15),
];
const V2_M_STAGES: readonly StageConfig[] = [
  stage(true, 1, 3, 1, 24, 24, 3),
  stage(true, 4, 3, 2, 24, 48, 5),
  stage(true, 4, 3, 2, 48, 80, 5),
  stage(false, 4, 3, 2, 80, 160, 7),
  stage(false, 6, 3, 1, 160, 176, 14),
  stage(false, 6, 3, 2, 176, 304, 18),
  stage(false, 6, 3, 1, 304, 512, 5),
];

function scaleStages(stages: readonly StageConfig[], width: number, depth: number): StageConfig[] {
  return stages.map((s) => ({
    ...s,
    inChannels: makeDivisible(s.inChannels * width),
    outChannels: makeDivisible(s.outChannels * width),
    layers: Math.ceil(s.layers * depth),
  }));
}

interface NetworkConfig {
  readonly stages: readonly StageConfig[];
  /** Head conv channels; V1 uses 4 x the last stage's channels. */
  readonly lastChannels: number;
  readonly epsilon: number;
}

/** Squeeze-and-excitation: GlobalAveragePool -> Conv(bias) -> SiLU -> Conv(bias) -> Sigmoid -> Mul. */
function squeezeExcite(b: GraphBuilder, x: TensorHandle, prefix: string, squeeze: number): TensorHandle {
  let s = b.globalAvgPool(x, `${prefix}.avgpool`);
  s = b.conv(s, { name: `${prefix}.fc1`, outChannels: squeeze, kernel: 1, bias: true });
  s = b.silu(s, `${prefix}.silu`);
  s = b.conv(s, { name: `${prefix}.fc2`, outChannels: x.channels, kernel: 1, bias: true });
  s = b.sigmoid(s, `${prefix}.sigmoid`);
  return b.mul(x, s, `${prefix}.scale`);
}

function mbconv(
  b: GraphBuilder,
  x: TensorHandle,
  p: string,
  s: StageConfig,
  stride: number,
  outChannels: number,
  epsilon: number,
): TensorHandle {
  const expanded = makeDivisible(x.channels * s.expand);
  let y = x;
  if (expanded !== x.channels)
    y = convBnAct(b, y, `${p}.expand`, '', { outChannels: expanded, kernel: 1, act: 'silu', epsilon });
  y = convBnAct(b, y, `${p}.dw`, '', {
    outChannels: expanded,
    kernel: s.kernel,
    stride,
    group: expanded,
    act: 'silu',
    epsilon,
  });
  y = squeezeExcite(b, y, `${p}.se`, Math.max(1, Math.floor(x.channels / 4)));
  y = convBnAct(b, y, `${p}.project`, '', { outChannels, kernel: 1, act: null, epsilon });
  return stride === 1 && x.channels === outChannels ? b.add(y, x, `${p}.add`) : y;
}

function fusedMbconv(
  b: GraphBuilder,
  x: TensorHandle,
  p: string,
  s: StageConfig,
  stride: number,
  outChannels: number,
  epsilon: number,
): TensorHandle {
  const expanded = makeDivisible(x.channels * s.expand);
  let y: TensorHandle;
  if (expanded !== x.channels) {
    y = convBnAct(b, x, `${p}.expand`, '', { outChannels: expanded, kernel: s.kernel, stride, act: 'silu', epsilon });
    y = convBnAct(b, y, `${p}.project`, '', { outChannels, kernel: 1, act: null, epsilon });
  } else {
    y = convBnAct(b, x, `${p}.fused`, '', { outChannels, kernel: s.kernel, stride, act: 'silu', epsilon });
  }
  return stride === 1 && x.channels === outChannels ? b.add(y, x, `${p}.add`) : y;
}

function body(cfg: NetworkConfig) {
  return (b: GraphBuilder, input: TensorHandle): TensorHandle => {
    const epsilon = cfg.epsilon;
    let x = convBnAct(b, input, 'stem', '', {
      outChannels: at(cfg.stages, 0).inChannels,
      kernel: 3,
      stride: 2,
      act: 'silu',
      epsilon,
    });
    cfg.stages.forEach((s, si) => {
      for (let i = 0; i < s.layers; i++) {
        const prefix = `stage${si + 1}.block${i + 1}`;
        const stride = i === 0 ? s.stride : 1;
        x = s.fused
          ? fusedMbconv(b, x, prefix, s, stride, s.outChannels, epsilon)
          : mbconv(b, x, prefix, s, stride, s.outChannels, epsilon);
      }
    });
    x = convBnAct(b, x, 'head', '', { outChannels: cfg.lastChannels, kernel: 1, act: 'silu', epsilon });
    return poolClassifier(b, x);
  };
}

interface V1Variant {
  readonly name: string;
  readonly width: number;
  readonly depth: number;
  readonly resolution: number;
  readonly published: PublishedFigures;
  readonly paperMeasurements?: Readonly<Record<string, number | string>>;
}

const PAPER = 'ENet Table 2 (rounded)';
const TV = 'torchvision weights metadata (num_params exact, _ops GFLOPS)';
const V1_VARIANTS: readonly V1Variant[] = [
  {
    name: 'efficientnet_b0',
    width: 1.0,
    depth: 1.0,
    resolution: 224,
    published: { params: 5_288_548, flops: 0.39e9, reference: `params: ${TV}; FLOPs: ${PAPER}` },
  },
  {
    name: 'efficientnet_b1',
    width: 1.0,
    depth: 1.1,
    resolution: 240,
    published: { params: 7_794_184, flops: 0.7e9, reference: `params: ${TV}; FLOPs: ${PAPER}` },
    paperMeasurements: {
      'enet.table4.cpu.latency_s': 0.098,
      'enet.table4.cpu.setup': 'one core of Intel Xeon E5-2690, batch 1, mean of 20 runs',
    },
  },
  {
    name: 'efficientnet_b2',
    width: 1.1,
    depth: 1.2,
    resolution: 260,
    published: {
      params: 9_109_994,
      flops: 1.0e9,
      reference: `params: ${TV}; FLOPs: ${PAPER} (torchvision's 1.1 is at 288x288)`,
    },
  },
  {
    name: 'efficientnet_b3',
    width: 1.2,
    depth: 1.4,
    resolution: 300,
    published: { params: 12_233_232, flops: 1.8e9, reference: `params: ${TV}; FLOPs: ${PAPER}` },
  },
  {
    name: 'efficientnet_b4',
    width: 1.4,
    depth: 1.8,
    resolution: 380,
    published: {
      params: 19_341_616,
      flops: 4.4e9,
      reference: `${TV}; ENet Table 2 says 4.2B, below the architecture's 4.39G multiply-adds`,
    },
  },
  {
    name: 'efficientnet_b5',
    width: 1.6,
    depth: 2.2,
    resolution: 456,
    published: {
      params: 30_389_784,
      flops: 10.3e9,
      reference: `${TV}; ENet Table 2 says 9.9B, below the architecture's 10.27G multiply-adds`,
    },
  },
  {
    name: 'efficientnet_b6',
    width: 1.8,
    depth: 2.6,
    resolution: 528,
    published: { params: 43_040_704, flops: 19e9, reference: `params: ${TV}; FLOPs: ${PAPER}` },
  },
  {
    name: 'efficientnet_b7',
    width: 2.0,
    depth: 3.1,
    resolution: 600,
    published: { params: 66_347_960, flops: 37.7e9, reference: `${TV}; ENet Table 2 says 37B` },
    paperMeasurements: {
      'enet.table4.cpu.latency_s': 3.1,
      'enet.table4.cpu.setup': 'one core of Intel Xeon E5-2690, batch 1, mean of 20 runs',
    },
  },
];

const v1Models = V1_VARIANTS.map((v) => {
  const stages = scaleStages(B0_STAGES, v.width, v.depth);
  const last = at(stages, stages.length - 1).outChannels;
  // torchvision: BatchNorm eps 1e-5 for B0-B4, 1e-3 for B5-B7.
  const epsilon = v.width >= 1.6 ? 1e-3 : 1e-5;
  return defineZooModel({
    name: v.name,
    family: 'efficientnet',
    description: `EfficientNet-${v.name.slice(-2).toUpperCase()} (width ${v.width}, depth ${v.depth}), ${v.resolution}x${v.resolution}, torchvision layout, BatchNormalization unfused unless deploy.`,
    source: SOURCE_V1,
    inputChannels: 3,
    resolution: v.resolution,
    published: v.published,
    ...(v.paperMeasurements ? { paperMeasurements: v.paperMeasurements } : {}),
    body: body({ stages, lastChannels: 4 * last, epsilon }),
  });
});

const v2Models = [
  defineZooModel({
    name: 'efficientnet_v2_s',
    family: 'efficientnet_v2',
    description:
      'EfficientNetV2-S (Fused-MBConv stages 1-3), 384x384 eval resolution, torchvision layout, BatchNormalization unfused unless deploy.',
    source: SOURCE_V2,
    inputChannels: 3,
    resolution: 384,
    published: { params: 21_458_488, flops: 8.4e9, reference: `${TV}; google/automl README: 21.5M, 8.4B` },
    body: body({ stages: V2_S_STAGES, lastChannels: 1280, epsilon: 1e-3 }),
  }),
  defineZooModel({
    name: 'efficientnet_v2_m',
    family: 'efficientnet_v2',
    description:
      'EfficientNetV2-M (Fused-MBConv stages 1-3), 480x480 eval resolution, torchvision layout, BatchNormalization unfused unless deploy.',
    source: SOURCE_V2,
    inputChannels: 3,
    resolution: 480,
    published: { params: 54_139_356, flops: 24.6e9, reference: TV },
    body: body({ stages: V2_M_STAGES, lastChannels: 1280, epsilon: 1e-3 }),
  }),
];

export const efficientnetModels: readonly ZooEntry[] = [...v1Models, ...v2Models];
