import type { LayerReport } from './analyze.js';

/**
 * What the ShuffleNet V2 paper calls an element-wise operator (G4): "ReLU, AddTensor, AddBias, etc.
 * They have small FLOPs but relatively heavy MAC. Specially, we also consider depthwise convolution as
 * an element-wise operator as it also has a high MAC/FLOPs ratio." efflint adds unfused normalisation
 * and the full copies a runtime has to run (the channel shuffle's Transpose, Cast, DepthToSpace).
 * This one definition is shared by G4, E104 and the measured confirmation of findings.
 */
export type ElementwiseKind = 'activation' | 'arithmetic' | 'normalization' | 'copy' | 'depthwise-conv';

const BY_CATEGORY: Readonly<Record<string, ElementwiseKind>> = {
  activation: 'activation',
  elementwise: 'arithmetic',
  normalization: 'normalization',
};

/**
 * Full element-by-element copies. Concat and Split are left out: runtimes write the producers'
 * outputs into the concatenated buffer directly (onnxruntime's concat elimination).
 */
const COPY_OPS = new Set(['Transpose', 'DepthToSpace', 'SpaceToDepth', 'Cast']);

/** Depthwise grouping: one group per input channel (a channel multiplier c_out/c_in is allowed). */
export function isDepthwiseGrouping(group: number, cIn: number, cOut: number): boolean {
  return group > 1 && group === cIn && cOut % cIn === 0;
}

/** A Conv layer with depthwise grouping. */
export function isDepthwiseConv(layer: LayerReport): boolean {
  if (layer.opType !== 'Conv') return false;
  const group = typeof layer.attributes.group === 'number' ? layer.attributes.group : 1;
  const cIn = layer.inputShapes[0]?.[1];
  const cOut = layer.outputShapes[0]?.[1];
  return typeof cIn === 'number' && typeof cOut === 'number' && isDepthwiseGrouping(group, cIn, cOut);
}

/** The element-wise kind of a layer that runs (not folded, moves memory), or null. */
export function elementwiseKind(layer: LayerReport): ElementwiseKind | null {
  if (layer.folded || !layer.memAccess) return null;
  const byCategory = BY_CATEGORY[layer.category];
  if (byCategory !== undefined) return byCategory;
  if (COPY_OPS.has(layer.opType)) return 'copy';
  if (isDepthwiseConv(layer)) return 'depthwise-conv';
  return null;
}

/** How an element-wise layer of `kind` reads in messages: its op type, depthwise convs named as such. */
export function elementwiseLabel(layer: LayerReport, kind: ElementwiseKind): string {
  return kind === 'depthwise-conv' ? `depthwise ${layer.opType}` : layer.opType;
}
