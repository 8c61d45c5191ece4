import { dtypeFromCode, isIntegerDType, type Dim, type DType } from '../../model/ir.js';
import {
  ADD_FLOPS,
  CMP_FLOPS,
  MUL_FLOPS,
  PER_ELEMENT_FLOPS,
  POW_FLOPS,
  SQRT_FLOPS,
  perElement,
} from '../cost-model.js';
import { broadcastShapes, elementsOf, isStaticShape, normalizeAxis, numel } from '../shape-utils.js';
import { defineOp, UNKNOWN_TENSOR, type OpCategory, type OpContext, type OpCost, type OpDef, type TensorInfo } from '../types.js';

/** Outputs with at most this many elements get constant-folded values (shape arithmetic only). */
export const MAX_FOLD_ELEMENTS = 1024;

/** The node's input i, or null when omitted. */
export function inputAt(ctx: OpContext, i: number): TensorInfo | null {
  return ctx.inputs[i] ?? null;
}

/** Pads or truncates a list of inferred outputs to the node's declared output count. */
export function fitOutputs(ctx: OpContext, infos: readonly TensorInfo[]): TensorInfo[] {
  return ctx.node.outputs.map((_, i) => infos[i] ?? UNKNOWN_TENSOR);
}

/** Positions among `positions` whose input is a constant tensor (paramInputs that the engine can count). */
export function constantInputs(ctx: OpContext, positions: readonly number[]): number[] {
  return positions.filter((i) => inputAt(ctx, i)?.isConstant === true);
}

/** A small integer list from a constant input (axes, K, output_shape), or undefined when not known. */
export function constantInts(t: TensorInfo | null | undefined): readonly number[] | undefined {
  return t?.value?.every(Number.isInteger) ? t.value : undefined;
}

/** The node's output dtype override via an `output_dtype`/`to`-style integer attribute (0 = unset). */
export function dtypeAttr(ctx: OpContext, name: string): DType | null {
  const code = ctx.attrs.int(name, 0);
  return code > 0 ? dtypeFromCode(code) : null;
}

/**
 * Element-wise values of a broadcast op, computed when every input carries a value, its shape is static and the
 * output has at most MAX_FOLD_ELEMENTS elements. `fn` returns undefined to give up (division by zero, NaN).
 */
export function foldBroadcast(
  inputs: readonly (TensorInfo | null)[],
  outShape: readonly Dim[] | null,
  fn: (xs: readonly number[]) => number | undefined,
): number[] | undefined {
  if (!isStaticShape(outShape)) return undefined;
  const n = numel(outShape);
  if (n === null || n > MAX_FOLD_ELEMENTS) return undefined;
  const rank = outShape.length;
  const strides: number[][] = [];
  for (const t of inputs) {
    if (!t || !t.value || !isStaticShape(t.shape) || t.value.length !== numel(t.shape)) return undefined;
    const s = t.shape;
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let j = s.length - 1; j >= 0; j--) {
      const axis = rank - s.length + j;
      st[axis] = s[j] === 1 ? 0 : acc;
      acc *= s[j];
    }
    strides.push(st);
  }
  const values = inputs.map((t) => (t as TensorInfo).value as readonly number[]);
  const out: number[] = [];
  const idx = new Array<number>(rank).fill(0);
  const args = new Array<number>(values.length);
  for (let k = 0; k < n; k++) {
    for (let v = 0; v < values.length; v++) {
      let off = 0;
      for (let a = 0; a < rank; a++) off += idx[a] * strides[v][a];
      args[v] = values[v][off];
    }
    const r = fn(args);
    if (r === undefined || !Number.isFinite(r)) return undefined;
    out.push(r);
    for (let a = rank - 1; a >= 0; a--) {
      idx[a] += 1;
      if (idx[a] < outShape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** A TensorInfo with `value` set only when it is defined. */
export function withValue(dtype: DType | null, shape: readonly Dim[] | null, value: number[] | undefined): TensorInfo {
  return value === undefined ? { dtype, shape } : { dtype, shape, value };
}

function isIntegerValued(dtype: DType | null): boolean {
  return dtype !== null && dtype !== 'bool' && isIntegerDType(dtype);
}

/**
 * Input shapes of a binary op after the opset < 7 `broadcast`/`axis` rule: B is a contiguous sub-shape of A that
 * starts at `axis` (default: aligned to the end), so it is padded with 1s on both sides to A's rank and then
 * broadcast the numpy way. Without broadcast=1 the two shapes must already agree.
 */
function binaryShapes(ctx: OpContext, a: TensorInfo | null, b: TensorInfo | null): (readonly Dim[] | null)[] {
  const sa = a?.shape ?? null;
  const sb = b?.shape ?? null;
  if (ctx.opset >= 7 || ctx.attrs.int('broadcast', 0) !== 1 || !sa || !sb) return [sa, sb];
  const axisAttr = ctx.attrs.intOr('axis');
  const axis = axisAttr === undefined ? sa.length - sb.length : axisAttr < 0 ? axisAttr + sa.length : axisAttr;
  if (axis < 0 || axis + sb.length > sa.length) {
    throw new RangeError(`legacy broadcast: B of rank ${sb.length} does not fit A of rank ${sa.length} at axis ${axis}`);
  }
  const padded: Dim[] = [...new Array<Dim>(axis).fill(1), ...sb, ...new Array<Dim>(sa.length - axis - sb.length).fill(1)];
  return [sa, padded];
}

/**
 * Unidirectional broadcasting (ONNX Broadcasting.md): whether `other` broadcasts to `target` without changing it.
 * Symbolic dims are given the benefit of the doubt.
 */
export function broadcastsTo(other: readonly Dim[], target: readonly Dim[]): boolean {
  if (other.length > target.length) return false;
  return other.every((d, j) => {
    const t = target[target.length - other.length + j];
    return d === 1 || d === t || typeof d !== 'number' || typeof t !== 'number';
  });
}

/** Reshapes a folded input's value view to its (possibly legacy-padded) shape. */
function asShape(t: TensorInfo | null, shape: readonly Dim[] | null): TensorInfo | null {
  return t && shape ? { ...t, shape } : t;
}

type ElementFold = (xs: readonly number[], dtype: DType | null, ctx: OpContext) => number | undefined;

interface ElementwiseOptions {
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

function tableFlops(opType: string): number {
  const f = PER_ELEMENT_FLOPS[opType];
  if (f === undefined) throw new Error(`cost-model: no per-element FLOPs for ${opType}`);
  return f;
}

function elementwiseCost(ctx: OpContext, outputs: readonly TensorInfo[], opType: string, o: ElementwiseOptions): OpCost {
  const per = o.flopsPerElement ? o.flopsPerElement(ctx) : tableFlops(opType);
  const cost: OpCost = { flops: perElement(elementsOf(outputs[0]), per) };
  return o.paramInputs ? { ...cost, paramInputs: o.paramInputs(ctx) } : cost;
}

/** A one-input element-wise op: output shape = input shape. */
export function unaryOp(opType: string, o: ElementwiseOptions = {}): OpDef {
  return defineOp({
    opType,
    category: o.category ?? 'elementwise',
    inferShape(ctx) {
      o.check?.(ctx);
      const x = inputAt(ctx, 0);
      const dtype = o.outDType ? o.outDType(ctx) : (x?.dtype ?? null);
      const shape = x?.shape ?? null;
      const fold = o.fold;
      const value = fold ? foldBroadcast([x], shape, (xs) => fold(xs, x?.dtype ?? null, ctx)) : undefined;
      return fitOutputs(ctx, [withValue(dtype, shape, value)]);
    },
    cost: (ctx, outputs) => elementwiseCost(ctx, outputs, opType, o),
  });
}

/** A two-input broadcasting op (numpy rules; opset < 7 legacy `broadcast`/`axis` attributes). */
export function binaryOp(opType: string, o: ElementwiseOptions = {}): OpDef {
  return defineOp({
    opType,
    category: o.category ?? 'elementwise',
    inferShape(ctx) {
      o.check?.(ctx);
      const a = inputAt(ctx, 0);
      const b = inputAt(ctx, 1);
      const [sa, sb] = binaryShapes(ctx, a, b);
      const shape = broadcastShapes([sa, sb]);
      const inDType = a?.dtype ?? b?.dtype ?? null;
      const dtype = o.outDType ? o.outDType(ctx) : inDType;
      const fold = o.fold;
      const value = fold ? foldBroadcast([asShape(a, sa), asShape(b, sb)], shape, (xs) => fold(xs, inDType, ctx)) : undefined;
      return fitOutputs(ctx, [withValue(dtype, shape, value)]);
    },
    cost: (ctx, outputs) => elementwiseCost(ctx, outputs, opType, o),
  });
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
      return fitOutputs(ctx, [withValue(dtype, shape, foldBroadcast(ins, shape, fold))]);
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
    throw new RangeError(`per-axis scale has ${len} elements but input axis ${axis} has size ${d}`);
  }
}

/** QuantizeLinear: a float weight quantized in-graph (QDQ) is the layer's parameter; scales are not. */
const quantizeLinear = unaryOp('QuantizeLinear', {
  outDType: quantizedDType,
  paramInputs: (ctx) => constantInputs(ctx, [0]),
  check: checkQuantScale,
});

const dequantizeLinear = unaryOp('DequantizeLinear', {
  // Before opset 19 the output is float32; from 19 it has x_scale's type; from 23 `output_dtype` may set it.
  outDType: (ctx) => dtypeAttr(ctx, 'output_dtype') ?? (ctx.opset >= 19 ? inputAt(ctx, 1)?.dtype : null) ?? 'float32',
  paramInputs: (ctx) => constantInputs(ctx, [0]),
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
    return fitOutputs(ctx, [withValue(dtype, shape, foldBroadcast(ins, shape, ([c, x, y]) => (c ? x : y)))]);
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
