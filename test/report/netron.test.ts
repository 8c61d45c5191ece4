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
    const g4 = a.metadata.filter((e) => e.target === 'add' && e.name.startsWith('efflint G4'));
    expect(g4.map((e) => e.name)).toEqual(g4.length > 1 ? ['efflint G4', ...g4.slice(1).map((_, i) => `efflint G4 (${i + 2})`)] : ['efflint G4']);
    expect(a.metadata.some((e) => e.kind === 'model' && String(e.value).startsWith('warn: element-wise ops'))).toBe(true);
  });

  it('describes exactly one model', () => {
    expect(JSON.parse(formatNetron([r], context)).signature).toBe('netron:attachment');
    expect(() => formatNetron([r, r], context)).toThrow(/one model/);
  });
});
