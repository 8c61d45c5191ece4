import type { Activation, ConvOptions, GraphBuilder, TensorHandle } from '../builder.js';

export interface ConvBnActOptions extends Omit<ConvOptions, 'name' | 'bias'> {
  /** Activation after BatchNormalization; null for a linear layer. */
  readonly act: Activation | null;
  /** BatchNormalization epsilon (default 1e-5). */
  readonly epsilon?: number;
  /** ONNX BatchNormalization momentum (default 0.9). */
  readonly momentum?: number;
}

/**
 * Conv (no bias) -> BatchNormalization -> activation, named `<prefix>.conv<i>`,
 * `<prefix>.bn<i>`, `<prefix>.<act><i>`: torchvision's Conv2dNormActivation and the units of
 * every family here. In deploy mode the builder folds the BatchNormalization into the conv.
 */
export function convBnAct(
  b: GraphBuilder,
  x: TensorHandle,
  prefix: string,
  index: number | '',
  o: ConvBnActOptions,
): TensorHandle {
  const { act, epsilon, momentum, ...conv } = o;
  const y = b.convBn(
    x,
    { ...conv, name: `${prefix}.conv${index}` },
    { name: `${prefix}.bn${index}`, epsilon, momentum },
  );
  return act === null ? y : b.activation(y, act, `${prefix}.${act}${index}`);
}

/**
 * PyTorch/TF `_make_divisible`: rounds `v` to the nearest multiple of `divisor` (at least
 * `divisor`), then adds one divisor if that lost more than 10%. Same floating-point steps as the
 * reference, so width-scaled channel counts match exactly.
 */
export function makeDivisible(v: number, divisor = 8): number {
  let out = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

/**
 * The ImageNet classifier: global average pool, Flatten and a 1000-way Gemm, [N, C, H, W] -> [N, 1000]
 * (torchvision's AdaptiveAvgPool2d(1) + flatten(x, 1) + Linear(C, 1000); ShuffleNet V1's has no bias).
 */
export function poolClassifier(b: GraphBuilder, x: TensorHandle, bias = true): TensorHandle {
  const features = b.flatten(b.globalAvgPool(x, 'avgpool'), 'flatten');
  return b.gemm(features, { name: 'fc', outFeatures: 1000, bias });
}
