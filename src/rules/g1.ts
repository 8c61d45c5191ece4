import { bytesPerElement, convGeometry, macLowerBound } from './conv-geometry.js';
import { graphStructures } from '../analyzers/structure.js';
import { at } from '../util/at.js';
import { roundTo } from '../util/number.js';
import { defineRule } from './define-rule.js';
import { isWidthTransition, widthContext } from './width-context.js';

/** Options of G1 (defaults in the rule meta). */
export type G1Options = {
  readonly maxRatio: number;
  readonly minExcessPercent: number;
  readonly ignoreModelInputs: boolean;
};

/** G1's message ids and the data each message's template needs. */
export type G1Messages = {
  readonly unbalancedChannels: {
    readonly kernel: string;
    readonly cIn: number;
    readonly cOut: number;
    readonly ratio: number;
    readonly memAccess: number;
    readonly bound: number;
    readonly excessPercent: number;
    readonly balancedIn: number;
    readonly balancedOut: number;
  };
};

/**
 * ShuffleNet V2 G1: "equal channel width minimizes memory access cost". At fixed FLOPs the MAC of a
 * convolution is smallest when its input and output feature maps are the same size (Eq. 1).
 */
export const g1 = defineRule<G1Options, G1Messages>({
  meta: {
    id: 'G1',
    name: 'unbalanced-channels',
    category: 'guideline',
    description:
      'Convolutions whose input and output channel counts differ a lot pay memory access above the equal-FLOPs bound (ShuffleNet V2 G1).',
    defaultSeverity: 'warn',
    options: {
      maxRatio: {
        type: 'number',
        default: 2,
        minimum: 1,
        description:
          'Flag a conv when max(c_in/c_out, c_out/c_in) is above this (1:2 is not flagged: see the docs page).',
      },
      minExcessPercent: {
        type: 'number',
        default: 15,
        minimum: 0,
        description:
          'Only flag it when its memAccess is at least this many percent above the Eq. 1 lower bound at equal FLOPs (filters out layers dominated by weight traffic).',
      },
      ignoreModelInputs: {
        type: 'boolean',
        default: true,
        description:
          'Skip convs that read a model input or write a model output (3 image channels, a 1-channel mask head are not design choices).',
      },
    },
    messages: {
      unbalancedChannels:
        '{{kernel}} conv {{cIn}}->{{cOut}} ch ({{ratio}}:1): MAC {{excessPercent}}% above the equal-width bound (Eq. 1)',
    },
    fix: 'balance the widths (about {{balancedIn}} -> {{balancedOut}} channels keeps the FLOPs at the bound), or change width where the feature map is small',
    confirmation: { unbalancedChannels: 'balanced-channels' },
  },
  check(context) {
    const { maxRatio, minExcessPercent, ignoreModelInputs } = context.options;
    const modelInputs = new Set(context.analysis.inputs.map((i) => i.name));
    const modelOutputs = new Set(context.analysis.outputs.map((o) => o.name));
    for (const { dataflow: flow } of graphStructures(context.structure)) {
      // Each body is a graph of its own: width neighbours are looked up inside it.
      for (const index of flow.nodes) {
        const layer = at(flow.layers, index);
        const geo = convGeometry(layer);
        if (!geo || geo.depthwise) continue;
        const firstInput = layer.inputs[0];
        const firstOutput = layer.outputs[0];
        const readsModelInput = firstInput !== undefined && modelInputs.has(firstInput);
        const writesModelOutput = firstOutput !== undefined && modelOutputs.has(firstOutput);
        if (ignoreModelInputs && (readsModelInput || writesModelOutput)) continue;
        const ratio = Math.max(geo.cIn / geo.cOut, geo.cOut / geo.cIn);
        if (ratio <= maxRatio) continue;
        // A one-way widening between stages (ShuffleNet V2's 24 -> 176 at stage 2) is not a bottleneck.
        if (isWidthTransition(widthContext(flow, index), geo.cIn, geo.cOut)) continue;
        const memAccess = geo.memAccess;
        const bound = macLowerBound(geo);
        const excessPercent = (100 * (memAccess - bound)) / bound;
        if (excessPercent < minExcessPercent) continue;
        // At the bound hw_in*c1 = hw_out*c2 with c1*c2 unchanged.
        const product = geo.cIn * geo.cOut;
        const balancedIn = Math.round(Math.sqrt((product * geo.pixelsOut) / geo.pixelsIn));
        const balancedOut = Math.round(Math.sqrt((product * geo.pixelsIn) / geo.pixelsOut));
        context.report({
          node: layer,
          messageId: 'unbalancedChannels',
          data: {
            kernel: geo.kernelShape.join('x'),
            cIn: geo.cIn,
            cOut: geo.cOut,
            ratio: roundTo(ratio, 2),
            memAccess,
            bound: Math.round(bound),
            excessPercent: roundTo(excessPercent, 1),
            balancedIn,
            balancedOut,
          },
          metrics: {
            cIn: geo.cIn,
            cOut: geo.cOut,
            ratio,
            memAccess,
            macLowerBound: bound,
            excessPercent,
            flops: geo.flops,
          },
          excessUs: context.time.bytesUs((memAccess - bound) * bytesPerElement(layer)),
        });
      }
    }
  },
});
