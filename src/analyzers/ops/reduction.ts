import type { Dim } from '../../model/ir.js';
import {
  ADD_FLOPS,
  CMP_FLOPS,
  DIV_FLOPS,
  EXP_FLOPS,
  LOG_FLOPS,
  MUL_FLOPS,
  perElement,
  SQRT_FLOPS,
  sumFlops,
} from '../cost-model.js';
import { forEachIndex, MAX_FOLD_ELEMENTS, withElements } from '../fold.js';
import { constantInts, fitOutputs, inputAt } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { dynamicDim, dynamicShape, elementsOf, isStaticShape, normalizeAxis, numel } from '../shape-utils.js';
import { defineOp, type OpContext, type OpDef, type TensorInfo } from '../types.js';
import { at } from '../../util/at.js';

/** The ONNX reduction family (onnx/defs/reduction): the Reduce* ops, ArgMax and ArgMin. */

/** FLOPs of a Reduce* op: per input element (accumulate) and per output element (finalise). */
interface ReduceCost {
  readonly perInput: number;
  readonly perOutput: number;
  /** Folding of small constant tensors (shape arithmetic): the reduction of a list of values. */
  readonly fold?: (xs: readonly number[]) => number;
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

const REDUCE_OPS: Readonly<Record<string, ReduceCost>> = {
  ReduceSum: { perInput: ADD_FLOPS, perOutput: 0, fold: sum },
  /** Sum, then one divide per output. */
  ReduceMean: { perInput: ADD_FLOPS, perOutput: DIV_FLOPS, fold: (xs) => sum(xs) / xs.length },
  ReduceMax: { perInput: CMP_FLOPS, perOutput: 0, fold: (xs) => Math.max(...xs) },
  ReduceMin: { perInput: CMP_FLOPS, perOutput: 0, fold: (xs) => Math.min(...xs) },
  ReduceProd: { perInput: MUL_FLOPS, perOutput: 0, fold: (xs) => xs.reduce((p, x) => p * x, 1) },
  /** |x| and add. */
  ReduceL1: { perInput: CMP_FLOPS + ADD_FLOPS, perOutput: 0 },
  /** Multiply-add of x*x, one sqrt per output. */
  ReduceL2: { perInput: MUL_FLOPS, perOutput: SQRT_FLOPS },
  ReduceLogSum: { perInput: ADD_FLOPS, perOutput: LOG_FLOPS },
  /** exp and add per input (the naive form; a max-shifted kernel adds a compare and a subtract), log per output. */
  ReduceLogSumExp: { perInput: EXP_FLOPS + ADD_FLOPS, perOutput: LOG_FLOPS },
  ReduceSumSquare: { perInput: MUL_FLOPS, perOutput: 0 },
};

/** Reduced axes: a sorted list, 'all', 'none' (noop_with_empty_axes), or 'unknown' (axes input without a value). */
type Axes = { kind: 'list'; axes: number[] } | { kind: 'none' } | { kind: 'unknown'; count: number | null };

/**
 * Axes of a Reduce* op. They are an input from opset 18 (ReduceSum: 13), an attribute before. Empty or absent axes
 * reduce every axis unless noop_with_empty_axes=1 (input form only), which makes the op an identity.
 */
function reduceAxes(ctx: OpContext, rank: number): Axes {
  const fromInput = ctx.node.opType === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
  let list: readonly number[] | undefined;
  const t = inputAt(ctx, 1);
  if (fromInput && t) {
    list = constantInts(t) ?? (t.shape?.length === 1 && t.shape[0] === 0 ? [] : undefined);
    if (list === undefined) {
      const len = t.shape?.length === 1 ? t.shape[0] : t.shape?.length === 0 ? 1 : null;
      return { kind: 'unknown', count: typeof len === 'number' ? len : null };
    }
  } else {
    list = ctx.attrs.ints('axes') ?? [];
  }
  if (list.length === 0) {
    if (fromInput && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return { kind: 'none' };
    return { kind: 'list', axes: Array.from({ length: rank }, (_, i) => i) };
  }
  return { kind: 'list', axes: [...new Set(list.map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b) };
}

/** Values of a reduction over `axes` of a small constant tensor, or undefined. */
function foldReduce(
  x: TensorInfo,
  axes: readonly number[],
  fn: (xs: readonly number[]) => number,
): number[] | undefined {
  if (!x.value || !isStaticShape(x.shape) || x.value.length !== numel(x.shape)) return undefined;
  const shape = x.shape;
  const outDims = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outCount = numel(outDims) ?? 0;
  if (outCount > MAX_FOLD_ELEMENTS) return undefined;
  const groups: number[][] = Array.from({ length: outCount }, () => []);
  const values = x.value;
  forEachIndex(shape, (idx, flat) => {
    let off = 0;
    for (let a = 0; a < shape.length; a++) off = off * at(outDims, a) + (axes.includes(a) ? 0 : at(idx, a));
    at(groups, off).push(at(values, flat));
    return true;
  });
  if (groups.some((g) => g.length === 0)) return undefined;
  const out = groups.map(fn);
  return out.every(Number.isFinite) ? out : undefined;
}

function reduceOp(opType: string, rc: ReduceCost): OpDef {
  return defineOp({
    opType,
    category: 'reduction',
    inferShape(ctx) {
      const x = inputAt(ctx, 0);
      const dtype = x?.dtype ?? null;
      const xs = x?.shape ?? null;
      if (!xs) return fitOutputs(ctx, [{ dtype, shape: null }]);
      const keep = ctx.attrs.int('keepdims', 1) === 1;
      const axes = reduceAxes(ctx, xs.length);
      if (axes.kind === 'none') return fitOutputs(ctx, [{ dtype, shape: xs, ...(x?.value ? { value: x.value } : {}) }]);
      if (axes.kind === 'unknown') {
        if (keep) return fitOutputs(ctx, [{ dtype, shape: xs.map((d, i) => (d === 1 ? 1 : dynamicDim(ctx, 0, i))) }]);
        if (axes.count === null) return fitOutputs(ctx, [{ dtype, shape: null }]);
        return fitOutputs(ctx, [{ dtype, shape: dynamicShape(ctx, xs.length - axes.count) }]);
      }
      const shape: Dim[] = [];
      xs.forEach((d, i) => {
        if (!axes.axes.includes(i)) shape.push(d);
        else if (keep) shape.push(1);
      });
      const value = rc.fold && x ? foldReduce(x, axes.axes, rc.fold) : undefined;
      return fitOutputs(ctx, [withElements({ dtype, shape }, value)]);
    },
    cost(ctx, outputs) {
      const x = inputAt(ctx, 0);
      if (x?.shape && reduceAxes(ctx, x.shape.length).kind === 'none') return { flops: 0 };
      return {
        flops: sumFlops(perElement(elementsOf(x), rc.perInput), perElement(elementsOf(outputs[0]), rc.perOutput)),
        paramInputs: [],
      };
    },
  });
}

/** ArgMax / ArgMin: one compare per input element; int64 indices, `axis` (default 0) kept as 1 or dropped. */
function argOp(opType: 'ArgMax' | 'ArgMin'): OpDef {
  return defineOp({
    opType,
    category: 'reduction',
    inferShape(ctx) {
      const xs = inputAt(ctx, 0)?.shape ?? null;
      if (!xs) return fitOutputs(ctx, [{ dtype: 'int64', shape: null }]);
      const axis = normalizeAxis(ctx.attrs.int('axis', 0), xs.length);
      const keep = ctx.attrs.int('keepdims', 1) === 1;
      const shape = keep ? xs.map((d, i) => (i === axis ? 1 : d)) : xs.filter((_, i) => i !== axis);
      return fitOutputs(ctx, [{ dtype: 'int64', shape }]);
    },
    cost: (ctx) => ({ flops: perElement(elementsOf(inputAt(ctx, 0)), CMP_FLOPS) }),
  });
}

/** ai.onnx reductions, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [...Object.entries(REDUCE_OPS).map(([opType, rc]) => reduceOp(opType, rc)), argOp('ArgMax'), argOp('ArgMin')],
  {
    ReduceSum: 1,
    ReduceMean: 1,
    ReduceMax: 1,
    ReduceMin: 1,
    ReduceProd: 1,
    ReduceL1: 1,
    ReduceL2: 1,
    ReduceLogSum: 1,
    ReduceLogSumExp: 1,
    ReduceSumSquare: 1,
    ArgMax: 1,
    ArgMin: 1,
  },
);
