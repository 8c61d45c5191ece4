import { CMP_FLOPS, DIV_FLOPS, MUL_FLOPS, perElement } from '../../cost-model.js';
import { dtypeAndShape, fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { isKnownDim, numel } from '../../shape-utils.js';
import { defineOp } from '../../types.js';
import { OpSpecError } from '../../../errors.js';

/**
 * Dense linear algebra of the ONNX math family (onnx/defs/math) on batches of square matrices: Det, and the LU counts
 * that com.microsoft Inverse shares. Both are computed from an LU factorisation with partial pivoting (Golub & Van
 * Loan, Matrix Computations, Alg. 3.4.1), which is what onnxruntime's Eigen-based kernels do.
 */

/**
 * LU with partial pivoting of an n x n matrix: for each column k (m = n - 1 - k rows below the pivot), m compares
 * to find the pivot, m divides for the multipliers and m^2 multiply-adds for the Schur update:
 * sum over m = 1..n-1 of (m^2 + 2m) = (n-1)n(2n-1)/6 + (n-1)n.
 */
export function luFlops(n: number): number {
  if (n <= 1) return 0;
  const m = n - 1;
  return ((m * n * (2 * n - 1)) / 6) * MUL_FLOPS + ((m * n) / 2) * (CMP_FLOPS + DIV_FLOPS);
}

/** det = product of U's diagonal (n - 1 multiplies) after the LU (the pivot sign is a flip, not counted). */
export function detFlops(n: number): number {
  return n <= 1 ? 0 : luFlops(n) + (n - 1) * MUL_FLOPS;
}

/**
 * inverse = LU, then one forward (unit-lower, n(n-1)/2 multiply-adds) and one backward (n(n-1)/2 multiply-adds and n
 * divides) substitution per column of the identity: n * n^2 = n^3 on top of the LU.
 */
export function invertFlops(n: number): number {
  return n <= 0 ? 0 : luFlops(n) + n * (n * (n - 1) * MUL_FLOPS + n * DIV_FLOPS);
}

/** Det (opset 11): X (..., M, M) gives the determinants, shape X[:-2]; FLOPs detFlops(M) per matrix. */
const det = defineOp({
  opType: 'Det',
  category: 'other',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    const xs = x?.shape ?? null;
    if (xs) {
      if (xs.length < 2) throw new OpSpecError(`input must have rank >= 2, got rank ${xs.length}`);
      const [h, w] = xs.slice(-2);
      if (isKnownDim(h) && isKnownDim(w) && h !== w) throw new OpSpecError(`matrices must be square, got ${h} x ${w}`);
    }
    return fitOutputs(ctx, [{ ...dtypeAndShape(x), shape: xs ? xs.slice(0, -2) : null }]);
  },
  cost(ctx) {
    const xs = inputAt(ctx, 0)?.shape ?? null;
    const m = xs?.[xs.length - 1];
    return { flops: xs && isKnownDim(m) ? perElement(numel(xs.slice(0, -2)), detFlops(m)) : null, paramInputs: [] };
  },
});

/** ai.onnx linear algebra, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([det], { Det: 11 });
