import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';
import { floatInit, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let good: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-cli-'));
  good = join(dir, 'conv.onnx');
  writeFileSync(
    good,
    tinyModel({
      inputs: [tensorInfo('x', ['N', 3, 32, 32])],
      outputs: [tensorInfo('y', [])],
      initializers: [floatInit('w', [16, 3, 3, 3]), floatInit('b', [16])],
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }, 'conv1'),
        node('Relu', ['c'], ['y'], {}, 'relu1'),
      ],
    }),
  );
});

describe('efflint analyze (spawned CLI)', () => {
  it('prints a per-layer table and totals', () => {
    const r = runCli(['analyze', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/conv1\s+Conv\s+1x16x32x32/);
    expect(r.stdout).toContain('total:');
    expect(r.stdout).toContain('multiply-adds');
    expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR
  });

  it('emits the documented JSON schema', () => {
    const r = runCli(['analyze', good, '--format', 'json', '--input', 'x=2x3x32x32']);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.schemaVersion).toBe(1);
    expect(a.model).toMatchObject({ path: good, irVersion: 8, opsets: { 'ai.onnx': 13 } });
    const conv = a.layers[0];
    expect(conv).toMatchObject({ name: 'conv1', opType: 'Conv', domain: '', inputs: ['x', 'w', 'b'], outputs: ['c'] });
    expect(conv.outputShapes).toEqual([[2, 16, 32, 32]]);
    // 3x3 conv, 3 -> 16 channels, 32x32 output, batch 2: multiply-adds by hand
    expect(conv.flops).toBe(2 * 16 * 32 * 32 * 3 * 3 * 3);
    expect(conv.params).toBe(16 * 3 * 3 * 3 + 16);
    for (const k of ['flops', 'params', 'memAccess', 'memBytes', 'layers', 'unknownCostLayers'])
      expect(a.totals).toHaveProperty(k);
    expect(Array.isArray(a.warnings)).toBe(true);
  });

  it('sorts, cuts and writes CSV', () => {
    const r = runCli(['analyze', good, '--format', 'csv', '--sort', 'flops', '--top', '1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('name,opType,domain,category,outputShape,flops,params,memAccess,memBytes,intensity');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^conv1,Conv,/);
  });

  it('analyses a zoo model without writing a file', () => {
    const r = runCli(['analyze', 'zoo:shufflenet_v2_x0_5', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals.params).toBe(1_366_792);
  });
});

describe('bad input: one line on stderr, exit 2, no stack trace', () => {
  const cases: [string, () => string[]][] = [
    ['missing file', () => ['analyze', join(dir, 'nope.onnx')]],
    ['a directory', () => ['analyze', dir]],
    [
      'an empty file',
      () => {
        const p = join(dir, 'empty.onnx');
        writeFileSync(p, '');
        return ['analyze', p];
      },
    ],
    [
      'a truncated model',
      () => {
        const p = join(dir, 'trunc.onnx');
        const b = readFileSync(good);
        writeFileSync(p, b.subarray(0, Math.floor(b.length / 2)));
        return ['analyze', p];
      },
    ],
    [
      'a bit-flipped model',
      () => {
        const p = join(dir, 'flip.onnx');
        const b = Buffer.from(readFileSync(good));
        for (let i = 0; i < b.length; i += 7) b[i] = at(b, i) ^ 0xa5;
        writeFileSync(p, b);
        return ['analyze', p];
      },
    ],
    [
      'a text file',
      () => {
        const p = join(dir, 'readme.onnx');
        writeFileSync(p, 'hello, this is not a model\n');
        return ['analyze', p];
      },
    ],
    [
      'a graph with a cycle',
      () => {
        const p = join(dir, 'cycle.onnx');
        writeFileSync(
          p,
          tinyModel({
            inputs: [tensorInfo('x', [4])],
            outputs: [tensorInfo('z', [4])],
            nodes: [node('Add', ['x', 'z'], ['y']), node('Relu', ['y'], ['z'])],
          }),
        );
        return ['analyze', p];
      },
    ],
    [
      'a dangling input',
      () => {
        const p = join(dir, 'dangling.onnx');
        writeFileSync(
          p,
          tinyModel({
            inputs: [tensorInfo('x', [4])],
            outputs: [tensorInfo('y', [4])],
            nodes: [node('Add', ['x', 'ghost'], ['y'])],
          }),
        );
        return ['analyze', p];
      },
    ],
    [
      'a negative dim',
      () => {
        const p = join(dir, 'negdim.onnx');
        writeFileSync(
          p,
          tinyModel({
            inputs: [tensorInfo('x', [1, -3])],
            outputs: [tensorInfo('y', [])],
            nodes: [node('Relu', ['x'], ['y'])],
          }),
        );
        return ['analyze', p];
      },
    ],
    ['an unknown zoo model', () => ['analyze', 'zoo:shufflenet_v9']],
    ['a malformed --input', () => ['analyze', good, '--input', 'x=1xbanana']],
    ['an unknown option', () => ['analyze', good, '--bogus']],
  ];
  for (const [what, args] of cases) {
    it(what, () => {
      const r = runCli(args(), { timeoutMs: 30_000 });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const first = at(r.stderr.trim().split('\n'), 0);
      expect(first.length).toBeGreaterThan(10);
    });
  }

  it('a Conv weight of the wrong rank is a layer of unknown cost with a warning, not an error (exit 0)', () => {
    const p = join(dir, 'badconv.onnx');
    writeFileSync(
      p,
      tinyModel({
        inputs: [tensorInfo('x', [1, 3, 8, 8])],
        outputs: [tensorInfo('y', [])],
        initializers: [floatInit('w', [4, 3])],
        nodes: [node('Conv', ['x', 'w'], ['y'], {}, 'conv')],
      }),
    );
    const r = runCli(['analyze', p, '--format', 'json']);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as { layers: { name: string; flops: number | null }[]; warnings: string[] };
    expect(a.layers.map((l) => [l.name, l.flops])).toEqual([['conv', null]]);
    expect(a.warnings).toContain(
      'node "conv" (Conv): weight has rank 2 but the input has rank 4; expected (M, C/group, k1..kn); its cost is unknown',
    );
  });

  it('names the file in the error', () => {
    const p = join(dir, 'sub');
    mkdirSync(p, { recursive: true });
    const r = runCli(['analyze', join(dir, 'trunc.onnx')]);
    expect(r.stderr).toContain('trunc.onnx');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
