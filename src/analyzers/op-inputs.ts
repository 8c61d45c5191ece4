import type { Dim, DType } from '../model/ir.js';
import { knownElements, withElements } from './fold.js';
import { UNKNOWN_TENSOR, type OpContext, type TensorInfo } from './types.js';
import { OpSpecError } from '../errors.js';

/** The node's input i, or null when omitted. */
export function inputAt(ctx: OpContext, i: number): TensorInfo | null {
  return ctx.inputs[i] ?? null;
}

/** The dtype of input `i`, or `fallback` when the input is omitted. */
export function dtypeOf(ctx: OpContext, i: number, fallback: DType | null): DType | null {
  return inputAt(ctx, i)?.dtype ?? fallback;
}

/** The node's input `index`; throws a clear error when the node omits this required input. */
export function requireInput(ctx: OpContext, index: number, name: string): TensorInfo {
  const t = ctx.inputs[index];
  if (!t) throw new OpSpecError(`${ctx.node.opType} requires input ${index} (${name})`);
  return t;
}

/** The operands of a variadic op (Concat, SequenceConstruct): the inputs the node gives, at least one. */
export function variadicInputs(ctx: OpContext, opType: string): TensorInfo[] {
  const inputs = ctx.inputs.filter((t): t is TensorInfo => t !== null);
  if (inputs.length === 0) throw new OpSpecError(`${opType} needs at least one input`);
  return inputs;
}

/** Pads or truncates a list of inferred outputs to the node's declared output count. */
export function fitOutputs(ctx: OpContext, infos: readonly TensorInfo[]): TensorInfo[] {
  return ctx.node.outputs.map((_, i) => infos[i] ?? UNKNOWN_TENSOR);
}

/** dtype and shape only: the info of an output that keeps its input's type and shape but not its values. */
export function dtypeAndShape(t: TensorInfo | null | undefined): TensorInfo {
  return t ? { dtype: t.dtype, shape: t.shape } : UNKNOWN_TENSOR;
}

/** Positions among `positions` whose input is a constant tensor (paramInputs that the engine can count). */
export function constantInputs(ctx: OpContext, positions: readonly number[]): number[] {
  return positions.filter((i) => inputAt(ctx, i)?.isConstant === true);
}

/** A small integer list from a constant input (axes, K, output_shape), or undefined when not known. */
export function constantInts(t: TensorInfo | null | undefined): readonly number[] | undefined {
  return t?.value?.every(Number.isInteger) ? t.value : undefined;
}

/** The scalar value of an input (a one-element tensor), or undefined. */
export function scalarOf(t: TensorInfo | null | undefined): number | undefined {
  return t?.value?.length === 1 ? t.value[0] : undefined;
}

/**
 * A list argument that moved from an attribute to an input across opsets (axes, split, pads, starts...).
 * - 'absent': neither given.
 * - 'unknown': given as an input whose values are not known statically (`length` when its shape is known).
 * - 'known': the values.
 */
export type ListArg =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unknown'; readonly length: number | null }
  | { readonly kind: 'known'; readonly values: readonly number[] };

/** Reads a list from input `index` (opset >= inputSince) or attribute `attr` (older opsets, or as a fallback). */
export function listArg(ctx: OpContext, index: number, attr: string, inputSince: number): ListArg {
  if (ctx.opset >= inputSince) {
    const t = ctx.inputs[index];
    if (t) {
      if (t.value) return { kind: 'known', values: t.value };
      const len = t.shape && t.shape.length <= 1 ? (t.shape.length === 0 ? 1 : t.shape[0]) : null;
      return { kind: 'unknown', length: typeof len === 'number' ? len : null };
    }
  }
  const a = ctx.attrs.ints(attr);
  return a ? { kind: 'known', values: a } : { kind: 'absent' };
}

/** x seen through a new shape, as Reshape, Flatten, Squeeze and Unsqueeze do: same dtype, same elements. */
export function viewOf(x: TensorInfo, shape: readonly Dim[] | null): TensorInfo {
  return withElements({ dtype: x.dtype, shape }, knownElements(x));
}
