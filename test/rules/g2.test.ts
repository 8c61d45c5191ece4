import { singleConv } from './model-builder.js';
import { ruleTester } from './rule-tester.js';
import { g2 } from '../../src/rules/g2.js';

// Fixtures from ShuffleNet V2 Table 2 (GPU channels, h = w = 56): c1 = c2 = c, B fixed across g.
// MAC(g) = hw*c1 + B*g/c1 + B/hw (Eq. 2): 819,200 / 1,145,160 / 1,622,016 / 2,274,120 for g = 1/2/4/8.
ruleTester(g2, {
  valid: [
    { name: 'dense conv (g=1, c=128)', analysis: singleConv(128, 128, 56).analysis },
    {
      name: 'depthwise conv (g = channels) is G4, not G2',
      analysis: singleConv(128, 128, 56, { k: 3, group: 128 }).analysis,
    },
    { name: 'depthwise with channel multiplier 2', analysis: singleConv(64, 128, 56, { k: 3, group: 64 }).analysis },
    {
      name: 'maxGroups 8 allows g=8',
      analysis: singleConv(360, 360, 56, { group: 8 }).analysis,
      options: { maxGroups: 8 },
    },
  ],
  invalid: [
    {
      name: 'g=8, c=360: 77% more memory access than g=1 at equal FLOPs',
      analysis: singleConv(360, 360, 56, { group: 8 }).analysis,
      errors: [
        {
          messageId: 'groupConvolution',
          node: 'conv',
          data: { group: 8, cIn: 360, cOut: 360, memAccess: 2_274_120, denseMemAccess: 1_286_280, excessPercent: 76.8 },
        },
      ],
    },
    {
      name: 'g=2, c=180',
      analysis: singleConv(180, 180, 56, { group: 2 }).analysis,
      errors: [
        {
          messageId: 'groupConvolution',
          node: 'conv',
          data: { group: 2, memAccess: 1_145_160, denseMemAccess: 862_920, excessPercent: 32.7 },
        },
      ],
    },
    {
      name: 'g=4, c=256',
      analysis: singleConv(256, 256, 56, { group: 4 }).analysis,
      errors: [{ messageId: 'groupConvolution', node: 'conv', data: { group: 4, memAccess: 1_622_016 } }],
    },
    {
      name: 'grouped 3x3 (ResNeXt-style, g=32)',
      analysis: singleConv(128, 128, 28, { k: 3, group: 32 }).analysis,
      errors: [{ messageId: 'groupConvolution', node: 'conv', data: { kernel: '3x3', group: 32 } }],
    },
  ],
});
