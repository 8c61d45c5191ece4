import { describe, expect, it } from 'vitest';
import type { OptimizedNode, SourceNode } from '../../src/profile/join.js';
import { joinKernels } from '../../src/profile/join.js';
import type { TraceKernel } from '../../src/profile/trace-types.js';

function k(name: string, opType: string | null = null): TraceKernel {
  return {
    name,
    opType,
    provider: 'CPUExecutionProvider',
    nodeIndex: null,
    medianUs: 1,
    runsUs: [1],
    deviceUs: null,
    bytes: null,
    inputShapes: null,
    outputShapes: null,
  };
}
const src = (name: string, opType: string, inputs: string[], outputs: string[], folded = false): SourceNode => ({
  name,
  opType,
  inputs,
  outputs,
  folded,
});
const opt = (
  name: string,
  opType: string,
  inputs: string[],
  outputs: string[],
  domain = '',
  attributeNames: string[] = [],
): OptimizedNode => ({ name, opType, domain, inputs, outputs, attributeNames });

/** The source graph of test/profile/tiny-models.ts (names as the analyzer gives them). */
const TINY: SourceNode[] = [
  src('conv1', 'Conv', ['x', 'w1', 'b1'], ['c1']),
  src('bn1', 'BatchNormalization', ['c1', 's', 'b', 'm', 'v'], ['bn1']),
  src('relu1', 'Relu', ['bn1'], ['r1']),
  src('Conv_3', 'Conv', ['r1', 'w2'], ['c2']),
  src('Add_4', 'Add', ['c2', 'r1'], ['a1']),
  src('rs', 'Reshape', ['a1', 'shape5'], ['rs']),
  src('tr', 'Transpose', ['rs'], ['tr']),
];

const groups = (r: ReturnType<typeof joinKernels>): Record<string, readonly string[]> =>
  Object.fromEntries(r.joins.map((j) => [j.kernel.name, j.nodes]));

describe('joining kernels to ONNX nodes', () => {
  it('maps kernels 1:1 by name when nothing is fused (opt level disabled)', () => {
    const r = joinKernels(
      TINY,
      TINY.map((n) => k(n.name, n.opType)),
      { naming: 'onnxruntime' },
    );
    expect(groups(r)).toEqual(Object.fromEntries(TINY.map((n) => [n.name, [n.name]])));
    expect(r.unclaimed).toEqual([]);
    expect(r.joins.every((j) => j.anchoredBy === 'node-name')).toBe(true);
  });

  it("follows onnxruntime's NCHWc rewrite: layout nodes, <tensor>_nchwc names, a fused sum input", () => {
    // As onnxruntime 1.30 saved it at opt level 'all' (see docs/profile.md).
    const optimized = [
      opt('ReorderInput', 'ReorderInput', ['x'], ['reorder_token_0'], 'com.microsoft.nchwc'),
      opt(
        'r1_nchwc',
        'Conv',
        ['reorder_token_0', 'reorder', 'ConvBnFusion_BN_B_b'],
        ['reorder_token_1'],
        'com.microsoft.nchwc',
        ['activation', 'kernel_shape'],
      ),
      opt(
        'c2_nchwc',
        'Conv',
        ['reorder_token_1', 'reorder_token_2', '', 'reorder_token_1'],
        ['reorder_token_3'],
        'com.microsoft.nchwc',
        ['kernel_shape'],
      ),
      opt('ReorderOutput', 'ReorderOutput', ['reorder_token_3'], ['a1'], 'com.microsoft.nchwc'),
      opt('rs', 'Reshape', ['a1', 'shape5'], ['rs']),
      opt('tr', 'Transpose', ['rs'], ['tr']),
    ];
    const kernels = [
      k('ReorderInput', 'ReorderInput'),
      k('r1_nchwc', 'Conv'),
      k('c2_nchwc', 'Conv'),
      k('ReorderOutput', 'ReorderOutput'),
      k('rs', 'Reshape'),
      k('tr', 'Transpose'),
    ];
    const r = joinKernels(TINY, kernels, { naming: 'onnxruntime', optimized });
    expect(groups(r)).toEqual({
      ReorderInput: [],
      r1_nchwc: ['conv1', 'bn1', 'relu1'],
      c2_nchwc: ['Conv_3', 'Add_4'],
      ReorderOutput: [],
      rs: ['rs'],
      tr: ['tr'],
    });
    expect(r.joins.find((j) => j.kernel.name === 'ReorderOutput')?.inserted).toBe(true);
    expect(r.unclaimed).toEqual([]);
  });

  it('groups a FusedConv by its output tensor (opt level extended)', () => {
    const optimized = [
      opt('conv1', 'FusedConv', ['x', 'W', 'B'], ['r1'], 'com.microsoft', ['activation']),
      opt('', 'Conv', ['r1', 'w2'], ['c2']),
      opt('', 'Add', ['c2', 'r1'], ['a1']),
      opt('rs', 'Reshape', ['a1', 'shape5'], ['rs']),
      opt('tr', 'Transpose', ['rs'], ['tr']),
    ];
    const kernels = [
      k('conv1', 'FusedConv'),
      k('Conv_3', 'Conv'),
      k('Add_4', 'Add'),
      k('rs', 'Reshape'),
      k('tr', 'Transpose'),
    ];
    const r = joinKernels(TINY, kernels, { naming: 'onnxruntime', optimized });
    expect(groups(r)).toMatchObject({ conv1: ['conv1', 'bn1', 'relu1'], Conv_3: ['Conv_3'], Add_4: ['Add_4'] });
    // Without the optimized model the name alone says only "conv1": BN and ReLU then land in the next kernel.
    const byName = joinKernels(TINY, kernels, { naming: 'onnxruntime' });
    expect(groups(byName).conv1).toEqual(['conv1']);
  });

  it('matches unnamed fused nodes by op type and order, and puts removed nodes into their consumer', () => {
    const source = [
      src('Conv_0', 'Conv', ['x', 'w'], ['c']),
      src('Relu_1', 'Relu', ['c'], ['r']),
      src('Identity_2', 'Identity', ['r'], ['i']),
      src('Conv_3', 'Conv', ['i', 'w2'], ['y']),
    ];
    const optimized = [
      opt('', 'FusedConv', ['x', 'w'], ['r'], 'com.microsoft', ['activation']),
      opt('', 'Conv', ['r', 'w2'], ['y']),
    ];
    const r = joinKernels(source, [k('FusedConv_4', 'FusedConv'), k('Conv_3', 'Conv')], {
      naming: 'onnxruntime',
      optimized,
    });
    expect(groups(r)).toEqual({ FusedConv_4: ['Conv_0', 'Relu_1'], Conv_3: ['Identity_2', 'Conv_3'] });
    expect(r.joins.every((j) => j.anchoredBy === 'optimized-model')).toBe(true);
  });

  it('resolves residual blocks in graph order (sum input = the previous block output) and */Fusion/ names', () => {
    const source = [
      src('c1', 'Conv', ['x', 'w1'], ['t1']),
      src('bn1', 'BatchNormalization', ['t1', 's', 'b', 'm', 'v'], ['t2']),
      src('add1', 'Add', ['t2', 'x'], ['t3']),
      src('relu1', 'Relu', ['t3'], ['t4']),
      src('c2', 'Conv', ['t4', 'w2'], ['t5']),
      src('bn2', 'BatchNormalization', ['t5', 's2', 'b2', 'm2', 'v2'], ['t6']),
      src('add2', 'Add', ['t6', 't4'], ['t7']),
      src('relu2', 'Relu', ['t7'], ['t8']),
      src('sig', 'Sigmoid', ['t8'], ['g']),
      src('mul', 'Mul', ['t8', 'g'], ['y']),
    ];
    const nchwc = 'com.microsoft.nchwc';
    const optimized = [
      opt('ReorderInput', 'ReorderInput', ['x'], ['r0'], nchwc),
      opt('t2_nchwc', 'Conv', ['r0', 'W1', 'B1', 'r0'], ['r1'], nchwc, ['activation']),
      opt('t6_nchwc', 'Conv', ['r1', 'W2', 'B2', 'r1'], ['r2'], nchwc, ['activation']),
      opt('mul/QuickGeluFusion/', 'QuickGelu', ['r2'], ['r3'], 'com.microsoft', ['alpha']),
      opt('ReorderOutput', 'ReorderOutput', ['r3'], ['y'], nchwc),
    ];
    const kernels = optimized.map((n) => k(n.name, n.opType));
    const r = joinKernels(source, kernels, { naming: 'onnxruntime', optimized });
    expect(groups(r)).toEqual({
      ReorderInput: [],
      t2_nchwc: ['c1', 'bn1', 'add1', 'relu1'],
      t6_nchwc: ['c2', 'bn2', 'add2', 'relu2'],
      'mul/QuickGeluFusion/': ['sig', 'mul'],
      ReorderOutput: [],
    });
  });

  it('never walks into constants folded at load', () => {
    const source = [src('shape_of_w', 'Shape', ['w'], ['s'], true), src('reshape', 'Reshape', ['x', 's'], ['y'])];
    const r = joinKernels(source, [k('reshape', 'Reshape')], { naming: 'onnxruntime' });
    expect(groups(r)).toEqual({ reshape: ['reshape'] });
    expect(r.unclaimed).toEqual(['shape_of_w']);
  });

  it('reads TensorRT layer names: A + B, PWN(...), ForeignNode ranges, reformatting copies', () => {
    const source = [
      src('c1', 'Conv', ['x', 'w'], ['t1']),
      src('r1', 'Relu', ['t1'], ['t2']),
      src('c2', 'Conv', ['t2', 'w2'], ['t3']),
      src('add', 'Add', ['t3', 't2'], ['t4']),
      src('r2', 'Relu', ['t4'], ['t5']),
      src('c3', 'Conv', ['t5', 'w3'], ['t6']),
      src('r3', 'Relu', ['t6'], ['y']),
    ];
    const kernels = [
      k('Reformatting CopyNode for Input Tensor 0 to c1 + r1'),
      k('c1 + r1'),
      k('c2'),
      k('PWN(add, r2)'),
      k('{ForeignNode[c3...r3]}'),
      k('Reformatting CopyNode for Output Tensor 0 to {ForeignNode[c3...r3]}'),
    ];
    const r = joinKernels(source, kernels, { naming: 'tensorrt' });
    expect(r.joins.map((j) => j.nodes)).toEqual([[], ['c1', 'r1'], ['c2'], ['add', 'r2'], ['c3', 'r3'], []]);
    expect(r.joins.map((j) => j.inserted)).toEqual([true, false, false, false, false, true]);
    expect(r.unclaimed).toEqual([]);
  });
});
