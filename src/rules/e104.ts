import { elementwiseKind } from '../analyzers/elementwise.js';
import { ridgePoint, roofline } from '../analyzers/roofline.js';
import { at } from '../util/at.js';
import { roundTo } from '../util/number.js';
import { defineRule } from './define-rule.js';

/** Options of E104 (defaults in the rule meta). */
export type E104Options = {
  readonly minTimePercent: number;
};

/** E104's message ids and the data each message's template needs. */
export type E104Messages = {
  readonly memoryBound: {
    readonly op: string;
    readonly device: string;
    readonly intensity: number;
    readonly ridge: number;
    readonly predictedUs: number;
    readonly timePercent: number;
  };
};

/**
 * Roofline (Williams et al., CACM 2009) on a device profile: a layer whose arithmetic intensity
 * (FLOPs per byte) is below the ridge point peak/bandwidth is limited by memory bandwidth, not compute.
 */
export const e104 = defineRule<E104Options, E104Messages>({
  meta: {
    id: 'E104',
    name: 'memory-bound-layer',
    category: 'extra',
    description:
      'Layers that the roofline model of a device profile predicts to be memory-bound and that take a noticeable share of the predicted time (needs --device-profile).',
    defaultSeverity: 'warn',
    requires: ['deviceProfile'],
    options: {
      minTimePercent: {
        type: 'number',
        default: 1,
        minimum: 0,
        maximum: 100,
        description:
          "Only flag memory-bound layers predicted to take at least this percentage of the model's predicted time.",
      },
    },
    messages: {
      memoryBound:
        '{{op}} memory-bound on {{device}}: {{intensity}} FLOPs/byte < ridge {{ridge}}; {{predictedUs}} us, {{timePercent}}% of est. time',
    },
    fix: 'raise its arithmetic intensity: fuse it into a neighbouring conv, store activations in fp16/int8, or run larger batches',
  },
  check(context) {
    const profile = context.deviceProfile;
    if (!profile) return;
    const { minTimePercent } = context.options;
    const ridge = ridgePoint(profile);
    const total = context.time.modelUs;
    if (total <= 0) return;
    // Kernels the runtime runs, anchored at a layer; element-wise ones are G4's cause, not this rule's.
    for (const kernel of context.plan.kernels) {
      if (kernel.inserted || kernel.layers.length === 0) continue;
      const index = at(kernel.layers, 0);
      const layer = at(context.analysis.layers, index);
      if (layer.flops === null || layer.memBytes === null || elementwiseKind(layer) !== null) continue;
      const point = roofline(layer.flops, layer.memBytes, profile);
      if (point.bound !== 'memory') continue;
      const timePercent = (100 * context.time.layerUs(index)) / total;
      if (timePercent < minTimePercent) continue;
      const intensity = layer.flops / layer.memBytes;
      context.report({
        node: layer,
        messageId: 'memoryBound',
        data: {
          op: layer.opType,
          device: profile.name,
          intensity: roundTo(intensity, 2),
          ridge: roundTo(ridge, 2),
          predictedUs: roundTo(point.predictedUs, 2),
          timePercent: roundTo(timePercent, 1),
        },
        metrics: { intensity, ridge, predictedUs: point.predictedUs, timePercent },
        // Above the compute roof: the time the layer waits on memory.
        excessUs: point.predictedUs - profile.perOpOverheadUs - (layer.flops / profile.peakFlopsPerSecond) * 1e6,
      });
    }
  },
});
