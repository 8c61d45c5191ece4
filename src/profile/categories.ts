import type { OpCategory } from '../analyzers/types.js';

/**
 * The run-time breakdown of ShuffleNet V2's Figure 2 ("Conv", "Elemwise", "Data", "Shuffle",
 * "Others"), with data I/O and shuffle merged into one data-movement bucket: efflint measures a
 * model run, not the copy of inputs to the device. `conv` holds every op the FLOPs metric
 * accounts for (convolutions and GEMM/MatMul): the paper's point is that FLOPs "only account for
 * the convolution part".
 */
export type TimeCategory = 'conv' | 'elementwise' | 'data-movement' | 'other';

export const TIME_CATEGORIES: readonly TimeCategory[] = ['conv', 'elementwise', 'data-movement', 'other'];

/**
 * The bucket of an analyzer op category. Normalisation counts as element-wise (G4: unfused BN);
 * metadata ops (Reshape, Flatten, Squeeze) as data movement: in ShuffleNet they are half of the
 * channel shuffle, which Figure 2 counts as "Shuffle".
 */
export function timeCategory(category: OpCategory | 'unknown'): TimeCategory {
  switch (category) {
    case 'conv':
    case 'gemm':
      return 'conv';
    case 'elementwise':
    case 'activation':
    case 'normalization':
      return 'elementwise';
    case 'data-movement':
    case 'metadata':
      return 'data-movement';
    default:
      return 'other';
  }
}

/** Kernels onnxruntime or TensorRT run that have no ONNX op of their own. */
const RUNTIME_OP_CATEGORIES: Readonly<Record<string, TimeCategory>> = {
  FusedConv: 'conv',
  FusedGemm: 'conv',
  FusedMatMul: 'conv',
  NhwcConv: 'conv',
  NhwcFusedConv: 'conv',
  QLinearConv: 'conv',
  ReorderInput: 'data-movement',
  ReorderOutput: 'data-movement',
  MemcpyToHost: 'data-movement',
  MemcpyFromHost: 'data-movement',
  BiasGelu: 'elementwise',
  FastGelu: 'elementwise',
  QuickGelu: 'elementwise',
  SkipLayerNormalization: 'elementwise',
};

/** Bucket of a kernel that maps to no ONNX node, by its runtime op type. */
export function runtimeOpCategory(opType: string | null): TimeCategory | undefined {
  return opType === null ? undefined : RUNTIME_OP_CATEGORIES[opType];
}
