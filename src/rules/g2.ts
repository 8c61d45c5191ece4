import { roundTo } from '../util/number.js';
import { bytesPerElement, convGeometry, macAtGroups } from './conv-geometry.js';
import { defineRule } from './define-rule.js';

/** Options of G2 (defaults in the rule meta). */
export type G2Options = {
  readonly maxGroups: number;
};

/** G2's message ids and the data each message's template needs. */
export type G2Messages = {
  readonly groupConvolution: {
    readonly kernel: string;
    readonly group: number;
    readonly cIn: number;
    readonly cOut: number;
    readonly memAccess: number;
    readonly denseMemAccess: number;
    readonly excessPercent: number;
  };
};

/**
 * ShuffleNet V2 G2: "excessive group convolution increases MAC". For a fixed input and fixed FLOPs,
 * MAC = hw*c1 + B*g/c1 + B/hw grows with g (Eq. 2). Depthwise convs (g = c_in) are G4's business.
 */
export const g2 = defineRule<G2Options, G2Messages>({
  meta: {
    id: 'G2',
    name: 'group-convolution',
    category: 'guideline',
    description:
      'Grouped convolutions (1 < g < channels, e.g. ShuffleNet V1 pointwise group convs) raise memory access at equal FLOPs (ShuffleNet V2 G2).',
    defaultSeverity: 'warn',
    options: {
      maxGroups: {
        type: 'integer',
        default: 1,
        minimum: 1,
        description: 'Flag convs with more groups than this (depthwise convs are never flagged).',
      },
    },
    messages: {
      groupConvolution:
        '{{kernel}} group conv g={{group}} {{cIn}}->{{cOut}} ch: MAC {{excessPercent}}% above a dense conv of equal FLOPs (Eq. 2)',
    },
    fix: 'use g=1 with fewer output channels at the same FLOPs (ShuffleNet V2 units use dense 1x1 convs plus channel split), or fewer groups',
    confirmation: { groupConvolution: 'dense-conv' },
  },
  check(context) {
    const { maxGroups } = context.options;
    for (const layer of context.analysis.layers) {
      if (layer.folded) continue;
      const geo = convGeometry(layer);
      if (!geo || geo.depthwise || geo.group <= maxGroups) continue;
      const memAccess = geo.memAccess;
      const dense = macAtGroups(geo, 1);
      const excessPercent = (100 * (memAccess - dense)) / dense;
      context.report({
        node: layer,
        messageId: 'groupConvolution',
        data: {
          kernel: geo.kernelShape.join('x'),
          group: geo.group,
          cIn: geo.cIn,
          cOut: geo.cOut,
          memAccess,
          denseMemAccess: Math.round(dense),
          excessPercent: roundTo(excessPercent, 1),
        },
        metrics: { group: geo.group, memAccess, denseMemAccess: dense, excessPercent, flops: geo.flops },
        excessUs: context.time.bytesUs((memAccess - dense) * bytesPerElement(layer)),
      });
    }
  },
});
