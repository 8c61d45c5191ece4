import type { Analysis } from '../../src/analyzers/analyze.js';
import { g4 } from '../../src/rules/g4.js';
import type { T } from './model-builder.js';
import { ModelBuilder } from './model-builder.js';
import { ruleTester } from './rule-tester.js';

/** Three wide 3x3 convs in a row: almost all memory access is in the convs. */
function convsOnly(): Analysis {
  const b = new ModelBuilder();
  let x: T = b.input('input', [1, 64, 28, 28]);
  for (let i = 1; i <= 3; i++) x = b.conv(`conv${i}`, x, { cOut: 64, k: 3 });
  return b.build([x]);
}

/** ResNet basic unit: conv-BN-ReLU, conv-BN, shortcut Add, ReLU (SNV2 Table 4's ReLU and shortcut). */
function resnetUnit(): Analysis {
  const b = new ModelBuilder();
  const x = b.relu('stem', b.input('input', [1, 64, 56, 56]));
  let y = b.relu('relu1', b.bn('bn1', b.conv('conv1', x, { cOut: 64, k: 3 })));
  y = b.bn('bn2', b.conv('conv2', y, { cOut: 64, k: 3 }));
  return b.build([b.relu('relu2', b.binary('add', 'Add', x, y))]);
}

/** conv -> x*sigmoid(x) -> SE gate (EfficientNet). */
function swishSe(): Analysis {
  const b = new ModelBuilder();
  const x = b.conv('conv', b.relu('stem', b.input('input', [1, 32, 56, 56])), { cOut: 96 });
  const y = b.binary('silu.mul', 'Mul', x, b.unary('silu.sigmoid', 'Sigmoid', x));
  const gate = b.unary('se.sigmoid', 'Sigmoid', b.conv('se.fc', b.globalAvgPool('se.pool', y), { cOut: 96 }));
  return b.build([b.conv('project', b.binary('se.scale', 'Mul', y, gate), { cOut: 32 })]);
}

// ResNet unit on a 64x56x56 map, T = 200,704 elements: Relu 2T = 401,408, BN 2T + 4*64 = 401,664,
// Add 3T = 602,112, 3x3 conv T + T + 36,864 = 438,272 (memAccess, elements).
const T = 64 * 56 * 56;

ruleTester(g4, {
  valid: [
    { name: 'convolutions only', analysis: convsOnly },
    { name: 'threshold at 100%', analysis: resnetUnit, options: { maxMemAccessPercent: 100 } },
  ],
  invalid: [
    {
      // Even at a 0% threshold there is nothing to warn about: only the info that says so.
      name: 'a plain conv chain on onnxruntime: every ReLU runs in the conv epilogue',
      analysis: () => {
        const b = new ModelBuilder();
        let x: T = b.conv('conv0', b.input('input', [1, 64, 28, 28]), { cOut: 64, k: 3 });
        for (let i = 1; i <= 3; i++) x = b.conv(`conv${i}`, b.relu(`relu${i}`, x), { cOut: 64, k: 3 });
        return b.build([x]);
      },
      runtime: 'onnxruntime-cpu',
      options: { maxMemAccessPercent: 0 },
      errors: [
        {
          messageId: 'fusedByRuntime',
          node: null,
          data: { runtime: 'onnxruntime-cpu', layers: 3, breakdown: '3 Relu' },
        },
      ],
    },
    {
      name: 'ResNet unit, raw graph: every element-wise layer is its own kernel',
      analysis: resnetUnit,
      options: { top: 0 },
      // (3 Relu * 401,408 + 2 BN * 401,664 + Add 602,112) / (that + 2 convs * 438,272) = 74.9%.
      errors: [
        {
          messageId: 'elementwiseShare',
          node: null,
          data: { memPercent: 74.9, kernels: 6, breakdown: '3 Relu, 2 BatchNormalization, 1 Add' },
        },
      ],
    },
    {
      name: "top 3 by estimated time: the Add, then ReLUs; the foldable BNs are E101's, not listed again",
      analysis: resnetUnit,
      options: { top: 3 },
      errors: [
        { messageId: 'elementwiseShare', node: null },
        { messageId: 'heavyElementwise', node: 'add', data: { op: 'Add', memAccess: 3 * T, flops: T } },
        { messageId: 'heavyElementwise', node: 'stem', data: { op: 'Relu', memAccess: 2 * T } },
        { messageId: 'heavyElementwise', node: 'relu1', data: { op: 'Relu', memAccess: 2 * T } },
      ],
    },
    {
      // onnxruntime folds both BNs into the convs and runs relu1 in conv1's epilogue. The shortcut Add
      // reads the stem's NCHW output, so it cannot join conv2's NCHWc "Sum" input: Add and relu2 stay.
      // (stem 401,408 + Add 602,112 + relu2 401,408) / (that + 2 * 438,272) = 61.6%.
      name: 'ResNet unit on onnxruntime: BN and the first ReLU fused (one info), the shortcut Add still runs',
      analysis: resnetUnit,
      runtime: 'onnxruntime-cpu',
      options: { top: 0 },
      errors: [
        {
          messageId: 'elementwiseShare',
          node: null,
          data: { memPercent: 61.6, breakdown: '2 Relu, 1 Add', runtime: 'onnxruntime-cpu' },
        },
        { messageId: 'fusedByRuntime', node: null, data: { layers: 3, breakdown: '2 BatchNormalization, 1 Relu' } },
      ],
    },
    {
      name: 'EfficientNet: SiLU and the squeeze-and-excitation gate',
      analysis: swishSe,
      options: { top: 0 },
      errors: [{ messageId: 'elementwiseShare', node: null, data: { breakdown: '2 Mul, 2 Sigmoid, 1 Relu' } }],
    },
    {
      name: 'depthwise convs count as element-wise (and can be left out)',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('stem', b.input('input', [1, 96, 56, 56]));
        return b.build([b.conv('pw', b.conv('dw', x, { cOut: 96, k: 3, group: 96 }), { cOut: 16 })]);
      },
      options: { top: 1, maxMemAccessPercent: 50 },
      errors: [
        { messageId: 'elementwiseShare', node: null, data: { breakdown: '1 depthwise Conv, 1 Relu' } },
        { messageId: 'heavyElementwise', node: 'dw', data: { op: 'depthwise Conv' } },
      ],
    },
  ],
});
