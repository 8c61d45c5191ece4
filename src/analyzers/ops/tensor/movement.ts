import type { Dim } from '../../../model/ir.js';
import { foldMovement, knownElements, MAX_FOLD_ELEMENTS, withElements } from '../../fold.js';
import { gatherMemory, movementCost } from '../../memory-models.js';
import { listArg, requireInput, scalarOf, variadicInputs } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, dynamicShape, isStaticShape, normalizeAxis, numel, ravel } from '../../shape-utils.js';
import { defineOp, type OpContext, type TensorInfo, UNKNOWN_TENSOR } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Data movement of the ONNX tensor family (onnx/defs/tensor): no arithmetic (0 FLOPs), memory = what they read and
 * write. Copies (Transpose, Concat, Split, Pad, Tile...) use the ShuffleNet V2 'io' model; slices read only the
 * elements they write.
 */

/** Slice arguments treat values at or beyond 2^31 - 1 (INT_MAX, INT64_MAX) as "to the end". */
const TO_END = 2 ** 31 - 1;

/** The four entries of a 4-D shape or index, whose rank the caller has checked. */
function four<T>(s: readonly T[]): [T, T, T, T] {
  return [at(s, 0), at(s, 1), at(s, 2), at(s, 3)];
}

const transposeOp = defineOp({
  opType: 'Transpose',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const permAttr = ctx.attrs.ints('perm');
    const rank = x.shape?.length ?? permAttr?.length;
    if (rank === undefined) return [{ dtype: x.dtype, shape: null }];
    // The default permutation reverses the axes (Transpose spec).
    const perm = permAttr ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const seen = new Set(perm);
    if (perm.length !== rank || seen.size !== rank || perm.some((p) => p < 0 || p >= rank)) {
      throw new OpSpecError(`Transpose: perm [${perm.join(',')}] is not a permutation of rank ${rank}`);
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: dynamicShape(ctx, rank) }];
    const inShape = x.shape;
    const shape = perm.map((p) => at(inShape, p));
    const values = foldMovement(x, shape, (idx, strides) =>
      idx.reduce((s, v, i) => s + v * at(strides, at(perm, i)), 0),
    );
    return [withElements({ dtype: x.dtype, shape }, values)];
  },
  cost: () => movementCost(),
});

/** Merges equal-by-spec dims from several inputs: a number wins over a symbol; two numbers must agree. */
function mergeDim(ctx: OpContext, dims: readonly Dim[], what: string): Dim {
  let out: Dim | undefined;
  for (const d of dims) {
    if (out === undefined || typeof out === 'string') {
      if (typeof d === 'number' || out === undefined) out = d;
    } else if (typeof d === 'number' && d !== out) {
      throw new OpSpecError(`${ctx.node.opType}: ${what} (${out} vs ${d})`);
    }
  }
  return out as Dim;
}

/** Sum of dims: numeric when all are, the one symbol when the rest are 0, else null. */
function sumDims(dims: readonly Dim[]): Dim | null {
  let n = 0;
  const symbols: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n += d;
    else symbols.push(d);
  }
  if (symbols.length === 0) return n;
  return symbols.length === 1 && n === 0 ? at(symbols, 0) : null;
}

const concatOp = defineOp({
  opType: 'Concat',
  category: 'data-movement',
  inferShape(ctx) {
    const inputs = variadicInputs(ctx, 'Concat');
    const axisAttr = ctx.attrs.intOr('axis');
    if (axisAttr === undefined && ctx.opset >= 4)
      throw new OpSpecError(`Concat-${ctx.opset} needs the 'axis' attribute`);
    const dtype = inputs.find((t) => t.dtype)?.dtype ?? null;
    const shapes = inputs.map((t) => t.shape);
    const known = shapes.filter((s): s is readonly Dim[] => s !== null);
    if (known.length === 0) return [{ dtype, shape: null }];
    const rank = at(known, 0).length;
    if (known.some((s) => s.length !== rank)) {
      throw new OpSpecError(`Concat: inputs have different ranks (${known.map((s) => `[${s.join(',')}]`).join(' ')})`);
    }
    const axis = normalizeAxis(axisAttr ?? 1, rank);
    const shape: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      if (i === axis) {
        const sum = known.length === shapes.length ? sumDims(known.map((s) => at(s, i))) : null;
        shape.push(sum ?? dynamicDim(ctx, 0, i));
      } else
        shape.push(
          mergeDim(
            ctx,
            known.map((s) => at(s, i)),
            `inputs disagree on dim ${i}`,
          ),
        );
    }
    const parts = inputs.map(knownElements);
    let values: Dim[] | undefined;
    if (parts.every((p) => p !== undefined) && known.length === shapes.length && known.every(isStaticShape)) {
      const outer = numel(at(known, 0).slice(0, axis)) ?? 0;
      const total = numel(shape);
      if (total !== null && total <= MAX_FOLD_ELEMENTS) {
        values = [];
        for (let o = 0; o < outer; o++) {
          parts.forEach((p, k) => {
            const chunk = numel(at(known, k).slice(axis)) ?? 0;
            values?.push(...p.slice(o * chunk, (o + 1) * chunk));
          });
        }
      }
    }
    return [withElements({ dtype, shape }, values)];
  },
  cost: () => movementCost(),
});

/** Split sizes per output, or null when they depend on unknown values. */
function splitSizes(ctx: OpContext, dim: Dim, outputs: number): (number | null)[] | null {
  const split = ctx.opset === 1 ? listArg(ctx, 1, 'split', 1) : listArg(ctx, 1, 'split', 13);
  if (split.kind === 'known') {
    if (split.values.length !== outputs) {
      throw new OpSpecError(`Split: split has ${split.values.length} sizes for ${outputs} outputs`);
    }
    const sum = split.values.reduce((a, b) => a + b, 0);
    if (typeof dim === 'number' && sum !== dim)
      throw new OpSpecError(`Split: sizes [${split.values.join(',')}] do not sum to ${dim}`);
    if (split.values.some((v) => v < 0)) throw new OpSpecError(`Split: negative size in [${split.values.join(',')}]`);
    return [...split.values];
  }
  if (split.kind === 'unknown') return null;
  const numOutputs = ctx.opset >= 18 ? ctx.attrs.intOr('num_outputs') : undefined;
  const n = numOutputs ?? outputs;
  if (numOutputs !== undefined && numOutputs !== outputs) {
    throw new OpSpecError(`Split: num_outputs=${numOutputs} but the node has ${outputs} outputs`);
  }
  if (typeof dim !== 'number') return n === 1 ? [null] : null;
  if (ctx.opset >= 18) {
    // Split-18: equal chunks of ceil(dim / n); the last one is smaller when dim does not divide.
    const chunk = Math.ceil(dim / n);
    const last = dim - chunk * (n - 1);
    if (last < 0) throw new OpSpecError(`Split: ${dim} cannot be split into ${n} chunks of ${chunk}`);
    return Array.from({ length: n }, (_, i) => (i === n - 1 ? last : chunk));
  }
  if (dim % n !== 0) throw new OpSpecError(`Split: dim ${dim} does not split evenly into ${n} outputs`);
  return new Array<number>(n).fill(dim / n);
}

const splitOp = defineOp({
  opType: 'Split',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    const count = ctx.node.outputs.length;
    if (!x.shape) return Array.from({ length: count }, () => ({ dtype: x.dtype, shape: null }));
    const inShape = x.shape;
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), inShape.length);
    const sizes = splitSizes(ctx, at(inShape, axis), count);
    let offset = 0;
    return Array.from({ length: count }, (_, k) => {
      const size = sizes?.[k];
      let axisDim: Dim;
      if (typeof size === 'number') axisDim = size;
      else if (sizes)
        axisDim = at(inShape, axis); // a single output keeps the whole (symbolic) dim
      else axisDim = dynamicDim(ctx, k, axis);
      const shape = inShape.map((d, i) => (i === axis ? axisDim : d));
      const start = offset;
      const values =
        typeof size === 'number'
          ? foldMovement(x, shape, (idx, strides) => ravel(idx, strides) + start * at(strides, axis))
          : undefined;
      offset += typeof size === 'number' ? size : 0;
      return withElements({ dtype: x.dtype, shape }, values);
    });
  },
  cost: () => movementCost(),
});

/** Effective start and length of one sliced axis of numeric size d (Slice-10+ clamping rules). */
function sliceAxis(d: number, start: number, end: number, step: number): { start: number; length: number } {
  if (step === 0) throw new OpSpecError('Slice: step 0');
  let s = start < 0 ? start + d : start;
  let e = end < 0 ? end + d : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), d);
    e = Math.min(Math.max(e, 0), d);
  } else {
    s = Math.min(Math.max(s, 0), d - 1);
    e = Math.min(Math.max(e, -1), d - 1);
  }
  return { start: s, length: Math.max(0, Math.ceil((e - s) / step)) };
}

/** Whether a slice keeps a whole axis whatever its size (so a symbolic dim survives). */
function coversAxis(start: number, end: number, step: number): boolean {
  if (step === 1) return start === 0 || start <= -TO_END ? end >= TO_END : false;
  if (step === -1) return (start === -1 || start >= TO_END) && end <= -TO_END;
  return false;
}

const sliceOp = defineOp({
  opType: 'Slice',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const inShape = x.shape;
    const rank = inShape.length;
    const starts = listArg(ctx, 1, 'starts', 10);
    const ends = listArg(ctx, 2, 'ends', 10);
    const axesArg = listArg(ctx, 3, 'axes', 10);
    const stepsArg = ctx.opset >= 10 ? listArg(ctx, 4, 'steps', 10) : ({ kind: 'absent' } as const);
    if (starts.kind === 'absent' || ends.kind === 'absent') throw new OpSpecError('Slice needs starts and ends');
    if (axesArg.kind === 'unknown') return [{ dtype: x.dtype, shape: dynamicShape(ctx, rank) }];
    const count =
      starts.kind === 'known' ? starts.values.length : ends.kind === 'known' ? ends.values.length : starts.length;
    // Each sliced axis appears once (Slice spec), so more starts than axes cannot be valid.
    if (count !== null && count > rank) throw new OpSpecError(`starts has ${count} values for a rank-${rank} input`);
    const axes =
      axesArg.kind === 'known'
        ? axesArg.values.map((a) => normalizeAxis(a, rank))
        : count === null
          ? null
          : Array.from({ length: count }, (_, i) => i);
    if (axes === null) return [{ dtype: x.dtype, shape: dynamicShape(ctx, rank) }];
    if (new Set(axes).size !== axes.length) throw new OpSpecError(`Slice: repeated axis in [${axes.join(',')}]`);
    if (starts.kind !== 'known' || ends.kind !== 'known' || stepsArg.kind === 'unknown') {
      return [{ dtype: x.dtype, shape: inShape.map((d, i) => (axes.includes(i) ? dynamicDim(ctx, 0, i) : d)) }];
    }
    const steps = stepsArg.kind === 'known' ? stepsArg.values : axes.map(() => 1);
    if (starts.values.length !== axes.length || ends.values.length !== axes.length || steps.length !== axes.length) {
      throw new OpSpecError('Slice: starts, ends, axes and steps differ in length');
    }
    const shape: Dim[] = [...inShape];
    const effStart = new Array<number>(rank).fill(0);
    const effStep = new Array<number>(rank).fill(1);
    axes.forEach((a, k) => {
      const d = at(inShape, a);
      const [s, e, st] = [at(starts.values, k), at(ends.values, k), at(steps, k)];
      if (st === 0) throw new OpSpecError('Slice: step 0');
      if (typeof d === 'number') {
        const r = sliceAxis(d, s, e, st);
        shape[a] = r.length;
        effStart[a] = r.start;
        effStep[a] = st;
      } else shape[a] = coversAxis(s, e, st) ? d : dynamicDim(ctx, 0, a);
    });
    const values = foldMovement(x, shape, (idx, strides) =>
      idx.reduce((acc, v, i) => acc + (at(effStart, i) + v * at(effStep, i)) * at(strides, i), 0),
    );
    return [withElements({ dtype: x.dtype, shape }, values)];
  },
  // A strided copy reads only the elements it writes (plus the tiny index inputs).
  cost: (ctx, outputs) => movementCost(gatherMemory(ctx, outputs[0] ?? UNKNOWN_TENSOR, [1, 2, 3, 4])),
});

const padOp = defineOp({
  opType: 'Pad',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'data');
    const pads = ctx.opset < 2 ? listArg(ctx, 1, 'paddings', 99) : listArg(ctx, 1, 'pads', 11);
    const axesArg = ctx.opset >= 18 ? listArg(ctx, 3, 'axes', 18) : ({ kind: 'absent' } as const);
    if (pads.kind === 'absent') throw new OpSpecError('Pad needs pads');
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const inShape = x.shape;
    const rank = inShape.length;
    if (axesArg.kind === 'unknown') return [{ dtype: x.dtype, shape: dynamicShape(ctx, rank) }];
    const axes =
      axesArg.kind === 'known' ? axesArg.values.map((a) => normalizeAxis(a, rank)) : inShape.map((_, i) => i);
    if (pads.kind === 'unknown') {
      return [{ dtype: x.dtype, shape: inShape.map((d, i) => (axes.includes(i) ? dynamicDim(ctx, 0, i) : d)) }];
    }
    const p = pads.values;
    if (p.length !== 2 * axes.length)
      throw new OpSpecError(`Pad: ${p.length} pads for ${axes.length} axes (need 2 per axis)`);
    const shape: Dim[] = [...inShape];
    axes.forEach((a, k) => {
      const begin = at(p, k);
      const end = at(p, k + axes.length);
      const extra = begin + end;
      const d = at(inShape, a);
      if (typeof d === 'number') {
        if (d + extra < 0) throw new OpSpecError(`Pad: pads ${begin},${end} crop axis ${a} of size ${d} below 0`);
        shape[a] = d + extra;
      } else shape[a] = extra === 0 ? d : dynamicDim(ctx, 0, a);
    });
    return [{ dtype: x.dtype, shape }];
  },
  cost: () => movementCost(),
});

const tileOp = defineOp({
  opType: 'Tile',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const inShape = x.shape;
    let repeats: readonly number[] | undefined;
    if (ctx.opset >= 6) repeats = requireInput(ctx, 1, 'repeats').value;
    else {
      // Tile-1: scalar `tiles` repeats along scalar `axis`.
      const tiles = scalarOf(ctx.inputs[1]);
      const axis = scalarOf(ctx.inputs[2]);
      if (tiles !== undefined && axis !== undefined) {
        const a = normalizeAxis(axis, inShape.length);
        repeats = inShape.map((_, i) => (i === a ? tiles : 1));
      }
    }
    if (!repeats) return [{ dtype: x.dtype, shape: dynamicShape(ctx, inShape.length) }];
    if (repeats.length !== inShape.length)
      throw new OpSpecError(`Tile: ${repeats.length} repeats for rank ${inShape.length}`);
    if (repeats.some((r) => r < 0)) throw new OpSpecError(`Tile: negative repeat in [${repeats.join(',')}]`);
    const shape = inShape.map((d, i) => {
      const r = at(repeats, i);
      return typeof d === 'number' ? d * r : r === 1 ? d : dynamicDim(ctx, 0, i);
    });
    const values = foldMovement(x, shape, (o, strides, dims) =>
      o.reduce((acc, v, i) => acc + (v % at(dims, i)) * at(strides, i), 0),
    );
    return [withElements({ dtype: x.dtype, shape }, values)];
  },
  cost: () => movementCost(),
});

function spatialDim(ctx: OpContext, d: Dim, factor: number, axis: number, divide: boolean): Dim {
  if (typeof d !== 'number') return dynamicDim(ctx, 0, axis);
  if (!divide) return d * factor;
  if (d % factor !== 0) throw new OpSpecError(`${ctx.node.opType}: dim ${d} is not divisible by blocksize ${factor}`);
  return d / factor;
}

/** DepthToSpace / SpaceToDepth operands: X, the positive `blocksize` b, and X's 4 dims (null while X has no shape). */
function blockOperands(ctx: OpContext): { x: TensorInfo; b: number; dims: [Dim, Dim, Dim, Dim] | null } {
  const op = ctx.node.opType;
  const x = requireInput(ctx, 0, 'input');
  const b = ctx.attrs.intOr('blocksize');
  if (!b || b < 1) throw new OpSpecError(`${op} needs a positive blocksize`);
  if (!x.shape) return { x, b, dims: null };
  if (x.shape.length !== 4) throw new OpSpecError(`${op} needs a 4-D input, got rank ${x.shape.length}`);
  return { x, b, dims: four(x.shape) };
}

const depthToSpaceOp = defineOp({
  opType: 'DepthToSpace',
  category: 'data-movement',
  inferShape(ctx) {
    const { x, b, dims } = blockOperands(ctx);
    if (!dims) return [{ dtype: x.dtype, shape: null }];
    const [n, c, h, w] = dims;
    const shape = [
      n,
      spatialDim(ctx, c, b * b, 1, true),
      spatialDim(ctx, h, b, 2, false),
      spatialDim(ctx, w, b, 3, false),
    ];
    // DCR (default) reads channel (bh*b + bw)*C' + c; CRD reads c*b*b + bh*b + bw.
    const crd = ctx.opset >= 11 && ctx.attrs.string('mode', 'DCR') === 'CRD';
    let values: Dim[] | undefined;
    if (isStaticShape(shape)) {
      const cOut = at(shape, 1);
      values = foldMovement(x, shape, (idx, strides) => {
        const [bi, co, y, xo] = four(idx);
        const [bh, bw] = [y % b, xo % b];
        const ci = crd ? co * b * b + bh * b + bw : (bh * b + bw) * cOut + co;
        return ravel([bi, ci, Math.floor(y / b), Math.floor(xo / b)], strides);
      });
    }
    return [withElements({ dtype: x.dtype, shape }, values)];
  },
  cost: () => movementCost(),
});

const spaceToDepthOp = defineOp({
  opType: 'SpaceToDepth',
  category: 'data-movement',
  inferShape(ctx) {
    const { x, b, dims } = blockOperands(ctx);
    if (!dims) return [{ dtype: x.dtype, shape: null }];
    const [n, c, h, w] = dims;
    const shape = [
      n,
      typeof c === 'number' ? c * b * b : dynamicDim(ctx, 0, 1),
      spatialDim(ctx, h, b, 2, true),
      spatialDim(ctx, w, b, 3, true),
    ];
    let values: Dim[] | undefined;
    if (typeof c === 'number') {
      values = foldMovement(x, shape, (idx, strides) => {
        const [bi, co, y, xo] = four(idx);
        const block = Math.floor(co / c);
        const ci = co % c;
        return ravel([bi, ci, y * b + Math.floor(block / b), xo * b + (block % b)], strides);
      });
    }
    return [withElements({ dtype: x.dtype, shape }, values)];
  },
  cost: () => movementCost(),
});

const oneHotOp = defineOp({
  opType: 'OneHot',
  category: 'data-movement',
  inferShape(ctx) {
    const indices = requireInput(ctx, 0, 'indices');
    const depthIn = requireInput(ctx, 1, 'depth');
    const values = requireInput(ctx, 2, 'values');
    if (!indices.shape) return [{ dtype: values.dtype, shape: null }];
    const rank = indices.shape.length + 1;
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), rank);
    // A non-integer depth is cast to int64 (truncated), per the spec.
    const depth = scalarOf(depthIn);
    if (depth !== undefined && Math.trunc(depth) < 1) throw new OpSpecError(`OneHot: depth ${depth} must be positive`);
    const shape: Dim[] = [...indices.shape];
    shape.splice(axis, 0, depth === undefined ? dynamicDim(ctx, 0, axis) : Math.trunc(depth));
    return [{ dtype: values.dtype, shape }];
  },
  cost: () => movementCost(),
});

const triluOp = defineOp({
  opType: 'Trilu',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    if (x.shape && x.shape.length < 2) throw new OpSpecError(`Trilu needs rank >= 2, got ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  cost: () => movementCost(),
});

const reverseSequenceOp = defineOp({
  opType: 'ReverseSequence',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    requireInput(ctx, 1, 'sequence_lens');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  cost: () => movementCost(),
});

/** ai.onnx data movement, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    transposeOp,
    concatOp,
    splitOp,
    sliceOp,
    padOp,
    tileOp,
    depthToSpaceOp,
    spaceToDepthOp,
    oneHotOp,
    triluOp,
    reverseSequenceOp,
  ],
  {
    Transpose: 1,
    Concat: 1,
    Split: 1,
    Slice: 1,
    Pad: 1,
    Tile: 1,
    DepthToSpace: 1,
    SpaceToDepth: 1,
    OneHot: 9,
    Trilu: 14,
    ReverseSequence: 10,
  },
);
