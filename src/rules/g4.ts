import type { LayerReport } from '../analyzers/analyze.js';
import { elementwiseKind, elementwiseLabel } from '../analyzers/elementwise.js';
import { at } from '../util/at.js';
import { roundTo } from '../util/number.js';
import { defineRule } from './define-rule.js';
import { findFoldableBatchNorms } from './foldable-batchnorm.js';

/** Options of G4 (defaults in the rule meta). */
export type G4Options = {
  readonly maxMemAccessPercent: number;
  readonly top: number;
  readonly countDepthwise: boolean;
};

/** G4's message ids and the data each message's template needs. */
export type G4Messages = {
  readonly elementwiseShare: {
    readonly timePercent: number;
    readonly flopPercent: number;
    readonly memPercent: number;
    readonly kernels: number;
    readonly breakdown: string;
    readonly runtime: string;
  };
  readonly heavyElementwise: {
    readonly op: string;
    readonly timePercent: number;
    readonly memAccess: number;
    readonly flops: number;
  };
  readonly fusedByRuntime: {
    readonly runtime: string;
    readonly layers: number;
    readonly breakdown: string;
  };
};

/** "3 Relu, 2 Add" from labels, most frequent first. */
function countLabels(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([l, n]) => `${n} ${l}`)
    .join(', ');
}

/**
 * ShuffleNet V2 G4: "element-wise operations are non-negligible" ("small FLOPs but relatively heavy
 * MAC"). Judged on the graph the target runtime executes: element-wise work it folds into weights or
 * runs in a conv epilogue costs nothing (one info says so); what still runs as its own kernel, plus
 * the residual read of an Add fused into a conv, is weighed by its share of the model's memory access
 * (the paper's currency) and ranked by its estimated time. One model finding, then the heaviest
 * offenders; BatchNormalizations that E101 reports are counted in the share but not listed again.
 */
export const g4 = defineRule<G4Options, G4Messages>({
  meta: {
    id: 'G4',
    name: 'elementwise-heavy',
    category: 'guideline',
    description:
      "Element-wise work (activations, Add/Mul, unfused BN, depthwise convs) that the runtime still does, when it moves a large share of the model's memory for few FLOPs (ShuffleNet V2 G4).",
    defaultSeverity: 'warn',
    options: {
      maxMemAccessPercent: {
        type: 'number',
        default: 16,
        minimum: 0,
        maximum: 100,
        description:
          "Flag the model when the element-wise work the runtime still does moves more than this percentage of the model's memory access (the paper's MAC).",
      },
      top: {
        type: 'integer',
        default: 3,
        minimum: 0,
        description: 'With the model finding, also report the N heaviest element-wise kernels (0: none).',
      },
      countDepthwise: {
        type: 'boolean',
        default: true,
        description: 'Count depthwise convolutions as element-wise, as the paper does ("a high MAC/FLOPs ratio").',
      },
    },
    messages: {
      elementwiseShare:
        'element-wise work after fusion: {{memPercent}}% of executed memory access, {{timePercent}}% of est. time, {{flopPercent}}% of FLOPs ({{breakdown}})',
      heavyElementwise: '{{op}}: {{timePercent}}% of est. time, {{memAccess}} elements moved for {{flops}} FLOPs',
      fusedByRuntime:
        '{{runtime}} already fuses {{layers}} element-wise layers into neighbouring kernels ({{breakdown}})',
    },
    fix: 'reduce element-wise work on thick feature maps: fewer activations, concatenation instead of Add shortcuts, depthwise convs on thinner maps (ShuffleNet V2 units)',
    fixes: {
      fusedByRuntime:
        'nothing to do for this runtime; other runtimes may not fuse them (lint with --runtime none to see the raw graph)',
    },
    confirmation: { heavyElementwise: 'removed-elementwise', elementwiseShare: 'elementwise-time-share' },
  },
  check(context) {
    const { maxMemAccessPercent, top, countDepthwise } = context.options;
    const { analysis, plan, time } = context;
    const layers = analysis.layers;
    if (time.modelUs <= 0) return;

    const fusedLabels: string[] = [];
    for (const [i] of plan.fusions) {
      const fused = at(layers, i);
      const kind = elementwiseKind(fused);
      if (kind !== null) fusedLabels.push(elementwiseLabel(fused, kind));
    }
    if (fusedLabels.length > 0) {
      context.report({
        node: null,
        messageId: 'fusedByRuntime',
        data: { runtime: plan.runtime, layers: fusedLabels.length, breakdown: countLabels(fusedLabels) },
        excessUs: 0,
        fixedByRuntime: true,
      });
    }

    // Element-wise work the runtime still does: layers that run as their own kernel, and the residual
    // operand an Add fused into a conv epilogue still reads (a third of the Add's traffic: the
    // intermediate's write and read are saved, the shortcut's read is not). Data movement (the channel
    // shuffle's copy, Concat/Split, layout reorders) is Figure 2's "Data"/"Shuffle", not "Elemwise".
    const offenders: { layer: LayerReport; op: string; us: number }[] = [];
    const labels: string[] = [];
    let us = 0;
    let flops = 0;
    let memAccess = 0;
    // The memory access of the graph as executed: every kernel's anchor layer (fused layers' traffic
    // is gone), plus the residual reads below. Inserted layout reorders are the runtime's, not the model's.
    let executedMem = 0;
    plan.kernels.forEach((kernel, k) => {
      if (kernel.inserted || kernel.layers.length === 0) return;
      const anchor = at(layers, at(kernel.layers, 0));
      executedMem += anchor.memAccess ?? 0;
      const kind = elementwiseKind(anchor);
      if (kind === null || kind === 'copy' || (kind === 'depthwise-conv' && !countDepthwise)) return;
      const op = elementwiseLabel(anchor, kind);
      labels.push(op);
      const kernelUs = at(time.kernelUs, k);
      us += kernelUs;
      flops += anchor.flops ?? 0;
      memAccess += anchor.memAccess ?? 0;
      offenders.push({ layer: anchor, op, us: kernelUs });
    });
    for (const [i, fusion] of plan.fusions) {
      if (fusion.kind !== 'epilogue-add') continue;
      const add = at(layers, i);
      const residual = (add.memAccess ?? 0) / 3;
      labels.push(`fused ${add.opType}`);
      us += time.bytesUs((add.memBytes ?? 0) / 3);
      memAccess += residual;
      executedMem += residual;
    }
    if (executedMem <= 0) return;
    const memPercent = (100 * memAccess) / executedMem;
    if (memPercent <= maxMemAccessPercent) return;
    const totalFlops = analysis.totals.flops;
    context.report({
      node: null,
      messageId: 'elementwiseShare',
      data: {
        memPercent: roundTo(memPercent, 1),
        timePercent: roundTo((100 * us) / time.modelUs, 1),
        flopPercent: roundTo(totalFlops > 0 ? (100 * flops) / totalFlops : 0, 1),
        kernels: labels.length,
        breakdown: countLabels(labels),
        runtime: plan.runtime,
      },
      metrics: { estimatedUs: us, flops, memAccess, kernels: labels.length },
      excessUs: us,
    });

    // Reported elsewhere with their own cause: a foldable BN (E101).
    const flow = context.structure.dataflow;
    const otherCause = new Set<LayerReport>();
    for (const m of findFoldableBatchNorms(context.structure)) otherCause.add(at(flow.layers, m.bn));
    const heaviest = offenders
      .filter((o) => !otherCause.has(o.layer))
      .sort((a, b) => b.us - a.us)
      .slice(0, top);
    for (const o of heaviest) {
      context.report({
        node: o.layer,
        messageId: 'heavyElementwise',
        data: {
          op: o.op,
          timePercent: roundTo((100 * o.us) / time.modelUs, 1),
          memAccess: o.layer.memAccess ?? 0,
          flops: o.layer.flops ?? 0,
        },
        metrics: { estimatedUs: o.us, memAccess: o.layer.memAccess ?? 0, flops: o.layer.flops ?? 0 },
        excessUs: o.us,
      });
    }
  },
});
