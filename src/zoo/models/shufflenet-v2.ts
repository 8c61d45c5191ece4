import { at } from '../../util/at.js';
import type { GraphBuilder, TensorHandle } from '../builder.js';
import { defineZooModel } from '../define-model.js';
import type { ZooEntry } from '../types.js';
import { convBnAct } from './layers.js';

/**
 * ShuffleNet V2 (Ma et al., ECCV 2018, Table 5) in torchvision's layout: both branches of a
 * stride-2 unit produce out/2 channels (Megvii's code gives the main branch out - in instead,
 * which the paper's FLOPs follow; torchvision counts 0.6-1.3% fewer multiply-adds).
 */
const SOURCE =
  'Ma et al., "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design", ECCV 2018 (arXiv:1807.11164), Table 5; layout of torchvision models/shufflenetv2.py';

const REPEATS = [4, 8, 4] as const;

interface Variant {
  readonly suffix: string;
  readonly multiplier: string;
  /** conv1, stage2, stage3, stage4, conv5 output channels. */
  readonly channels: readonly [number, number, number, number, number];
  readonly params: number;
  readonly flops: number;
  readonly top1Err: number;
  readonly gpu: number;
  readonly arm: number;
}

const VARIANTS: readonly Variant[] = [
  {
    suffix: 'x0_5',
    multiplier: '0.5x',
    channels: [24, 48, 96, 192, 1024],
    params: 1_366_792,
    flops: 41e6,
    top1Err: 39.7,
    gpu: 417,
    arm: 57.0,
  },
  {
    suffix: 'x1_0',
    multiplier: '1x',
    channels: [24, 116, 232, 464, 1024],
    params: 2_278_604,
    flops: 146e6,
    top1Err: 30.6,
    gpu: 341,
    arm: 24.4,
  },
  {
    suffix: 'x1_5',
    multiplier: '1.5x',
    channels: [24, 176, 352, 704, 1024],
    params: 3_503_624,
    flops: 299e6,
    top1Err: 27.4,
    gpu: 255,
    arm: 11.8,
  },
  {
    suffix: 'x2_0',
    multiplier: '2x',
    channels: [24, 244, 488, 976, 2048],
    params: 7_393_996,
    flops: 591e6,
    top1Err: 25.1,
    gpu: 217,
    arm: 6.7,
  },
];

/** Branch 2: 1x1 -> BN -> ReLU -> dw 3x3 (stride) -> BN -> 1x1 -> BN -> ReLU. */
function branch2(b: GraphBuilder, x: TensorHandle, prefix: string, features: number, stride: number): TensorHandle {
  let y = convBnAct(b, x, prefix, 1, { outChannels: features, kernel: 1, act: 'relu' });
  y = convBnAct(b, y, prefix, 2, { outChannels: features, kernel: 3, stride, group: features, act: null });
  return convBnAct(b, y, prefix, 3, { outChannels: features, kernel: 1, act: 'relu' });
}

function unit(b: GraphBuilder, x: TensorHandle, prefix: string, outChannels: number, stride: number): TensorHandle {
  const features = outChannels / 2;
  let merged: TensorHandle;
  if (stride === 2) {
    // Branch 1 (downsampling only): dw 3x3 stride 2 -> BN -> 1x1 -> BN -> ReLU.
    let left = convBnAct(b, x, `${prefix}.branch1`, 1, {
      outChannels: x.channels,
      kernel: 3,
      stride: 2,
      group: x.channels,
      act: null,
    });
    left = convBnAct(b, left, `${prefix}.branch1`, 2, { outChannels: features, kernel: 1, act: 'relu' });
    const right = branch2(b, x, `${prefix}.branch2`, features, 2);
    merged = b.concat([left, right], `${prefix}.concat`);
  } else {
    // Channel split as torch's x.chunk(2, dim=1) exports: Split with equal sizes.
    const halves = b.split(x, `${prefix}.split`, [x.channels / 2, x.channels / 2]);
    const [left, half] = [at(halves, 0), at(halves, 1)];
    const right = branch2(b, half, `${prefix}.branch2`, features, 1);
    merged = b.concat([left, right], `${prefix}.concat`);
  }
  return b.channelShuffle(merged, 2, `${prefix}.shuffle`);
}

function body(channels: Variant['channels']) {
  return (b: GraphBuilder, input: TensorHandle): TensorHandle => {
    let x = convBnAct(b, input, 'conv1', '', { outChannels: channels[0], kernel: 3, stride: 2, act: 'relu' });
    x = b.maxPool(x, { name: 'maxpool', kernel: 3, stride: 2, pad: 1 });
    REPEATS.forEach((repeats, s) => {
      for (let u = 1; u <= repeats; u++) {
        x = unit(b, x, `stage${s + 2}.unit${u}`, at(channels, s + 1), u === 1 ? 2 : 1);
      }
    });
    x = convBnAct(b, x, 'conv5', '', { outChannels: channels[4], kernel: 1, act: 'relu' });
    // torchvision: x.mean([2, 3]) -> ReduceMean(axes=[2, 3], keepdims=0).
    x = b.reduceMean(x, 'globalpool', [2, 3]);
    return b.gemm(x, { name: 'fc', outFeatures: 1000, bias: true });
  };
}

export const shufflenetV2Models: readonly ZooEntry[] = VARIANTS.map((v) =>
  defineZooModel({
    name: `shufflenet_v2_${v.suffix}`,
    family: 'shufflenet_v2',
    description: `ShuffleNet V2 ${v.multiplier} (torchvision layout), 224x224, BatchNormalization unfused unless deploy.`,
    source: SOURCE,
    inputChannels: 3,
    resolution: 224,
    published: {
      params: v.params,
      flops: v.flops,
      reference: 'params: torchvision num_params (exact); FLOPs: SNV2 Table 5, which follows the Megvii layout',
    },
    paperMeasurements: {
      'snv2.table8.top1_err_percent': v.top1Err,
      'snv2.table8.gpu.batches_per_s': v.gpu,
      'snv2.table8.gpu.setup': 'GTX 1080Ti, cuDNN 7.0, batch 8, 224x224',
      'snv2.table8.arm.images_per_s': v.arm,
      'snv2.table8.arm.setup': 'Snapdragon 810, single thread, batch 1, 224x224',
    },
    body: body(v.channels),
  }),
);
