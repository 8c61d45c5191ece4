import type { Dim, DType } from '../../../model/ir.js';
import { constantInputs, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { broadcastShapes, broadcastsTo, isKnownDim, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpCost, type OpDef } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Matrix products of the ONNX math family (onnx/defs/math): Gemm, MatMul and its integer and quantized forms, and
 * Einsum. One multiply-add counts as one FLOP.
 */

/** The concrete size when either of two dims that must agree is concrete; throws when both are and differ. */
function agree(a: Dim, b: Dim, what: string): Dim {
  if (isKnownDim(a) && isKnownDim(b) && a !== b) throw new OpSpecError(`${what}: ${a} vs ${b}`);
  return isKnownDim(a) ? a : b;
}

interface Product {
  readonly shape: Dim[] | null;
  /** Multiply-adds: batch * M * N * K, null when a dim is unknown. */
  readonly flops: number | null;
}

/** Swaps the last two dims (transA/transB); a 1-D operand is left alone. */
export function transposeLast2(s: readonly Dim[]): Dim[] {
  if (s.length < 2) return [...s];
  return [...s.slice(0, -2), at(s, s.length - 1), at(s, s.length - 2)];
}

/**
 * numpy.matmul semantics (Operators.md MatMul): a 1-D A is promoted to (1, K) and a 1-D B to (K, 1), the added dim
 * removed from the result; leading (batch) dims broadcast. FLOPs = prod(batch) * M * N * K.
 */
function matmulProduct(a: readonly Dim[] | null, b: readonly Dim[] | null): Product {
  if (!a || !b) return { shape: null, flops: null };
  if (a.length === 0 || b.length === 0) throw new OpSpecError('MatMul operands must be at least 1-D');
  const aa: readonly Dim[] = a.length === 1 ? [1, at(a, 0)] : a;
  const bb: readonly Dim[] = b.length === 1 ? [at(b, 0), 1] : b;
  const m = at(aa, aa.length - 2);
  const k = agree(at(aa, aa.length - 1), at(bb, bb.length - 2), 'inner dimensions differ');
  const n = at(bb, bb.length - 1);
  const batch = broadcastShapes([aa.slice(0, -2), bb.slice(0, -2)]) ?? [];
  const shape = [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
  return { shape, flops: numel([...batch, m, n, k]) };
}

export function matmulLike(
  opType: string,
  positions: { a: number; b: number },
  dtype: (ctx: OpContext) => DType | null,
  domain?: string,
  transform?: (
    ctx: OpContext,
    a: readonly Dim[] | null,
    b: readonly Dim[] | null,
  ) => [readonly Dim[] | null, readonly Dim[] | null] | null,
): OpDef {
  const product = (ctx: OpContext): Product => {
    const a = inputAt(ctx, positions.a)?.shape ?? null;
    const b = inputAt(ctx, positions.b)?.shape ?? null;
    const operands: [readonly Dim[] | null, readonly Dim[] | null] | null = transform ? transform(ctx, a, b) : [a, b];
    return operands ? matmulProduct(operands[0], operands[1]) : { shape: null, flops: null };
  };
  return defineOp({
    opType,
    ...(domain ? { domain } : {}),
    category: 'gemm',
    inferShape: (ctx) => fitOutputs(ctx, [{ dtype: dtype(ctx), shape: product(ctx).shape }]),
    cost: (ctx): OpCost => ({
      flops: product(ctx).flops,
      paramInputs: constantInputs(ctx, [positions.a, positions.b]),
    }),
  });
}

/**
 * Gemm (Operators.md): Y = alpha * A' * B' + beta * C with A' = transA ? A^T : A (M x K), B' = transB ? B^T : B
 * (K x N), C unidirectionally broadcastable to (M, N). FLOPs = M * N * K multiply-adds; the alpha/beta scaling and
 * the C add are not counted (C initialises the accumulator, as a Conv bias does).
 */
function gemmProduct(ctx: OpContext): Product {
  const a = inputAt(ctx, 0)?.shape ?? null;
  const b = inputAt(ctx, 1)?.shape ?? null;
  const c = inputAt(ctx, 2)?.shape ?? null;
  if (a && a.length !== 2) throw new OpSpecError(`A must be 2-D, got rank ${a.length}`);
  if (b && b.length !== 2) throw new OpSpecError(`B must be 2-D, got rank ${b.length}`);
  if (!a || !b) return { shape: null, flops: null };
  const [m, ka] = ctx.attrs.int('transA', 0) ? [at(a, 1), at(a, 0)] : [at(a, 0), at(a, 1)];
  const [kb, n] = ctx.attrs.int('transB', 0) ? [at(b, 1), at(b, 0)] : [at(b, 0), at(b, 1)];
  const k = agree(ka, kb, 'inner dimensions of A and B differ');
  const shape = [m, n];
  if (c) {
    if (!broadcastsTo(c, shape))
      throw new OpSpecError(`C of shape [${c.join(',')}] does not broadcast to [${shape.join(',')}]`);
  }
  return { shape, flops: numel([m, n, k]) };
}

const gemm = defineOp({
  opType: 'Gemm',
  category: 'gemm',
  inferShape: (ctx) => fitOutputs(ctx, [{ dtype: inputAt(ctx, 0)?.dtype ?? null, shape: gemmProduct(ctx).shape }]),
  cost: (ctx) => ({ flops: gemmProduct(ctx).flops, paramInputs: constantInputs(ctx, [0, 1, 2]) }),
});

type Token = string; // a letter, or '...'

function parseTerm(term: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < term.length;) {
    if (term.startsWith('...', i)) {
      if (out.includes('...')) throw new OpSpecError(`einsum term '${term}' has more than one ellipsis`);
      out.push('...');
      i += 3;
    } else if (/[A-Za-z]/.test(term.charAt(i))) {
      out.push(term.charAt(i));
      i += 1;
    } else {
      throw new OpSpecError(`einsum term '${term}' has an invalid character '${term.charAt(i)}'`);
    }
  }
  return out;
}

/**
 * Einsum (Operators.md, numpy.einsum): explicit `->` output, or implicit mode (broadcast ellipsis dims, then the
 * letters that occur once, sorted). FLOPs = prod(ellipsis dims) * product of every distinct index's size: the naive
 * loop nest, one multiply-add per point (a contraction-order optimiser could do less for 3+ operands).
 */
function einsumProduct(ctx: OpContext): Product {
  const equation = ctx.attrs.string('equation', '').replace(/\s+/g, '');
  if (!equation) throw new OpSpecError('equation is required');
  const sides = equation.split('->');
  const lhs = at(sides, 0);
  const rhs = sides[1];
  const terms = lhs.split(',').map(parseTerm);
  const ins = ctx.inputs;
  if (terms.length !== ins.length)
    throw new OpSpecError(`equation has ${terms.length} operands but the node has ${ins.length} inputs`);
  const sizes = new Map<string, Dim>();
  const counts = new Map<string, number>();
  const ellipses: (readonly Dim[] | null)[] = [];
  let unknownRank = false;
  for (const [t, term] of terms.entries()) {
    const letters = term.filter((x) => x !== '...');
    for (const l of letters) counts.set(l, (counts.get(l) ?? 0) + 1);
    const shape = ins[t]?.shape ?? null;
    if (!shape) {
      unknownRank = true;
      continue;
    }
    const hasEllipsis = term.includes('...');
    const ellRank = shape.length - letters.length;
    if (ellRank < 0 || (!hasEllipsis && ellRank !== 0)) {
      throw new OpSpecError(`operand ${t} has rank ${shape.length} but its term '${term.join('')}' does not match`);
    }
    let p = 0;
    for (const tok of term) {
      if (tok === '...') {
        ellipses.push(shape.slice(p, p + ellRank));
        p += ellRank;
        continue;
      }
      const d = at(shape, p++);
      const prev = sizes.get(tok);
      if (prev === undefined || prev === 1) sizes.set(tok, d);
      else if (d !== 1 && isKnownDim(prev) && isKnownDim(d) && prev !== d) {
        throw new OpSpecError(`index '${tok}' has sizes ${prev} and ${d}`);
      } else if (!isKnownDim(prev) && isKnownDim(d)) sizes.set(tok, d);
    }
  }
  const ell = broadcastShapes(ellipses) ?? [];
  const outTokens =
    rhs !== undefined
      ? parseTerm(rhs)
      : [
          ...(terms.some((t) => t.includes('...')) ? ['...'] : []),
          ...[...counts]
            .filter(([, c]) => c === 1)
            .map(([l]) => l)
            .sort(),
        ];
  if (unknownRank) return { shape: null, flops: null };
  const shape: Dim[] = [];
  for (const tok of outTokens) {
    if (tok === '...') shape.push(...ell);
    else {
      const d = sizes.get(tok);
      if (d === undefined) throw new OpSpecError(`output index '${tok}' does not occur in any operand`);
      shape.push(d);
    }
  }
  return { shape, flops: numel([...ell, ...sizes.values()]) };
}

const einsum = defineOp({
  opType: 'Einsum',
  category: 'gemm',
  inferShape: (ctx) => fitOutputs(ctx, [{ dtype: inputAt(ctx, 0)?.dtype ?? null, shape: einsumProduct(ctx).shape }]),
  cost: (ctx) => ({ flops: einsumProduct(ctx).flops }),
});

export const firstDType = (i: number) => (ctx: OpContext) => inputAt(ctx, i)?.dtype ?? null;

/** ai.onnx matrix products, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    gemm,
    matmulLike('MatMul', { a: 0, b: 1 }, firstDType(0)),
    // MatMulInteger(A, B, a_zero_point, b_zero_point) -> int32.
    matmulLike('MatMulInteger', { a: 0, b: 1 }, () => 'int32'),
    // QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): y has y_zero_point's type.
    matmulLike('QLinearMatMul', { a: 0, b: 3 }, (ctx) => inputAt(ctx, 7)?.dtype ?? inputAt(ctx, 0)?.dtype ?? null),
    einsum,
  ],
  { Gemm: 1, MatMul: 1, MatMulInteger: 10, QLinearMatMul: 10, Einsum: 12 },
);
