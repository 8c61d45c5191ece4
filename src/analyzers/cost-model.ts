/**
 * The per-element cost table behind every compute op's FLOP count. One multiply-add is one FLOP (ShuffleNet V2
 * footnote 1), so a fused `a*x+b` counts 1, and **every primitive math function counts 1 per element** too: divide,
 * exp, log, sqrt, sin. That keeps model totals in the papers' convention, where element-wise work is small in FLOPs
 * and large in memory access (guideline G4); an instruction-weighted table such as onnx-tool's (divide 4, exp 32,
 * log 43, sqrt 24) would make a Sigmoid look 37x a ReLU and put EfficientNet-B0 at 632M instead of the paper's
 * 0.39B. Composites below are derived from the primitives with the formula in their comment, so a change here moves
 * exactly the ops that use it. docs/cost-model.md ("Compute ops") lists the same table.
 */

/** Add, subtract, multiply, or one fused multiply-add. */
export const ADD_FLOPS = 1;
export const MUL_FLOPS = 1;
/** Compare, select, min/max, abs, sign, round, bit operations. */
export const CMP_FLOPS = 1;
/** Divide or reciprocal. */
export const DIV_FLOPS = 1;
export const EXP_FLOPS = 1;
/** Natural log. */
export const LOG_FLOPS = 1;
export const SQRT_FLOPS = 1;
/** sin and cos. */
export const SIN_FLOPS = 1;
export const COS_FLOPS = 1;

/** tanh(x) = (e^2x - 1) / (e^2x + 1): one exp, two adds, one divide (onnx-tool TANH_MACS). */
export const TANH_FLOPS = EXP_FLOPS + 2 * ADD_FLOPS + DIV_FLOPS;
/** atan by the rational approximation onnx-tool cites: sqrt + 4 multiplies + divide. */
export const ATAN_FLOPS = SQRT_FLOPS + 4 * MUL_FLOPS + DIV_FLOPS;
/** x^y = exp(y * ln x) for a general exponent. */
export const POW_FLOPS = LOG_FLOPS + MUL_FLOPS + EXP_FLOPS;
/**
 * erf by Abramowitz & Stegun 7.1.26: |x|, t = 1/(1+p|x|) (multiply-add + divide), a degree-5 polynomial in t by
 * Horner (5 multiply-adds), exp(-x^2) (multiply + exp), the product, 1 - that, and the sign (3).
 */
export const ERF_FLOPS = CMP_FLOPS + MUL_FLOPS + DIV_FLOPS + 5 * MUL_FLOPS + MUL_FLOPS + EXP_FLOPS + 3 * MUL_FLOPS;
/** softplus(x) = ln(exp(x) + 1). */
export const SOFTPLUS_FLOPS = EXP_FLOPS + ADD_FLOPS + LOG_FLOPS;
/** Softmax per element: row max (compare), subtract, exp, row sum (add), divide. */
export const SOFTMAX_FLOPS = CMP_FLOPS + ADD_FLOPS + EXP_FLOPS + ADD_FLOPS + DIV_FLOPS;
/** Bilinear interpolation of one sample: 4 taps, each a multiply-add with its weight (RoiAlign, DeformConv). */
export const BILINEAR_FLOPS = 4 * MUL_FLOPS;

/**
 * Per-element FLOPs of the element-wise and activation ops, one entry per op type. Variadic ops (Sum, Max, Min,
 * Mean) and ops whose cost depends on attributes or constant inputs (Clip, Pow, Gelu) compute theirs in the op file,
 * from the same constants.
 */
export const PER_ELEMENT_FLOPS: Readonly<Record<string, number>> = {
  // Binary arithmetic and logic.
  Add: ADD_FLOPS,
  Sub: ADD_FLOPS,
  Mul: MUL_FLOPS,
  Div: DIV_FLOPS,
  /** a - trunc(a/b)*b: divide, round, multiply-add. */
  Mod: DIV_FLOPS + CMP_FLOPS + MUL_FLOPS,
  BitShift: CMP_FLOPS,
  And: CMP_FLOPS,
  Or: CMP_FLOPS,
  Xor: CMP_FLOPS,
  Not: CMP_FLOPS,
  BitwiseAnd: CMP_FLOPS,
  BitwiseOr: CMP_FLOPS,
  BitwiseXor: CMP_FLOPS,
  BitwiseNot: CMP_FLOPS,
  Equal: CMP_FLOPS,
  Less: CMP_FLOPS,
  LessOrEqual: CMP_FLOPS,
  Greater: CMP_FLOPS,
  GreaterOrEqual: CMP_FLOPS,
  Where: CMP_FLOPS,
  // Unary math.
  Neg: ADD_FLOPS,
  Abs: CMP_FLOPS,
  Reciprocal: DIV_FLOPS,
  Sqrt: SQRT_FLOPS,
  Exp: EXP_FLOPS,
  Log: LOG_FLOPS,
  Ceil: CMP_FLOPS,
  Floor: CMP_FLOPS,
  Round: CMP_FLOPS,
  Sign: CMP_FLOPS,
  IsNaN: CMP_FLOPS,
  IsInf: CMP_FLOPS,
  Sin: SIN_FLOPS,
  Cos: COS_FLOPS,
  /** sin/cos. */
  Tan: SIN_FLOPS + COS_FLOPS + DIV_FLOPS,
  Atan: ATAN_FLOPS,
  /** asin(x) = atan(x / sqrt(1 - x^2)): multiply-add, sqrt, divide, atan. */
  Asin: MUL_FLOPS + SQRT_FLOPS + DIV_FLOPS + ATAN_FLOPS,
  /** acos(x) = pi/2 - asin(x). */
  Acos: MUL_FLOPS + SQRT_FLOPS + DIV_FLOPS + ATAN_FLOPS + ADD_FLOPS,
  /** (e^x - e^-x) / 2, e^-x as 1/e^x. */
  Sinh: EXP_FLOPS + DIV_FLOPS + ADD_FLOPS + MUL_FLOPS,
  Cosh: EXP_FLOPS + DIV_FLOPS + ADD_FLOPS + MUL_FLOPS,
  /** ln(x + sqrt(x^2 + 1)). */
  Asinh: MUL_FLOPS + SQRT_FLOPS + ADD_FLOPS + LOG_FLOPS,
  /** ln(x + sqrt(x^2 - 1)). */
  Acosh: MUL_FLOPS + SQRT_FLOPS + ADD_FLOPS + LOG_FLOPS,
  /** ln((1+x)/(1-x)) / 2 (onnx-tool ATANH_MACS). */
  Atanh: LOG_FLOPS + 2 * ADD_FLOPS + DIV_FLOPS + MUL_FLOPS,
  /** x / scale + zero_point, round, saturate to the integer range (two compares). */
  QuantizeLinear: DIV_FLOPS + ADD_FLOPS + CMP_FLOPS + 2 * CMP_FLOPS,
  /** (x - zero_point) * scale. */
  DequantizeLinear: ADD_FLOPS + MUL_FLOPS,
  /** Running min and max over x (2 compares), then QuantizeLinear. */
  DynamicQuantizeLinear: 2 * CMP_FLOPS + DIV_FLOPS + ADD_FLOPS + CMP_FLOPS + 2 * CMP_FLOPS,
  // Activations.
  Relu: CMP_FLOPS,
  /** Compare, multiply on the negative side. */
  LeakyRelu: CMP_FLOPS + MUL_FLOPS,
  PRelu: CMP_FLOPS + MUL_FLOPS,
  ThresholdedRelu: CMP_FLOPS,
  /** x < 0 ? alpha * (e^x - 1) : x. */
  Elu: CMP_FLOPS + EXP_FLOPS + ADD_FLOPS + MUL_FLOPS,
  /** gamma * (x < 0 ? alpha*e^x - alpha : x). */
  Selu: CMP_FLOPS + EXP_FLOPS + MUL_FLOPS + ADD_FLOPS + MUL_FLOPS,
  /** max(0,x) + min(0, alpha*(exp(x/alpha) - 1)): x/alpha as a multiply by the reciprocal. */
  Celu: MUL_FLOPS + EXP_FLOPS + ADD_FLOPS + MUL_FLOPS + 2 * CMP_FLOPS + ADD_FLOPS,
  /** 1 / (1 + e^-x). */
  Sigmoid: EXP_FLOPS + ADD_FLOPS + DIV_FLOPS,
  /** max(0, min(1, alpha*x + beta)): one multiply-add, two compares. */
  HardSigmoid: MUL_FLOPS + 2 * CMP_FLOPS,
  /** x * HardSigmoid(x). */
  HardSwish: MUL_FLOPS + 2 * CMP_FLOPS + MUL_FLOPS,
  Tanh: TANH_FLOPS,
  Softplus: SOFTPLUS_FLOPS,
  /** x / (1 + |x|). */
  Softsign: CMP_FLOPS + ADD_FLOPS + DIV_FLOPS,
  Erf: ERF_FLOPS,
  /** x * tanh(softplus(x)). */
  Mish: SOFTPLUS_FLOPS + TANH_FLOPS + MUL_FLOPS,
  /** x < -lambd ? x + bias : x > lambd ? x - bias : 0. */
  Shrink: 2 * CMP_FLOPS + ADD_FLOPS,
  Softmax: SOFTMAX_FLOPS,
  /** Row max, subtract, exp, row sum, subtract the row's log-sum (the log is per row, see LOG_SOFTMAX_PER_ROW). */
  LogSoftmax: CMP_FLOPS + ADD_FLOPS + EXP_FLOPS + ADD_FLOPS + ADD_FLOPS,
  /** Row arg-max (compare) and the one-hot write. */
  Hardmax: CMP_FLOPS,
};

/** Per row of LogSoftmax: the log of the row sum. */
export const LOG_SOFTMAX_PER_ROW = LOG_FLOPS;

/** Gelu, approximate='none': 0.5 * x * (1 + erf(x / sqrt 2)): multiply, erf, add, two multiplies. */
export const GELU_ERF_FLOPS = MUL_FLOPS + ERF_FLOPS + ADD_FLOPS + 2 * MUL_FLOPS;
/**
 * Gelu, approximate='tanh': 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))): x^3 (2 multiplies), a multiply-add,
 * a multiply, tanh, an add, two multiplies.
 */
export const GELU_TANH_FLOPS = 2 * MUL_FLOPS + MUL_FLOPS + MUL_FLOPS + TANH_FLOPS + ADD_FLOPS + 2 * MUL_FLOPS;

/**
 * Normalisation statistics (InstanceNormalization, LayerNormalization, GroupNormalization, MeanVarianceNormalization).
 * Per element: mean (add), variance (subtract + multiply-add), normalise (subtract + multiply by 1/std). When the
 * scale varies inside a normalised group (LayerNormalization, GroupNormalization) the affine step adds one
 * multiply-add per element (NORM_AFFINE_PER_ELEMENT); InstanceNormalization folds scale into 1/std per channel.
 * Per normalised group (one mean and variance): two divides (mean, variance), add epsilon, sqrt, reciprocal.
 */
export const NORM_STATS_PER_ELEMENT = ADD_FLOPS + (ADD_FLOPS + MUL_FLOPS) + (ADD_FLOPS + MUL_FLOPS);
export const NORM_AFFINE_PER_ELEMENT = MUL_FLOPS;
export const NORM_STATS_PER_GROUP = 2 * DIV_FLOPS + ADD_FLOPS + SQRT_FLOPS + DIV_FLOPS;
/**
 * BatchNormalization in inference folds to y = a[c]*x + b[c] with a = scale/sqrt(var+eps), b = bias - mean*a: one
 * multiply-add per element. The per-channel a and b are computed once when the runtime loads the model, so they are
 * not counted.
 */
export const BATCHNORM_PER_ELEMENT = MUL_FLOPS;
/** training_mode=1 also computes the batch mean (add) and variance (subtract + multiply-add) per element. */
export const BATCHNORM_TRAINING_PER_ELEMENT = BATCHNORM_PER_ELEMENT + ADD_FLOPS + (ADD_FLOPS + MUL_FLOPS);
/** LRN: the window's sum of squares is `size` multiply-adds; then bias + alpha/size*sum (multiply-add), ^beta, divide. */
export const LRN_PER_ELEMENT_FIXED = MUL_FLOPS + POW_FLOPS + DIV_FLOPS;

/** Null-propagating `elements * perElement` (flops stay null when the element count is unknown). */
export function perElement(elements: number | null, flopsPerElement: number): number | null {
  return elements === null ? null : elements * flopsPerElement;
}

/** Null-propagating sum of flop terms. */
export function sumFlops(...terms: (number | null)[]): number | null {
  let total = 0;
  for (const t of terms) {
    if (t === null) return null;
    total += t;
  }
  return total;
}
