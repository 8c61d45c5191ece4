import { type DType, isIntegerDType } from '../../../model/ir.js';
import { ADD_FLOPS, CMP_FLOPS, MUL_FLOPS, perElement, POW_FLOPS, SQRT_FLOPS } from '../../cost-model.js';
import { foldBroadcast, withElements } from '../../fold.js';
import { fitOutputs, inputAt } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { binaryOp, type ElementFold, noParams, unaryOp } from '../../pointwise.js';
import { broadcastShapes, elementsOf } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpDef, type TensorInfo, UNKNOWN_TENSOR } from '../../types.js';
import { at } from '../../../util/at.js';

/**
 * Point-wise arithmetic of the ONNX math family (onnx/defs/math): the broadcasting binary ops, the variadic
 * Max/Min/Sum/Mean and the unary math functions. Activation functions, also math ops, are in activation.ts.
 */

/** The fold of a binary op from a function of its two operands (a binary op's fold always gets exactly two). */
export function foldPair(f: (a: number, b: number) => number | undefined): ElementFold {
  return (xs) => f(at(xs, 0), at(xs, 1));
}

function isIntegerValued(dtype: DType | null): boolean {
  return dtype !== null && dtype !== 'bool' && isIntegerDType(dtype);
}

/** A variadic broadcasting op (Max, Min, Sum, Mean): cost = (inputs - 1) reductions per output element. */
function variadicOp(
  opType: string,
  perPair: number,
  perElementExtra: number,
  fold: (xs: readonly number[]) => number,
): OpDef {
  return defineOp({
    opType,
    category: 'elementwise',
    inferShape(ctx) {
      const ins = ctx.inputs.filter((t): t is TensorInfo => t !== null);
      if (ins.length === 0) return fitOutputs(ctx, [UNKNOWN_TENSOR]);
      const shape = broadcastShapes(ins.map((t) => t.shape));
      const dtype = ins.find((t) => t.dtype)?.dtype ?? null;
      return fitOutputs(ctx, [withElements({ dtype, shape }, foldBroadcast(ins, shape, fold))]);
    },
    cost(ctx, outputs) {
      const n = ctx.inputs.filter((t) => t !== null).length;
      const per = Math.max(0, n - 1) * perPair + (n > 1 ? perElementExtra : 0);
      return { flops: perElement(elementsOf(outputs[0]), per) };
    },
  });
}

/** Integer division truncates toward zero (C semantics, as onnxruntime's integer Div); floats divide exactly. */
function foldDiv(a: number, b: number, dtype: DType | null): number | undefined {
  if (isIntegerValued(dtype)) return b === 0 ? undefined : Math.trunc(a / b);
  return a / b;
}

/** Mod: fmod=0 takes the divisor's sign (Python %), fmod=1 the dividend's (C fmod). */
function foldMod(a: number, b: number, ctx: OpContext): number | undefined {
  if (b === 0) return undefined;
  return ctx.attrs.int('fmod', 0) === 1 ? a % b : a - Math.floor(a / b) * b;
}

/** Pow cost: x^2 is one multiply, x^0.5 a sqrt, x^1 nothing; other or unknown exponents cost exp(y ln x). */
function powFlops(ctx: OpContext): number {
  const y = inputAt(ctx, 1);
  const v = y?.value;
  if (v && v.length > 0 && v.every((e) => e === v[0])) {
    if (v[0] === 1) return 0;
    if (v[0] === 2) return MUL_FLOPS;
    if (v[0] === 3) return 2 * MUL_FLOPS;
    if (v[0] === 0.5) return SQRT_FLOPS;
  }
  return POW_FLOPS;
}

const unaryMath = (name: string, fn?: (x: number) => number): OpDef =>
  unaryOp(name, fn ? { fold: (xs) => fn(at(xs, 0)) } : {});

/** ai.onnx point-wise arithmetic, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    binaryOp('Add', { fold: foldPair((a, b) => a + b) }),
    binaryOp('Sub', { fold: foldPair((a, b) => a - b) }),
    binaryOp('Mul', { fold: foldPair((a, b) => a * b) }),
    binaryOp('Div', { fold: (xs, dtype) => foldDiv(at(xs, 0), at(xs, 1), dtype) }),
    binaryOp('Pow', { flopsPerElement: powFlops, paramInputs: noParams }),
    binaryOp('Mod', { fold: (xs, _dtype, ctx) => foldMod(at(xs, 0), at(xs, 1), ctx), paramInputs: noParams }),
    variadicOp('Max', CMP_FLOPS, 0, (xs) => Math.max(...xs)),
    variadicOp('Min', CMP_FLOPS, 0, (xs) => Math.min(...xs)),
    variadicOp('Sum', ADD_FLOPS, 0, (xs) => xs.reduce((s, x) => s + x, 0)),
    // Mean = sum, then one multiply by the constant 1/n.
    variadicOp('Mean', ADD_FLOPS, MUL_FLOPS, (xs) => xs.reduce((s, x) => s + x, 0) / xs.length),
    unaryMath('Neg', (x) => -x),
    unaryMath('Abs', (x) => Math.abs(x)),
    unaryMath('Reciprocal'),
    unaryMath('Sqrt', (x) => (x < 0 ? Number.NaN : Math.sqrt(x))),
    unaryMath('Exp'),
    unaryMath('Log'),
    unaryMath('Ceil', (x) => Math.ceil(x)),
    unaryMath('Floor', (x) => Math.floor(x)),
    unaryMath('Round'),
    unaryMath('Sign', (x) => Math.sign(x)),
    ...['Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'].map((n) =>
      unaryMath(n),
    ),
  ],
  {
    Add: 1,
    Sub: 1,
    Mul: 1,
    Div: 1,
    Pow: 1,
    Mod: 10,
    Max: 1,
    Min: 1,
    Sum: 1,
    Mean: 1,
    Neg: 1,
    Abs: 1,
    Reciprocal: 1,
    Sqrt: 1,
    Exp: 1,
    Log: 1,
    Ceil: 1,
    Floor: 1,
    Round: 11,
    Sign: 9,
    Sin: 7,
    Cos: 7,
    Tan: 7,
    Asin: 7,
    Acos: 7,
    Atan: 7,
    Sinh: 9,
    Cosh: 9,
    Asinh: 9,
    Acosh: 9,
    Atanh: 9,
  },
);
