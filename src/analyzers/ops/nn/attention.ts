import type { Dim } from '../../../model/ir.js';
import { addDims, attentionFlops, headSize, rotaryFlops, scoreExtras } from '../../attention-cost.js';
import { dtypeAndShape, dtypeOf, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { isKnownDim } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpDef } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Attention of the ONNX nn family (onnx/defs/nn): Attention (opset 23) and RotaryEmbedding (opset 23). The counting
 * (attention-cost.ts) is shared with onnxruntime's com.microsoft attention ops.
 */

/**
 * RotaryEmbedding: output is X's shape. `cosIndex` is the cos cache's input position: com.microsoft orders (input,
 * position_ids, cos, sin), ai.onnx (X, cos, sin, position_ids?).
 */
export function rotaryEmbedding(domain: string | undefined, cosIndex: number): OpDef {
  return defineOp({
    opType: 'RotaryEmbedding',
    ...(domain ? { domain } : {}),
    category: 'elementwise',
    inferShape(ctx) {
      const xs = inputAt(ctx, 0)?.shape;
      if (xs && xs.length !== 3 && xs.length !== 4)
        throw new OpSpecError(`input must be 3-D or 4-D, got rank ${xs.length}`);
      return fitOutputs(ctx, [dtypeAndShape(inputAt(ctx, 0))]);
    },
    cost: (ctx) => ({ flops: rotaryFlops(ctx, cosIndex), paramInputs: [] }),
  });
}

/**
 * ai.onnx Attention (opset 23/24): Q (B, q_heads, S, H) or 3-D (B, S, q_num_heads * H); K, V likewise with
 * kv heads and length L; past_key/past_value (B, kv_heads, P, H). Y (B, q_heads, S, Hv) or (B, S, q_heads * Hv);
 * present_key/value (B, kv_heads, P + L, H); qk_matmul_output (B, q_heads, S, P + L).
 */
function onnxAttentionGeometry(ctx: OpContext) {
  const q = inputAt(ctx, 0)?.shape ?? null;
  const k = inputAt(ctx, 1)?.shape ?? null;
  const v = inputAt(ctx, 2)?.shape ?? null;
  const rank = q?.length ?? k?.length ?? null;
  if (rank !== null && rank !== 3 && rank !== 4) throw new OpSpecError(`Q must be 3-D or 4-D, got rank ${rank}`);
  const qHeadsAttr = ctx.attrs.intOr('q_num_heads');
  const kvHeadsAttr = ctx.attrs.intOr('kv_num_heads');
  if (rank === 3 && (qHeadsAttr === undefined || kvHeadsAttr === undefined)) {
    throw new OpSpecError('3-D inputs need the q_num_heads and kv_num_heads attributes');
  }
  const four = rank === 4;
  const batch = q?.[0];
  const qHeads: Dim | undefined = four ? q?.[1] : qHeadsAttr;
  const kvHeads: Dim | undefined = four ? k?.[1] : kvHeadsAttr;
  const seq = four ? q?.[2] : q?.[1];
  const kvLen = four ? k?.[2] : k?.[1];
  const qkHead = four ? (q?.[3] ?? null) : headSize(q?.[2], qHeads, 'Q hidden size');
  const vHead = four ? (v?.[3] ?? null) : headSize(v?.[2], kvHeads, 'V hidden size');
  const past = inputAt(ctx, 4)?.shape ?? null;
  let total: Dim | null = kvLen ?? null;
  if (past && kvLen !== undefined) {
    if (past.length < 3) throw new OpSpecError(`past_key has no sequence axis (rank ${past.length}; expected 4-D)`);
    total = addDims(ctx, at(past, 2), kvLen, 1, 2);
  }
  return { rank, batch, qHeads, kvHeads, seq, kvLen, qkHead, vHead, total };
}

const onnxAttention = defineOp({
  opType: 'Attention',
  category: 'gemm',
  inferShape(ctx) {
    const g = onnxAttentionGeometry(ctx);
    const dtype = dtypeOf(ctx, 0, null);
    const known = (dims: readonly (Dim | null | undefined)[]): Dim[] | null =>
      dims.every((d) => d !== null && d !== undefined) ? (dims as Dim[]) : null;
    let y: Dim[] | null = null;
    if (g.rank === 4) y = known([g.batch, g.qHeads, g.seq, g.vHead]);
    else if (g.rank === 3)
      y = known([g.batch, g.seq, isKnownDim(g.qHeads) && isKnownDim(g.vHead) ? g.qHeads * g.vHead : null]);
    return fitOutputs(ctx, [
      { dtype, shape: y },
      { dtype, shape: known([g.batch, g.kvHeads, g.total, g.qkHead]) },
      { dtype, shape: known([g.batch, g.kvHeads, g.total, g.vHead]) },
      { dtype, shape: known([g.batch, g.qHeads, g.seq, g.total]) },
    ]);
  },
  cost(ctx) {
    const g = onnxAttentionGeometry(ctx);
    return {
      flops: attentionFlops(g.batch, g.qHeads, g.seq, g.total, g.qkHead, g.vHead, scoreExtras(ctx, [3])),
      paramInputs: [],
    };
  },
});

/** ai.onnx attention, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    onnxAttention,
    // ai.onnx orders its inputs (X, cos_cache, sin_cache, position_ids?).
    rotaryEmbedding(undefined, 1),
  ],
  { Attention: 23, RotaryEmbedding: 23 },
);
