import { describe, expect, it } from 'vitest';
import { formatNetron, toNetronAttachment } from '../../src/report/netron.js';
import { context, sampleResult } from './fixtures.js';

describe('Netron attachment', () => {
  const r = sampleResult();
  const a = toNetronAttachment(r);

  it('has the netron:attachment signature and entry shape Netron reads', () => {
    expect(a.signature).toBe('netron:attachment');
    for (const e of [...a.metadata, ...a.metrics]) {
      expect(['model', 'graph', 'node']).toContain(e.kind);
      expect(typeof e.target).toBe('string');
      if (e.kind === 'model') expect(e.target).toBe('');
      expect(typeof e.name).toBe('string');
      expect(['number', 'string']).toContain(typeof e.value);
    }
  });

  it('gives every main-graph node its cost metrics and a findings count', () => {
    const conv = a.metrics.filter((e) => e.target === 'gconv|2');
    expect(Object.fromEntries(conv.map((e) => [e.name, e.value]))).toMatchObject({
      flops: r.analysis.layers.find((l) => l.name === 'gconv|2')!.flops,
      memAccess: r.analysis.layers.find((l) => l.name === 'gconv|2')!.memAccess,
      findings: r.findings.filter((f) => f.node === 'gconv|2').length,
    });
    expect(a.metrics.find((e) => e.kind === 'model' && e.name === 'flops')?.value).toBe(r.analysis.totals.flops);
  });

  it('keeps one value per (target, name): repeated rules get numbered names', () => {
    const keys = a.metadata.map((e) => `${e.kind}::${e.target}::${e.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every (target, rule) pair is numbered in the order of the findings: `efflint G4`, `efflint G4 (2)`, ...
    const groups = new Map<string, string[]>();
    for (const e of a.metadata.filter((m) => m.name.startsWith('efflint ') && m.name !== 'efflint conventions')) {
      const rule = /^efflint ([GE]\d+)/.exec(e.name)![1];
      const key = `${e.kind}::${e.target}::${rule}`;
      groups.set(key, [...(groups.get(key) ?? []), e.name]);
    }
    for (const [key, names] of groups) {
      const rule = key.split('::')[2];
      expect(names).toEqual(names.map((_, i) => (i === 0 ? `efflint ${rule}` : `efflint ${rule} (${i + 1})`)));
    }
    // On onnxruntime-cpu the sample has two model-level G4 findings: the element-wise share of the
    // executed graph (larger impact, first) and what the runtime already fuses.
    const model = r.findings.filter((f) => f.node === null);
    expect(model.map((f) => [f.ruleId, f.messageId])).toEqual([
      ['G4', 'elementwiseShare'],
      ['G4', 'fusedByRuntime'],
    ]);
    const g4 = a.metadata.filter((e) => e.kind === 'model' && e.name.startsWith('efflint G4'));
    expect(g4).toEqual(
      model.map((f, i) => ({ kind: 'model', target: '', name: i === 0 ? 'efflint G4' : `efflint G4 (${i + 1})`, value: `${f.severity}: ${f.message}. Fix: ${f.suggestion}` })),
    );
    expect(String(g4[0].value)).toMatch(/^warn: element-wise /);
    expect(String(g4[1].value)).toMatch(/^info: /);
  });

  it('describes exactly one model', () => {
    expect(JSON.parse(formatNetron([r], context)).signature).toBe('netron:attachment');
    expect(() => formatNetron([r, r], context)).toThrow(/one model/);
  });
});
