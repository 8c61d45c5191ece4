import type { Change, LayerChange, ModelDiff, TotalsDiff } from '../../diff/compare.js';
import type { Dim } from '../../model/ir.js';
import { SEVERITY_RANK } from '../../rules/define-rule.js';
import type { Finding } from '../../rules/lint.js';
import { humanBytes, humanCount, signedBytes, signedCount } from '../shared/numbers.js';

/** What the diff's text and Markdown formats share: directions, orderings and the words for a changed layer. */

/** Whether a change makes the model costlier (every diffed total is a cost: more is worse). */
export type Direction = 'worse' | 'better' | 'same';

/** Worse when the value grows, better when it shrinks, same when unchanged or unknown. */
export function direction(c: Change | null): Direction {
  if (!c || c.delta === 0) return 'same';
  return c.delta > 0 ? 'worse' : 'better';
}

/** Output shapes as `[1,24,56,56]` (several outputs separated by spaces; '?' when unknown). */
export function shapesText(shapes: readonly (readonly Dim[] | null)[]): string {
  if (shapes.length === 0) return '-';
  return shapes.map((s) => (s === null ? '?' : `[${s.join(',')}]`)).join(' ');
}

/** The op type with its domain when it is not the default one. */
export function opTypeText(opType: string, domain: string): string {
  return domain === '' || domain === 'ai.onnx' ? opType : `${domain}.${opType}`;
}

/** One row of the totals table: what it counts, its change, and how a value and the delta are written. */
export interface TotalsRow {
  readonly label: string;
  readonly change: Change;
  readonly value: (n: number) => string;
  readonly delta: (n: number) => string;
}

/** The model totals both formats tabulate, in table order. */
export function totalsRows(t: TotalsDiff): TotalsRow[] {
  return [
    { label: 'FLOPs', change: t.flops, value: humanCount, delta: signedCount },
    { label: 'params', change: t.params, value: humanCount, delta: signedCount },
    { label: 'memAccess', change: t.memAccess, value: humanCount, delta: signedCount },
    { label: 'memBytes', change: t.memBytes, value: humanBytes, delta: signedBytes },
    { label: 'layers', change: t.layers, value: String, delta: signedCount },
    { label: 'unknown-cost layers', change: t.unknownCostLayers, value: String, delta: signedCount },
  ];
}

/** Changed layers, largest |FLOPs change| first (unknown costs last), then graph order. */
export function changedBySize(changed: readonly LayerChange[]): LayerChange[] {
  const size = (l: LayerChange): number => (l.flops === null ? -1 : Math.abs(l.flops.delta));
  return changed
    .map((l, i) => ({ l, i }))
    .sort((a, b) => size(b.l) - size(a.l) || a.i - b.i)
    .map((x) => x.l);
}

/** Findings most severe first, graph order within a severity (a cut list keeps the errors). */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

/** Op types whose count, FLOPs, params or memAccess changed. */
export function changedOpTypes(diff: ModelDiff): ModelDiff['opTypes'] {
  return diff.opTypes.filter(
    (o) => o.count.delta !== 0 || o.flops.delta !== 0 || o.params.delta !== 0 || o.memAccess.delta !== 0,
  );
}

/** What a changed layer's `changes` mean, in words: 'op Conv -> ConvInteger; output [..] -> [..]; FLOPs ..'. */
export function layerChangeText(l: LayerChange): string {
  const parts: string[] = [];
  if (l.changes.includes('opType')) parts.push(`op ${l.before.opType} -> ${l.after.opType}`);
  if (l.changes.includes('outputShape'))
    parts.push(`output ${shapesText(l.before.outputShapes)} -> ${shapesText(l.after.outputShapes)}`);
  if (l.changes.includes('flops')) parts.push(`FLOPs ${humanCount(l.before.flops)} -> ${humanCount(l.after.flops)}`);
  return parts.join('; ');
}

/** The counting convention, stated under every diff that shows FLOPs. */
export const CONVENTION_LINE =
  'FLOPs = multiply-adds (ShuffleNet V2 convention); memAccess = elements read + written per layer, weights included';
