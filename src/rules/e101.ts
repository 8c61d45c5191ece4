import { at } from '../util/at.js';
import { defineRule } from './define-rule.js';
import { findFoldableBatchNorms } from './foldable-batchnorm.js';

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
  readonly foldedByRuntime: {
    readonly producer: string;
    readonly producerOp: string;
    readonly runtime: string;
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
    description:
      'BatchNormalization directly after a Conv/Gemm with a single consumer: an extra memory pass that folds into the weights at export.',
    defaultSeverity: 'warn',
    options: {},
    messages: {
      foldableBatchNorm:
        'BatchNormalization ({{channels}} ch) after {{producerOp}} {{producer}} folds into its weights: a {{memAccess}}-element pass',
      foldedByRuntime:
        'BatchNormalization after {{producerOp}} {{producer}}: {{runtime}} folds it into the weights at load time',
    },
    fix: 'fold the BatchNormalization into the conv weights and bias at export (eval mode, constant folding), or deploy on a runtime that folds it',
    fixes: {
      foldedByRuntime:
        'nothing to do for this runtime; fold at export (eval mode, constant folding) for runtimes that do not',
    },
    confirmation: { foldableBatchNorm: 'folded-batchnorm' },
  },
  check(context) {
    const layers = context.structure.dataflow.layers;
    for (const m of findFoldableBatchNorms(context.structure)) {
      const bn = at(layers, m.bn);
      const producer = at(layers, m.producer);
      if (context.plan.fusions.get(m.bn)?.kind === 'weight-fold') {
        context.report({
          node: bn,
          messageId: 'foldedByRuntime',
          data: { producer: producer.name, producerOp: producer.opType, runtime: context.plan.runtime },
          excessUs: 0,
          fixedByRuntime: true,
        });
        continue;
      }
      const shape = bn.outputShapes[0];
      const channels = shape && typeof shape[1] === 'number' ? shape[1] : 0;
      context.report({
        node: bn,
        messageId: 'foldableBatchNorm',
        data: { producer: producer.name, producerOp: producer.opType, memAccess: bn.memAccess ?? 0, channels },
        metrics: { memAccess: bn.memAccess ?? 0, flops: bn.flops ?? 0 },
        excessUs: context.time.layerUs(m.bn),
      });
    }
  },
});
