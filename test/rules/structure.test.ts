import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyzers/analyze.js';
import { analyzeStructure, buildDataflow } from '../../src/analyzers/structure.js';
import { at } from '../../src/util/at.js';
import type { T } from './analysis-builder.js';
import { AnalysisBuilder } from './analysis-builder.js';

const names = (a: Analysis, idx: readonly number[]): string[] => idx.map((i) => at(a.layers, i).name);

describe('analyzeStructure: cut points and blocks', () => {
  it('splits a chain into one block per layer', () => {
    const b = new AnalysisBuilder();
    let x: T = b.input('input', [1, 8, 4, 4]);
    for (let i = 1; i <= 3; i++) x = b.relu(`r${i}`, x);
    const a = b.build([x]);
    const s = analyzeStructure(a);
    expect(s.cutTensors).toEqual(['input', 'r1.out', 'r2.out', 'r3.out']);
    expect(s.blocks.map((bl) => names(a, bl.layers))).toEqual([['r1'], ['r2'], ['r3']]);
    expect(s.blocks.map((bl) => bl.branches)).toEqual([1, 1, 1]);
    expect(s.chains.map((c) => names(a, c.layers))).toEqual([['r1', 'r2', 'r3']]);
  });

  it('keeps four parallel convs and their concat in one block with 4 branches', () => {
    const b = new AnalysisBuilder();
    const x = b.input('input', [1, 16, 8, 8]);
    const parts = [1, 2, 3, 4].map((i) => b.conv(`c${i}`, x, { cOut: 4 }));
    const a = b.build([b.relu('out', b.concat('cat', parts))]);
    const s = analyzeStructure(a);
    expect(s.cutTensors).toEqual(['input', 'cat.out', 'out.out']);
    expect(s.blocks[0]).toMatchObject({ entry: 'input', exit: 'cat.out', branches: 4, kernels: 5, fragments: 4 });
    expect(names(a, at(s.blocks, 0).layers)).toEqual(['c1', 'c2', 'c3', 'c4', 'cat']);
  });

  it('does not count element-wise diamonds or identity shortcuts as branches', () => {
    const b = new AnalysisBuilder();
    const x = b.relu('stem', b.input('input', [1, 8, 8, 8]));
    const c = b.conv('conv', x, { cOut: 8 });
    const swish = b.binary('mul', 'Mul', c, b.unary('sig', 'Sigmoid', c));
    const a = b.build([b.binary('add', 'Add', x, swish)]);
    const block = analyzeStructure(a).blocks.find((bl) => bl.exit === 'add.out')!;
    expect(block).toMatchObject({ entry: 'stem.out', branches: 1, fragments: 1, kernels: 4 });
  });

  it('counts the widest set of mutually parallel convs (Dilworth), not paths', () => {
    const b = new AnalysisBuilder();
    const x = b.input('input', [1, 8, 8, 8]);
    const p = b.conv('p', x, { cOut: 8 });
    const q = b.conv('q', x, { cOut: 8 });
    // Both r and s read both p and q: 4 paths, but only 2 convs can run side by side.
    const r = b.conv('r', b.binary('pq1', 'Add', p, q), { cOut: 8 });
    const s = b.conv('s', b.binary('pq2', 'Mul', p, q), { cOut: 8 });
    const a = b.build([b.concat('cat', [r, s])]);
    expect(analyzeStructure(a).blocks[0]).toMatchObject({ branches: 2, fragments: 4 });
  });

  it('ignores shape arithmetic (Shape -> Gather -> Reshape) as a branch', () => {
    const b = new AnalysisBuilder();
    const x = b.relu('stem', b.input('input', [1, 8, 4, 4]));
    const shape = b.addOne('shape', 'Shape', 'metadata', [x], [[4]], 0, 0);
    const dims = b.addOne(
      'gather',
      'Gather',
      'data-movement',
      [shape, { name: 'idx', shape: [2], weight: true }],
      [[2]],
      0,
      4,
    );
    const y = b.addOne('flatten', 'Reshape', 'metadata', [x, dims], [[1, 128]], 0, 0);
    const a = b.build([b.relu('out', y)]);
    const s = analyzeStructure(a);
    expect(s.cutTensors).toEqual(['input', 'stem.out', 'flatten.out', 'out.out']);
    expect(s.dataflow.dataInputsOf(a.layers.findIndex((l) => l.name === 'flatten'))).toEqual(['stem.out']);
  });

  it('drops dead ends and constant-only layers from the data flow', () => {
    const b = new AnalysisBuilder();
    const x = b.input('input', [1, 8, 4, 4]);
    b.add('const', 'Constant', 'metadata', [], [[8]], 0, 0);
    const y = b.relu('r', x);
    b.relu('dead', y);
    const a = b.build([b.relu('out', y)]);
    const flow = buildDataflow(a);
    expect(names(a, flow.nodes)).toEqual(['r', 'out']);
    expect(flow.consumersOf('r.out')).toEqual([a.layers.findIndex((l) => l.name === 'out')]);
  });

  it('has no entry cut when the model has two inputs joined late', () => {
    const b = new AnalysisBuilder();
    const x = b.relu('rx', b.input('x', [1, 4, 4, 4]));
    const y = b.relu('ry', b.input('y', [1, 4, 4, 4]));
    const a = b.build([b.relu('out', b.binary('add', 'Add', x, y))]);
    const s = analyzeStructure(a);
    expect(s.blocks[0]).toMatchObject({ entry: null, exit: 'add.out' });
    expect(names(a, at(s.blocks, 0).layers)).toEqual(['rx', 'ry', 'add']);
  });

  it('finds the same cut points whatever topological order the layers come in', () => {
    const build = (swap: boolean): Analysis => {
      const b = new AnalysisBuilder();
      const x = b.input('input', [1, 8, 8, 8]);
      let l: T;
      let r: T;
      if (swap) {
        r = b.relu('right', x);
        l = b.relu('left', x);
      } else {
        l = b.relu('left', x);
        r = b.relu('right', x);
      }
      return b.build([b.relu('out', b.binary('add', 'Add', l, r))]);
    };
    expect(analyzeStructure(build(true)).cutTensors).toEqual(analyzeStructure(build(false)).cutTensors);
  });
});
