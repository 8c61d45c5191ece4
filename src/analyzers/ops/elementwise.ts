import { dtypeFromCode, isIntegerDType, type DType } from '../../model/ir.js';
import { ADD_FLOPS, CMP_FLOPS, MUL_FLOPS, POW_FLOPS, SQRT_FLOPS, perElement } from '../cost-model.js';
import { foldBroadcast, withElements } from '../fold.js';
import { fitOutputs, inputAt } from '../op-inputs.js';
import { binaryOp, tableFlops, unaryOp } from '../pointwise.js';
import { broadcastShapes, elementsOf, normalizeAxis } from '../shape-utils.js';
import { defineOp, UNKNOWN_TENSOR, type OpContext, type OpDef, type TensorInfo } from '../types.js';
import { OpSpecError } from '../../errors.js';

/** The node's output dtype override via an `output_dtype`/`to`-style integer attribute (0 = unset). */
function dtypeAttr(ctx: OpContext, name: string): DType | null {
  const code = ctx.attrs.int(name, 0);
  return code > 0 ? dtypeFromCode(code) : null;
}

function isIntegerValued(dtype: DType | null): boolean {
  return dtype !== null && dtype !== 'bool' && isIntegerDType(dtype);
}

/** A variadic broadcasting op (Max, Min, Sum, Mean): cost = (inputs - 1) reductions per output element. */
function variadicOp(opType: string, perPair: number, perElementExtra: number, fold: (xs: readonly number[]) => number): OpDef {
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

const bool = (): DType => 'bool';
const b01 = (c: boolean): number => (c ? 1 : 0);
const noParams = (): readonly number[] => [];

/** Integer division truncates toward zero (C semantics, as onnxruntime's integer Div); floats divide exactly. */
function foldDiv([a, b]: readonly number[], dtype: DType | null): number | undefined {
  if (isIntegerValued(dtype)) return b === 0 ? undefined : Math.trunc(a / b);
  return a / b;
}

/** Mod: fmod=0 takes the divisor's sign (Python %), fmod=1 the dividend's (C fmod). */
function foldMod([a, b]: readonly number[], _dtype: DType | null, ctx: OpContext): number | undefined {
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

/** Output dtype of QuantizeLinear: y_zero_point's type, else `output_dtype` (opset 21), else uint8. */
function quantizedDType(ctx: OpContext): DType {
  return inputAt(ctx, 2)?.dtype ?? dtypeAttr(ctx, 'output_dtype') ?? 'uint8';
}

/**
 * Per-axis (1-D scale) quantization needs one scale per slice along `axis` (QuantizeLinear/DequantizeLinear,
 * opset 13+). A scalar or length-1 scale is per-tensor; a scale of the input's rank is blocked (opset 21).
 */
function checkQuantScale(ctx: OpContext): void {
  const x = inputAt(ctx, 0);
  const scale = inputAt(ctx, 1);
  if (!x?.shape || !scale?.shape || scale.shape.length !== 1 || ctx.attrs.int('block_size', 0) !== 0) return;
  const len = scale.shape[0];
  if (len === 1 || typeof len !== 'number' || x.shape.length === 0) return;
  const axis = normalizeAxis(ctx.attrs.int('axis', 1), x.shape.length);
  const d = x.shape[axis];
  if (typeof d === 'number' && d !== len) {
    throw new OpSpecError(`per-axis scale has ${len} elements but input axis ${axis} has size ${d}`);
  }
}

/**
 * QuantizeLinear and DequantizeLinear count no parameters: in a QDQ weight chain (W -> Q -> DQ -> Conv)
 * the chain folds to a constant and the consuming Conv/Gemm counts the dequantized weight, once.
 */
const quantizeLinear = unaryOp('QuantizeLinear', {
  outDType: quantizedDType,
  paramInputs: noParams,
  check: checkQuantScale,
});

const dequantizeLinear = unaryOp('DequantizeLinear', {
  // Before opset 19 the output is float32; from 19 it has x_scale's type; from 23 `output_dtype` may set it.
  outDType: (ctx) => dtypeAttr(ctx, 'output_dtype') ?? (ctx.opset >= 19 ? inputAt(ctx, 1)?.dtype : null) ?? 'float32',
  paramInputs: noParams,
  check: checkQuantScale,
});

/** y (uint8, shape of x), y_scale (float32 scalar), y_zero_point (uint8 scalar). */
const dynamicQuantizeLinear = defineOp({
  opType: 'DynamicQuantizeLinear',
  category: 'elementwise',
  inferShape(ctx) {
    const x = inputAt(ctx, 0);
    return fitOutputs(ctx, [
      { dtype: 'uint8', shape: x?.shape ?? null },
      { dtype: 'float32', shape: [] },
      { dtype: 'uint8', shape: [] },
    ]);
  },
  cost: (ctx) => ({ flops: perElement(elementsOf(inputAt(ctx, 0)), tableFlops('DynamicQuantizeLinear')) }),
});

/** Where(condition, X, Y): three-way broadcast, X's dtype. */
const where = defineOp({
  opType: 'Where',
  category: 'elementwise',
  inferShape(ctx) {
    const ins = [inputAt(ctx, 0), inputAt(ctx, 1), inputAt(ctx, 2)];
    const shape = broadcastShapes(ins.map((t) => t?.shape ?? null));
    const dtype = ins[1]?.dtype ?? ins[2]?.dtype ?? null;
    return fitOutputs(ctx, [withElements({ dtype, shape }, foldBroadcast(ins, shape, ([c, x, y]) => (c ? x : y)))]);
  },
  cost: (_ctx, outputs) => ({ flops: perElement(elementsOf(outputs[0]), tableFlops('Where')), paramInputs: [] }),
});

const unaryMath = (name: string, fn?: (x: number) => number): OpDef =>
  unaryOp(name, fn ? { fold: ([x]) => fn(x) } : {});

/** ai.onnx element-wise ops. */
export const ops: readonly OpDef[] = [
  binaryOp('Add', { fold: ([a, b]) => a + b }),
  binaryOp('Sub', { fold: ([a, b]) => a - b }),
  binaryOp('Mul', { fold: ([a, b]) => a * b }),
  binaryOp('Div', { fold: foldDiv }),
  binaryOp('Pow', { flopsPerElement: powFlops, paramInputs: noParams }),
  binaryOp('Mod', { fold: foldMod, paramInputs: noParams }),
  binaryOp('BitShift', { paramInputs: noParams }),
  binaryOp('And', { outDType: bool, fold: ([a, b]) => b01(a !== 0 && b !== 0) }),
  binaryOp('Or', { outDType: bool, fold: ([a, b]) => b01(a !== 0 || b !== 0) }),
  binaryOp('Xor', { outDType: bool, fold: ([a, b]) => b01((a !== 0) !== (b !== 0)) }),
  unaryOp('Not', { outDType: bool, fold: ([a]) => b01(a === 0) }),
  binaryOp('BitwiseAnd', { paramInputs: noParams }),
  binaryOp('BitwiseOr', { paramInputs: noParams }),
  binaryOp('BitwiseXor', { paramInputs: noParams }),
  unaryOp('BitwiseNot'),
  binaryOp('Equal', { outDType: bool, fold: ([a, b]) => b01(a === b), paramInputs: noParams }),
  binaryOp('Less', { outDType: bool, fold: ([a, b]) => b01(a < b), paramInputs: noParams }),
  binaryOp('LessOrEqual', { outDType: bool, fold: ([a, b]) => b01(a <= b), paramInputs: noParams }),
  binaryOp('Greater', { outDType: bool, fold: ([a, b]) => b01(a > b), paramInputs: noParams }),
  binaryOp('GreaterOrEqual', { outDType: bool, fold: ([a, b]) => b01(a >= b), paramInputs: noParams }),
  where,
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
  ...['Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'].map((n) => unaryMath(n)),
  unaryOp('IsNaN', { outDType: bool }),
  unaryOp('IsInf', { outDType: bool }),
  quantizeLinear,
  dequantizeLinear,
  dynamicQuantizeLinear,
];
