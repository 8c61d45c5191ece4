import type { GraphStructure } from '../analyzers/structure.js';
import { graphStructures } from '../analyzers/structure.js';
import { at } from '../util/at.js';

/** A BatchNormalization that folds into the weights of the layer before it. */
export interface FoldableBatchNorm {
  /** Layer index of the BatchNormalization. */
  readonly bn: number;
  /** Layer index of the Conv/ConvTranspose/Gemm/MatMul whose weights and bias absorb it. */
  readonly producer: number;
}

const WEIGHTED_PRODUCERS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'FusedConv']);

/**
 * BatchNormalizations (with constant statistics: params > 0) whose only data input comes from a
 * weighted layer that nothing else reads: y = gamma * (Wx + b - mean) / sqrt(var + eps) + beta is again
 * a layer of the same kind, with W' = W * gamma / sqrt(var + eps). E101 reports them; G4 leaves them to it.
 * Looks in the main graph and in every body (structure.subgraphs), each a graph of its own.
 */
export function findFoldableBatchNorms(structure: GraphStructure): FoldableBatchNorm[] {
  const out: FoldableBatchNorm[] = [];
  for (const { dataflow } of graphStructures(structure)) out.push(...foldableIn(dataflow));
  return out;
}

function foldableIn(flow: GraphStructure['dataflow']): FoldableBatchNorm[] {
  const out: FoldableBatchNorm[] = [];
  for (const n of flow.nodes) {
    const l = at(flow.layers, n);
    if (l.opType !== 'BatchNormalization' || l.params === 0) continue;
    const ins = flow.dataInputsOf(n);
    const p = ins.length === 1 ? flow.producerOf(at(ins, 0)) : undefined;
    if (p === undefined || !WEIGHTED_PRODUCERS.has(at(flow.layers, p).opType)) continue;
    const outs = flow.dataOutputsOf(p);
    if (outs.length !== 1 || flow.isGraphOutput(at(outs, 0)) || flow.consumersOf(at(outs, 0)).length !== 1) continue;
    out.push({ bn: n, producer: p });
  }
  return out;
}
