#!/usr/bin/env node
/**
 * Measures an `efflint validate --export DIR` with onnxruntime-node and writes DIR/results/<id>.json,
 * which `efflint validate --import DIR` reads. The Node counterpart of scripts/gpu-runner.py: the same
 * protocol (manifest.json's `protocol`) and the same results format (docs/validation-gpu.md). It is how
 * efflint's tests exercise the export/import path on a machine with no GPU and no Python onnxruntime,
 * and it runs on a GPU too where onnxruntime-node has the CUDA provider (`--provider cuda`; there each
 * run's time includes copying the inputs to the device and the outputs back, which gpu-runner.py avoids).
 *
 * Usage: node scripts/ort-node-runner.mjs DIR [--provider cpu|cuda|tensorrt] [--opt-level all|disabled|both]
 *        [--blocks N] [--runs N] [--warmup N] [--only ID[,ID...]] [--trace] [--quiet]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, loadavg, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const RUNNER = 'ort-node-runner.mjs 1';
const RESULTS_SCHEMA_VERSION = 1;
const MANIFEST_SCHEMA_VERSION = 1;
const PROFILED_RUNS = 10;

/** One line on stderr and exit 2, like efflint itself. */
function fail(message) {
  process.stderr.write(`ort-node-runner: ${message}\n`);
  process.exit(2);
}

// efflint's own measuring code, compiled (the package ships dist/ next to this script): the input
// generator, so that the same seed gives the same bytes as `efflint validate` in-process, the rotation
// of variants within a block, and the GC after every run.
let efflint;
try {
  const [inputData, gc, stats] = await Promise.all([
    import('../dist/profile/measure/input-data.js'),
    import('../dist/profile/measure/garbage-collector.js'),
    import('../dist/profile/measure/interleaved-stats.js'),
  ]);
  efflint = {
    generateInput: inputData.generateInput,
    garbageCollector: gc.garbageCollector,
    rotatedOrder: stats.rotatedOrder,
  };
} catch (err) {
  fail(
    `cannot load efflint's compiled modules (${err.code ?? String(err.message).split('\n')[0]}); in a checkout of efflint, run npm run build first`,
  );
}
const { generateInput, garbageCollector, rotatedOrder } = efflint;

// A minor GC after every run, outside the timed region (as efflint's engine does; see
// src/profile/measure/garbage-collector.ts).
const collect = garbageCollector('minor');

function gpuName(provider) {
  if (provider === 'cpu') return null;
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader', '-i', '0'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.trim().split('\n')[0] || 'CUDA device 0';
  } catch {
    return 'CUDA device 0';
  }
}

function writeJson(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n');
  renameSync(tmp, path);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    provider: { type: 'string', default: 'cpu' },
    'opt-level': { type: 'string' },
    blocks: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    trace: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
if (positionals.length !== 1)
  fail(
    'usage: ort-node-runner.mjs DIR [--provider cpu|cuda|tensorrt] [--opt-level all|disabled|both] [--blocks N] [--runs N] [--warmup N] [--only IDS] [--trace]',
  );
const dir = positionals[0];
const provider = values.provider;
if (!['cpu', 'cuda', 'tensorrt'].includes(provider)) fail(`--provider ${provider}: expected cpu, cuda or tensorrt`);
const count = (name, min) => {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) fail(`--${name} ${v}: expected an integer of at least ${min}`);
  return n;
};
const overrides = { blocks: count('blocks', 1), runsPerBlock: count('runs', 1), warmup: count('warmup', 0) };

let manifest;
try {
  manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
} catch (err) {
  fail(`${join(dir, 'manifest.json')}: ${err.code ?? err.message}`);
}
if (manifest.schemaVersion !== MANIFEST_SCHEMA_VERSION)
  fail(`manifest schemaVersion ${manifest.schemaVersion}; this runner reads ${MANIFEST_SCHEMA_VERSION}`);
const optLevels =
  values['opt-level'] === undefined
    ? manifest.protocol.optLevels
    : values['opt-level'] === 'both'
      ? ['all', 'disabled']
      : [values['opt-level']];
for (const o of optLevels)
  if (o !== 'all' && o !== 'disabled') fail(`--opt-level ${o}: expected all, disabled or both`);
const only = values.only ? new Set(values.only.split(',')) : null;
const measurements = manifest.measurements.filter((m) => only === null || only.has(m.id));
if (only)
  for (const id of only)
    if (!manifest.measurements.some((m) => m.id === id)) fail(`--only: no measurement '${id}' in the manifest`);

const ort = createRequire(import.meta.url)('onnxruntime-node');
ort.env.logLevel = 'fatal';
const device = {
  accelerator: gpuName(provider),
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  logicalCores: cpus().length,
  platform: platform(),
  arch: arch(),
  backend: 'onnxruntime-node',
  backendVersion: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown',
  provider,
  intraOpThreads: 1,
  node: process.version,
};
const clock = provider === 'cpu' ? 'cpu' : 'gpu-wall';

function sessionOptions(optLevel, extra = {}) {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: optLevel,
    executionMode: 'sequential',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    ...extra,
  };
}

function feedsOf(variant) {
  const feeds = {};
  variant.inputs.forEach((input, k) => {
    if (input.dtype !== 'float32')
      fail(`${variant.file}: input ${input.name} is ${input.dtype}; the experiments have float32 inputs only`);
    const generated = generateInput(
      { name: input.name, dtype: 'float32', dims: input.shape, intRange: 1 },
      manifest.protocol.inputSeed + k,
    );
    feeds[input.name] = new ort.Tensor('float32', generated.data, input.shape);
  });
  return feeds;
}

async function measure(m, optLevel, feeds) {
  const blocks = overrides.blocks ?? m.blocks;
  const runsPerBlock = overrides.runsPerBlock ?? m.runsPerBlock;
  const warmup = overrides.warmup ?? m.warmup;
  const sessions = [];
  for (const v of m.variants) {
    try {
      sessions.push(await ort.InferenceSession.create(join(dir, v.file), sessionOptions(optLevel)));
    } catch (err) {
      fail(`${v.file}: onnxruntime-node cannot create a ${provider} session: ${String(err.message).split('\n')[0]}`);
    }
  }
  const n = sessions.length;
  const wall = m.variants.map(() => []);
  const cpu = m.variants.map(() => []);
  for (let r = 0; r < warmup; r++) {
    for (const v of rotatedOrder(n, r)) {
      await sessions[v].run(feeds[v]);
      collect();
    }
  }
  for (let b = 0; b < blocks; b++) {
    for (let v = 0; v < n; v++) {
      wall[v].push([]);
      cpu[v].push([]);
    }
    for (let r = 0; r < runsPerBlock; r++) {
      for (const v of rotatedOrder(n, b)) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await sessions[v].run(feeds[v]);
        const t1 = performance.now();
        const c1 = process.cpuUsage(c0);
        wall[v][b].push(t1 - t0);
        cpu[v][b].push((c1.user + c1.system) / 1000);
        collect();
      }
    }
  }
  for (const s of sessions) await s.release();
  return {
    optLevel,
    blocks,
    runsPerBlock,
    warmup,
    variants: m.variants.map((v, i) => ({ label: v.label, file: v.file, wallMs: wall[i], cpuMs: cpu[i], trace: null })),
  };
}

/** An onnxruntime profile of one variant, in a session of its own after the timed runs. */
async function profileTrace(m, optLevel, variant, feeds) {
  const traceDir = join(dir, 'traces', m.id);
  mkdirSync(traceDir, { recursive: true });
  const stem = `${optLevel}-${variant.model}`;
  const prefix = join(traceDir, `${stem}.tmp`);
  const session = await ort.InferenceSession.create(
    join(dir, variant.file),
    sessionOptions(optLevel, { enableProfiling: true, profileFilePrefix: prefix }),
  );
  for (let r = 0; r < 1 + PROFILED_RUNS; r++) {
    await session.run(feeds);
    collect();
  }
  session.endProfiling();
  await session.release();
  const written = readdirSync(traceDir).find((f) => f.startsWith(`${stem}.tmp`) && f.endsWith('.json'));
  if (!written) return null;
  const rel = `traces/${m.id}/${stem}.json`;
  renameSync(join(traceDir, written), join(dir, rel));
  return rel;
}

for (const m of measurements) {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadStart = loadavg();
  const feeds = m.variants.map(feedsOf);
  const measured = [];
  for (const optLevel of optLevels) {
    if (!values.quiet)
      process.stderr.write(`ort-node-runner: ${m.id}, opt ${optLevel} (${m.variants.length} variants)\n`);
    const entry = await measure(m, optLevel, feeds);
    if (values.trace) {
      for (let i = 0; i < m.variants.length; i++)
        entry.variants[i].trace = await profileTrace(m, optLevel, m.variants[i], feeds[i]);
    }
    measured.push(entry);
  }
  writeJson(join(dir, m.results), {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kind: 'efflint-validate-results',
    exportId: manifest.exportId,
    measurement: m.id,
    runner: RUNNER,
    clock,
    device,
    interleaving: manifest.protocol.interleaving,
    measured,
    loadAverage: {
      start: loadStart.map((x) => Math.round(x * 100) / 100),
      end: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    startedAt,
    elapsedSeconds: Math.round((performance.now() - t0) / 100) / 10,
  });
}
if (!values.quiet)
  process.stderr.write(`ort-node-runner: wrote ${measurements.length} results files to ${join(dir, 'results')}\n`);
