import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { analyzeStructure } from '../../src/analyzers/structure.js';
import { loadModelBytes } from '../../src/model/load.js';
import { lintAnalysis, type Finding } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { runCli } from '../helpers/cli.js';
import { floatInit, graphProto, int64Init, node, onnx, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/**
 * Rules inside subgraphs (issue 11, item 2): lint visits the If branches and Loop bodies that run, and names their
 * nodes by path (`<If>/then/<node>`, `<If>/else/<node>`, `<Loop>/body/<node>`). A branch that a known condition
 * never takes is not linted. The models are real ONNX bytes; the linter and the built CLI run on them.
 */

type INodeProto = onnxProto.onnx.INodeProto;
type IGraphProto = onnxProto.onnx.IGraphProto;

const { GRAPH } = onnx.AttributeProto.AttributeType;
const BOOL = onnx.TensorProto.DataType.BOOL;
const INT64 = onnx.TensorProto.DataType.INT64;
const untyped = (name: string, elemType = onnx.TensorProto.DataType.FLOAT): onnxProto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType } },
});

/** 32 channels on 8x8; a 3x3 conv with 8 groups (4 input channels per group): what G2 flags. */
const X = [1, 32, 8, 8];
const groupedConv = (input: string, output: string): INodeProto =>
  node('Conv', [input, 'Wg'], [output], { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'gconv');
const WEIGHTS = floatInit('Wg', [32, 4, 3, 3]);

function ifModel(cond: 'input' | 'true', grouped: 'then' | 'else'): Uint8Array {
  const branch = (which: 'then' | 'else'): IGraphProto => {
    const out = `y_${which}`;
    const nodes = which === grouped ? [groupedConv('x', out)] : [node('Relu', ['x'], [out], {}, 'relu')];
    return graphProto(
      { inputs: [], outputs: [untyped(out)], nodes, initializers: which === grouped ? [WEIGHTS] : [] },
      which,
    );
  };
  const gate: INodeProto = {
    opType: 'If',
    name: 'gate',
    input: ['c'],
    output: ['y'],
    attribute: [
      { name: 'then_branch', type: GRAPH, g: branch('then') },
      { name: 'else_branch', type: GRAPH, g: branch('else') },
    ],
  };
  return tinyModel({
    inputs: [tensorInfo('x', X), ...(cond === 'input' ? [tensorInfo('c', [], BOOL)] : [])],
    outputs: [untyped('y')],
    initializers: cond === 'true' ? [{ name: 'c', dims: [], dataType: BOOL, int32Data: [1] }] : [],
    nodes: [gate],
  });
}

/** h = x; twice: h = gconv(h). */
function loopModel(): Uint8Array {
  const body = graphProto(
    {
      inputs: [tensorInfo('i', [], INT64), tensorInfo('cond_in', [], BOOL), untyped('h_in')],
      outputs: [untyped('cond_out', BOOL), untyped('h_out')],
      initializers: [WEIGHTS],
      nodes: [node('Identity', ['cond_in'], ['cond_out'], {}, 'keep'), groupedConv('h_in', 'h_out')],
    },
    'body',
  );
  return tinyModel({
    inputs: [tensorInfo('x', X)],
    outputs: [untyped('h')],
    initializers: [int64Init('trips', [2], []), { name: 'go', dims: [], dataType: BOOL, int32Data: [1] }],
    nodes: [
      {
        opType: 'Loop',
        name: 'repeat',
        input: ['trips', 'go', 'x'],
        output: ['h'],
        attribute: [{ name: 'body', type: GRAPH, g: body }],
      },
    ],
  });
}

const lint = (bytes: Uint8Array): Finding[] => [
  ...lintAnalysis(analyzeModel(loadModelBytes(bytes, { path: 'sub.onnx' }))).findings,
];
const g2 = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.ruleId === 'G2');

/** G2's numbers for this conv: 3x3, g = 8, 32 -> 32 channels. */
const G2_DATA = { kernel: '3x3', group: 8, cIn: 32, cOut: 32 };

describe('lint inside subgraphs', () => {
  it('a grouped conv in the then-branch of an If with an unknown condition is reported by its path', () => {
    const found = g2(lint(ifModel('input', 'then')));
    expect(found.map((f) => [f.node, f.opType, f.messageId, f.fingerprint])).toEqual([
      ['gate/then/gconv', 'Conv', 'groupConvolution', 'G2:gate/then/gconv:groupConvolution'],
    ]);
    expect(at(found, 0).data).toMatchObject(G2_DATA);
  });

  it('the same conv in the else-branch of an If whose condition is the constant true is not linted', () => {
    const a = analyzeModel(loadModelBytes(ifModel('true', 'else'), { path: 'sub.onnx' }));
    expect(a.layers.map((l) => l.name)).toEqual(['gate', 'gate/then/relu']);
    expect(g2(lintAnalysis(a).findings)).toEqual([]);
  });

  it('a grouped conv in a Loop body is reported by its path', () => {
    const found = g2(lint(loopModel()));
    expect(found.map((f) => [f.node, f.fingerprint])).toEqual([
      ['repeat/body/gconv', 'G2:repeat/body/gconv:groupConvolution'],
    ]);
    expect(at(found, 0).data).toMatchObject(G2_DATA);
  });

  it('each body is a graph of its own: its inputs are what it reads from outside, its outputs its own', () => {
    const a = analyzeModel(loadModelBytes(loopModel(), { path: 'sub.onnx' }));
    const s = analyzeStructure(a);
    expect(s.subgraphs.map((g) => g.scope)).toEqual(['repeat/body']);
    const body = at(s.subgraphs, 0).dataflow;
    expect(body.nodes.map((i) => at(a.layers, i).name)).toEqual(['repeat/body/gconv']);
    expect(body.isGraphInput('h_in')).toBe(true);
    expect(body.isGraphOutput('h_out')).toBe(true);
    // The Loop reads x in the main graph, and the main graph's data path goes through it.
    expect(s.dataflow.nodes.map((i) => at(a.layers, i).name)).toEqual(['repeat']);
  });

  it('an If reads what its branches read: the main graph goes through it even when its condition is a shape test', () => {
    // c = Shape(x)[1] == 32 is shape arithmetic; the branch reads x, so the If's output is data, not a shape.
    const then = graphProto(
      { inputs: [], outputs: [untyped('yt')], initializers: [WEIGHTS], nodes: [groupedConv('x', 'yt')] },
      'then',
    );
    const other = graphProto(
      { inputs: [], outputs: [untyped('ye')], nodes: [node('Relu', ['x'], ['ye'], {}, 'relu')] },
      'else',
    );
    const bytes = tinyModel({
      inputs: [tensorInfo('x', ['N', 32, 8, 8])],
      outputs: [untyped('z')],
      initializers: [int64Init('one', [1], []), int64Init('c32', [32], [])],
      nodes: [
        node('Shape', ['x'], ['s'], {}, 'shape'),
        node('Gather', ['s', 'one'], ['ch'], {}, 'ch'),
        node('Equal', ['ch', 'c32'], ['c'], {}, 'is32'),
        {
          opType: 'If',
          name: 'gate',
          input: ['c'],
          output: ['y'],
          attribute: [
            { name: 'then_branch', type: GRAPH, g: then },
            { name: 'else_branch', type: GRAPH, g: other },
          ],
        },
        node('Sigmoid', ['y'], ['z'], {}, 'act'),
      ],
    });
    const a = analyzeModel(loadModelBytes(bytes, { path: 'sub.onnx' }));
    // N is read as batch 1, so the shape test folds and only the then-branch runs.
    expect(a.layers.filter((l) => l.scope !== '').map((l) => l.name)).toEqual(['gate/then/gconv']);
    const s = analyzeStructure(a);
    expect(s.dataflow.nodes.map((i) => at(a.layers, i).name)).toEqual(['gate', 'act']);
    expect(g2(lintAnalysis(a).findings).map((f) => f.node)).toEqual(['gate/then/gconv']);
  });
});

describe('the CLI names subgraph nodes by path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'efflint-sublint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Uint8Array): string => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  it('JSON, text and SARIF carry `gate/then/gconv`; the constant-true model has no G2 finding', () => {
    const file = write('if-then.onnx', ifModel('input', 'then'));
    const json = runCli(['lint', file, '--format', 'json', '--select', 'G2']);
    // A warning is not a failure (exit 0); the analysis says that either branch may run.
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toContain('1 If nodes have a condition known only at run time: both branches are counted');
    const findings = at((JSON.parse(json.stdout) as { results: { findings: Finding[] }[] }).results, 0).findings;
    expect(findings.map((f) => [f.ruleId, f.node, f.fingerprint])).toEqual([
      ['G2', 'gate/then/gconv', 'G2:gate/then/gconv:groupConvolution'],
    ]);

    const text = runCli(['lint', file, '--select', 'G2', '--min-impact', '0']);
    expect(text.stdout).toContain('gate/then/gconv');

    const sarif = JSON.parse(runCli(['lint', file, '--format', 'sarif', '--select', 'G2']).stdout) as {
      runs: { results: { ruleId: string; locations: { logicalLocations: { name: string }[] }[] }[] }[];
    };
    expect(at(sarif.runs, 0).results.map((r) => [r.ruleId, r.locations[0]?.logicalLocations[0]?.name])).toEqual([
      ['G2', 'gate/then/gconv'],
    ]);

    const untaken = runCli([
      'lint',
      write('if-else-untaken.onnx', ifModel('true', 'else')),
      '--format',
      'json',
      '--select',
      'G2',
    ]);
    expect((JSON.parse(untaken.stdout) as { results: { findings: Finding[] }[] }).results[0]?.findings).toEqual([]);
  });

  it('a Loop body finding: `repeat/body/gconv`', () => {
    const r = runCli(['lint', write('loop.onnx', loopModel()), '--format', 'json', '--select', 'G2']);
    const findings = at((JSON.parse(r.stdout) as { results: { findings: Finding[] }[] }).results, 0).findings;
    expect(findings.map((f) => [f.ruleId, f.node])).toEqual([['G2', 'repeat/body/gconv']]);
  });
});
