import type { LayerReport } from '../analyzers/analyze.js';

/** Channel, group, kernel and spatial sizes of one convolution, read off its shapes (NCHW, ONNX layout). */
export interface ConvGeometry {
  readonly cIn: number;
  readonly cOut: number;
  readonly group: number;
  /** kernel dims, e.g. [3, 3] */
  readonly kernelShape: readonly number[];
  /** kh*kw (product of all kernel dims) */
  readonly kernelArea: number;
  /** Batch times input spatial size (N*h_in*w_in): the paper's hw, batch folded in. */
  readonly pixelsIn: number;
  /** Batch times output spatial size (N*h_out*w_out). */
  readonly pixelsOut: number;
  /** One group per input channel (channel multiplier c_out/c_in allowed). */
  readonly depthwise: boolean;
  /** Multiply-adds: N*h_out*w_out * k * c_in * c_out / g (no bias). */
  readonly flops: number;
  /** The paper's MAC for this conv: N*h_in*w_in*c_in + N*h_out*w_out*c_out + k*c_in*c_out/g (no bias). */
  readonly memAccess: number;
}

/** Position of the weight input per conv op type (QLinearConv interleaves scales and zero points). */
const WEIGHT_INPUT: Readonly<Record<string, number>> = {
  Conv: 1,
  ConvTranspose: 1,
  ConvInteger: 1,
  QLinearConv: 3,
  FusedConv: 1,
};

function staticDims(shape: readonly (number | string)[] | null | undefined): number[] | null {
  if (!shape || shape.some((d) => typeof d !== 'number')) return null;
  return shape as number[];
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The geometry of a convolution layer, or null when it is not a conv or its shapes are unknown. */
export function convGeometry(layer: LayerReport): ConvGeometry | null {
  const weightAt = WEIGHT_INPUT[layer.opType];
  if (weightAt === undefined) return null;
  const x = staticDims(layer.inputShapes[0]);
  const y = staticDims(layer.outputShapes[0]);
  if (!x || !y || x.length < 3 || y.length !== x.length) return null;
  const g = typeof layer.attributes.group === 'number' ? layer.attributes.group : 1;
  const w = staticDims(layer.inputShapes[weightAt]);
  let kernelShape: readonly number[];
  if (w && w.length === x.length) kernelShape = w.slice(2);
  else if (Array.isArray(layer.attributes.kernel_shape)) kernelShape = layer.attributes.kernel_shape as readonly number[];
  else return null;
  const kernelArea = product(kernelShape);
  const cIn = x[1];
  const cOut = y[1];
  if (g < 1 || cIn <= 0 || cOut <= 0 || kernelArea <= 0) return null;
  const pixelsIn = x[0] * product(x.slice(2));
  const pixelsOut = y[0] * product(y.slice(2));
  const flops = (pixelsOut * kernelArea * cIn * cOut) / g;
  const weights = (kernelArea * cIn * cOut) / g;
  return {
    cIn,
    cOut,
    group: g,
    kernelShape,
    kernelArea,
    pixelsIn,
    pixelsOut,
    depthwise: g > 1 && g === cIn && cOut % cIn === 0,
    flops,
    memAccess: pixelsIn * cIn + pixelsOut * cOut + weights,
  };
}

/**
 * Lower bound of MAC at equal FLOPs (ShuffleNet V2 Eq. 1, generalised): with B fixed and the channel
 * split free, hw_in*c1 + hw_out*c2 >= 2*sqrt(hw_in*hw_out*c1*c2) (AM-GM), and c1*c2 = B*g/(hw_out*k),
 * so MAC >= 2*sqrt(hw_in*B*g/k) + B/hw_out. For a 1x1, stride-1, g=1 conv this is the paper's
 * 2*sqrt(hw*B) + B/hw, reached at c1 = c2; in general it is reached at hw_in*c1 = hw_out*c2.
 */
export function macLowerBound(geo: ConvGeometry): number {
  const b = geo.flops;
  return 2 * Math.sqrt((geo.pixelsIn * b * geo.group) / geo.kernelArea) + b / geo.pixelsOut;
}

/**
 * MAC of the same layer with `groups` groups at equal FLOPs and the same input (ShuffleNet V2 Eq. 2,
 * generalised): c2 = B*g/(hw_out*k*c1), so MAC(g) = hw_in*c1 + B*g/(k*c1) + B/hw_out.
 */
export function macAtGroups(geo: ConvGeometry, groups: number): number {
  const b = geo.flops;
  return geo.pixelsIn * geo.cIn + (b * groups) / (geo.kernelArea * geo.cIn) + b / geo.pixelsOut;
}
