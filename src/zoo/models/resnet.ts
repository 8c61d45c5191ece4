import type { GraphBuilder, TensorHandle } from '../builder.js';
import { defineZooModel } from '../define-model.js';
import type { ZooEntry } from '../types.js';
import { convBnAct, poolClassifier } from './layers.js';

/**
 * ResNet-50 as torchvision builds it ("V1.5"): the stride of a downsampling bottleneck sits on
 * its 3x3 conv (the original paper put it on the first 1x1), projection shortcut = 1x1 conv +
 * BN, classifier with bias.
 */
const SOURCE =
  'He et al., "Deep Residual Learning for Image Recognition", CVPR 2016 (arXiv:1512.03385), Table 1 (50-layer); layout of torchvision models/resnet.py (stride on the 3x3 conv)';

const LAYERS = [3, 4, 6, 3] as const;
const EXPANSION = 4;

function bottleneck(b: GraphBuilder, x: TensorHandle, prefix: string, width: number, stride: number): TensorHandle {
  const out = width * EXPANSION;
  let y = convBnAct(b, x, prefix, 1, { outChannels: width, kernel: 1, act: 'relu' });
  y = convBnAct(b, y, prefix, 2, { outChannels: width, kernel: 3, stride, act: 'relu' });
  y = convBnAct(b, y, prefix, 3, { outChannels: out, kernel: 1, act: null });
  const identity =
    stride !== 1 || x.channels !== out
      ? convBnAct(b, x, `${prefix}.downsample`, '', { outChannels: out, kernel: 1, stride, act: null })
      : x;
  return b.relu(b.add(y, identity, `${prefix}.add`), `${prefix}.relu3`);
}

function body(b: GraphBuilder, input: TensorHandle): TensorHandle {
  let x = convBnAct(b, input, 'stem', '', { outChannels: 64, kernel: 7, stride: 2, act: 'relu' });
  x = b.maxPool(x, { name: 'maxpool', kernel: 3, stride: 2, pad: 1 });
  LAYERS.forEach((blocks, l) => {
    const width = 64 * 2 ** l;
    for (let i = 0; i < blocks; i++) {
      x = bottleneck(b, x, `layer${l + 1}.block${i + 1}`, width, i === 0 && l > 0 ? 2 : 1);
    }
  });
  return poolClassifier(b, x);
}

export const resnetModels: readonly ZooEntry[] = [
  defineZooModel({
    name: 'resnet50',
    family: 'resnet',
    description:
      'ResNet-50 (torchvision V1.5: stride on the 3x3 conv), 224x224, BatchNormalization unfused unless deploy.',
    source: SOURCE,
    inputChannels: 3,
    resolution: 224,
    published: {
      params: 25_557_032,
      flops: 4.09e9,
      reference:
        'torchvision ResNet50_Weights.IMAGENET1K_V1 metadata (num_params exact, _ops GFLOPS); the paper gives 3.8e9 for its V1 layout',
    },
    body,
  }),
];
