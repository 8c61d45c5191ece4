import type { LayerReport } from '../analyzers/analyze.js';
import { isDepthwiseConv } from '../analyzers/elementwise.js';
import type { Dataflow } from '../analyzers/structure.js';
import { at } from '../util/at.js';

/** Channel widths around a convolution: what the network had before it, and what it goes on with after. */
export interface WidthContext {
  /** Input channels of the nearest preceding dense conv/Gemm on the data path (null: none found). */
  readonly before: number | null;
  /** Output channels of the nearest following dense conv/Gemm on the data path (null: none found). */
  readonly after: number | null;
}

/** Ops that keep the channel count of their (first) data input: the walk passes through them. */
const CHANNEL_PRESERVING = new Set(['activation', 'elementwise', 'normalization', 'pooling']);

const DENSE = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'QLinearConv', 'ConvInteger', 'FusedConv']);
/** How far the walk goes through channel-preserving ops (an MBConv's dw conv + BN + act + SE is < 10). */
const MAX_STEPS = 12;

function isDense(layer: LayerReport): boolean {
  return DENSE.has(layer.opType) && !isDepthwiseConv(layer);
}

function passesThrough(layer: LayerReport): boolean {
  return CHANNEL_PRESERVING.has(layer.category) || isDepthwiseConv(layer);
}

function channels(shape: readonly (number | string)[] | null | undefined): number | null {
  const c = shape?.[1];
  return typeof c === 'number' ? c : null;
}

/**
 * The widths the network has around a conv (ShuffleNet V2 G1 is about blocks whose width goes out
 * and comes back, c1 -> c2 -> c1, not about the one-way widening every network does between stages).
 */
export function widthContext(flow: Dataflow, layer: number): WidthContext {
  let before: number | null = null;
  let cur = layer;
  for (let step = 0; step < MAX_STEPS; step++) {
    const input = flow.dataInputsOf(cur)[0];
    if (input === undefined) break;
    const p = flow.producerOf(input);
    if (p === undefined) break;
    const pl = at(flow.layers, p);
    if (isDense(pl)) {
      before = channels(pl.inputShapes[0]);
      break;
    }
    if (!passesThrough(pl)) break;
    cur = p;
  }

  let after: number | null = null;
  let frontier = [layer];
  for (let step = 0; step < MAX_STEPS && after === null && frontier.length > 0; step++) {
    const next: number[] = [];
    for (const n of frontier) {
      for (const t of flow.dataOutputsOf(n)) {
        for (const c of flow.consumersOf(t)) {
          const cl = at(flow.layers, c);
          if (isDense(cl)) {
            after = channels(cl.outputShapes[0]);
            break;
          }
          if (passesThrough(cl)) next.push(c);
        }
        if (after !== null) break;
      }
      if (after !== null) break;
    }
    frontier = next;
  }
  return { before, after };
}

/**
 * True when the conv widens or narrows the network one way (before -> c_in -> c_out -> after is
 * monotone): a stage transition, which G1 leaves alone. A bottleneck or an inverted bottleneck has
 * c_in or c_out as a dip or a peak of that sequence. Without neighbours on either side nothing shows a
 * transition, so the conv is judged on its own.
 */
export function isWidthTransition(context: WidthContext, cIn: number, cOut: number): boolean {
  if (context.before === null && context.after === null) return false;
  const seq = [context.before ?? cIn, cIn, cOut, context.after ?? cOut];
  const nonDecreasing = seq.every((v, i) => i === 0 || v >= at(seq, i - 1));
  const nonIncreasing = seq.every((v, i) => i === 0 || v <= at(seq, i - 1));
  return nonDecreasing || nonIncreasing;
}
