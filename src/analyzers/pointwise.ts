import type { Dim, DType } from '../model/ir.js';
import { PER_ELEMENT_FLOPS, perElement } from './cost-model.js';
import { foldBroadcast, withElements } from './fold.js';
import { fitOutputs, inputAt } from './op-inputs.js';
import { broadcastShapes, elementsOf } from './shape-utils.js';
import { defineOp, type OpCategory, type OpContext, type OpCost, type OpDef, type TensorInfo } from './types.js';
import { OpSpecError } from '../errors.js';

/**
 * Builders of point-wise ops (one output element per input element, or per broadcast position), shared by the
 * element-wise and activation families.
 */

/** Folds one output element from its input elements; undefined gives up (division by zero, NaN). */
export type ElementFold = (xs: readonly number[], dtype: DType | null, ctx: OpContext) => number | undefined;

export interface ElementwiseOptions {
  readonly category?: OpCategory;
  /** Output dtype from the input dtype (default: same). */
  readonly outDType?: (ctx: OpContext) => DType | null;
  /** Value folding of small tensors. */
  readonly fold?: ElementFold;
  /** FLOPs per output element (default: PER_ELEMENT_FLOPS[opType]). */
  readonly flopsPerElement?: (ctx: OpContext) => number;
  /** paramInputs override; default lets the engine count non-scalar float constants. */
  readonly paramInputs?: (ctx: OpContext) => readonly number[];
  /** Structural validation that throws on an invalid node. */
  readonly check?: (ctx: OpContext) => void;
}

/** outDType of ops whose output is boolean (comparisons, logic, IsNaN...). */
export const boolOutput = (): DType => 'bool';

/** paramInputs of ops none of whose inputs are weights (exponents, divisors, shift amounts, bounds). */
export const noParams = (): readonly number[] => [];

/** FLOPs per element of an op from the cost-model table; a missing entry is a programming error. */
export function tableFlops(opType: string): number {
  const f = PER_ELEMENT_FLOPS[opType];
  if (f === undefined) throw new OpSpecError(`cost-model: no per-element FLOPs for ${opType}`);
  return f;
}

/**
 * Input shapes of a binary op after the opset < 7 `broadcast`/`axis` rule: B is a contiguous sub-shape of A that
 * starts at `axis` (default: aligned to the end), so it is padded with 1s on both sides to A's rank and then
 * broadcast the numpy way. Without broadcast=1 the two shapes must already agree.
 */
function binaryShapes(
  ctx: OpContext,
  a: TensorInfo | null,
  b: TensorInfo | null,
): [readonly Dim[] | null, readonly Dim[] | null] {
  const sa = a?.shape ?? null;
  const sb = b?.shape ?? null;
  if (ctx.opset >= 7 || ctx.attrs.int('broadcast', 0) !== 1 || !sa || !sb) return [sa, sb];
  const axisAttr = ctx.attrs.intOr('axis');
  const axis = axisAttr === undefined ? sa.length - sb.length : axisAttr < 0 ? axisAttr + sa.length : axisAttr;
  if (axis < 0 || axis + sb.length > sa.length) {
    throw new OpSpecError(
      `legacy broadcast: B of rank ${sb.length} does not fit A of rank ${sa.length} at axis ${axis}`,
    );
  }
  const padded: Dim[] = [
    ...new Array<Dim>(axis).fill(1),
    ...sb,
    ...new Array<Dim>(sa.length - axis - sb.length).fill(1),
  ];
  return [sa, padded];
}

/** Reshapes a folded input's value view to its (possibly legacy-padded) shape. */
function asShape(t: TensorInfo | null, shape: readonly Dim[] | null): TensorInfo | null {
  return t && shape ? { ...t, shape } : t;
}

/** A point-wise op whose single output `infer` computes; validation, output fitting and cost are shared. */
function pointwiseOp(opType: string, o: ElementwiseOptions, infer: (ctx: OpContext) => TensorInfo): OpDef {
  return defineOp({
    opType,
    category: o.category ?? 'elementwise',
    inferShape(ctx) {
      o.check?.(ctx);
      return fitOutputs(ctx, [infer(ctx)]);
    },
    cost(ctx, outputs): OpCost {
      const per = o.flopsPerElement ? o.flopsPerElement(ctx) : tableFlops(opType);
      const cost: OpCost = { flops: perElement(elementsOf(outputs[0]), per) };
      return o.paramInputs ? { ...cost, paramInputs: o.paramInputs(ctx) } : cost;
    },
  });
}

/** A one-input element-wise op: output shape = input shape. */
export function unaryOp(opType: string, o: ElementwiseOptions = {}): OpDef {
  return pointwiseOp(opType, o, (ctx) => {
    const x = inputAt(ctx, 0);
    const dtype = o.outDType ? o.outDType(ctx) : (x?.dtype ?? null);
    const shape = x?.shape ?? null;
    const fold = o.fold;
    const value = fold ? foldBroadcast([x], shape, (xs) => fold(xs, x?.dtype ?? null, ctx)) : undefined;
    return withElements({ dtype, shape }, value);
  });
}

/** A two-input broadcasting op (numpy rules; opset < 7 legacy `broadcast`/`axis` attributes). */
export function binaryOp(opType: string, o: ElementwiseOptions = {}): OpDef {
  return pointwiseOp(opType, o, (ctx) => {
    const a = inputAt(ctx, 0);
    const b = inputAt(ctx, 1);
    const [sa, sb] = binaryShapes(ctx, a, b);
    const shape = broadcastShapes([sa, sb]);
    const inDType = a?.dtype ?? b?.dtype ?? null;
    const dtype = o.outDType ? o.outDType(ctx) : inDType;
    const fold = o.fold;
    const value = fold
      ? foldBroadcast([asShape(a, sa), asShape(b, sb)], shape, (xs) => fold(xs, inDType, ctx))
      : undefined;
    return withElements({ dtype, shape }, value);
  });
}
