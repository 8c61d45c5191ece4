import type { Analysis } from '../../src/analyzers/analyze.js';
import type { DeviceProfile } from '../../src/analyzers/roofline.js';
import { e101 } from '../../src/rules/e101.js';
import { e102 } from '../../src/rules/e102.js';
import { e103 } from '../../src/rules/e103.js';
import { e104 } from '../../src/rules/e104.js';
import { ModelBuilder, singleConv } from './model-builder.js';
import { ruleTester } from './rule-tester.js';

function convBn(shared: boolean): Analysis {
  const b = new ModelBuilder();
  const x = b.relu('stem', b.input('input', [1, 16, 28, 28]));
  const c = b.conv('conv', x, { cOut: 32 });
  const y = b.bn('bn', c);
  return b.build(shared ? [y, b.relu('other', c)] : [y]);
}

ruleTester(e101, {
  valid: [
    { name: 'conv output also read elsewhere: BN cannot be folded', analysis: () => convBn(true) },
    {
      name: 'BN after an Add',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('stem', b.input('input', [1, 16, 8, 8]));
        return b.build([b.bn('bn', b.binary('add', 'Add', x, b.relu('r', x)))]);
      },
    },
  ],
  invalid: [
    {
      name: 'Conv -> BN with a single consumer',
      analysis: () => convBn(false),
      errors: [
        {
          messageId: 'foldableBatchNorm',
          node: 'bn',
          data: { producer: 'conv', producerOp: 'Conv', channels: 32, memAccess: 2 * 32 * 28 * 28 + 4 * 32 },
        },
      ],
    },
    {
      name: 'onnxruntime folds the BN at load time: an info that says so, no excess',
      analysis: () => convBn(false),
      runtime: 'onnxruntime-cpu',
      errors: [{ messageId: 'foldedByRuntime', node: 'bn', data: { producer: 'conv', runtime: 'onnxruntime-cpu' } }],
    },
  ],
});

/** A conv whose output feeds a 1-channel head that writes the model output (a segmentation mask). */
function maskHead(): Analysis {
  const b = new ModelBuilder();
  const x = b.relu('r', b.input('input', [1, 32, 28, 28]));
  return b.build([b.conv('mask', b.conv('body', x, { cOut: 64, k: 3 }), { cOut: 1 })]);
}

const trt = 'tensorrt' as const;
const alignedDevice: DeviceProfile = {
  schemaVersion: 1,
  name: 'int8-npu',
  peakFlopsPerSecond: 1e12,
  bandwidthBytesPerSecond: 1e11,
  perOpOverheadUs: 1,
  channelMultiple: 16,
};

ruleTester(e102, {
  valid: [
    {
      name: 'CPU target (default runtime): channel alignment is not a CPU concern',
      analysis: singleConv(24, 58, 28).analysis,
      runtime: 'onnxruntime-cpu',
    },
    { name: 'raw graph without a device profile', analysis: singleConv(24, 58, 28).analysis },
    { name: '32 -> 64 channels', analysis: singleConv(32, 64, 14).analysis, runtime: trt },
    {
      name: 'depthwise 58 channels (no tensor cores)',
      analysis: singleConv(58, 58, 14, { k: 3, group: 58 }).analysis,
      runtime: trt,
    },
    {
      name: 'stem with 3 input channels',
      runtime: trt,
      analysis: () => {
        const b = new ModelBuilder();
        return b.build([b.conv('stem', b.input('input', [1, 3, 32, 32]), { cOut: 24, k: 3 })]);
      },
    },
    { name: 'a 1-channel head that writes the model output', analysis: maskHead, runtime: trt },
    {
      name: 'classifier 1280 -> 1000',
      runtime: trt,
      analysis: () => {
        const b = new ModelBuilder();
        return b.build([b.relu('out', b.gemm('fc', b.relu('r', b.input('input', [1, 1280])), 1000))]);
      },
    },
    { name: 'multiple 2', analysis: singleConv(58, 116, 14).analysis, options: { multiple: 2 }, runtime: trt },
  ],
  invalid: [
    {
      name: 'ShuffleNet V2 widths 24 -> 58',
      analysis: singleConv(24, 58, 28).analysis,
      runtime: trt,
      errors: [
        {
          messageId: 'unalignedChannels',
          node: 'conv',
          data: {
            op: '1x1 Conv',
            cIn: 24,
            cOut: 58,
            group: 1,
            perGroupIn: 24,
            perGroupOut: 58,
            multiple: 8,
            alignedIn: 24,
            alignedOut: 64,
          },
        },
      ],
    },
    {
      name: 'a device profile that wants multiples of 16, on any runtime',
      analysis: singleConv(24, 64, 28).analysis,
      deviceProfile: alignedDevice,
      errors: [{ messageId: 'unalignedChannels', node: 'conv', data: { multiple: 16, alignedIn: 32, alignedOut: 64 } }],
    },
    {
      name: 'grouped conv with 45 channels per group',
      analysis: singleConv(96, 360, 28, { group: 8 }).analysis,
      runtime: trt,
      errors: [
        {
          messageId: 'unalignedChannels',
          node: 'conv',
          data: { perGroupIn: 12, perGroupOut: 45, alignedIn: 128, alignedOut: 384 },
        },
      ],
    },
    {
      name: 'Gemm 100 -> 10',
      runtime: trt,
      analysis: () => {
        const b = new ModelBuilder();
        return b.build([b.relu('out', b.gemm('fc', b.relu('r', b.input('input', [1, 100])), 10))]);
      },
      errors: [{ messageId: 'unalignedChannels', node: 'fc', data: { op: 'Gemm', cIn: 100, cOut: 10 } }],
    },
  ],
});

ruleTester(e103, {
  valid: [
    {
      name: 'a single layout Transpose',
      analysis: () => {
        const b = new ModelBuilder();
        return b.build([b.transpose('t', b.relu('r', b.input('input', [1, 8, 4, 4])), [0, 2, 3, 1])]);
      },
    },
    {
      name: 'Reshape -> Transpose -> Reshape that changes the shape (attention heads)',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('r', b.input('input', [1, 16, 64]));
        const t = b.transpose('t', b.reshape('r1', x, [1, 16, 4, 16]), [0, 2, 1, 3]);
        return b.build([b.reshape('r2', t, [4, 16, 16])]);
      },
    },
  ],
  invalid: [
    {
      name: 'ShuffleNet channel shuffle, 8 groups',
      analysis: () => {
        const b = new ModelBuilder();
        return b.build([b.channelShuffle('shuffle', b.relu('r', b.input('input', [1, 96, 28, 28])), 8)]);
      },
      errors: [
        {
          messageId: 'channelShuffle',
          node: 'shuffle.transpose',
          data: {
            first: 'shuffle.reshape1',
            last: 'shuffle.reshape2',
            groups: 8,
            channels: 12,
            memAccess: 2 * 96 * 28 * 28,
          },
        },
      ],
    },
    {
      name: 'round trip that is not a channel shuffle',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('r', b.input('input', [1, 6, 4, 4]));
        const t = b.transpose('t', b.reshape('r1', x, [1, 6, 16]), [0, 2, 1]);
        return b.build([b.reshape('r2', t, [1, 6, 4, 4])]);
      },
      errors: [{ messageId: 'dataOnlyRoundTrip', node: 't', data: { shape: '1x6x4x4' } }],
    },
    {
      name: 'two Transposes that cancel',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('r', b.input('input', [1, 8, 4, 4]));
        return b.build([b.transpose('t2', b.transpose('t1', x, [0, 2, 3, 1]), [0, 3, 1, 2])]);
      },
      errors: [
        {
          messageId: 'consecutiveTransposes',
          node: 't1',
          data: { first: 't1', last: 't2', between: 0, cancels: ' (they cancel)' },
        },
      ],
    },
    {
      name: 'two Transposes around a Reshape compose into one',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('r', b.input('input', [1, 8, 4, 4]));
        const t1 = b.transpose('t1', x, [0, 2, 3, 1]);
        return b.build([b.transpose('t2', b.reshape('flat', t1, [1, 16, 8]), [0, 2, 1])]);
      },
      errors: [{ messageId: 'consecutiveTransposes', node: 't1', data: { between: 1, cancels: '' } }],
    },
  ],
});

const device: DeviceProfile = {
  schemaVersion: 1,
  name: 'test-device',
  peakFlopsPerSecond: 1e12,
  bandwidthBytesPerSecond: 1e11,
  perOpOverheadUs: 1,
};

function convRelu(channels = 64, k = 3): Analysis {
  const b = new ModelBuilder();
  const x = b.input('input', [1, channels, 56, 56]);
  return b.build([b.relu('relu', b.conv('conv', x, { cOut: channels, k }))]);
}

ruleTester(e104, {
  valid: [
    { name: 'without a device profile the rule does not run', analysis: () => convRelu() },
    // The ReLU is memory-bound too, but element-wise work is G4's cause, not reported twice.
    {
      name: 'the 3x3 conv is compute-bound; the memory-bound ReLU is left to G4',
      analysis: () => convRelu(),
      deviceProfile: device,
    },
    {
      name: 'memory-bound layers below minTimePercent',
      analysis: () => convRelu(8, 1),
      deviceProfile: device,
      options: { minTimePercent: 60 },
    },
  ],
  invalid: [
    {
      name: 'a thin 1x1 conv is memory-bound',
      analysis: () => convRelu(8, 1),
      deviceProfile: device,
      // ridge = 1e12 / 1e11 = 10 FLOPs/byte. Conv: 56*56*8*8 = 200,704 FLOPs over (25,088 + 25,088 + 64) * 4
      // = 200,960 bytes = 1.0 FLOPs/byte; 1 us + 200,960 / 1e11 s = 3.01 us. ReLU: 1 us + 2 * 25,088 * 4 / 1e11 s
      // = 3.01 us. Share: 3.01 / (3.01 + 3.01) = 50%.
      errors: [
        {
          messageId: 'memoryBound',
          node: 'conv',
          data: { op: 'Conv', device: 'test-device', intensity: 1, ridge: 10, predictedUs: 3.01, timePercent: 50 },
        },
      ],
    },
  ],
});
