import type { LayerReport } from '../analyzers/analyze.js';
import { convGeometry } from './conv-geometry.js';
import { defineRule } from './define-rule.js';
import type { FusionMatch } from './fusion-patterns.js';
import { FUSION_FIX, findFusablePatterns } from './fusion-patterns.js';

/** Options of G4 (defaults in the rule meta). */
export type G4Options = {
  readonly maxMemAccessPercent: number;
  readonly top: number;
  readonly countDepthwise: boolean;
};

type NodeData = {
  readonly op: string;
  readonly memAccess: number;
  readonly memSharePercent: number;
  readonly flops: number;
};

/** G4's message ids and the data each message's template needs. */
export type G4Messages = {
  readonly elementwiseShare: {
    readonly memSharePercent: number;
    readonly flopSharePercent: number;
    readonly memAccess: number;
    readonly ops: number;
    readonly breakdown: string;
    readonly patterns: string;
  };
  readonly heavyElementwise: NodeData;
  readonly heavyFusableElementwise: NodeData & { readonly pattern: string; readonly how: string };
  readonly fusablePattern: {
    readonly pattern: string;
    readonly count: number;
    readonly memAccess: number;
    readonly memSharePercent: number;
    readonly how: string;
  };
};

const ELEMENTWISE_CATEGORIES = new Set(['activation', 'elementwise', 'normalization']);
/**
 * Data movement that is a full element-by-element copy the runtime has to run: permutations (the
 * channel shuffle's Transpose) and casts. Concat and Split are left out: runtimes usually write the
 * producers' outputs into the concatenated buffer directly (concat elimination).
 */
const COPY_OPS = new Set(['Transpose', 'DepthToSpace', 'SpaceToDepth', 'Cast']);
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * What the paper calls element-wise: small FLOPs, heavy MAC. ReLU, Add, Mul, bias, Sigmoid, unfused
 * BN, copies (the channel shuffle's Transpose, Cast) and depthwise convolution ("as it also has a high
 * MAC/FLOPs ratio", ShuffleNet V2 G4). Returns the label shown in messages, or null.
 */
export function elementwiseLabel(layer: LayerReport, countDepthwise: boolean): string | null {
  if (layer.folded || !layer.memAccess) return null;
  if (ELEMENTWISE_CATEGORIES.has(layer.category) || COPY_OPS.has(layer.opType)) return layer.opType;
  if (countDepthwise && layer.category === 'conv' && convGeometry(layer)?.depthwise) return `depthwise ${layer.opType}`;
  return null;
}

/** ShuffleNet V2 G4: "element-wise operations are non-negligible". */
export const g4 = defineRule<G4Options, G4Messages>({
  meta: {
    id: 'G4',
    name: 'elementwise-heavy',
    category: 'guideline',
    description: 'Element-wise ops (activations, Add/Mul, unfused BN, data movement, depthwise convs) whose share of memory access far exceeds their share of FLOPs (ShuffleNet V2 G4).',
    defaultSeverity: 'warn',
    options: {
      maxMemAccessPercent: {
        type: 'number',
        default: 25,
        minimum: 0,
        maximum: 100,
        description: 'Flag the model when element-wise ops make up more than this percentage of its memory access.',
      },
      top: {
        type: 'integer',
        default: 5,
        minimum: 0,
        description: 'Also report the N element-wise layers with the largest memory access (0: none).',
      },
      countDepthwise: {
        type: 'boolean',
        default: true,
        description: 'Count depthwise convolutions as element-wise, as the paper does.',
      },
    },
    messages: {
      elementwiseShare:
        'element-wise ops take {{memSharePercent}}% of memory access ({{memAccess}} elements) but {{flopSharePercent}}% of FLOPs: {{ops}} layers ({{breakdown}}); fusable: {{patterns}} (ShuffleNet V2 G4: removing ReLU and shortcut gave about 20% speed-up)',
      heavyElementwise: '{{op}} moves {{memAccess}} elements ({{memSharePercent}}% of the model\'s memory access) for {{flops}} FLOPs',
      heavyFusableElementwise:
        '{{op}} moves {{memAccess}} elements ({{memSharePercent}}% of the model\'s memory access) for {{flops}} FLOPs; it is part of a fusable {{pattern}}',
      fusablePattern: '{{count}} x {{pattern}}: {{memAccess}} elements ({{memSharePercent}}% of memory access) in element-wise ops that fusion removes',
    },
    fix: 'reduce element-wise work: fuse activations and BN into convs, drop activations that do not help accuracy, prefer concatenation over Add shortcuts (ShuffleNet V2 units)',
    fixes: {
      heavyFusableElementwise: '{{how}}',
      fusablePattern: '{{how}}',
    },
  },
  check(context) {
    const { maxMemAccessPercent, top, countDepthwise } = context.options;
    const { analysis } = context;
    const totalMem = analysis.totals.memAccess;
    const totalFlops = analysis.totals.flops;
    if (totalMem <= 0) return;

    const elementwise: { layer: LayerReport; label: string }[] = [];
    let mem = 0;
    let flops = 0;
    const byLabel = new Map<string, number>();
    for (const layer of analysis.layers) {
      const label = elementwiseLabel(layer, countDepthwise);
      if (label === null) continue;
      elementwise.push({ layer, label });
      mem += layer.memAccess ?? 0;
      flops += layer.flops ?? 0;
      byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
    }
    const memSharePercent = (100 * mem) / totalMem;
    if (memSharePercent <= maxMemAccessPercent) return;

    const matches = findFusablePatterns(context.structure);
    const layers = context.structure.dataflow.layers;
    const patternOf = new Map<LayerReport, FusionMatch>();
    for (const m of matches) for (const r of [...m.removed, m.anchor]) patternOf.set(layers[r], m);
    const groups = new Map<string, FusionMatch[]>();
    for (const m of matches) groups.set(m.label, [...(groups.get(m.label) ?? []), m]);
    const removedMem = (ms: readonly FusionMatch[]): number => ms.reduce((s, m) => s + m.removed.reduce((t, r) => t + (layers[r].memAccess ?? 0), 0), 0);
    const orderedGroups = [...groups.entries()].sort((a, b) => removedMem(b[1]) - removedMem(a[1]) || a[0].localeCompare(b[0]));

    const breakdown = [...byLabel.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([label, n]) => `${n} ${label}`)
      .join(', ');
    context.report({
      node: null,
      messageId: 'elementwiseShare',
      data: {
        memSharePercent: round(memSharePercent, 1),
        flopSharePercent: round(totalFlops > 0 ? (100 * flops) / totalFlops : 0, 1),
        memAccess: mem,
        ops: elementwise.length,
        breakdown,
        patterns: orderedGroups.length ? orderedGroups.map(([label, ms]) => `${ms.length} ${label}`).join(', ') : 'none found',
      },
      metrics: { memAccess: mem, flops, memSharePercent, flopSharePercent: totalFlops > 0 ? (100 * flops) / totalFlops : 0, ops: elementwise.length },
    });

    for (const [label, ms] of orderedGroups) {
      const removed = removedMem(ms);
      const heaviest = [...ms].sort((a, b) => (layers[b.anchor].memAccess ?? 0) - (layers[a.anchor].memAccess ?? 0))[0];
      context.report({
        node: layers[heaviest.anchor],
        messageId: 'fusablePattern',
        data: { pattern: label, count: ms.length, memAccess: removed, memSharePercent: round((100 * removed) / totalMem, 1), how: FUSION_FIX[heaviest.kind] },
        metrics: { count: ms.length, memAccess: removed },
      });
    }

    const heaviest = [...elementwise].sort((a, b) => (b.layer.memAccess ?? 0) - (a.layer.memAccess ?? 0)).slice(0, top);
    for (const { layer, label } of heaviest) {
      const memAccess = layer.memAccess ?? 0;
      const base = { op: label, memAccess, memSharePercent: round((100 * memAccess) / totalMem, 1), flops: layer.flops ?? 0 };
      const metrics = { memAccess, flops: layer.flops ?? 0, intensity: layer.intensity ?? 0 };
      const match = patternOf.get(layer);
      if (match) {
        context.report({ node: layer, messageId: 'heavyFusableElementwise', data: { ...base, pattern: match.label, how: FUSION_FIX[match.kind] }, metrics });
      } else {
        context.report({ node: layer, messageId: 'heavyElementwise', data: base, metrics });
      }
    }
  },
});
