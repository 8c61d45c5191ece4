import { convGeometry } from './conv-geometry.js';
import { defineRule } from './define-rule.js';

/** Options of E102 (defaults in the rule meta). */
export type E102Options = {
  readonly multiple: number;
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
 * Only for targets whose kernels want aligned channels: TensorRT, or a device profile that says so
 * (`channelMultiple`). A conv that reads a model input or writes a model output is never flagged: 3 RGB
 * channels, a 1-channel mask or an STFT's frequency bins are not design choices.
 */
export const e102 = defineRule<E102Options, E102Messages>({
  meta: {
    id: 'E102',
    name: 'unaligned-channels',
    category: 'extra',
    description:
      'Convolutions and Gemms whose channel counts (per group) are not multiples of 8, on targets whose kernels need them (TensorRT tensor cores, or a device profile with channelMultiple).',
    defaultSeverity: 'info',
    options: {
      multiple: {
        type: 'integer',
        default: 8,
        minimum: 1,
        description:
          "Required multiple of the per-group input and output channel counts with --runtime tensorrt (8 for FP16 tensor cores, 16 for INT8 on some GPUs); a device profile's channelMultiple wins.",
      },
    },
    messages: {
      unalignedChannels:
        '{{op}} {{cIn}}->{{cOut}} ch ({{perGroupIn}}->{{perGroupOut}} per group) not multiples of {{multiple}}: kernels pad or fall back',
    },
    fix: 'round the widths to multiples of {{multiple}}, e.g. {{alignedIn}} -> {{alignedOut}} channels',
  },
  check(context) {
    const wants =
      context.deviceProfile?.channelMultiple ?? (context.runtime === 'tensorrt' ? context.options.multiple : undefined);
    if (wants === undefined || wants <= 1) return;
    const multiple = wants;
    const modelInputs = new Set(context.analysis.inputs.map((i) => i.name));
    const modelOutputs = new Set(context.analysis.outputs.map((o) => o.name));
    context.analysis.layers.forEach((layer, index) => {
      const firstInput = layer.inputs[0];
      if (
        layer.folded ||
        (firstInput !== undefined && modelInputs.has(firstInput)) ||
        layer.outputs.some((o) => modelOutputs.has(o))
      )
        return;
      let cIn: number;
      let cOut: number;
      let group = 1;
      const geo = convGeometry(layer);
      if (geo) {
        if (geo.depthwise) return; // depthwise convs do not run on tensor cores
        ({ cIn, cOut, group } = geo);
      } else if (layer.opType === 'Gemm') {
        const w = layer.inputShapes[1];
        if (w?.length !== 2 || typeof w[0] !== 'number' || typeof w[1] !== 'number') return;
        const transB = layer.attributes.transB === 1;
        cIn = transB ? w[1] : w[0];
        cOut = transB ? w[0] : w[1];
      } else {
        return;
      }
      const perGroupIn = cIn / group;
      const perGroupOut = cOut / group;
      if (perGroupIn % multiple === 0 && perGroupOut % multiple === 0) return;
      const alignedIn = roundUp(perGroupIn, multiple) * group;
      const alignedOut = roundUp(perGroupOut, multiple) * group;
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
          alignedIn,
          alignedOut,
        },
        metrics: { cIn, cOut, group },
        // Padded channels compute and move zeros: the layer's time scales with the padded product.
        excessUs: context.time.layerUs(index) * ((alignedIn * alignedOut) / (cIn * cOut) - 1),
      });
    });
  },
});
