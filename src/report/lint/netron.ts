import type { LintResult } from '../../rules/lint.js';
import { at } from '../../util/at.js';
import { roundTo } from '../../util/number.js';
import type { LintFormatter } from './lint-format-context.js';

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
  const names = new UniqueNames();
  for (const f of result.findings) {
    const kind = f.node === null ? 'model' : 'node';
    const target = f.node === null ? '' : (f.node.split('\n')[0] ?? '');
    if (f.node !== null) perNode.set(f.node, (perNode.get(f.node) ?? 0) + 1);
    const name = names.take(`${kind}::${target}::`, `efflint ${f.ruleId}`);
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
    add('intensity', l.intensity === null ? null : roundTo(l.intensity, 4));
    add('findings', perNode.get(l.name) ?? 0);
  }
  return { signature: 'netron:attachment', metadata, metrics };
}

/**
 * Hands out `base`, `base (2)`, `base (3)`, ... within a namespace, never one name twice: the first
 * free name, as a scan from 2 would find, but in amortised constant time. A duplicated node name (an
 * exporter that names every call of a function alike) puts thousands of findings on one target, and
 * rescanning from 2 for each was quadratic. Each base remembers where its last scan stopped; names are
 * never given back, so every number below it is still taken.
 */
class UniqueNames {
  private readonly used = new Set<string>();
  private readonly next = new Map<string, number>();

  /** The first of `base`, `base (2)`, ... not yet taken in `namespace`, now taken. */
  take(namespace: string, base: string): string {
    const key = namespace + base;
    let name = base;
    if (this.used.has(key)) {
      let k = this.next.get(key) ?? 2;
      while (this.used.has(`${key} (${k})`)) k++;
      name = `${base} (${k})`;
      this.next.set(key, k + 1);
    }
    this.used.add(namespace + name);
    return name;
  }
}

/** `--format netron` for exactly one model. */
export const formatNetron: LintFormatter = (results) => {
  if (results.length !== 1) throw new RangeError(`the netron format describes one model, got ${results.length}`);
  return JSON.stringify(toNetronAttachment(at(results, 0)), null, 2) + '\n';
};
