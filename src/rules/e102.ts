import { convGeometry } from './conv-geometry.js';
import { defineRule } from './define-rule.js';

/** Options of E102 (defaults in the rule meta). */
export type E102Options = {
  readonly multiple: number;
  readonly ignoreModelInputs: boolean;
};

/** E102's message ids and the data each message's template needs. */
export type E102Messages = {
  readonly unalignedChannels: {
    readonly op: string;
    readonly cIn: number;
    readonly cOut: number;
    readonly group: number;
    readonly perGroupIn: number;
    readonly perGroupOut: number;
    readonly multiple: number;
    readonly alignedIn: number;
    readonly alignedOut: number;
  };
};

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

/**
 * Tensor cores run FP16/INT8 GEMMs and implicit-GEMM convolutions on tiles of 8 channels (NVIDIA Deep
 * Learning Performance Guide, "Channels In and Out"); other counts are padded or take slower kernels.
 */
export const e102 = defineRule<E102Options, E102Messages>({
  meta: {
    id: 'E102',
    name: 'unaligned-channels',
    category: 'extra',
    description: 'Convolutions and Gemms whose channel counts (per group) are not multiples of 8, which tensor cores need.',
    defaultSeverity: 'info',
    options: {
      multiple: {
        type: 'integer',
        default: 8,
        minimum: 1,
        description: 'Required multiple of the per-group input and output channel counts (8 for FP16 tensor cores, 16 for INT8 on some GPUs).',
      },
      ignoreModelInputs: {
        type: 'boolean',
        default: true,
        description: 'Skip layers that read a model input (3 image channels are not a design choice).',
      },
    },
    messages: {
      unalignedChannels:
        '{{op}} {{cIn}} -> {{cOut}} channels (g={{group}}: {{perGroupIn}} -> {{perGroupOut}} per group) are not multiples of {{multiple}}: tensor-core kernels pad the channels or fall back to slower ones',
    },
    fix: 'round the widths to multiples of {{multiple}}, e.g. {{alignedIn}} -> {{alignedOut}} channels',
  },
  check(context) {
    const { multiple, ignoreModelInputs } = context.options;
    const modelInputs = new Set(context.analysis.inputs.map((i) => i.name));
    for (const layer of context.analysis.layers) {
      if (layer.folded || (ignoreModelInputs && modelInputs.has(layer.inputs[0]))) continue;
      let cIn: number;
      let cOut: number;
      let group = 1;
      const geo = convGeometry(layer);
      if (geo) {
        if (geo.depthwise) continue; // depthwise convs do not run on tensor cores
        ({ cIn, cOut, group } = geo);
      } else if (layer.opType === 'Gemm') {
        const w = layer.inputShapes[1];
        if (!w || w.length !== 2 || typeof w[0] !== 'number' || typeof w[1] !== 'number') continue;
        const transB = layer.attributes.transB === 1;
        cIn = transB ? w[1] : w[0];
        cOut = transB ? w[0] : w[1];
      } else {
        continue;
      }
      const perGroupIn = cIn / group;
      const perGroupOut = cOut / group;
      if (perGroupIn % multiple === 0 && perGroupOut % multiple === 0) continue;
      context.report({
        node: layer,
        messageId: 'unalignedChannels',
        data: {
          op: geo ? `${geo.kernelShape.join('x')} ${layer.opType}` : layer.opType,
          cIn,
          cOut,
          group,
          perGroupIn,
          perGroupOut,
          multiple,
          alignedIn: roundUp(perGroupIn, multiple) * group,
          alignedOut: roundUp(perGroupOut, multiple) * group,
        },
        metrics: { cIn, cOut, group },
      });
    }
  },
});
