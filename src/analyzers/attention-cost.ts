import type { Dim } from '../model/ir.js';
import { ADD_FLOPS, MUL_FLOPS, SOFTMAX_FLOPS, TANH_FLOPS } from './cost-model.js';
import { inputAt } from './op-inputs.js';
import { dynamicDim, isKnownDim, numel } from './shape-utils.js';
import type { OpContext } from './types.js';
import { OpSpecError } from '../errors.js';

/**
 * Counting shared by the attention ops of the nn family (Attention, RotaryEmbedding) and onnxruntime's com.microsoft
 * attention ops: dense scaled dot-product attention, RoPE, and the head-size arithmetic.
 */

/** a + b for dims: numeric when both are, `a` when b is 0, else a fresh dim of this node. */
export function addDims(ctx: OpContext, a: Dim, b: Dim, output: number, axis: number): Dim {
  if (isKnownDim(a) && isKnownDim(b)) return a + b;
  if (b === 0) return a;
  if (a === 0) return b;
  return dynamicDim(ctx, output, axis);
}

/** hidden / heads, checked: a structural error when it does not divide. */
export function headSize(hidden: Dim | null | undefined, heads: Dim | undefined, what: string): number | null {
  if (!isKnownDim(hidden) || !isKnownDim(heads) || heads <= 0) return null;
  if (hidden % heads !== 0) throw new OpSpecError(`${what} ${hidden} is not divisible by ${heads} heads`);
  return hidden / heads;
}

/** The attention score work per (batch, query head, query position, key position), besides the two products. */
const ATTENTION_SCALE_FLOPS = MUL_FLOPS;

const ATTENTION_SOFTMAX_FLOPS = SOFTMAX_FLOPS;

/** softcap * tanh(score / softcap): multiply, tanh, multiply. */
const SOFTCAP_FLOPS = MUL_FLOPS + TANH_FLOPS + MUL_FLOPS;

/** RoPE per rotated element: x * cos -+ x_rot * sin, a multiply and a multiply-add. */
export const ROTARY_FLOPS = MUL_FLOPS + MUL_FLOPS;

/**
 * Scaled dot-product attention, counted densely: per score (b, h, s, t) the Q.K^T dot product (qkHead multiply-adds)
 * and the P.V product (vHead multiply-adds), the scale, softmax, and `extraPerScore` (mask or bias adds, softcap).
 * Causal or windowed masks are not exploited (the count is the dense one). null when a dim is unknown.
 */
export function attentionFlops(
  batch: Dim | undefined,
  heads: Dim | undefined,
  seq: Dim | undefined,
  total: Dim | null | undefined,
  qkHead: Dim | null,
  vHead: Dim | null,
  extraPerScore: number,
): number | null {
  if (total === null || total === undefined || batch === undefined || heads === undefined || seq === undefined)
    return null;
  const scores = numel([batch, heads, seq, total]);
  if (scores === null || !isKnownDim(qkHead) || !isKnownDim(vHead)) return null;
  return scores * (qkHead + vHead + ATTENTION_SCALE_FLOPS + ATTENTION_SOFTMAX_FLOPS + extraPerScore);
}

/** Per-score extras: one add per additive mask or bias input present, plus the softcap when set. */
export function scoreExtras(ctx: OpContext, maskInputs: readonly number[]): number {
  const masks = maskInputs.filter((i) => inputAt(ctx, i) !== null).length * ADD_FLOPS;
  return masks + (ctx.attrs.float('softcap', 0) > 0 ? SOFTCAP_FLOPS : 0);
}

/**
 * Rotated elements of a RoPE input: all of it, or rotary_embedding_dim of each head_size. head_size is X's last
 * dim for 4-D (B, heads, S, H) input; for 3-D (B, S, hidden) it is hidden / num_heads, or the whole hidden width
 * when num_heads is 0 (then the cos cache's width, 2 * cache[-1], is the rotary dim).
 */
export function rotaryFlops(ctx: OpContext, cosIndex: number): number | null {
  const xs = inputAt(ctx, 0)?.shape ?? null;
  const elements = numel(xs);
  if (elements === null || !xs) return null;
  const last = xs[xs.length - 1];
  const heads = ctx.attrs.int('num_heads', 0);
  const head = xs.length === 4 ? last : heads > 0 ? headSize(last, heads, 'hidden size') : last;
  const attrDim = ctx.attrs.int('rotary_embedding_dim', 0);
  const cos = inputAt(ctx, cosIndex)?.shape ?? null;
  const cacheDim = cos ? cos[cos.length - 1] : undefined;
  const rotary = attrDim > 0 ? attrDim : isKnownDim(cacheDim) && (xs.length === 4 || heads > 0) ? 2 * cacheDim : head;
  if (!isKnownDim(head) || !isKnownDim(rotary) || head === 0) return null;
  return elements * Math.min(1, rotary / head) * ROTARY_FLOPS;
}
