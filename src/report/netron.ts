import type { LintResult } from '../rules/lint.js';
import type { LintFormatContext } from './lint-format-context.js';

/**
 * One entry of a Netron attachment: `kind` is model, graph, node, value or tensor; `target` names it
 * ('' for model and graph; Netron matches nodes by the first line of their name).
 */
export interface NetronAttachmentEntry {
  readonly kind: 'model' | 'graph' | 'node';
  readonly target: string;
  readonly name: string;
  readonly value: number | string;
}

/** The `netron:attachment` file Netron reads when it is opened while a model is shown. */
export interface NetronAttachment {
  readonly signature: 'netron:attachment';
  readonly metadata: readonly NetronAttachmentEntry[];
  readonly metrics: readonly NetronAttachmentEntry[];
}

/**
 * Per-node metrics (FLOPs, params, memAccess, memBytes, intensity, findings) for Netron's sidebar,
 * and each finding as node metadata. Netron keeps one value per (target, name), so a node with two
 * findings of one rule gets `efflint G4`, `efflint G4 (2)`. Needs exactly one model (an attachment
 * belongs to the model open in Netron); the CLI checks that before formatting.
 */
export function toNetronAttachment(result: LintResult): NetronAttachment {
  const metadata: NetronAttachmentEntry[] = [];
  const metrics: NetronAttachmentEntry[] = [];
  const t = result.analysis.totals;
  metrics.push(
    { kind: 'model', target: '', name: 'flops', value: t.flops },
    { kind: 'model', target: '', name: 'params', value: t.params },
    { kind: 'model', target: '', name: 'memAccess', value: t.memAccess },
    { kind: 'model', target: '', name: 'memBytes', value: t.memBytes },
    { kind: 'model', target: '', name: 'findings', value: result.findings.length },
  );
  metadata.push({
    kind: 'model',
    target: '',
    name: 'efflint conventions',
    value: 'FLOPs = multiply-adds (ShuffleNet V2 convention); memAccess = elements read + written, weights included',
  });
  const perNode = new Map<string, number>();
  const used = new Set<string>();
  for (const f of result.findings) {
    const kind = f.node === null ? 'model' : 'node';
    const target = f.node === null ? '' : (f.node.split('\n')[0] ?? '');
    if (f.node !== null) perNode.set(f.node, (perNode.get(f.node) ?? 0) + 1);
    let name = `efflint ${f.ruleId}`;
    for (let k = 2; used.has(`${kind}::${target}::${name}`); k++) name = `efflint ${f.ruleId} (${k})`;
    used.add(`${kind}::${target}::${name}`);
    metadata.push({ kind, target, name, value: `${f.severity}: ${f.message}. Fix: ${f.suggestion}` });
  }
  for (const l of result.analysis.layers) {
    if (l.scope !== '') continue;
    const target = l.name.split('\n')[0] ?? '';
    const add = (name: string, value: number | null): void => {
      if (value !== null && Number.isFinite(value)) metrics.push({ kind: 'node', target, name, value });
    };
    add('flops', l.flops);
    add('params', l.params);
    add('memAccess', l.memAccess);
    add('memBytes', l.memBytes);
    add('intensity', l.intensity === null ? null : Number(l.intensity.toFixed(4)));
    add('findings', perNode.get(l.name) ?? 0);
  }
  return { signature: 'netron:attachment', metadata, metrics };
}

/** `--format netron` for exactly one model. */
export function formatNetron(results: readonly LintResult[], _context?: LintFormatContext): string {
  if (results.length !== 1) throw new RangeError(`the netron format describes one model, got ${results.length}`);
  return JSON.stringify(toNetronAttachment(results[0]), null, 2) + '\n';
}
