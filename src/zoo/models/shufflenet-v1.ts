import { at } from '../../util/at.js';
import type { GraphBuilder, TensorHandle } from '../builder.js';
import { defineZooModel } from '../define-model.js';
import type { PublishedFigures, ZooEntry } from '../types.js';
import { convBnAct, poolClassifier } from './layers.js';

/**
 * ShuffleNet V1 (Zhang et al., CVPR 2018) with the unit of Megvii's official code: the channel
 * shuffle sits after the depthwise conv (the paper's figure puts it before; the cost is the
 * same), the first pointwise conv of Stage 2 is not grouped, stride-2 units concatenate an
 * AvgPool(3, 2, 1) shortcut with the ReLU'd main branch, and the classifier has no bias.
 */
const SOURCE =
  'Zhang et al., "ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices", CVPR 2018 (arXiv:1707.01083), Table 1; unit and width lists of megvii-model/ShuffleNet-Series ShuffleNetV1';

const REPEATS = [4, 8, 4] as const;

interface Variant {
  readonly name: string;
  readonly groups: number;
  readonly multiplier: string;
  /** conv1, stage2, stage3, stage4 output channels. */
  readonly channels: readonly [number, number, number, number];
  readonly published: PublishedFigures;
  readonly paperMeasurements?: Readonly<Record<string, number | string>>;
}

const TABLE1 = 'SNV1 Table 1 complexity (1x, multiply-adds)';
const README = 'megvii-model/ShuffleNet-Series ShuffleNetV1 README (rounded to 0.1M params, 1M FLOPs)';

const SNV2_TABLE8_SETUP = {
  'snv2.table8.gpu.setup': 'GTX 1080Ti, cuDNN 7.0, batch 8, 224x224',
  'snv2.table8.arm.setup': 'Snapdragon 810, single thread, batch 1, 224x224',
} as const;
const SNV1_TABLE8_SETUP = { 'snv1.table8.arm.setup': 'Snapdragon 820, single thread, batch 1' } as const;

const VARIANTS: readonly Variant[] = [
  {
    name: 'shufflenet_v1_g1',
    groups: 1,
    multiplier: '1x',
    channels: [24, 144, 288, 576],
    published: { flops: 143e6, reference: TABLE1 },
  },
  {
    name: 'shufflenet_v1_g2',
    groups: 2,
    multiplier: '1x',
    channels: [24, 200, 400, 800],
    published: { flops: 140e6, reference: TABLE1 },
  },
  {
    name: 'shufflenet_v1_g3',
    groups: 3,
    multiplier: '1x',
    channels: [24, 240, 480, 960],
    published: { params: 1.9e6, flops: 137e6, reference: `FLOPs: ${TABLE1}; params: ${README}` },
    paperMeasurements: {
      'snv2.table8.gpu.batches_per_s': 213,
      'snv2.table8.arm.images_per_s': 21.8,
      ...SNV2_TABLE8_SETUP,
      'snv1.table8.arm.latency_ms.224x224': 37.8,
      'snv1.table8.arm.latency_ms.480x640': 222.2,
      'snv1.table8.arm.latency_ms.720x1280': 684.5,
      ...SNV1_TABLE8_SETUP,
    },
  },
  {
    name: 'shufflenet_v1_g4',
    groups: 4,
    multiplier: '1x',
    channels: [24, 272, 544, 1088],
    published: { flops: 133e6, reference: TABLE1 },
  },
  {
    name: 'shufflenet_v1_g8',
    groups: 8,
    multiplier: '1x',
    channels: [24, 384, 768, 1536],
    published: { params: 2.4e6, flops: 137e6, reference: `FLOPs: ${TABLE1}; params: ${README}` },
  },
  {
    name: 'shufflenet_v1_g3_x0_5',
    groups: 3,
    multiplier: '0.5x',
    channels: [12, 120, 240, 480],
    published: { params: 0.7e6, flops: 38e6, reference: README },
    paperMeasurements: {
      'snv2.table8.gpu.batches_per_s': 347,
      'snv2.table8.arm.images_per_s': 56.8,
      ...SNV2_TABLE8_SETUP,
      'snv1.table8.arm.latency_ms.224x224': 15.2,
      'snv1.table8.arm.latency_ms.480x640': 87.4,
      'snv1.table8.arm.latency_ms.720x1280': 260.1,
      ...SNV1_TABLE8_SETUP,
    },
  },
  {
    name: 'shufflenet_v1_g3_x1_5',
    groups: 3,
    multiplier: '1.5x',
    channels: [24, 360, 720, 1440],
    published: { params: 3.4e6, flops: 292e6, reference: README },
    paperMeasurements: {
      'snv2.table8.gpu.batches_per_s': 164,
      'snv2.table8.arm.images_per_s': 10.3,
      ...SNV2_TABLE8_SETUP,
    },
  },
  {
    name: 'shufflenet_v1_g3_x2_0',
    groups: 3,
    multiplier: '2x',
    channels: [48, 480, 960, 1920],
    published: { params: 5.4e6, flops: 524e6, reference: README },
    paperMeasurements: {
      'snv2.table8.gpu.batches_per_s': 133,
      'snv2.table8.arm.images_per_s': 6.4,
      ...SNV2_TABLE8_SETUP,
      'snv1.table8.arm.latency_ms.224x224': 108.8,
      'snv1.table8.arm.latency_ms.480x640': 617.0,
      'snv1.table8.arm.latency_ms.720x1280': 1857.6,
      ...SNV1_TABLE8_SETUP,
    },
  },
  {
    name: 'shufflenet_v1_g8_x0_5',
    groups: 8,
    multiplier: '0.5x',
    channels: [16, 192, 384, 768],
    published: { params: 1.0e6, flops: 40e6, reference: README },
  },
  {
    name: 'shufflenet_v1_g8_x1_5',
    groups: 8,
    multiplier: '1.5x',
    channels: [24, 576, 1152, 2304],
    published: { params: 4.3e6, flops: 290e6, reference: README },
  },
  {
    name: 'shufflenet_v1_g8_x2_0',
    groups: 8,
    multiplier: '2x',
    channels: [48, 768, 1536, 3072],
    published: { params: 6.5e6, flops: 522e6, reference: README },
  },
];

function unit(
  b: GraphBuilder,
  x: TensorHandle,
  prefix: string,
  outChannels: number,
  groups: number,
  stride: number,
  firstOfNetwork: boolean,
): TensorHandle {
  const mid = outChannels / 4;
  // A stride-2 unit concatenates its shortcut, so its main branch makes the remaining channels.
  const mainOut = stride === 2 ? outChannels - x.channels : outChannels;
  let y = convBnAct(b, x, prefix, 1, { outChannels: mid, kernel: 1, group: firstOfNetwork ? 1 : groups, act: 'relu' });
  y = convBnAct(b, y, prefix, 2, { outChannels: mid, kernel: 3, stride, group: mid, act: null });
  if (groups > 1) y = b.channelShuffle(y, groups, `${prefix}.shuffle`);
  y = convBnAct(b, y, prefix, 3, { outChannels: mainOut, kernel: 1, group: groups, act: null });
  if (stride === 1) return b.relu(b.add(x, y, `${prefix}.add`), `${prefix}.relu`);
  const shortcut = b.avgPool(x, { name: `${prefix}.shortcut.avgpool`, kernel: 3, stride: 2, pad: 1 });
  return b.concat([shortcut, b.relu(y, `${prefix}.relu`)], `${prefix}.concat`);
}

function body(v: Variant) {
  return (b: GraphBuilder, input: TensorHandle): TensorHandle => {
    let x = convBnAct(b, input, 'conv1', '', { outChannels: v.channels[0], kernel: 3, stride: 2, act: 'relu' });
    x = b.maxPool(x, { name: 'maxpool', kernel: 3, stride: 2, pad: 1 });
    REPEATS.forEach((repeats, s) => {
      for (let u = 1; u <= repeats; u++) {
        const first = s === 0 && u === 1;
        x = unit(b, x, `stage${s + 2}.unit${u}`, at(v.channels, s + 1), v.groups, u === 1 ? 2 : 1, first);
      }
    });
    // No conv before the pool; Megvii's AvgPool2d(7) is a global pool at 224x224.
    return poolClassifier(b, x, false);
  };
}

export const shufflenetV1Models: readonly ZooEntry[] = VARIANTS.map((v) =>
  defineZooModel({
    name: v.name,
    family: 'shufflenet_v1',
    description: `ShuffleNet V1 ${v.multiplier} g=${v.groups} (Megvii unit; stage channels ${v.channels.slice(1).join('/')}), 224x224, BatchNormalization unfused unless deploy.`,
    source: SOURCE,
    inputChannels: 3,
    resolution: 224,
    published: v.published,
    ...(v.paperMeasurements ? { paperMeasurements: v.paperMeasurements } : {}),
    body: body(v),
  }),
);
