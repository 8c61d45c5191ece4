import type { Analysis } from '../../src/analyzers/analyze.js';
import { g4 } from '../../src/rules/g4.js';
import type { T } from './analysis-builder.js';
import { AnalysisBuilder } from './analysis-builder.js';
import { ruleTester } from './rule-tester.js';

/** Three wide 3x3 convs in a row: almost all memory access is in the convs. */
function convsOnly(): Analysis {
  const b = new AnalysisBuilder();
  let x: T = b.input('input', [1, 64, 28, 28]);
  for (let i = 1; i <= 3; i++) x = b.conv(`conv${i}`, x, { cOut: 64, k: 3 });
  return b.build([x]);
}

/** ResNet basic unit: conv-BN-ReLU, conv-BN, shortcut Add, ReLU (SNV2 Table 4's ReLU and shortcut). */
function resnetUnit(): Analysis {
  const b = new AnalysisBuilder();
  const x = b.relu('stem', b.input('input', [1, 64, 56, 56]));
  let y = b.relu('relu1', b.bn('bn1', b.conv('conv1', x, { cOut: 64, k: 3 })));
  y = b.bn('bn2', b.conv('conv2', y, { cOut: 64, k: 3 }));
  return b.build([b.relu('relu2', b.binary('add', 'Add', x, y))]);
}

/** conv -> x*sigmoid(x) -> SE gate (EfficientNet). */
function swishSe(): Analysis {
  const b = new AnalysisBuilder();
  const x = b.conv('conv', b.relu('stem', b.input('input', [1, 32, 56, 56])), { cOut: 96 });
  const y = b.binary('silu.mul', 'Mul', x, b.unary('silu.sigmoid', 'Sigmoid', x));
  const gate = b.unary('se.sigmoid', 'Sigmoid', b.conv('se.fc', b.globalAvgPool('se.pool', y), { cOut: 96 }));
  return b.build([b.conv('project', b.binary('se.scale', 'Mul', y, gate), { cOut: 32 })]);
}

ruleTester(g4, {
  valid: [
    { name: 'convolutions only', analysis: convsOnly },
    { name: 'threshold at 100%', analysis: resnetUnit, options: { maxMemAccessPercent: 100 } },
  ],
  invalid: [
    {
      name: 'ResNet unit: model share, fusable Conv+BN / Conv+BN+ReLU / Add+ReLU, no per-node list',
      analysis: resnetUnit,
      options: { top: 0 },
      errors: [
        { messageId: 'elementwiseShare', node: null, data: { ops: 6, breakdown: '3 Relu, 2 BatchNormalization, 1 Add', patterns: '2 Conv+BN, 1 Add+ReLU, 1 Conv+BN+ReLU' } },
        { messageId: 'fusablePattern', node: 'bn1', data: { pattern: 'Conv+BN', count: 2 } },
        { messageId: 'fusablePattern', node: 'relu1', data: { pattern: 'Conv+BN+ReLU', count: 1 } },
        { messageId: 'fusablePattern', node: 'add', data: { pattern: 'Add+ReLU', count: 1 } },
      ],
    },
    {
      name: 'top 2: the shortcut Add and a BN are the heaviest element-wise layers',
      analysis: resnetUnit,
      options: { top: 2 },
      errors: [
        { messageId: 'elementwiseShare', node: null },
        { messageId: 'fusablePattern', node: 'bn1' },
        { messageId: 'heavyFusableElementwise', node: 'bn1', data: { op: 'BatchNormalization', memAccess: 401_664, pattern: 'Conv+BN' } },
        { messageId: 'fusablePattern', node: 'relu1' },
        { messageId: 'fusablePattern', node: 'add' },
        { messageId: 'heavyFusableElementwise', node: 'add', data: { op: 'Add', memAccess: 602_112, memSharePercent: 17.3, pattern: 'Add+ReLU' } },
      ],
    },
    {
      name: 'EfficientNet: SiLU and the squeeze-and-excitation gate',
      analysis: swishSe,
      options: { top: 0 },
      errors: [
        { messageId: 'elementwiseShare', node: null },
        { messageId: 'fusablePattern', node: 'silu.mul', data: { pattern: 'SiLU (x*sigmoid(x))', count: 1 } },
        { messageId: 'fusablePattern', node: 'se.sigmoid', data: { pattern: 'Conv+Sigmoid' } },
        { messageId: 'fusablePattern', node: 'se.scale', data: { pattern: 'SE gate (x * per-channel sigmoid)' } },
      ],
    },
    {
      name: 'depthwise convs count as element-wise (and can be left out)',
      analysis: () => {
        const b = new AnalysisBuilder();
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
