import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { median } from '../../src/profile/stats.js';
import type { ValidationResult } from '../../src/profile/measure/validate.js';
import type { ValidateManifest } from '../../src/profile/measure/validate-export.js';
import type { RunnerResults } from '../../src/profile/measure/validate-import.js';
import { VERDICTS, columnVerdict } from '../../src/profile/measure/verdict.js';
import { formatValidateMarkdown } from '../../src/report/validate/validate-markdown.js';
import { formatValidateText } from '../../src/report/validate/validate-text.js';
import { at } from '../../src/util/at.js';

/**
 * The GPU path of `efflint validate` on the CPU: export, measure with a runner, import. The runs
 * are made by scripts/ort-node-runner.mjs (onnxruntime-node, CPU provider: the same results format
 * as scripts/gpu-runner.py), by gpu-runner.py's onnxruntime path against a stand-in onnxruntime
 * module (test/helpers/fake-onnxruntime: API surface only, where python3 with numpy exists), and by
 * gpu-runner.py's PyTorch path where python3 has torch and onnx.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_RUNNER = join(ROOT, 'scripts', 'ort-node-runner.mjs');
const GPU_RUNNER = join(ROOT, 'scripts', 'gpu-runner.py');
const FAKE_ORT = join(ROOT, 'test', 'helpers', 'fake-onnxruntime');
const PYTHON = '/usr/bin/python3';
const IDS = ['G1', 'G2', 'G3-series', 'G3-parallel', 'G4'];

function captureIO(): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: { NO_COLOR: '1' },
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  };
}

async function efflint(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; out: string; err: string } {
  // No __pycache__ in the work tree from the stand-in onnxruntime.
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function python(modules: string, env: Record<string, string> = {}): boolean {
  return spawnSync(PYTHON, ['-c', `import ${modules}`], { env: { ...process.env, ...env } }).status === 0;
}

const HAS_NUMPY = python('numpy');
const HAS_TORCH = python('torch, onnx, numpy');

const work = mkdtempSync(join(tmpdir(), 'efflint-gpu-path-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('validate --export, a runner, validate --import (onnxruntime-node runner on the CPU)', () => {
  const dir = join(work, 'quick');
  let manifest: ValidateManifest;
  let imported: ValidationResult;
  let runnerErr: string;

  beforeAll(async () => {
    const exp = await efflint([
      'validate',
      '--export',
      dir,
      '--quick',
      '--models',
      'shufflenet_v2_x1_0',
      '--format',
      'json',
    ]);
    expect(exp.err).toBe('');
    expect(exp.code).toBe(0);
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ValidateManifest;
    const r = run(process.execPath, [
      NODE_RUNNER,
      dir,
      '--opt-level',
      'both',
      '--blocks',
      '3',
      '--runs',
      '2',
      '--warmup',
      '1',
      '--trace',
    ]);
    runnerErr = r.err;
    expect(r.code).toBe(0);
    const imp = await efflint(['validate', '--import', dir, '--format', 'json']);
    expect(imp.err).toBe('');
    expect(imp.code).toBe(0);
    imported = JSON.parse(imp.out) as ValidationResult;
  }, 90_000);

  it('writes every model of the run and a manifest with setups, inputs, paper numbers and protocol', () => {
    expect(manifest).toMatchObject({ schemaVersion: 1, kind: 'efflint-validate-export', quick: true, batch: 1 });
    expect(manifest.protocol).toMatchObject({
      optLevels: ['all'],
      blocks: 12,
      runsPerBlock: 6,
      warmup: 2,
      modelBlocks: 3,
      modelRunsPerBlock: 4,
    });
    for (const key of ['inputs', 'sessions', 'interleaving', 'timing', 'memory'] as const)
      expect(manifest.protocol[key].length).toBeGreaterThan(40);
    expect(manifest.measurements.map((m) => m.id)).toEqual([
      'table1-gpu-x1',
      'table2-gpu-x1',
      'table3-c-128',
      'table4-c-64',
      'reference-networks',
    ]);
    const g2 = at(manifest.measurements, 1);
    expect(g2).toMatchObject({
      kind: 'column',
      table: 2,
      column: 'GPU x1',
      results: 'results/table2-gpu-x1.json',
      baseline: 0,
    });
    expect(g2.variants.map((v) => v.label)).toEqual(['g = 1', 'g = 2', 'g = 4', 'g = 8']);
    expect(g2.variants[0]).toMatchObject({
      model: 'exp_g2_g1',
      file: 'models/exp_g2_g1.onnx',
      paperGpu: 2451,
      paperArm: null,
    });
    expect(at(g2.variants, 0).inputs).toEqual([{ name: 'input', dtype: 'float32', shape: [1, 128, 56, 56] }]);
    const refs = at(manifest.measurements, 4);
    expect(refs).toMatchObject({ kind: 'models', blocks: 3, runsPerBlock: 4 });
    expect(at(refs.variants, 0).flops).toBeGreaterThan(1e8);
    expect(at(refs.variants, 0).memAccess).toBeGreaterThan(1e6);
    expect(manifest.guidelines.map((g) => g.id)).toEqual(IDS);
    expect(manifest.guidelines.find((g) => g.id === 'G3-parallel')!.measurements).toEqual(['table3-c-128']);
    // Real weights: the files hold the zoo's seeded weights, not zeros.
    const bytes = readFileSync(join(dir, 'models', 'exp_g2_g1.onnx'));
    expect(bytes.length).toBeGreaterThan(128 * 128 * 4 * 10);
    expect(bytes.subarray(bytes.length - 4096).some((b) => b !== 0)).toBe(true);
  });

  it('imports to the same report as a local run: every guideline at every opt level the runner measured', () => {
    expect(runnerErr).toContain('wrote 5 results files');
    expect(imported).toMatchObject({ schemaVersion: 1, clock: 'cpu', quick: true, optLevels: ['all', 'disabled'] });
    expect(imported.device).toMatchObject({
      accelerator: null,
      backend: 'onnxruntime-node',
      executionProvider: 'cpu',
      intraOpThreads: 1,
      nchwcBlock: null,
    });
    expect(imported.imported).toMatchObject({ exportId: manifest.exportId, runner: 'ort-node-runner.mjs 1', batch: 1 });
    expect(imported.protocol).toMatchObject({
      blocks: 3,
      runsPerBlock: 2,
      warmup: 1,
      modelBlocks: 3,
      modelRunsPerBlock: 2,
    });
    expect(imported.guidelines.map((g) => `${g.id}/${g.optLevel}`)).toEqual(
      IDS.flatMap((id) => [`${id}/all`, `${id}/disabled`]),
    );
    for (const g of imported.guidelines) {
      expect(VERDICTS).toContain(g.verdict);
      expect(g.setups[0]).toMatchObject({ ratio: 1, spread: 0, kernels: null });
      for (const s of g.setups) expect(s.measuredPerSec).toBeGreaterThan(0);
    }
    expect(at(imported.guidelines.find((g) => g.id === 'G2')!.setups, 3).paperGpu).toBeCloseTo(634 / 2451, 4);
    expect(imported.models.map((m) => `${m.name}/${m.optLevel}`)).toEqual([
      'shufflenet_v2_x1_0/all',
      'shufflenet_v2_x1_0/disabled',
    ]);
    expect(at(imported.models, 0).flops).toBe(at(at(manifest.measurements, 4).variants, 0).flops);
  });

  it('applies the verdict rule to per-block ratios of medians of the recorded samples', () => {
    const results = JSON.parse(readFileSync(join(dir, 'results', 'table2-gpu-x1.json'), 'utf8')) as RunnerResults;
    const entry = results.measured.find((e) => e.optLevel === 'all')!;
    const blockMedians = entry.variants.map((v) => v.cpuMs.map((block) => median(block)));
    const baseline = at(blockMedians, 0);
    const perBlock = blockMedians.map((m) => m.map((t, b) => at(baseline, b) / t));
    const g2 = imported.guidelines.find((g) => g.id === 'G2' && g.optLevel === 'all')!;
    g2.setups.forEach((s, i) => expect(s.ratio).toBeCloseTo(median(at(perBlock, i)), 5));
    const iqr = (xs: number[]): number => {
      const q = (p: number): number => {
        const s = [...xs].sort((a, b) => a - b);
        const k = (s.length - 1) * p;
        return at(s, Math.floor(k)) + (at(s, Math.ceil(k)) - at(s, Math.floor(k))) * (k - Math.floor(k));
      };
      return q(0.75) - q(0.25);
    };
    const expected = columnVerdict(
      perBlock.map((p) => ({ ratio: median(p), spread: iqr(p) })),
      [
        [0, 1],
        [0, 2],
        [0, 3],
        [1, 2],
        [1, 3],
        [2, 3],
      ],
    );
    expect(at(g2.columns, 0).verdict).toBe(expected.verdict);
  });

  it('formats imported results as text and Markdown, naming the source and the device', () => {
    const text = formatValidateText(imported);
    expect(text).toMatch(/^efflint validate --quick: the ShuffleNet V2 paper's Tables 1-4 measured on /);
    expect(text).toContain(
      `source    imported from ${dir} (export ${manifest.exportId}, batch 1; measured by ort-node-runner.mjs 1; 5 results files)`,
    );
    expect(text).toContain('onnxruntime-node');
    for (const id of IDS) expect(text).toContain(`${id}  `);
    const md = formatValidateMarkdown(imported);
    expect(md).toContain('- source: imported from');
    expect(md).toContain('| guideline | opt all | opt disabled |');
  });

  it('writes onnxruntime traces per variant that efflint profile --trace reads', async () => {
    const results = JSON.parse(readFileSync(join(dir, 'results', 'reference-networks.json'), 'utf8')) as RunnerResults;
    const trace = at(at(results.measured, 0).variants, 0).trace!;
    expect(trace).toBe('traces/reference-networks/all-shufflenet_v2_x1_0.json');
    const r = await efflint([
      'profile',
      join(dir, 'models', 'shufflenet_v2_x1_0.onnx'),
      '--trace',
      join(dir, trace),
      '--format',
      'json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const profile = JSON.parse(r.out) as { layers: unknown[] };
    expect(profile.layers.length).toBeGreaterThan(50);
  });

  describe('a broken export is one line and exit 2', () => {
    const broken = join(work, 'broken');
    const oneLine = (err: string, pattern: RegExp): void => {
      expect(err).toMatch(/^efflint: [^\n]*\n$/);
      expect(err).toMatch(pattern);
    };
    const fresh = (): void => {
      rmSync(broken, { recursive: true, force: true });
      cpSync(dir, broken, { recursive: true });
    };
    const results = (id: string): string => join(broken, 'results', `${id}.json`);

    it('missing results file', async () => {
      fresh();
      unlinkSync(results('table3-c-128'));
      const r = await efflint(['validate', '--import', broken]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      oneLine(r.err, /results\/table3-c-128\.json: missing: measure the export first/);
    });

    it('results file that is not JSON', async () => {
      fresh();
      writeFileSync(results('table1-gpu-x1'), '{"schemaVersion": 1, "measured": [');
      const r = await efflint(['validate', '--import', broken, '--format', 'json']);
      expect(r.code).toBe(2);
      oneLine(r.err, /table1-gpu-x1\.json: not JSON/);
    });

    it('a sample that is not a time, naming the field', async () => {
      fresh();
      const doc = JSON.parse(readFileSync(results('table4-c-64'), 'utf8')) as {
        measured: { variants: { wallMs: unknown[][] }[] }[];
      };
      at(at(at(doc.measured, 1).variants, 2).wallMs, 1)[0] = -3;
      writeFileSync(results('table4-c-64'), JSON.stringify(doc));
      const r = await efflint(['validate', '--import', broken]);
      expect(r.code).toBe(2);
      oneLine(r.err, /table4-c-64\.json: measured\[1\]\.variants\[2\]\.wallMs\[1\]\[0\] is not a positive number/);
    });

    it('results of another export', async () => {
      fresh();
      const manifestPath = join(broken, 'manifest.json');
      writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace(manifest.exportId, 'feedfacecafe'));
      const r = await efflint(['validate', '--import', broken]);
      expect(r.code).toBe(2);
      oneLine(r.err, /results of export [0-9a-f]+, but .*manifest\.json is export feedfacecafe/);
    });

    it('a directory with no manifest', async () => {
      const r = await efflint(['validate', '--import', join(work, 'nothing-here')]);
      expect(r.code).toBe(2);
      oneLine(r.err, /nothing-here: no manifest\.json \(efflint validate --export .* writes one\)/);
    });
  });
});

describe('validate --export/--import usage errors (exit 2, one line)', () => {
  it.each([
    [['validate', '--export', 'a', '--import', 'b'], /--export and --import exclude each other/],
    [['validate', '--batch', '8'], /--batch only applies with --export/],
    [['validate', '--import', 'x', '--blocks', '3', '--quick'], /^efflint: --quick, --blocks: with --import/],
    [['validate', '--clock', 'gpu-wall', '--models', 'none'], /--clock gpu-wall applies to --import/],
  ])('%j', async (args, message) => {
    const r = await efflint(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^efflint: [^\n]*\n$/);
    expect(r.err).toMatch(message);
  });
});

describe('the runners shipped in the package', () => {
  it("gpu-runner.py compiles with the machine's python3 and prints its usage", () => {
    const r = run(PYTHON, [GPU_RUNNER, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--provider {cuda,tensorrt,cpu}');
    expect(r.out).toContain('--backend {auto,onnxruntime,torch}');
  });

  it('both refuse a directory without a manifest in one line, exit 2', () => {
    const missing = join(work, 'no-export');
    const py = run(PYTHON, [GPU_RUNNER, missing, '--provider', 'cpu']);
    expect(py.code).toBe(2);
    expect(py.err).toMatch(/^gpu-runner: [^\n]*no-export\/manifest\.json[^\n]*\n$/);
    const node = run(process.execPath, [NODE_RUNNER, missing]);
    expect(node.code).toBe(2);
    expect(node.err).toMatch(/^ort-node-runner: [^\n]*no-export\/manifest\.json: ENOENT\n$/);
  });

  it('are listed in package.json files', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toEqual(expect.arrayContaining(['scripts/gpu-runner.py', 'scripts/ort-node-runner.mjs']));
  });
});

describe.skipIf(!HAS_NUMPY)('gpu-runner.py, onnxruntime path, against a stand-in onnxruntime (python3 + numpy)', () => {
  it('runs the CUDA provider path (IOBinding, profiling) and its results import with the GPU clock', async () => {
    const dir = join(work, 'fake-cuda');
    expect(
      (await efflint(['validate', '--export', dir, '--quick', '--guideline', 'G2', '--models', 'none'])).code,
    ).toBe(0);
    const r = run(
      PYTHON,
      [GPU_RUNNER, dir, '--provider', 'cuda', '--blocks', '2', '--runs', '2', '--warmup', '1', '--trace'],
      { PYTHONPATH: FAKE_ORT },
    );
    expect(r.err).toContain('backend onnxruntime, provider cuda, opt level all, clock gpu-wall');
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'results', 'table2-gpu-x1.json'), 'utf8')) as RunnerResults;
    expect(results).toMatchObject({
      runner: 'gpu-runner.py 1',
      clock: 'gpu-wall',
      device: { backend: 'onnxruntime', provider: 'cuda', intraOpThreads: 1 },
    });
    expect(results.device.backendVersion).toBe('0.0.0-fake, CUDA 12.0, cuDNN 9.0, TF32 off');
    expect(at(at(results.measured, 0).variants, 3).trace).toBe('traces/table2-gpu-x1/all-exp_g2_g8.json');
    const imp = await efflint(['validate', '--import', dir, '--format', 'json']);
    expect(imp.code).toBe(0);
    const v = JSON.parse(imp.out) as ValidationResult;
    expect(v).toMatchObject({ clock: 'gpu-wall', optLevels: ['all'] });
    expect(v.device.accelerator).toEqual(expect.any(String));
    expect(v.guidelines.map((g) => `${g.id}/${g.optLevel}`)).toEqual(['G2/all']);
    expect(at(at(v.guidelines, 0).setups, 0).otherClock.clock).toBe('cpu');
    expect(formatValidateText(v)).toContain(
      'gpu-wall: verdicts and ranks use the wall time of each run, the device synchronised before the clock stops',
    );
  }, 60_000);

  it('refuses a provider onnxruntime lacks, in one line, when only that backend is allowed', () => {
    const dir = join(work, 'fake-cuda');
    const r = run(PYTHON, [GPU_RUNNER, dir, '--provider', 'tensorrt', '--backend', 'onnxruntime'], {
      PYTHONPATH: FAKE_ORT,
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^gpu-runner: no backend for --provider tensorrt: onnxruntime 0\.0\.0-fake has no TensorrtExecutionProvider[^\n]*\n$/,
    );
  });
});

describe.skipIf(!HAS_TORCH)('gpu-runner.py, PyTorch path, on the CPU (python3 with torch and onnx)', () => {
  const dir = join(work, 'torch');
  beforeAll(async () => {
    expect(
      (await efflint(['validate', '--export', dir, '--quick', '--guideline', 'G4', '--models', 'shufflenet_v2_x1_0']))
        .code,
    ).toBe(0);
  });

  it('computes what onnxruntime computes, model by model', async () => {
    const out = join(dir, 'outputs');
    const r = run(PYTHON, [
      GPU_RUNNER,
      dir,
      '--provider',
      'cpu',
      '--backend',
      'torch',
      '--dump-outputs',
      out,
      '--quiet',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ValidateManifest;
    const variants = manifest.measurements.flatMap((m) => m.variants);
    expect(variants).toHaveLength(5);
    for (const v of variants) {
      const session = await ort.InferenceSession.create(join(dir, v.file), { graphOptimizationLevel: 'disabled' });
      const input = at(v.inputs, 0);
      const n = input.shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => (i % 251) / 125 - 1);
      const output = (await session.run({ [input.name]: new ort.Tensor('float32', data, [...input.shape]) }))[
        at(session.outputNames, 0)
      ];
      if (!output) throw new Error(`${v.model}: onnxruntime returned no output`);
      const expected = output.data as Float32Array;
      await session.release();
      const raw = readFileSync(join(out, `${v.model}.f32`));
      const got = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      expect(got.length).toBe(expected.length);
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < got.length; i++) {
        scale = Math.max(scale, Math.abs(at(expected, i)));
        diff = Math.max(diff, Math.abs(at(got, i) - at(expected, i)));
      }
      expect(diff / scale, v.model).toBeLessThan(1e-4);
    }
  }, 60_000);

  it('measures interleaved at its one level (disabled) and imports', async () => {
    const r = run(PYTHON, [GPU_RUNNER, dir, '--provider', 'cpu', '--blocks', '2', '--runs', '1', '--warmup', '0']);
    expect(r.err).toContain('backend torch, provider cpu, opt level disabled, clock cpu');
    expect(r.code).toBe(0);
    const imp = await efflint(['validate', '--import', dir, '--format', 'json']);
    expect(imp.code).toBe(0);
    const v = JSON.parse(imp.out) as ValidationResult;
    expect(v).toMatchObject({
      clock: 'cpu',
      optLevels: ['disabled'],
      device: { backend: 'torch', executionProvider: 'cpu', onnxruntime: null },
    });
    expect(v.guidelines.map((g) => `${g.id}/${g.optLevel}`)).toEqual(['G4/disabled']);
    expect(v.models.map((m) => m.name)).toEqual(['shufflenet_v2_x1_0']);
  }, 60_000);
});
