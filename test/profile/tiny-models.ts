import { buildOnnxModel } from '../../src/zoo/onnx-writer.js';

/**
 * Small models for profiler tests: a ShuffleNet-like unit (conv + BN + ReLU, an unnamed 1x1 conv,
 * a residual Add, channel shuffle Reshape/Transpose/Reshape, pooling and a Gemm head). Big enough
 * that every conv costs tens of microseconds on one thread, small enough to run in a millisecond.
 * The batch dim is symbolic (`N`) and the shuffle reshapes copy it (0), so any batch runs.
 */
export function tinyConvNet(options: { channels?: number; size?: number } = {}): Uint8Array {
  const c = options.channels ?? 32;
  const s = options.size ?? 32;
  return buildOnnxModel({
    inputs: [{ name: 'x', dims: ['N', c, s, s] }],
    outputs: [{ name: 'y', dims: ['N', 10] }],
    nodes: [
      {
        opType: 'Conv',
        name: 'conv1',
        inputs: ['x', 'w1', 'b1'],
        outputs: ['c1'],
        attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      },
      { opType: 'BatchNormalization', name: 'bn1', inputs: ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], outputs: ['bn1'] },
      { opType: 'Relu', name: 'relu1', inputs: ['bn1'], outputs: ['r1'] },
      { opType: 'Conv', name: '', inputs: ['r1', 'w2'], outputs: ['c2'], attributes: { kernel_shape: [1, 1] } },
      { opType: 'Add', name: '', inputs: ['c2', 'r1'], outputs: ['a1'] },
      { opType: 'Reshape', name: 'shuffle_reshape1', inputs: ['a1', 'shape5'], outputs: ['rs'] },
      {
        opType: 'Transpose',
        name: 'shuffle_transpose',
        inputs: ['rs'],
        outputs: ['tr'],
        attributes: { perm: [0, 2, 1, 3, 4] },
      },
      { opType: 'Reshape', name: 'shuffle_reshape2', inputs: ['tr', 'shape4'], outputs: ['rs2'] },
      { opType: 'GlobalAveragePool', name: 'gap', inputs: ['rs2'], outputs: ['gp'] },
      { opType: 'Flatten', name: 'flatten', inputs: ['gp'], outputs: ['fl'] },
      { opType: 'Gemm', name: 'fc', inputs: ['fl', 'wf', 'bf'], outputs: ['y'], attributes: { transB: 1 } },
    ],
    initializers: [
      { name: 'w1', dims: [c, c, 3, 3] },
      { name: 'b1', dims: [c] },
      { name: 'bn_s', dims: [c], fill: 1 },
      { name: 'bn_b', dims: [c] },
      { name: 'bn_m', dims: [c] },
      { name: 'bn_v', dims: [c], fill: 1 },
      { name: 'w2', dims: [c, c, 1, 1] },
      { name: 'shape5', dims: [5], dtype: 'int64', int64Values: [0, 2, c / 2, s, s] },
      { name: 'shape4', dims: [4], dtype: 'int64', int64Values: [0, c, s, s] },
      { name: 'wf', dims: [10, c] },
      { name: 'bf', dims: [10] },
    ],
  });
}
