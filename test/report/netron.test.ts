import { describe, expect, it } from 'vitest';
import type { LintResult } from '../../src/rules/lint.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { formatNetron, toNetronAttachment } from '../../src/report/lint/netron.js';
import { at } from '../../src/util/at.js';
import { AnalysisBuilder } from '../rules/analysis-builder.js';
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
      model.map((f, i) => ({
        kind: 'model',
        target: '',
        name: i === 0 ? 'efflint G4' : `efflint G4 (${i + 1})`,
        value: `${f.severity}: ${f.message}. Fix: ${f.suggestion}`,
      })),
    );
    expect(String(at(g4, 0).value)).toMatch(/^warn: element-wise /);
    expect(String(at(g4, 1).value)).toMatch(/^info: /);
  });

  it('describes exactly one model', () => {
    expect(JSON.parse(formatNetron([r], context)).signature).toBe('netron:attachment');
    expect(() => formatNetron([r, r], context)).toThrow(/one model/);
  });

  it('numbers findings that share a target: names whose first line is alike are one Netron node', () => {
    // Four group convs (g=8, 64 -> 64 channels: one G2 finding each) whose names all start with the
    // line `unit`, as an exporter that names every call of a function alike produces.
    const b = new AnalysisBuilder();
    let x = b.input('input', [1, 64, 28, 28]);
    for (const name of ['unit\n1', 'unit\n2', 'unit', 'unit\n3'])
      x = b.relu(`${name}.act`, b.conv(name, x, { cOut: 64, group: 8 }));
    const res = lintAnalysis(b.build([x], 'unit.onnx'), { model: 'unit.onnx' });
    const g2 = res.findings.filter((f) => f.ruleId === 'G2');
    expect(g2.map((f) => f.node)).toEqual(['unit\n1', 'unit\n2', 'unit', 'unit\n3']);
    const att = toNetronAttachment(res);
    const value = (i: number): string => `warn: ${at(g2, i).message}. Fix: ${at(g2, i).suggestion}`;
    expect(att.metadata.filter((e) => e.target === 'unit').map((e) => [e.kind, e.name, e.value])).toEqual([
      ['node', 'efflint G2', value(0)],
      ['node', 'efflint G2 (2)', value(1)],
      ['node', 'efflint G2 (3)', value(2)],
      ['node', 'efflint G2 (4)', value(3)],
    ]);
    // Stable: the same result gives the same attachment, byte for byte.
    expect(formatNetron([res], context)).toBe(formatNetron([res], context));
  });

  it('gives each (target, rule) the first free number, across interleaved rules, targets and kinds', () => {
    // The real G2 finding of the sample, placed on other targets and rules: the formatter only reads
    // node, ruleId, severity, message and suggestion.
    const f = r.findings.find((x) => x.ruleId === 'G2')!;
    const at = (node: string | null, ruleId: string) => ({ ...f, node, ruleId });
    const findings = [
      at('a', 'G2'),
      at('a', 'G4'),
      at('a', 'G2'),
      at(null, 'G2'),
      at('b', 'G2'),
      at('a', 'G2'),
      at('a', 'G4'),
      at('a\nsecond line', 'G2'),
      ...Array.from({ length: 20 }, () => at('a', 'G2')),
      // No rule id looks like this; it takes the number the next G2 on `a` would get, which that
      // finding then skips (the first free number, as scanning from 2 finds it).
      at('a', 'G2 (25)'),
      at('a', 'G2'),
      at('a', 'G2 (2)'),
    ];
    const res: LintResult = { ...r, findings };
    const names = toNetronAttachment(res)
      .metadata.slice(1)
      .map((e) => `${e.kind}:${e.target}:${e.name}`);
    expect(names).toEqual([
      'node:a:efflint G2',
      'node:a:efflint G4',
      'node:a:efflint G2 (2)',
      'model::efflint G2',
      'node:b:efflint G2',
      'node:a:efflint G2 (3)',
      'node:a:efflint G4 (2)',
      'node:a:efflint G2 (4)',
      ...Array.from({ length: 20 }, (_, i) => `node:a:efflint G2 (${i + 5})`),
      'node:a:efflint G2 (25)',
      'node:a:efflint G2 (26)',
      'node:a:efflint G2 (2) (2)',
    ]);
    expect(new Set(names).size).toBe(names.length);
    expect(toNetronAttachment(res)).toEqual(toNetronAttachment(res));
  });
});
