import type { Analysis } from '../analyze.js';
import type { KernelDraft } from './plan-graph.js';
import { assemblePlan, buildRuntimeGraph, displayOp } from './plan-graph.js';
import type { ExecutionPlan } from './types.js';
import { at } from '../../util/at.js';

/** The raw graph: every running layer of the main graph is its own kernel, nothing is fused. */
export function buildNonePlan(analysis: Analysis): ExecutionPlan {
  const view = buildRuntimeGraph(analysis);
  const drafts: KernelDraft[] = view.layers.map((i) => ({
    opType: displayOp(at(analysis.layers, i)),
    layers: [i],
    kinds: new Map(),
    position: i,
  }));
  return assemblePlan('none', 'static-model', drafts, { fusions: 'none: every layer runs as written' });
}
