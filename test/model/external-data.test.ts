import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/api.js';
import { loadModelFile } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import { runCli } from '../helpers/cli.js';
import { DT, encodeModel, model, node, tensorInfo } from './proto-builder.js';

/*
 * External-data references that must not be read: the static commands warn (one line per kind) and
 * never open the files; the measuring commands refuse before onnxruntime opens the model. FIFOs and
 * devices go through the built CLI (`npm run build` first) with a timeout, so a regression that
 * opened one fails instead of hanging the test run.
 */

/** TensorProto.DataLocation.EXTERNAL. */
const EXTERNAL = 1;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-extdata-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface ExternalRef {
  readonly location: string;
  readonly offset?: number;
  readonly length?: number;
  /** Default [4, 4] (float32: 64 bytes). */
  readonly dims?: [number, number];
}

/**
 * Writes `<tmp>/<folder>/m.onnx`: x [1, d0] through one MatMul per reference, weight Wi stored at
 * the reference's location. Returns the model's path.
 */
function writeModel(folder: string, refs: readonly ExternalRef[]): string {
  const dir = path.join(tmp, folder);
  fs.mkdirSync(dir, { recursive: true });
  const dims = refs.map((r) => r.dims ?? [4, 4]);
  const bytes = encodeModel(
    model({
      name: 'g',
      node: refs.map((_, i) =>
        node('MatMul', [i === 0 ? 'x' : `h${i - 1}`, `W${i}`], [i === refs.length - 1 ? 'y' : `h${i}`], {
          name: `matmul${i}`,
        }),
      ),
      initializer: refs.map((r, i) => ({
        name: `W${i}`,
        dims: dims[i],
        dataType: DT.FLOAT,
        dataLocation: EXTERNAL,
        externalData: [
          { key: 'location', value: r.location },
          ...(r.offset === undefined ? [] : [{ key: 'offset', value: String(r.offset) }]),
          ...(r.length === undefined ? [] : [{ key: 'length', value: String(r.length) }]),
        ],
      })),
      input: [tensorInfo('x', DT.FLOAT, [1, at(at(dims, 0), 0)])],
      output: [tensorInfo('y', DT.FLOAT, [1, at(at(dims, dims.length - 1), 1)])],
    }),
  );
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, bytes);
  return file;
}

/** A file of `size` bytes of float32 ones (1.0 = 0x3f800000). */
function writeWeights(file: string, size: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(new Float32Array(size / 4).fill(1).buffer));
}

beforeAll(() => {
  writeWeights(path.join(tmp, 'secret.bin'), 64);
});

describe('static loading: one warning line per kind of problem, nothing read', () => {
  it('a location that climbs out of the folder with ..', () => {
    const m = loadModelFile(writeModel('dotdot', [{ location: '../secret.bin' }]));
    expect(m.warnings).toEqual([
      '1 external-data tensor points outside the model\'s folder (first: "../secret.bin", tensor "W0")',
    ]);
  });

  it('a location that stays inside despite .. is fine', () => {
    writeWeights(path.join(tmp, 'inside', 'w.bin'), 64);
    expect(loadModelFile(writeModel('inside', [{ location: 'sub/../w.bin' }])).warnings).toEqual([]);
  });

  it('absolute paths: /etc/hostname and /dev/zero', () => {
    const m = loadModelFile(writeModel('absolute', [{ location: '/etc/hostname' }, { location: '/dev/zero' }]));
    expect(m.warnings).toEqual(['2 external-data tensors use an absolute path (first: "/etc/hostname", tensor "W0")']);
  });

  it('a symbolic link inside the folder that leads outside it', () => {
    const dir = path.join(tmp, 'symlink');
    fs.mkdirSync(dir);
    fs.symlinkSync(path.join(tmp, 'secret.bin'), path.join(dir, 'link.bin'));
    const m = loadModelFile(writeModel('symlink', [{ location: 'link.bin' }]));
    const real = fs.realpathSync(path.join(tmp, 'secret.bin'));
    expect(m.warnings).toEqual([
      `1 external-data tensor reaches outside the model's folder through a symbolic link (first: "link.bin", leads to ${JSON.stringify(real)}, tensor "W0")`,
    ]);
  });

  it('a symbolic link that stays inside the folder is fine', () => {
    writeWeights(path.join(tmp, 'symlink-in', 'data', 'w.bin'), 64);
    fs.symlinkSync('data/w.bin', path.join(tmp, 'symlink-in', 'link.bin'));
    expect(loadModelFile(writeModel('symlink-in', [{ location: 'link.bin' }])).warnings).toEqual([]);
  });

  it('a folder where a file should be', () => {
    fs.mkdirSync(path.join(tmp, 'folder', 'sub'), { recursive: true });
    const m = loadModelFile(writeModel('folder', [{ location: 'sub' }]));
    expect(m.warnings).toEqual([
      '1 external-data tensor names something that is not a regular file (first: "sub", a folder, tensor "W0")',
    ]);
  });

  it('offsets and lengths past the end of the file; a payload that fits is fine', () => {
    writeWeights(path.join(tmp, 'past-end', 'w.bin'), 100);
    const m = loadModelFile(
      writeModel('past-end', [
        { location: 'w.bin', offset: 0 }, // bytes 0-64 of 100: fine
        { location: 'w.bin', offset: 64, length: 64 },
        { location: 'w.bin', offset: 2 ** 40 },
      ]),
    );
    expect(m.warnings).toEqual([
      '2 external-data tensors reach past the end of their file (first: "w.bin", needs bytes 64 to 128, the file has 100, tensor "W1")',
    ]);
  });

  it('a missing file', () => {
    const file = writeModel('missing', [{ location: 'gone.bin' }]);
    expect(loadModelFile(file).warnings).toEqual([
      `1 external-data tensor names a file that does not exist (first: "gone.bin", not found in ${path.dirname(file)}, tensor "W0")`,
    ]);
  });

  it('several kinds: one line each, counted, in the order first met', () => {
    writeWeights(path.join(tmp, 'mixed', 'ok.bin'), 64);
    const m = loadModelFile(
      writeModel('mixed', [
        { location: '../secret.bin' },
        { location: 'ok.bin' },
        { location: '../../a.bin' },
        { location: 'nope.bin' },
        { location: '../secret.bin', offset: 4 },
      ]),
    );
    expect(m.warnings).toEqual([
      '3 external-data tensors point outside the model\'s folder (first: "../secret.bin", tensor "W0")',
      `1 external-data tensor names a file that does not exist (first: "nope.bin", not found in ${path.join(tmp, 'mixed')}, tensor "W3")`,
    ]);
  });
});

/** stderr lines */
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('FIFOs and devices through the CLI: a warning from the static commands, a refusal from the measuring ones, never a hang', () => {
  let fifoModel: string;
  let deviceModel: string | null = null;
  beforeAll(() => {
    fs.mkdirSync(path.join(tmp, 'fifo'));
    execFileSync('mkfifo', [path.join(tmp, 'fifo', 'w.bin')]);
    fifoModel = writeModel('fifo', [{ location: 'w.bin' }]);
    // A character device inside the folder (as /dev/zero: major 1, minor 5) needs CAP_MKNOD.
    fs.mkdirSync(path.join(tmp, 'device'));
    try {
      execFileSync('mknod', [path.join(tmp, 'device', 'w.bin'), 'c', '1', '5'], { stdio: 'ignore' });
      deviceModel = writeModel('device', [{ location: 'w.bin' }]);
    } catch {
      deviceModel = null;
    }
  });
  const opts = { timeoutMs: 60_000 };
  const fifoWarning =
    '1 external-data tensor names something that is not a regular file (first: "w.bin", a FIFO, tensor "W0")';

  it('analyze prints the warning once and exits 0; JSON lists it in warnings', () => {
    const text = runCli(['analyze', fifoModel], opts);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter((l) => l.includes('external-data'))).toEqual([`warning: ${fifoWarning}`]);
    const json = runCli(['analyze', fifoModel, '--format', 'json'], opts);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).warnings).toEqual([fifoWarning]);
  });

  it('lint prints it as one stderr line', () => {
    const r = runCli(['lint', fifoModel], opts);
    expect(r.code).not.toBeNull();
    expect(lines(r.stderr).filter((l) => l.includes('external-data'))).toEqual([
      `efflint: ${fifoModel}: warning: ${fifoWarning}`,
    ]);
  });

  it('diff lists it among its warnings', () => {
    const r = runCli(['diff', fifoModel, fifoModel, '--format', 'json'], opts);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).warnings).toEqual([`${fifoModel}: ${fifoWarning}`, `${fifoModel}: ${fifoWarning}`]);
  });

  it('profile, lint --profile, report and diff --profile refuse with one line, exit 2, before onnxruntime reads anything', () => {
    const refusal = `efflint: ${fifoModel}: not run, its external data is unsafe to read: ${fifoWarning}`;
    for (const args of [
      ['profile', fifoModel, '--runs', '1', '--warmup', '0'],
      ['lint', fifoModel, '--profile', '--runs', '1', '--warmup', '0'],
      ['report', fifoModel, '-o', path.join(tmp, 'fifo', 'r.html'), '--runs', '1', '--warmup', '0'],
      ['diff', fifoModel, fifoModel, '--profile', '--runs', '1', '--warmup', '0'],
    ]) {
      const r = runCli(args, opts);
      expect([args[0], r.code, lines(r.stderr).filter((l) => !l.includes('warning'))]).toEqual([args[0], 2, [refusal]]);
    }
    expect(fs.existsSync(path.join(tmp, 'fifo', 'r.html'))).toBe(false);
  });

  it('a character device inside the folder: a warning, then a refusal', (ctx) => {
    if (deviceModel === null) return ctx.skip();
    const warning =
      '1 external-data tensor names something that is not a regular file (first: "w.bin", a character device, tensor "W0")';
    const analysed = runCli(['analyze', deviceModel, '--format', 'json'], opts);
    expect([analysed.code, JSON.parse(analysed.stdout).warnings]).toEqual([0, [warning]]);
    const r = runCli(['profile', deviceModel, '--runs', '1', '--warmup', '0'], opts);
    expect([r.code, r.stderr]).toEqual([
      2,
      `efflint: ${deviceModel}: not run, its external data is unsafe to read: ${warning}\n`,
    ]);
  });

  it('every other kind is refused too: .., absolute, symbolic link, past the end', () => {
    const cases: [string, ExternalRef[], string][] = [
      [
        'refuse-dotdot',
        [{ location: '../secret.bin' }],
        'points outside the model\'s folder (first: "../secret.bin", tensor "W0")',
      ],
      ['refuse-absolute', [{ location: '/dev/zero' }], 'uses an absolute path (first: "/dev/zero", tensor "W0")'],
      [
        'refuse-past-end',
        [{ location: 'w.bin', offset: 32 }],
        'reaches past the end of its file (first: "w.bin", needs bytes 32 to 96, the file has 64, tensor "W0")',
      ],
    ];
    writeWeights(path.join(tmp, 'refuse-past-end', 'w.bin'), 64);
    for (const [folder, refs, what] of cases) {
      const file = writeModel(folder, refs);
      const r = runCli(['profile', file, '--runs', '1', '--warmup', '0'], opts);
      expect([r.code, r.stderr]).toEqual([
        2,
        `efflint: ${file}: not run, its external data is unsafe to read: 1 external-data tensor ${what}\n`,
      ]);
    }
  });

  it('a model whose external data is in order is measured: onnxruntime reads it', () => {
    writeWeights(path.join(tmp, 'good', 'data', 'w.bin'), 128);
    const file = writeModel('good', [{ location: 'data/w.bin' }, { location: 'data/w.bin', offset: 64, length: 64 }]);
    const r = runCli(['profile', file, '--runs', '1', '--warmup', '0', '--format', 'json', '--threads', '1'], opts);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout).latencyMs.runs).toBe(1);
  });
});

describe('a model with 3 GiB of external data (a sparse file) is analysed without reading its weights', () => {
  // W0 [16384, 32768] float32 = 2 GiB at offset 0, W1 [32768, 8192] float32 = 1 GiB at offset 2^31.
  let file: string;
  beforeAll(() => {
    file = writeModel('sparse', [
      { location: 'weights.bin', dims: [16384, 32768] },
      { location: 'weights.bin', offset: 2 ** 31, length: 2 ** 30, dims: [32768, 8192] },
    ]);
    const weights = path.join(tmp, 'sparse', 'weights.bin');
    fs.writeFileSync(weights, '');
    fs.truncateSync(weights, 3 * 2 ** 30);
  });
  afterAll(() => fs.rmSync(path.join(tmp, 'sparse'), { recursive: true, force: true }));

  it('params and FLOPs from dims, no warning', () => {
    const analysis = analyzeFile(file);
    expect(analysis.warnings).toEqual([]);
    // 16384 * 32768 + 32768 * 8192 weights; at batch 1 a MatMul does one multiply-add per weight.
    expect(analysis.totals.params).toBe(536_870_912 + 268_435_456);
    expect(analysis.totals.flops).toBe(536_870_912 + 268_435_456);
  });

  it('the same through the CLI', () => {
    const r = runCli(['analyze', file, '--format', 'json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect([json.totals.params, json.warnings]).toEqual([805_306_368, []]);
  });
});
