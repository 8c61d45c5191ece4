import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, type Analysis, type LayerReport } from '../../src/analyzers/analyze.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { loadModelBytes } from '../../src/model/load.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { bugReportUrl, efflintVersion } from '../../src/version.js';
import { classifyLibrary, type ThrownError } from '../fuzz/harness.js';
import { runCli } from '../helpers/cli.js';
import { floatInit, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/*
 * A node that breaks its operator's spec is one unknown-cost layer with a warning, and the rest of the model is
 * analysed; an exception that is not an EfflintError is a bug in efflint, reported as one.
 */

type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
const untyped = (name: string): IValueInfoProto => ({ name, type: { tensorType: { elemType: 1 } } });

/**
 * x: float[1, 4, 8, 8] -> conv1 (1x1, 4 -> 4) -> a -> relu1 -> b -> bad (Conv, group 3 on 4 channels) -> c -> relu2 -> d,
 * and add = b + b -> e, listed after the bad node. `declareC` declares c as [1, 3, 8, 8] in value_info.
 */
function badConvModel(declareC = false): Uint8Array {
  return tinyModel({
    inputs: [tensorInfo('x', [1, 4, 8, 8])],
    outputs: [untyped('d'), untyped('e')],
    initializers: [floatInit('w1', [4, 4, 1, 1]), floatInit('w2', [3, 1, 3, 3])],
    valueInfo: declareC ? [tensorInfo('c', [1, 3, 8, 8])] : [],
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], {}, 'conv1'),
      node('Relu', ['a'], ['b'], {}, 'relu1'),
      node('Conv', ['b', 'w2'], ['c'], { group: 3, pads: [1, 1, 1, 1] }, 'bad'),
      node('Relu', ['c'], ['d'], {}, 'relu2'),
      node('Add', ['b', 'b'], ['e'], {}, 'add'),
    ],
  });
}

const BAD_WARNING = 'node "bad" (Conv): group 3 does not divide the 4 input channels; its cost is unknown';

const analyze = (bytes: Uint8Array): Analysis => analyzeModel(loadModelBytes(bytes, { path: 'bad-node.onnx' }));

const layer = (a: Analysis, name: string): LayerReport => {
  const l = a.layers.find((x) => x.name === name);
  if (!l) throw new Error(`no layer ${name}`);
  return l;
};

const dir = mkdtempSync(join(tmpdir(), 'efflint-node-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a node that breaks its op spec in the middle of a model', () => {
  it('is one layer of unknown cost with a warning; the nodes before it keep their costs', () => {
    const a = analyze(badConvModel());
    expect(a.layers.map((l) => l.name)).toEqual(['conv1', 'relu1', 'bad', 'relu2', 'add']);
    // conv1, 1x1 from 4 to 4 channels on 8x8: 64 * 4 * 4 = 1024 multiply-adds; reads 256 + 16 (weights), writes 256.
    expect(layer(a, 'conv1').flops).toBe(1024);
    expect(layer(a, 'conv1').memAccess).toBe(256 + 16 + 256);
    // relu1: one op per element of [1, 4, 8, 8], reads and writes 256.
    expect(layer(a, 'relu1').flops).toBe(256);
    expect(layer(a, 'relu1').memAccess).toBe(512);
    const bad = layer(a, 'bad');
    expect(bad.flops).toBeNull();
    expect(bad.category).toBe('conv');
    expect(bad.inputShapes).toEqual([
      [1, 4, 8, 8],
      [3, 1, 3, 3],
    ]);
    expect(bad.outputShapes).toEqual([null]);
    expect(a.warnings.filter((w) => w.includes('"bad"'))).toEqual([BAD_WARNING]);
  });

  it('after it, a node reading its output has unknown cost, one that does not is computed', () => {
    const a = analyze(badConvModel());
    expect(layer(a, 'relu2').flops).toBeNull();
    // add = b + b: 256 element ops; reads 2 x 256, writes 256.
    expect(layer(a, 'add').flops).toBe(256);
    expect(layer(a, 'add').memAccess).toBe(768);
    expect(a.totals.flops).toBe(1024 + 256 + 256);
    expect(a.totals.unknownCostLayers).toEqual(['bad', 'relu2']);
    expect(a.warnings).toContain(
      '2 layers have unknown cost and are excluded from totals (see totals.unknownCostLayers)',
    );
  });

  it('the output takes the shape the model declares, so what reads it is computed', () => {
    const a = analyze(badConvModel(true));
    expect(layer(a, 'bad').flops).toBeNull();
    expect(layer(a, 'bad').outputShapes).toEqual([[1, 3, 8, 8]]);
    // relu2 on the declared [1, 3, 8, 8]: 192 ops, reads and writes 192.
    expect(layer(a, 'relu2').flops).toBe(192);
    expect(layer(a, 'relu2').memAccess).toBe(384);
    expect(a.totals.flops).toBe(1024 + 256 + 192 + 256);
    expect(a.totals.unknownCostLayers).toEqual(['bad']);
  });

  it('lints like any model with an unknown-cost layer', () => {
    const a = analyze(badConvModel());
    expect(() => lintAnalysis(a, { model: 'bad-node.onnx' })).not.toThrow();
  });

  it('`analyze` exits 0 with the warning in its JSON; `lint` prints it on stderr', () => {
    const file = join(dir, 'bad-node.onnx');
    writeFileSync(file, badConvModel());
    const analyzed = runCli(['analyze', file, '--format', 'json']);
    expect(analyzed.stderr).toBe('');
    expect(analyzed.code).toBe(0);
    expect((JSON.parse(analyzed.stdout) as Analysis).warnings).toContain(BAD_WARNING);
    const linted = runCli(['lint', file]);
    expect([0, 1]).toContain(linted.code);
    expect(linted.stderr).toContain(`efflint: ${file}: warning: ${BAD_WARNING}\n`);
    expect(linted.stderr).not.toMatch(/internal error/);
  });
});

/** CliIO collecting what the CLI writes; `stdout` and `stderr` may throw to stand for a failure inside efflint. */
function capture(options: { stdoutThrows?: boolean; stderrThrowsOn?: RegExp } = {}): { io: CliIO; stderr: string[] } {
  const stderr: string[] = [];
  const io: CliIO = {
    stdout: () => {
      if (options.stdoutThrows) throw new TypeError("Cannot read properties of undefined (reading 'write')");
    },
    stderr: (t) => {
      if (options.stderrThrowsOn?.test(t)) throw new TypeError("Cannot read properties of undefined (reading 'warn')");
      stderr.push(t);
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: { NO_COLOR: '1' },
    cwd: dir,
  };
  return { io, stderr };
}

const bugLine = (what: string): string =>
  `internal error: ${what} (this is a bug in efflint ${efflintVersion()}; please report it at ${bugReportUrl()} with the model or --debug output)`;

describe('an exception that is not an EfflintError is a bug in efflint', () => {
  it('package.json names where bugs go', () => {
    expect(bugReportUrl()).toBe('https://github.com/efflint/efflint/issues');
  });

  it('the CLI prints one internal-error line asking for a report and exits 2; --debug adds the stack', async () => {
    const plain = capture({ stdoutThrows: true });
    expect(await main(['rules'], plain.io)).toBe(2);
    expect(plain.stderr).toEqual([
      `efflint: ${bugLine("TypeError: Cannot read properties of undefined (reading 'write')")}\n`,
    ]);

    const debug = capture({ stdoutThrows: true });
    expect(await main(['rules', '--debug'], debug.io)).toBe(2);
    expect(debug.stderr[0]).toBe(plain.stderr[0]);
    expect(debug.stderr[1]).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'write'\)\n\s+at /);
  });

  it('lint names the model in the line, goes on with the next model, and exits 2', async () => {
    const file = join(dir, 'bad-node-lint.onnx');
    const good = join(dir, 'good.onnx');
    writeFileSync(file, badConvModel());
    writeFileSync(
      good,
      tinyModel({
        inputs: [tensorInfo('x', [1, 8])],
        outputs: [tensorInfo('y', [1, 8])],
        nodes: [node('Relu', ['x'], ['y'], {}, 'r')],
      }),
    );
    // The bad node's warning line is the one write that fails.
    const c = capture({ stderrThrowsOn: /: warning: node "bad"/ });
    expect(await main(['lint', file, good, '--format', 'json'], c.io)).toBe(2);
    expect(c.stderr).toEqual([
      `efflint: ${file}: ${bugLine("TypeError: Cannot read properties of undefined (reading 'warn')")}\n`,
    ]);

    const d = capture({ stderrThrowsOn: /: warning: node "bad"/ });
    expect(await main(['lint', file, '--debug'], d.io)).toBe(2);
    expect(d.stderr[1]).toMatch(/^TypeError: .*\n\s+at /);
  });

  it('the fuzz harness counts only EfflintErrors as bad models, and a bad node as its own outcome', () => {
    const typeError = new TypeError("Cannot read properties of undefined (reading 'length')");
    const described = (e: Error, efflint: boolean, cause?: ThrownError): ThrownError => ({
      name: e.constructor.name,
      message: e.message,
      stack: e.stack ?? '',
      efflint,
      system: false,
      ...(cause ? { cause } : {}),
    });
    const bug = described(typeError, false);
    expect(classifyLibrary({ stage: 'analyze', thrown: bug })).toMatchObject({
      outcome: 'internal',
      error: { name: 'TypeError' },
    });
    expect(
      classifyLibrary({ stage: 'load', thrown: described(new RangeError('Maximum call stack size exceeded'), false) })
        .outcome,
    ).toBe('internal');
    expect(classifyLibrary({ stage: 'analyze', thrown: described(new Error('plain'), false) }).outcome).toBe(
      'internal',
    );
    // An EfflintError that wraps a TypeError disguises a bug.
    expect(
      classifyLibrary({ stage: 'load', thrown: described(new Error('x.onnx: cannot decode'), true, bug) }),
    ).toMatchObject({
      outcome: 'internal',
      wrappedAs: 'x.onnx: cannot decode',
    });
    expect(classifyLibrary({ stage: 'load', thrown: described(new Error('x.onnx: truncated'), true) }).outcome).toBe(
      'bad-model',
    );
    expect(
      classifyLibrary({ stage: 'analyze', thrown: described(new Error('x.onnx: the graph has a cycle'), true) })
        .outcome,
    ).toBe('bad-analysis');
    expect(classifyLibrary({ stage: 'done', nodeFailures: 1 }).outcome).toBe('bad-node');
    expect(classifyLibrary({ stage: 'done', nodeFailures: 0 }).outcome).toBe('ok');
  });
});

describe('an op newer than the model opset', () => {
  // LayerNormalization first appears in ai.onnx opset 17: at opset 16 onnxruntime has no kernel for it,
  // so efflint does not cost it with the opset-17 definition; at 17 the same node costs as usual.
  const model = (opset: number): Uint8Array =>
    tinyModel({
      opset,
      inputs: [tensorInfo('x', [1, 4, 8])],
      outputs: [untyped('y')],
      initializers: [floatInit('scale', [8]), floatInit('bias', [8])],
      nodes: [node('LayerNormalization', ['x', 'scale', 'bias'], ['y'], { axis: -1 }, 'ln')],
    });

  it('is unknown-cost with a warning naming the first opset, and known at that opset', () => {
    const old = analyze(model(16));
    expect(layer(old, 'ln').flops).toBeNull();
    expect(old.warnings).toContain(
      'node "ln" (LayerNormalization): LayerNormalization is not in ai.onnx opset 16 (it first appears in opset 17); its cost is unknown',
    );
    const current = analyze(model(17));
    expect(layer(current, 'ln').flops).not.toBeNull();
    expect(current.warnings.filter((w) => w.includes('"ln"'))).toEqual([]);
  });
});

describe('regressions found by the long fuzz run (bench/fuzz.mjs --seed 7)', () => {
  it('ConvTranspose on an unshaped input with a rank-1 weight is a bad node, not a negative spatial rank', () => {
    const a = analyze(
      tinyModel({
        inputs: [untyped('x')],
        outputs: [untyped('y')],
        initializers: [floatInit('w', [4])],
        nodes: [node('ConvTranspose', ['x', 'w'], ['y'], {}, 'up')],
      }),
    );
    expect(layer(a, 'up').flops).toBeNull();
    expect(a.warnings).toContain(
      'node "up" (ConvTranspose): weight must have rank >= 3 (C, M/group, k1..kn), got rank 1; its cost is unknown',
    );
  });
});
