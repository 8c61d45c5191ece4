import type { DType } from '../../model/ir.js';
import { dataTypeAttr } from '../attrs.js';
import { ADD_FLOPS, CMP_FLOPS, COS_FLOPS, EXP_FLOPS, LOG_FLOPS, MUL_FLOPS, SIN_FLOPS, SQRT_FLOPS, perElement } from '../cost-model.js';
import { writeOnlyMemory } from '../memory-models.js';
import { fitOutputs, inputAt } from '../op-inputs.js';
import { dynamicDim, isKnownDim, numel } from '../shape-utils.js';
import { defineOp, type OpContext, type OpCost, type OpDef, type TensorInfo } from '../types.js';
import { OpSpecError } from '../../errors.js';

/**
 * Random generators: RandomNormal, RandomUniform (shape attribute), their *Like forms (the input's shape),
 * Bernoulli and Multinomial. Nothing is read but a shape, so the generators write only.
 */

/**
 * One uniform sample: the generator step (integer bit mixing, counted as one operation like a bitwise op) and one
 * multiply-add mapping it into [low, high).
 */
const UNIFORM_SAMPLE_FLOPS = CMP_FLOPS + MUL_FLOPS;
/**
 * One normal sample by Box-Muller, which turns two uniforms into two normals: 2 uniforms, log, multiply by -2,
 * sqrt, the angle multiply, cos and sin, and the two products (12 per pair, 6 per sample), then mean + scale * z.
 */
const NORMAL_SAMPLE_FLOPS =
  (2 * UNIFORM_SAMPLE_FLOPS + LOG_FLOPS + MUL_FLOPS + SQRT_FLOPS + MUL_FLOPS + COS_FLOPS + SIN_FLOPS + 2 * MUL_FLOPS) / 2 + MUL_FLOPS;
/** Bernoulli: one uniform and one compare with the probability. */
const BERNOULLI_SAMPLE_FLOPS = UNIFORM_SAMPLE_FLOPS + CMP_FLOPS;

/** The `dtype` attribute (TensorProto code), or `fallback` when absent. */
function dtypeAttr(ctx: OpContext, fallback: DType | null): DType | null {
  return dataTypeAttr(ctx.attrs, 'dtype') ?? fallback;
}

/** A generator writes its output only: `perSample` FLOPs per element. */
function generatorCost(out: TensorInfo, perSample: number): OpCost {
  return { flops: perElement(numel(out?.shape), perSample), memory: writeOnlyMemory(out), paramInputs: [] };
}

/** RandomNormal / RandomUniform: output shape is the required `shape` attribute, dtype default float32. */
function randomOp(opType: string, perSample: number): OpDef {
  return defineOp({
    opType,
    category: 'other',
    inferShape(ctx) {
      const shape = ctx.attrs.ints('shape');
      if (!shape) throw new OpSpecError('shape is required');
      if (shape.some((d) => d < 0)) throw new OpSpecError(`shape [${shape.join(',')}] has a negative dim`);
      return fitOutputs(ctx, [{ dtype: dtypeAttr(ctx, 'float32'), shape: [...shape] }]);
    },
    cost: (_ctx, outputs) => generatorCost(outputs[0], perSample),
  });
}

/** RandomNormalLike / RandomUniformLike: the input's shape; dtype attribute, else the input's. */
function randomLikeOp(opType: string, perSample: number): OpDef {
  return defineOp({
    opType,
    category: 'other',
    inferShape(ctx) {
      const x = inputAt(ctx, 0);
      return fitOutputs(ctx, [{ dtype: dtypeAttr(ctx, x?.dtype ?? null), shape: x?.shape ?? null }]);
    },
    cost: (_ctx, outputs) => generatorCost(outputs[0], perSample),
  });
}

/** Bernoulli(input probabilities): the input's shape; dtype attribute, else the input's. Reads the probabilities. */
const bernoulli = defineOp({
  opType: 'Bernoulli',
  category: 'other',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    return fitOutputs(ctx, [{ dtype: dtypeAttr(ctx, x?.dtype ?? null), shape: x?.shape ?? null }]);
  },
  cost: (_ctx, outputs) => ({ flops: perElement(numel(outputs[0]?.shape), BERNOULLI_SAMPLE_FLOPS), paramInputs: [] }),
});

/**
 * Multinomial(input (batch, classes) of unnormalised log-probabilities): (batch, sample_size) indices, dtype default
 * int32. FLOPs per row: exp and a running sum per class (the CDF); per sample: a uniform, its scaling by the total,
 * and a binary search of ceil(log2 classes) compares.
 */
const multinomial = defineOp({
  opType: 'Multinomial',
  category: 'other',
  inferShape(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    if (xs && xs.length !== 2) throw new OpSpecError(`input must be 2-D (batch, classes), got rank ${xs.length}`);
    const samples = ctx.attrs.int('sample_size', 1);
    const dtype = dtypeAttr(ctx, 'int32');
    return fitOutputs(ctx, [{ dtype, shape: xs ? [xs[0], samples] : [dynamicDim(ctx, 0, 0), samples] }]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    const batch = xs?.[0];
    const classes = xs?.[1];
    if (!isKnownDim(batch) || !isKnownDim(classes)) return { flops: null, paramInputs: [] };
    const samples = ctx.attrs.int('sample_size', 1);
    const search = Math.max(1, Math.ceil(Math.log2(Math.max(classes, 1)))) * CMP_FLOPS;
    const perRow = classes * (EXP_FLOPS + ADD_FLOPS) + samples * (UNIFORM_SAMPLE_FLOPS + MUL_FLOPS + search);
    return { flops: batch * perRow, paramInputs: [] };
  },
});

/** ai.onnx random generators. */
export const ops: readonly OpDef[] = [
  randomOp('RandomNormal', NORMAL_SAMPLE_FLOPS),
  randomOp('RandomUniform', UNIFORM_SAMPLE_FLOPS),
  randomLikeOp('RandomNormalLike', NORMAL_SAMPLE_FLOPS),
  randomLikeOp('RandomUniformLike', UNIFORM_SAMPLE_FLOPS),
  bernoulli,
  multinomial,
];
