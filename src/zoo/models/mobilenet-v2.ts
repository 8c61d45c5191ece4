import type { GraphBuilder, TensorHandle } from '../builder.js';
import { defineZooModel } from '../define-model.js';
import type { ZooEntry } from '../types.js';
import { convBnAct, poolClassifier } from './layers.js';

/**
 * MobileNetV2 1.0 (Sandler et al., CVPR 2018, Table 2) in torchvision's layout: ReLU6 exported
 * as Clip(0, 6), no expansion conv when t = 1, residual Add when stride 1 and in == out,
 * dropout omitted, classifier with bias.
 */
const SOURCE =
  'Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018 (arXiv:1801.04381), Table 2; layout of torchvision models/mobilenetv2.py';

/** MNv2 Table 2 rows [t, c, n, s]. */
const SETTINGS: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

function invertedResidual(
  b: GraphBuilder,
  x: TensorHandle,
  prefix: string,
  t: number,
  out: number,
  stride: number,
): TensorHandle {
  const hidden = Math.round(x.channels * t);
  let y = x;
  if (t !== 1) y = convBnAct(b, y, `${prefix}.expand`, '', { outChannels: hidden, kernel: 1, act: 'relu6' });
  y = convBnAct(b, y, `${prefix}.dw`, '', { outChannels: hidden, kernel: 3, stride, group: hidden, act: 'relu6' });
  y = convBnAct(b, y, `${prefix}.project`, '', { outChannels: out, kernel: 1, act: null });
  return stride === 1 && x.channels === out ? b.add(x, y, `${prefix}.add`) : y;
}

function body(b: GraphBuilder, input: TensorHandle): TensorHandle {
  let x = convBnAct(b, input, 'stem', '', { outChannels: 32, kernel: 3, stride: 2, act: 'relu6' });
  let block = 1;
  for (const [t, c, n, s] of SETTINGS) {
    for (let i = 0; i < n; i++) x = invertedResidual(b, x, `block${block++}`, t, c, i === 0 ? s : 1);
  }
  x = convBnAct(b, x, 'head', '', { outChannels: 1280, kernel: 1, act: 'relu6' });
  return poolClassifier(b, x);
}

export const mobilenetV2Models: readonly ZooEntry[] = [
  defineZooModel({
    name: 'mobilenet_v2',
    family: 'mobilenet_v2',
    description:
      'MobileNetV2 1.0, 224x224, torchvision layout (ReLU6 as Clip), BatchNormalization unfused unless deploy.',
    source: SOURCE,
    inputChannels: 3,
    resolution: 224,
    published: {
      params: 3_504_872,
      flops: 300e6,
      reference: 'params: torchvision num_params (exact); FLOPs: MNv2 Table 4 (the paper rounds params to 3.4M)',
    },
    paperMeasurements: {
      'mnv2.table4.arm.latency_ms': 75,
      'mnv2.table4.arm.setup': 'one large core of a Google Pixel 1, TF-Lite, 224x224',
      'snv2.table8.gpu.batches_per_s': 180,
      'snv2.table8.gpu.setup': 'GTX 1080Ti, cuDNN 7.0, batch 8, 224x224',
      'snv2.table8.arm.images_per_s': 8.9,
      'snv2.table8.arm.setup': 'Snapdragon 810, single thread, batch 1, 224x224',
    },
    body,
  }),
];
