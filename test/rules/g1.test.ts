import { ModelBuilder, singleConv } from './model-builder.js';
import { ruleTester } from './rule-tester.js';
import { g1 } from '../../src/rules/g1.js';

// Fixtures from ShuffleNet V2 Table 1 (h = w = 56) and paper-facts.md section 1.2:
// (c1, c2) -> MAC, bound 2*sqrt(hwB) + B/hw.
ruleTester(g1, {
  valid: [
    { name: 'balanced 1x1 conv (128, 128) sits on the bound', analysis: singleConv(128, 128, 56).analysis },
    { name: 'ratio 2 (90, 180) is not above maxRatio 2', analysis: singleConv(90, 180, 56).analysis },
    {
      name: 'ratio 2.2 but weight traffic dominates at 7x7 (464 -> 1024, ~1% above the bound)',
      analysis: singleConv(464, 1024, 7).analysis,
    },
    {
      name: 'stride-2 3x3 conv 64 -> 256: equal input and output feature-map sizes, at the bound',
      analysis: singleConv(64, 256, 56, { k: 3, stride: 2 }).analysis,
    },
    { name: 'depthwise convs belong to G4', analysis: singleConv(96, 96, 56, { k: 3, group: 96 }).analysis },
    {
      name: 'stem conv reading the model input is skipped by default',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.input('input', [1, 3, 56, 56]);
        return b.build([b.conv('stem', x, { cOut: 48 })]);
      },
    },
    {
      name: 'minExcessPercent raises the bar',
      analysis: singleConv(52, 312, 56).analysis,
      options: { minExcessPercent: 50 },
    },
    {
      // ShuffleNet V2 x1.5, stage 2: 3 -> 24 (stem) -> 88 -> 88. The widening never comes back: a stage
      // transition, not a bottleneck, although 24 -> 88 alone is 3.67:1 and 21.7% above the bound.
      name: 'one-way widening between stages (stem 24 -> 88, then 88 -> 88)',
      analysis: () => {
        const b = new ModelBuilder();
        const stem = b.relu(
          'stem.relu',
          b.conv('stem', b.input('input', [1, 3, 112, 112]), { cOut: 24, k: 3, stride: 2 }),
        );
        const up = b.relu('up.relu', b.conv('up', stem, { cOut: 88 }));
        return b.build([b.relu('out', b.conv('next', up, { cOut: 88 }))]);
      },
    },
    {
      name: 'a 1-channel head that writes the model output (a mask) is not a design choice',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('r', b.input('input', [1, 32, 56, 56]));
        return b.build([b.conv('mask', b.relu('body', b.conv('conv', x, { cOut: 32, k: 3 })), { cOut: 1 })]);
      },
    },
  ],
  invalid: [
    {
      name: '1:6 (52, 312)',
      analysis: singleConv(52, 312, 56).analysis,
      errors: [
        {
          messageId: 'unbalancedChannels',
          node: 'conv',
          data: {
            kernel: '1x1',
            cIn: 52,
            cOut: 312,
            ratio: 6,
            memAccess: 1_157_728,
            bound: 815_110,
            excessPercent: 42,
            balancedIn: 127,
            balancedOut: 127,
          },
        },
      ],
    },
    {
      name: '1:12 (36, 432)',
      analysis: singleConv(36, 432, 56).analysis,
      errors: [
        {
          messageId: 'unbalancedChannels',
          node: 'conv',
          data: { ratio: 12, memAccess: 1_483_200, bound: 797_718, excessPercent: 85.9 },
        },
      ],
    },
    {
      name: 'the inverse ratio (projection 312 -> 52) counts the same',
      analysis: singleConv(312, 52, 56).analysis,
      errors: [
        { messageId: 'unbalancedChannels', node: 'conv', data: { cIn: 312, cOut: 52, ratio: 6, excessPercent: 42 } },
      ],
    },
    {
      name: '1:2 (90, 180) with maxRatio 1.5 and no excess filter: 5.9% above the bound',
      analysis: singleConv(90, 180, 56).analysis,
      options: { maxRatio: 1.5, minExcessPercent: 0 },
      errors: [
        {
          messageId: 'unbalancedChannels',
          node: 'conv',
          data: { ratio: 2, memAccess: 862_920, bound: 814_495, excessPercent: 5.9 },
        },
      ],
    },
    {
      name: '3x3 stride-1 conv 32 -> 192 (kxk generalisation of Eq. 1)',
      analysis: singleConv(32, 192, 28, { k: 3 }).analysis,
      errors: [{ messageId: 'unbalancedChannels', node: 'conv', data: { kernel: '3x3', ratio: 6 } }],
    },
    {
      name: 'a bottleneck whose width comes back (64 -> 16 -> 64) is flagged both ways',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.relu('r', b.input('input', [1, 64, 56, 56]));
        const down = b.relu('down.relu', b.conv('down', x, { cOut: 16 }));
        return b.build([b.relu('out', b.conv('up', down, { cOut: 64 }))]);
      },
      errors: [
        { messageId: 'unbalancedChannels', node: 'down', data: { cIn: 64, cOut: 16, ratio: 4 } },
        { messageId: 'unbalancedChannels', node: 'up', data: { cIn: 16, cOut: 64, ratio: 4 } },
      ],
    },
    {
      name: 'stem conv with ignoreModelInputs false',
      analysis: () => {
        const b = new ModelBuilder();
        const x = b.input('input', [1, 3, 56, 56]);
        return b.build([b.conv('stem', x, { cOut: 48 })]);
      },
      options: { ignoreModelInputs: false },
      errors: [{ messageId: 'unbalancedChannels', node: 'stem', data: { cIn: 3, cOut: 48, ratio: 16 } }],
    },
  ],
});
