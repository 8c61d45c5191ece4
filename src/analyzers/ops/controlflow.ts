import type { Dim, Graph, Node } from '../../model/ir.js';
import { knownElements, withElements } from '../fold.js';
import { METADATA_COST } from '../memory-models.js';
import { dtypeAndShape, requireInput, scalarOf } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { dynamicDim, normalizeAxis } from '../shape-utils.js';
import { defineOp, type OpContext, type OpCost, type SubgraphOutcome, type TensorInfo } from '../types.js';
import { OpSpecError } from '../../errors.js';
import { at } from '../../util/at.js';

/**
 * The ONNX controlflow family (onnx/defs/controlflow): If, Loop and Scan. Their bodies are inferred through the
 * context; a body's layers are listed with the node and counted once per run of the body.
 */

/**
 * If, Loop and Scan. Their bodies are inferred through ctx.inferSubgraph; the engine lists the body's nodes as
 * layers of their own, so the control-flow node itself costs nothing: 0 FLOPs, memory 'none'. Counting the body here
 * too would count it twice. Loop and Scan say how often their body runs (`bodyRuns`), and the engine multiplies.
 */
const CONTROL_FLOW_COST: OpCost = METADATA_COST;

/** Body runs per run of a Loop or Scan node, found while inferring its shapes and read back by its cost. */
const bodyRunsOf = new WeakMap<Node, number | null>();

function loopCost(ctx: OpContext): OpCost {
  return { ...CONTROL_FLOW_COST, bodyRuns: bodyRunsOf.get(ctx.node) ?? null };
}

/** Trip counts at or above this are "run until cond is false" sentinels (exporters write INT64_MAX). */
const UNBOUNDED_TRIPS = 2 ** 53;

function requireGraph(ctx: OpContext, name: string): Graph {
  const g = ctx.attrs.graph(name);
  if (!g) throw new OpSpecError(`${ctx.node.opType} needs the '${name}' graph attribute`);
  return g;
}

/**
 * What two possible values of one output have in common: equal dims stay, differing dims become a symbolic dim
 * of this node's output; a different rank gives an unknown shape. Folded values survive only when equal.
 */
function mergeInfos(ctx: OpContext, output: number, a: TensorInfo, b: TensorInfo): TensorInfo {
  const dtype = a.dtype === null || b.dtype === null || a.dtype === b.dtype ? (a.dtype ?? b.dtype) : null;
  let shape: Dim[] | null = null;
  if (a.shape && a.shape.length === b.shape?.length) {
    const bs = b.shape;
    shape = a.shape.map((d, i) => (d === bs[i] ? d : dynamicDim(ctx, output, i)));
  }
  const ea = knownElements(a);
  const eb = knownElements(b);
  const same = ea && ea.length === eb?.length && ea.every((v, i) => v === eb[i]);
  return withElements({ dtype, shape }, same ? ea : undefined);
}

/** The outputs of a branch inferred with tryInferSubgraph, or null after warning that it cannot run. */
function branchOutputs(
  ctx: OpContext,
  outcome: SubgraphOutcome,
  name: string,
  other: string,
): readonly TensorInfo[] | null {
  if ('outputs' in outcome) return outcome.outputs;
  ctx.warn(
    `${name} cannot run with these input shapes, so its ${outcome.layers} layers have unknown cost and the outputs are the ${other}'s: ${outcome.failure}`,
  );
  return null;
}

/**
 * The outputs of a Loop or Scan body, or, after warning that it cannot run, what the body declares for them. A body is
 * inferred once, with the initial carried shapes, while the runtime may run it with others (a state that grows), so
 * a failure there makes the body unknown-cost rather than the model invalid.
 */
function loopBodyOutputs(ctx: OpContext, body: Graph, outcome: SubgraphOutcome): readonly TensorInfo[] {
  if ('outputs' in outcome) return outcome.outputs;
  ctx.warn(
    `body cannot run with these input shapes, so its ${outcome.layers} layers have unknown cost and its outputs are what the body declares: ${outcome.failure}`,
  );
  return body.outputs.map((v) => ({ dtype: v.dtype, shape: v.shape }));
}

const ifOp = defineOp({
  opType: 'If',
  category: 'control-flow',
  inferShape(ctx) {
    const cond = requireInput(ctx, 0, 'cond');
    const thenBranch = requireGraph(ctx, 'then_branch');
    const elseBranch = requireGraph(ctx, 'else_branch');
    const count = ctx.node.outputs.length;
    const known = scalarOf(cond);
    if (known !== undefined) {
      // A known condition (often a folded shape test) selects one branch: its outputs, values included.
      const taken = ctx.inferSubgraph(known !== 0 ? thenBranch : elseBranch, []);
      if (taken.length !== count)
        throw new OpSpecError(`If: the taken branch has ${taken.length} outputs, the node ${count}`);
      return [...taken];
    }
    // Either branch may run. One that contradicts its ops' specs with these inputs cannot be the one the runtime
    // takes (it is often written for other input sizes): its layers get unknown cost and the outputs are the other's.
    const a = ctx.tryInferSubgraph(thenBranch, []);
    const b = ctx.tryInferSubgraph(elseBranch, []);
    if ('failure' in a && 'failure' in b) {
      throw new OpSpecError(
        `If: neither branch can run with these inputs: then_branch: ${a.failure}; else_branch: ${b.failure}`,
      );
    }
    const ta = branchOutputs(ctx, a, 'then_branch', 'else_branch');
    const tb = branchOutputs(ctx, b, 'else_branch', 'then_branch');
    if ((ta && ta.length !== count) || (tb && tb.length !== count)) {
      throw new OpSpecError(
        `If: branches have ${ta?.length ?? '?'} and ${tb?.length ?? '?'} outputs, the node ${count}`,
      );
    }
    if (ta && tb) return ta.map((t, i) => mergeInfos(ctx, i, t, at(tb, i)));
    // Only one branch can run: its outputs, values included (the If is not constant, its condition is not known).
    return (ta ?? tb ?? []).map((t) => withElements(dtypeAndShape(t), knownElements(t)));
  },
  cost: () => CONTROL_FLOW_COST,
});

const loopOp = defineOp({
  opType: 'Loop',
  category: 'control-flow',
  inferShape(ctx) {
    const body = requireGraph(ctx, 'body');
    const tripInput = ctx.inputs[0] ?? null;
    const condInput = ctx.inputs[1] ?? null;
    // A value that changes across iterations is not folded: loop-carried tensors keep only dtype and shape.
    const carried = ctx.node.inputs.slice(2).map((_, i) => dtypeAndShape(ctx.inputs[2 + i]));
    const n = carried.length;
    const k = ctx.node.outputs.length - n;
    if (k < 0) throw new OpSpecError(`Loop has ${n} loop-carried inputs but only ${ctx.node.outputs.length} outputs`);
    // The body runs only while cond is true, so its cond input is true in every iteration that executes.
    const bodyOut = loopBodyOutputs(
      ctx,
      body,
      ctx.tryInferSubgraph(body, [{ dtype: 'int64', shape: [] }, { dtype: 'bool', shape: [], value: [1] }, ...carried]),
    );
    if (bodyOut.length !== 1 + n + k) {
      throw new OpSpecError(`Loop body has ${bodyOut.length} outputs; expected 1 + ${n} carried + ${k} scan outputs`);
    }
    const m = scalarOf(tripInput);
    const condTrue = condInput === null || scalarOf(condInput) === 1;
    const neverExitsEarly = condTrue && scalarOf(bodyOut[0]) === 1;
    let trips: Dim | null = null;
    if (m === 0) trips = 0;
    else if (m !== undefined && m < UNBOUNDED_TRIPS && neverExitsEarly) trips = m;
    else if (condInput !== null && scalarOf(condInput) === 0) trips = 0;
    bodyRunsOf.set(ctx.node, trips);
    const finals = carried.map((init, i) => mergeInfos(ctx, i, init, dtypeAndShape(bodyOut[1 + i])));
    const scans = bodyOut.slice(1 + n).map((t, j) => {
      const out = n + j;
      const shape = t.shape ? [trips ?? dynamicDim(ctx, out, 0), ...t.shape] : null;
      return { dtype: t.dtype, shape };
    });
    return [...finals, ...scans];
  },
  cost: loopCost,
});

const scanOp = defineOp({
  opType: 'Scan',
  category: 'control-flow',
  inferShape(ctx) {
    const body = requireGraph(ctx, 'body');
    const m = ctx.attrs.intOr('num_scan_inputs');
    if (m === undefined || m < 1) throw new OpSpecError('Scan needs num_scan_inputs >= 1');
    // Scan-8 has a leading optional sequence_lens input and a batch axis 0 on every state and scan tensor.
    const batched = ctx.opset < 9;
    const first = batched ? 1 : 0;
    const all = ctx.node.inputs.slice(first).map((_, i) => ctx.inputs[first + i] ?? null);
    const n = all.length - m;
    if (n < 0) throw new OpSpecError(`Scan has ${all.length} inputs but num_scan_inputs=${m}`);
    const k = ctx.node.outputs.length - n;
    if (k < 0) throw new OpSpecError(`Scan has ${n} state inputs but only ${ctx.node.outputs.length} outputs`);
    const states = all.slice(0, n).map(dtypeAndShape);
    const scans = all.slice(n);
    const inAxes = batched ? scans.map(() => 1) : (ctx.attrs.ints('scan_input_axes') ?? scans.map(() => 0));
    const outAxes = batched ? [] : (ctx.attrs.ints('scan_output_axes') ?? []);
    let batch: Dim | null = null;
    let length: Dim | null = null;
    const slices = scans.map((t, j) => {
      if (!t?.shape) return { dtype: t?.dtype ?? null, shape: null };
      const axis = normalizeAxis(inAxes[j] ?? 0, t.shape.length);
      const d = at(t.shape, axis);
      if (length === null || (typeof length === 'string' && typeof d === 'number')) length = d;
      else if (typeof d === 'number' && d !== length)
        throw new OpSpecError(`Scan: scan inputs disagree on the sequence length (${length} vs ${d})`);
      if (batched) batch = at(t.shape, 0);
      return { dtype: t.dtype, shape: t.shape.filter((_, i) => i !== axis && !(batched && i === 0)) };
    });
    // Scan-8 bodies see states without their batch axis.
    const bodyStates = batched
      ? states.map((s) => ({ dtype: s.dtype, shape: s.shape ? s.shape.slice(1) : null }))
      : states;
    const bodyOut = loopBodyOutputs(ctx, body, ctx.tryInferSubgraph(body, [...bodyStates, ...slices]));
    // One body run per sequence step (and, in Scan-8, per batch entry).
    const steps: Dim | null = length;
    const entries: Dim | null = batched ? batch : 1;
    bodyRunsOf.set(ctx.node, typeof steps === 'number' && typeof entries === 'number' ? steps * entries : null);
    if (bodyOut.length !== n + k)
      throw new OpSpecError(`Scan body has ${bodyOut.length} outputs; expected ${n} states + ${k} scan outputs`);
    const finals = states.map((init, i) => {
      const b = dtypeAndShape(bodyOut[i]);
      const full = batched && b.shape ? { dtype: b.dtype, shape: [batch ?? dynamicDim(ctx, i, 0), ...b.shape] } : b;
      return mergeInfos(ctx, i, init, full);
    });
    const outputs = bodyOut.slice(n).map((t, j) => {
      const out = n + j;
      if (!t.shape) return { dtype: t.dtype, shape: null };
      const seq = length ?? dynamicDim(ctx, out, 0);
      if (batched) return { dtype: t.dtype, shape: [batch ?? dynamicDim(ctx, out, 0), seq, ...t.shape] };
      const axis = normalizeAxis(outAxes[j] ?? 0, t.shape.length + 1);
      const shape: Dim[] = [...t.shape];
      shape.splice(axis, 0, seq);
      return { dtype: t.dtype, shape };
    });
    return [...finals, ...outputs];
  },
  cost: loopCost,
});

/** ai.onnx control flow, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets([ifOp, loopOp, scanOp], { If: 1, Loop: 1, Scan: 8 });
