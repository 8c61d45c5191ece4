import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';
import { runCli } from '../helpers/cli.js';
import {
  AT,
  DT,
  encodeModel,
  model,
  node,
  tensorInfo,
  type IGraphProto,
  type INodeProto,
  type ITensorProto,
} from '../model/proto-builder.js';

/**
 * Hostile but valid (or invalid in one clear way) models: declared sizes efflint must never allocate from. The CLI
 * runs with a 256 MiB V8 heap, so anything that materialises a declared length of 2^31 dies (exit 133/134) instead
 * of passing: every case ends in exit 0 with the numbers worked out below, or exit 2 with one `efflint: ...` line.
 */

const HEAP = { NODE_OPTIONS: '--max-old-space-size=256' };
const INT32_MAX = 2147483647;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function graph(nodes: INodeProto[], inputs: IGraphProto['input'], initializer: ITensorProto[] = []): IGraphProto {
  // Outputs declare no shape: what the analysis reports is what it inferred, not a declared fallback.
  const outputs = nodes.at(-1)?.output?.map((o) => tensorInfo(o, DT.FLOAT, null)) ?? [];
  return { name: 'g', node: nodes, input: inputs, output: outputs, initializer };
}

function write(name: string, g: IGraphProto, opset = 13): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, encodeModel(model(g, 8, opset)));
  return path;
}

function ints(name: string, value: number[]): NonNullable<INodeProto['attribute']>[number] {
  return { name, type: AT.INTS, ints: value };
}

function int(name: string, value: number): NonNullable<INodeProto['attribute']>[number] {
  return { name, type: AT.INT, i: value };
}

function floatInit(name: string, dims: number[]): ITensorProto {
  return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(dims.reduce((a, b) => a * b, 1) * 4) };
}

function int64Init(name: string, values: number[]): ITensorProto {
  return { name, dims: [values.length], dataType: DT.INT64, int64Data: values };
}

interface Layer {
  name: string;
  outputShapes: (number | string)[][] | null[];
  flops: number | null;
  memAccess: number | null;
}

interface AnalysisJson {
  layers: Layer[];
  totals: { flops: number; memAccess: number; layers: number };
  warnings: string[];
}

function analyzeOk(path: string): AnalysisJson {
  const r = runCli(['analyze', path, '--format', 'json'], { env: HEAP });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as AnalysisJson;
}

function analyzeFails(path: string): string {
  const r = runCli(['analyze', path, '--format', 'json'], { env: HEAP });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  const line = at(lines, 0);
  expect(line).toMatch(/^efflint: /);
  return line;
}

/** x: float[1, 4], and s: int64[2^31 - 1] whose values are known only at run time. */
const X_INPUT = tensorInfo('x', DT.FLOAT, [1, 4]);
const S_INPUT = tensorInfo('s', DT.INT64, [INT32_MAX]);
const HUGE_SHAPE_INPUTS = [X_INPUT, S_INPUT];
const RANK_WARNING =
  /output rank \d+ \(from a declared input length\) is beyond the 1024 dims efflint builds; its shape is unknown/;

describe('a shape input declared int64[2^31 - 1]: the output rank is unknown, with a warning', () => {
  const cases: { op: string; nodes: INodeProto[]; inputs: IGraphProto['input']; rank: number }[] = [
    {
      op: 'Reshape',
      nodes: [node('Reshape', ['x', 's'], ['y'], { name: 'n' })],
      inputs: HUGE_SHAPE_INPUTS,
      rank: INT32_MAX,
    },
    {
      op: 'Expand',
      nodes: [node('Expand', ['x', 's'], ['y'], { name: 'n' })],
      inputs: HUGE_SHAPE_INPUTS,
      rank: INT32_MAX,
    },
    {
      op: 'ConstantOfShape',
      nodes: [node('ConstantOfShape', ['s'], ['y'], { name: 'n' })],
      inputs: [S_INPUT],
      rank: INT32_MAX,
    },
    // Unsqueeze-13 adds one axis per element of `axes`: rank 2 + (2^31 - 1).
    {
      op: 'Unsqueeze',
      nodes: [node('Unsqueeze', ['x', 's'], ['y'], { name: 'n' })],
      inputs: HUGE_SHAPE_INPUTS,
      rank: 2 + INT32_MAX,
    },
  ];
  it.each(cases)('$op', ({ op, nodes, inputs, rank }) => {
    const a = analyzeOk(write(`huge-${op}`, graph(nodes, inputs)));
    expect(a.layers.map((l) => l.name)).toEqual(['n']);
    expect(at(a.layers, 0).outputShapes).toEqual([null]);
    expect(a.warnings).toContain(
      `node "n" (${op}): output rank ${rank} (from a declared input length) is beyond the 1024 dims efflint builds; its shape is unknown`,
    );
  });

  it('a Constant whose value declares dims [2^31] (16 bytes of data) feeding a Reshape: not read, rank unknown', () => {
    const value: ITensorProto = { dims: [2 ** 31], dataType: DT.INT64, rawData: new Uint8Array(16) };
    const a = analyzeOk(
      write(
        'constant-2e31',
        graph(
          [
            node('Constant', [], ['c'], { name: 'c', attribute: [{ name: 'value', type: AT.TENSOR, t: value }] }),
            node('Reshape', ['x', 'c'], ['y'], { name: 'n' }),
          ],
          [X_INPUT],
        ),
      ),
    );
    expect(a.layers.find((l) => l.name === 'n')?.outputShapes).toEqual([null]);
    expect(a.warnings.some((w) => RANK_WARNING.test(w))).toBe(true);
  });
});

describe('declared sizes beyond 2^53 elements: one line, exit 2', () => {
  it('an initializer with dims [2^31, 2^31]', () => {
    const w: ITensorProto = { name: 'w', dims: [2 ** 31, 2 ** 31], dataType: DT.FLOAT, rawData: new Uint8Array(16) };
    const line = analyzeFails(write('init-2e62', graph([node('Add', ['x', 'w'], ['y'])], [X_INPUT], [w])));
    expect(line).toMatch(/tensor "w" has an absurd element count \(dims 2147483648x2147483648\)/);
  });

  it('an input dim near 2^62', () => {
    const line = analyzeFails(
      write('dim-2e62', graph([node('Relu', ['x'], ['y'])], [tensorInfo('x', DT.FLOAT, [2 ** 62])])),
    );
    expect(line).toMatch(/beyond 2\^53/);
  });

  it('an input of dims [2^40, 2^40]: each dim is exact, their product 2^80 is not', () => {
    const line = analyzeFails(
      write('dims-2e80', graph([node('Relu', ['x'], ['y'])], [tensorInfo('x', DT.FLOAT, [2 ** 40, 2 ** 40])])),
    );
    expect(line).toMatch(
      /input "x" has the shape \[1099511627776,1099511627776\] with 1\.21e\+24 elements \(more than 2\^53\)$/,
    );
  });

  it('a rank-1000 input of dims 2 (2^1000 elements)', () => {
    const line = analyzeFails(
      write('rank1000-of-2', graph([node('Relu', ['x'], ['y'])], [tensorInfo('x', DT.FLOAT, new Array(1000).fill(2))])),
    );
    expect(line).toMatch(/input "x" has a rank-1000 shape with 1\.07e\+301 elements \(more than 2\^53\)$/);
  });
});

/** Analyses a model whose one node `name` breaks its op's spec: exit 0, the node has unknown cost, one warning says why. */
function nodeFails(path: string, name: string): { layer: Layer; warning: string; a: AnalysisJson } {
  const a = analyzeOk(path);
  const layer = a.layers.find((l) => l.name === name);
  expect(layer?.flops).toBeNull();
  const warnings = a.warnings.filter((w) => w.startsWith(`node "${name}" `));
  expect(warnings).toHaveLength(1);
  return { layer: layer as Layer, warning: at(warnings, 0), a };
}

describe('node outputs beyond 2^53 elements: that node has unknown cost, with a warning', () => {
  it('Expand to a constant [2^30, 2^30] (2^60 elements)', () => {
    const { warning } = nodeFails(
      write(
        'expand-2e60',
        graph(
          [node('Expand', ['x', 's'], ['y'], { name: 'e' })],
          [tensorInfo('x', DT.FLOAT, [1, 1])],
          [int64Init('s', [2 ** 30, 2 ** 30])],
        ),
      ),
      'e',
    );
    expect(warning).toBe(
      'node "e" (Expand): output "y" would have the shape [1073741824,1073741824] with 1.15e+18 elements (more than 2^53); its cost is unknown',
    );
  });

  it('ConstantOfShape of a constant [2^31, 2^31]', () => {
    const { warning } = nodeFails(
      write(
        'cos-2e62',
        graph([node('ConstantOfShape', ['s'], ['y'], { name: 'k' })], [], [int64Init('s', [2 ** 31, 2 ** 31])]),
      ),
      'k',
    );
    expect(warning).toMatch(
      /^node "k" \(ConstantOfShape\): output "y" would have the shape \[2147483648,2147483648\] with 4\.61e\+18 elements/,
    );
  });

  it('Reshape of 4 elements to a constant [2^31, 2^31]', () => {
    const { warning } = nodeFails(
      write(
        'reshape-2e62',
        graph([node('Reshape', ['x', 's'], ['y'], { name: 'r' })], [X_INPUT], [int64Init('s', [2 ** 31, 2 ** 31])]),
      ),
      'r',
    );
    expect(warning).toBe(
      'node "r" (Reshape): Reshape: cannot reshape [1,4] to [2147483648,2147483648] (element counts differ); its cost is unknown',
    );
  });
});

describe('huge but representable sizes: exact numbers', () => {
  it('Expand [1, 1] to a constant [2^20, 2^20]: reads 1 + 2 elements, writes 2^40', () => {
    const a = analyzeOk(
      write(
        'expand-2e40',
        graph(
          [node('Expand', ['x', 's'], ['y'], { name: 'e' })],
          [tensorInfo('x', DT.FLOAT, [1, 1])],
          [int64Init('s', [2 ** 20, 2 ** 20])],
        ),
      ),
    );
    expect(at(a.layers, 0).outputShapes).toEqual([[2 ** 20, 2 ** 20]]);
    expect(at(a.layers, 0).flops).toBe(0);
    expect(a.totals.memAccess).toBe(1 + 2 + 2 ** 40);
  });

  it('a rank-1000 input of dims 1 through Relu: 1 FLOP, 2 elements of memory access', () => {
    const a = analyzeOk(
      write(
        'rank1000-of-1',
        graph([node('Relu', ['x'], ['y'], { name: 'r' })], [tensorInfo('x', DT.FLOAT, new Array(1000).fill(1))]),
      ),
    );
    expect(at(a.layers, 0).outputShapes[0]).toHaveLength(1000);
    expect(a.totals.flops).toBe(1);
    expect(a.totals.memAccess).toBe(2);
  });

  it('a chain of 100,000 Relu nodes on float[1, 16]: 100000 x 16 FLOPs, 100000 x (16 + 16) elements', () => {
    const n = 100_000;
    const nodes = Array.from({ length: n }, (_, i) =>
      node('Relu', [i === 0 ? 'x' : `t${i - 1}`], [i === n - 1 ? 'y' : `t${i}`], { name: `r${i}` }),
    );
    const a = analyzeOk(write('relu-chain', graph(nodes, [tensorInfo('x', DT.FLOAT, [1, 16])])));
    expect(a.totals.layers).toBe(n);
    expect(a.totals.flops).toBe(1_600_000);
    expect(a.totals.memAccess).toBe(3_200_000);
  }, 180_000);
});

describe('Conv, pooling and Cast attributes onnxruntime rejects: exit 0, the node has unknown cost, one warning naming node and attribute', () => {
  const x = tensorInfo('x', DT.FLOAT, [1, 4, 8, 8]);
  const conv = (
    attribute: INodeProto['attribute'],
    w: number[] = [4, 4, 3, 3],
    xs: number[] = [1, 4, 8, 8],
  ): IGraphProto =>
    graph(
      [node('Conv', ['x', 'w'], ['y'], { name: 'conv1', attribute })],
      [tensorInfo('x', DT.FLOAT, xs)],
      [floatInit('w', w)],
    );
  const pool = (attribute: INodeProto['attribute']): IGraphProto =>
    graph([node('MaxPool', ['x'], ['y'], { name: 'pool1', attribute })], [x]);
  const cases: { label: string; g: IGraphProto; message: string }[] = [
    { label: 'group 0', g: conv([int('group', 0)]), message: `node "conv1" (Conv): group must be >= 1, got 0` },
    {
      label: 'group 3 with 4 input channels',
      g: conv([int('group', 3)], [3, 1, 3, 3]),
      message: `node "conv1" (Conv): group 3 does not divide the 4 input channels`,
    },
    {
      label: 'group 2 with 3 output channels',
      g: conv([int('group', 2)], [3, 2, 3, 3]),
      message: `node "conv1" (Conv): 3 output channels are not divisible by group 2`,
    },
    {
      label: 'a 3x3 kernel on a 2x2 input',
      g: conv([], [4, 4, 3, 3], [1, 4, 2, 2]),
      message: `node "conv1" (Conv): kernel extent 3 on spatial axis 0 exceeds the padded input size 2`,
    },
    {
      label: 'strides 0',
      g: conv([ints('strides', [0, 0])]),
      message: `node "conv1" (Conv): strides must be >= 1, got [0,0]`,
    },
    {
      label: 'dilations 0',
      g: conv([ints('dilations', [1, 0])]),
      message: `node "conv1" (Conv): dilations must be >= 1, got [1,0]`,
    },
    {
      label: 'negative pads',
      g: conv([ints('pads', [-1, 0, 0, 0])]),
      message: `node "conv1" (Conv): pads must be >= 0, got [-1,0,0,0]`,
    },
    {
      label: 'kernel_shape as a string',
      g: conv([{ name: 'kernel_shape', type: AT.STRING, s: new TextEncoder().encode('3x3') }]),
      message: `node "conv1" (Conv): attribute 'kernel_shape' is STRING, expected INTS`,
    },
    {
      label: 'kernel_shape [0, 0]',
      g: conv([ints('kernel_shape', [0, 0])]),
      message: `node "conv1" (Conv): kernel_shape must be >= 1, got [0,0]`,
    },
    {
      label: 'MaxPool kernel_shape [0, 0]',
      g: pool([ints('kernel_shape', [0, 0])]),
      message: `node "pool1" (MaxPool): kernel_shape must be >= 1, got [0,0]`,
    },
    {
      label: 'MaxPool kernel_shape as a string',
      g: pool([{ name: 'kernel_shape', type: AT.STRING, s: new TextEncoder().encode('2') }]),
      message: `node "pool1" (MaxPool): attribute 'kernel_shape' is STRING, expected INTS`,
    },
    {
      label: 'Cast to = 999',
      g: graph([node('Cast', ['x'], ['y'], { name: 'cast1', attribute: [int('to', 999)] })], [x]),
      message: `node "cast1" (Cast): to = 999 is not a TensorProto.DataType`,
    },
  ];
  it.each(cases)('$label', ({ label, g, message }) => {
    const name = message.slice('node "'.length, message.indexOf('" ('));
    const { warning, a } = nodeFails(write(label.replace(/\W+/g, '-'), g), name);
    expect(warning).toBe(`${message}; its cost is unknown`);
    expect(a.totals.flops).toBe(0);
  });
});

describe('attribute lists too long to read', () => {
  // 3,000,000 packed ints (3 MB on disk, 24 MB as JS numbers) and 2,000,000 floats: beyond the
  // 2^20-element cap the decoder reads the list without storing it and leaves the attribute out.
  it.each([
    {
      label: 'ints',
      attr: { name: 'huge', type: AT.INTS, ints: new Array<number>(3_000_000).fill(1) },
      count: 3_000_000,
    },
    {
      label: 'floats',
      attr: { name: 'huge', type: AT.FLOATS, floats: new Array<number>(2_000_000).fill(0.5) },
      count: 2_000_000,
    },
  ])('a $label attribute of $count elements is left out with a warning', ({ label, attr, count }) => {
    const relu = node('Relu', ['x'], ['y'], { name: 'r', attribute: [attr] });
    const path = write(`long-${label}`, graph([relu], [tensorInfo('x', DT.FLOAT, [1, 8])]));
    const r = runCli(['analyze', path, '--format', 'json'], { env: HEAP });
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as { totals: { flops: number }; warnings: string[] };
    expect(a.totals.flops).toBe(8); // Relu on 1x8: one op per element
    expect(a.warnings).toContain(
      `attribute "huge" of node "r": list of ${count} elements (more than 1048576) not read; the attribute is left out`,
    );
  });
});
