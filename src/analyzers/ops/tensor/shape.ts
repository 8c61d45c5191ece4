import type { Dim } from '../../../model/ir.js';
import { knownElements, withElements } from '../../fold.js';
import { METADATA_COST } from '../../memory-models.js';
import { listArg, requireInput, viewOf } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, dynamicShape, normalizeAxis, productDim } from '../../shape-utils.js';
import { defineOp, type OpContext, type TensorInfo } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Shape and view ops of the ONNX tensor family (onnx/defs/tensor): Shape, Size, Reshape, Squeeze, Unsqueeze and
 * Identity. Exporters compute shapes inside the graph (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), so these
 * ops fold values whenever their inputs are known.
 */

/** Output infos of Squeeze given known axes. */
function squeezeShape(ctx: OpContext, shape: readonly Dim[], axes: readonly number[] | null): Dim[] | null {
  if (axes === null) {
    if (shape.some((d) => typeof d === 'string')) return null;
    return shape.filter((d) => d !== 1);
  }
  const drop = new Set(axes.map((a) => normalizeAxis(a, shape.length)));
  for (const a of drop) {
    const d = shape[a];
    if (typeof d === 'number' && d !== 1) {
      throw new OpSpecError(`${ctx.node.opType}: cannot squeeze axis ${a} of size ${d}`);
    }
  }
  return shape.filter((_, i) => !drop.has(i));
}

function unsqueezeShape(shape: readonly Dim[], axes: readonly number[]): Dim[] {
  const rank = shape.length + axes.length;
  const inserted = new Set<number>();
  for (const a of axes) {
    const n = normalizeAxis(a, rank);
    if (inserted.has(n)) throw new OpSpecError(`Unsqueeze: axis ${a} appears twice`);
    inserted.add(n);
  }
  // The axes are distinct, so exactly shape.length positions are not inserted: one per input dim.
  const out: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(inserted.has(i) ? 1 : at(shape, next++));
  return out;
}

/**
 * Reshape's output shape (ONNX Reshape-5/14): 0 copies the input dim (unless allowzero), -1 is inferred from the
 * element count. Symbolic dims that appear on both sides cancel, so `[N, 232, 7, 7] -> [N, 2, 116, 49]` checks and
 * `[N, -1]` infers exactly. Throws when the element counts cannot match.
 */
function reshapeShape(ctx: OpContext, input: readonly Dim[] | null, target: readonly Dim[], allowZero: boolean): Dim[] {
  const out: Dim[] = [];
  let inferAt = -1;
  target.forEach((t, i) => {
    if (t === 0 && !allowZero) {
      if (!input) out.push(dynamicDim(ctx, 0, i));
      else if (i >= input.length)
        throw new OpSpecError(`Reshape: shape[${i}] = 0 copies a dim the rank-${input.length} input lacks`);
      else out.push(at(input, i));
    } else if (t === -1) {
      if (inferAt >= 0) throw new OpSpecError('Reshape: more than one -1 in the target shape');
      inferAt = i;
      out.push(-1);
    } else if (typeof t === 'number' && (t < 0 || !Number.isInteger(t))) {
      throw new OpSpecError(`Reshape: invalid target dim ${t}`);
    } else out.push(t);
  });
  if (allowZero && inferAt >= 0 && target.includes(0)) {
    throw new OpSpecError('Reshape: allowzero=1 forbids 0 and -1 in the same shape');
  }
  const known = out.filter((_, i) => i !== inferAt);
  const balance = input ? cancelDims(input, known) : null;
  if (inferAt >= 0) {
    if (balance?.left.length === 1 && balance.right.length === 0 && balance.leftCount === balance.rightCount) {
      // [N, 3, H, W] -> [-1, 3, H, W]: everything else cancels, so -1 is N itself.
      out[inferAt] = at(balance.left, 0);
    } else if (!balance || balance.left.length > 0 || balance.right.length > 0)
      out[inferAt] = dynamicDim(ctx, 0, inferAt);
    else if (balance.rightCount === 0) {
      if (balance.leftCount !== 0)
        throw new OpSpecError(`Reshape: cannot infer -1 for ${balance.leftCount} elements and a zero-sized target`);
      out[inferAt] = 0;
    } else {
      const d = balance.leftCount / balance.rightCount;
      if (!Number.isInteger(d)) {
        throw new OpSpecError(
          `Reshape: cannot reshape [${input?.join(',')}] to [${target.join(',')}] (element counts do not divide)`,
        );
      }
      out[inferAt] = d;
    }
  } else if (balance?.left.length === 0 && balance.right.length === 0 && balance.leftCount !== balance.rightCount) {
    throw new OpSpecError(
      `Reshape: cannot reshape [${input?.join(',')}] to [${target.join(',')}] (element counts differ)`,
    );
  }
  return out;
}

/** Numeric products of both sides after cancelling symbolic dims that appear on both. */
function cancelDims(
  left: readonly Dim[],
  right: readonly Dim[],
): { leftCount: number; rightCount: number; left: string[]; right: string[] } {
  const l: string[] = [];
  let leftCount = 1;
  for (const d of left) {
    if (typeof d === 'number') leftCount *= d;
    else l.push(d);
  }
  const r: string[] = [];
  let rightCount = 1;
  for (const d of right) {
    if (typeof d === 'number') rightCount *= d;
    else {
      const i = l.indexOf(d);
      if (i >= 0) l.splice(i, 1);
      else r.push(d);
    }
  }
  return { leftCount, rightCount, left: l, right: r };
}

/** A shape fact whose every element is known is a constant: onnxruntime folds Shape/Size of a static input. */
function constantWhenKnown(info: TensorInfo): TensorInfo {
  return info.value ? { ...info, isConstant: true } : info;
}

const shapeOp = defineOp({
  opType: 'Shape',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    if (!x.shape) return [{ dtype: 'int64', shape: [dynamicDim(ctx, 0, 0)] }];
    const rank = x.shape.length;
    const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
    let start = 0;
    let end = rank;
    if (ctx.opset >= 15) {
      start = clampAxis(ctx.attrs.int('start', 0));
      end = clampAxis(ctx.attrs.intOr('end') ?? rank);
    }
    const dims = x.shape.slice(start, Math.max(start, end));
    return [constantWhenKnown(withElements({ dtype: 'int64', shape: [dims.length] }, dims))];
  },
  cost: () => METADATA_COST,
});

const sizeOp = defineOp({
  opType: 'Size',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const n = x.shape ? productDim(x.shape) : null;
    return [constantWhenKnown(withElements({ dtype: 'int64', shape: [] }, n === null ? undefined : [n]))];
  },
  cost: () => METADATA_COST,
});

const reshapeOp = defineOp({
  opType: 'Reshape',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    let target: readonly Dim[] | undefined;
    let targetRank: number | null = null;
    if (ctx.opset < 5) {
      target = ctx.attrs.ints('shape');
      if (!target) throw new OpSpecError(`Reshape-${ctx.opset} needs the 'shape' attribute`);
    } else {
      const s = requireInput(ctx, 1, 'shape');
      target = knownElements(s);
      if (s.shape?.length === 1 && typeof s.shape[0] === 'number') targetRank = s.shape[0];
    }
    const allowZero = ctx.opset >= 14 && ctx.attrs.int('allowzero', 0) === 1;
    if (!target) {
      // A rank-1 target must hold every element, whatever its value.
      const all = targetRank === 1 && x.shape ? productDim(x.shape) : null;
      if (all !== null) return [viewOf(x, [all])];
      return [{ dtype: x.dtype, shape: dynamicShape(ctx, targetRank) }];
    }
    const shape = reshapeShape(ctx, x.shape, target, allowZero);
    return [viewOf(x, shape)];
  },
  cost: () => METADATA_COST,
});

const squeezeOp = defineOp({
  opType: 'Squeeze',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const axes = listArg(ctx, 1, 'axes', 13);
    if (axes.kind === 'unknown') {
      const rank = x.shape && axes.length !== null ? x.shape.length - axes.length : null;
      // Only size-1 dims can be squeezed: when exactly that many dims are 1 (the rest known), they are the axes.
      if (x.shape && axes.length !== null && x.shape.every((d) => typeof d === 'number')) {
        const rest = x.shape.filter((d) => d !== 1);
        if (rest.length === rank) return [viewOf(x, rest)];
      }
      return [{ dtype: x.dtype, shape: dynamicShape(ctx, rank) }];
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    // An empty axes tensor means "not given" (onnxruntime): every size-1 dim goes.
    const shape = squeezeShape(ctx, x.shape, axes.kind === 'known' && axes.values.length > 0 ? axes.values : null);
    return [viewOf(x, shape)];
  },
  cost: () => METADATA_COST,
});

const unsqueezeOp = defineOp({
  opType: 'Unsqueeze',
  category: 'metadata',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const axes = listArg(ctx, 1, 'axes', 13);
    if (axes.kind === 'absent') throw new OpSpecError('Unsqueeze needs axes');
    if (axes.kind === 'unknown') {
      const rank = x.shape && axes.length !== null ? x.shape.length + axes.length : null;
      return [{ dtype: x.dtype, shape: dynamicShape(ctx, rank) }];
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    return [viewOf(x, unsqueezeShape(x.shape, axes.values))];
  },
  cost: () => METADATA_COST,
});

const identityOp = defineOp({
  opType: 'Identity',
  category: 'metadata',
  inferShape: (ctx) => [{ ...requireInput(ctx, 0, 'input') }],
  cost: () => METADATA_COST,
});

/** ai.onnx shape and view ops, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [shapeOp, sizeOp, reshapeOp, squeezeOp, unsqueezeOp, identityOp],
  { Shape: 1, Size: 1, Reshape: 1, Squeeze: 1, Unsqueeze: 1, Identity: 1 },
);
