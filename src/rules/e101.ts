import { defineRule } from './define-rule.js';
import { FUSION_FIX, findFusablePatterns } from './fusion-patterns.js';

/** Options of E101 (defaults in the rule meta). */
export type E101Options = Record<string, never>;

/** E101's message ids and the data each message's template needs. */
export type E101Messages = {
  readonly foldableBatchNorm: {
    readonly producer: string;
    readonly producerOp: string;
    readonly memAccess: number;
    readonly channels: number;
  };
};

/**
 * BatchNormalization right after a Conv/Gemm whose output nothing else reads is an affine map that
 * folds into the weights: W' = W * gamma / sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta.
 */
export const e101 = defineRule<E101Options, E101Messages>({
  meta: {
    id: 'E101',
    name: 'foldable-batchnorm',
    category: 'extra',
    description: 'BatchNormalization directly after a Conv/Gemm with a single consumer: an extra memory pass that folds into the weights at export.',
    defaultSeverity: 'warn',
    options: {},
    messages: {
      foldableBatchNorm:
        'BatchNormalization ({{channels}} channels) right after {{producerOp}} {{producer}}, its only consumer, folds into that layer\'s weights and bias: folding removes a kernel and {{memAccess}} elements of memory access',
    },
    fix: FUSION_FIX['conv-bn'],
  },
  check(context) {
    const layers = context.structure.dataflow.layers;
    for (const m of findFusablePatterns(context.structure)) {
      if (m.kind !== 'conv-bn' || m.producer === undefined) continue;
      const bn = layers[m.anchor];
      const producer = layers[m.producer];
      const shape = bn.outputShapes[0];
      const channels = shape && typeof shape[1] === 'number' ? shape[1] : 0;
      context.report({
        node: bn,
        messageId: 'foldableBatchNorm',
        data: { producer: producer.name, producerOp: producer.opType, memAccess: bn.memAccess ?? 0, channels },
        metrics: { memAccess: bn.memAccess ?? 0, flops: bn.flops ?? 0 },
      });
    }
  },
});
