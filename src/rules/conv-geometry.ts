import type { LayerReport } from '../analyzers/analyze.js';
import { isDepthwiseGrouping } from '../analyzers/elementwise.js';
import { at } from '../util/at.js';

/**
 * Channel, group, kernel and spatial sizes of one convolution, read off its shapes (NCHW, ONNX layout),
 * with the layer's FLOPs and memAccess as the analyzer computed them: rules never recompute costs.
 */
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
  /**
   * Positions each weight is applied at: the output pixels for Conv (B = hw_out*k*c1*c2/g), the input
   * pixels for ConvTranspose, which scatters every input pixel through the kernel.
   */
  readonly pixelsPerWeight: number;
  /** The analyzer's FLOPs of the layer (multiply-adds, bias included). */
  readonly flops: number;
  /** The analyzer's memAccess of the layer (the paper's MAC, weights included). */
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
  if (w?.length === x.length) kernelShape = w.slice(2);
  else if (Array.isArray(layer.attributes.kernel_shape))
    kernelShape = layer.attributes.kernel_shape as readonly number[];
  else return null;
  const kernelArea = product(kernelShape);
  const cIn = at(x, 1);
  const cOut = at(y, 1);
  if (g < 1 || cIn <= 0 || cOut <= 0 || kernelArea <= 0) return null;
  if (layer.flops === null || layer.memAccess === null || layer.flops <= 0) return null;
  const pixelsIn = at(x, 0) * product(x.slice(2));
  const pixelsOut = at(y, 0) * product(y.slice(2));
  return {
    cIn,
    cOut,
    group: g,
    kernelShape,
    kernelArea,
    pixelsIn,
    pixelsOut,
    pixelsPerWeight: layer.opType === 'ConvTranspose' ? pixelsIn : pixelsOut,
    depthwise: isDepthwiseGrouping(g, cIn, cOut),
    flops: layer.flops,
    memAccess: layer.memAccess,
  };
}

/**
 * Lower bound of MAC at equal FLOPs (ShuffleNet V2 Eq. 1, generalised): with B fixed and the channel
 * split free, hw_in*c1 + hw_out*c2 >= 2*sqrt(hw_in*hw_out*c1*c2) (AM-GM), and c1*c2 = B*g/(p*k) where
 * p is the number of positions each weight is applied at (hw_out for Conv, hw_in for ConvTranspose),
 * so MAC >= 2*sqrt(hw_in*hw_out*B*g/(p*k)) + B/p. For a 1x1, stride-1, g=1 conv this is the paper's
 * 2*sqrt(hw*B) + B/hw, reached at c1 = c2; in general it is reached at hw_in*c1 = hw_out*c2.
 */
export function macLowerBound(geo: ConvGeometry): number {
  const b = geo.flops;
  const p = geo.pixelsPerWeight;
  return 2 * Math.sqrt((geo.pixelsIn * geo.pixelsOut * b * geo.group) / (p * geo.kernelArea)) + b / p;
}

/**
 * MAC of the same layer with `groups` groups at equal FLOPs and the same input (ShuffleNet V2 Eq. 2,
 * generalised): c2 = B*g/(p*k*c1), so MAC(g) = hw_in*c1 + hw_out*B*g/(p*k*c1) + B/p.
 */
export function macAtGroups(geo: ConvGeometry, groups: number): number {
  const b = geo.flops;
  const p = geo.pixelsPerWeight;
  return geo.pixelsIn * geo.cIn + (geo.pixelsOut * b * groups) / (p * geo.kernelArea * geo.cIn) + b / p;
}

/** Bytes per memAccess element of a layer (its dtype mix), 4 when unknown. */
export function bytesPerElement(layer: LayerReport): number {
  return layer.memAccess && layer.memBytes ? layer.memBytes / layer.memAccess : 4;
}
