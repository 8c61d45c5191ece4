#!/usr/bin/env node
/**
 * Benchmark: `efflint profile`'s runner with and without a minor GC after every timed run.
 *
 * Usage (from the repository root, after `npm ci && npm run build`):
 *   node bench/profile-gc.mjs [--models conv1x1:64x56,zoo:a,zoo:b] [--rounds 4] [--runs 100] [--warmup 5] [--threads 1]
 *
 * `conv1x1:CxS` is one 1x1 convolution C -> C channels on an SxS map (output C*S*S floats), the case
 * measure/interleaved-worker-source.ts describes; `zoo:NAME` a zoo model.
 *
 * The worker that `profileModel` runs (dist/profile/worker-source.js) collects garbage after each
 * timed run, outside the timed region, so that every run's output lands in memory a previous run
 * freed instead of on newly mapped pages. "without" is the same source with that collection turned
 * off. For each model, `--rounds` rounds each start one fresh worker of each kind (order alternating),
 * one session, `--warmup` + `--runs` runs; the table gives per kind the median over rounds of: the
 * run-time median, the mean, the coefficient of variation of the runs, the 95th percentile, and the
 * share of runs slower than 1.5x that round's median, and the mean number of minor page faults the
 * process took during a timed run (both kinds count them the same way, read outside the timed region).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { buildOnnxModel } from '../dist/profile/onnx-build.js';
import { INPUT_SEED, prepareModel } from '../dist/profile/profile.js';
import { onnxruntimePath } from '../dist/profile/providers.js';
import { coefficientOfVariation, median, percentile } from '../dist/profile/stats.js';
import { WORKER_SOURCE } from '../dist/profile/worker-source.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'conv1x1:64x56,zoo:mobilenet_v2,zoo:exp_g2_g1' },
    rounds: { type: 'string', default: '4' },
    runs: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
  },
});

const NO_GC = "if (typeof gc === 'function') collect = () => gc({ type: 'minor', execution: 'sync' });";
if (!WORKER_SOURCE.includes(NO_GC)) throw new Error('worker-source.js has no minor GC line to switch off: rebuild, or update this bench');
// Both kinds also count the minor page faults of each timed run (read outside the timed region).
const COUNT_FAULTS = [
  ['const latenciesMs = [];', 'const latenciesMs = []; const faults = [];'],
  ['const t0 = performance.now();', 'const f0 = process.resourceUsage().minorPageFault; const t0 = performance.now();'],
  ['if (r >= job.warmup) latenciesMs.push(t1 - t0);', 'if (r >= job.warmup) { latenciesMs.push(t1 - t0); faults.push(process.resourceUsage().minorPageFault - f0); }'],
  ["{ type: 'job', job: j, latenciesMs,", "{ type: 'job', job: j, latenciesMs, faults,"],
];
function instrument(source) {
  let out = source;
  for (const [from, to] of COUNT_FAULTS) {
    if (!out.includes(from)) throw new Error(`worker-source.js changed: cannot find ${JSON.stringify(from)}; update this bench`);
    out = out.replace(from, to);
  }
  return out;
}
const SOURCES = { with: instrument(WORKER_SOURCE), without: instrument(WORKER_SOURCE.replace(NO_GC, '/* collection switched off by bench/profile-gc.mjs */')) };

function latencies(source, prepared) {
  const threads = Number(values.threads);
  const job = {
    model: prepared.ortModel,
    inputs: prepared.inputs,
    warmup: Number(values.warmup),
    runs: Number(values.runs),
    sessionOptions: { executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential', logSeverityLevel: 3, intraOpNumThreads: threads, interOpNumThreads: 1 },
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { ortPath: onnxruntimePath(), jobs: [job], seed: INPUT_SEED, logLevel: 'fatal' } });
    let result = null;
    worker.on('message', (m) => {
      if (m.type === 'job') result = { ms: m.latenciesMs, faults: m.faults };
      else if (m.type === 'error') reject(new Error(m.message));
      else if (m.type === 'done') resolve(result);
    });
    worker.on('error', reject);
  });
}

function summary({ ms, faults }) {
  const med = median(ms);
  return {
    faultsPerRun: faults.reduce((a, b) => a + b, 0) / faults.length,
    median: med,
    mean: ms.reduce((a, b) => a + b, 0) / ms.length,
    cv: coefficientOfVariation(ms),
    p95: percentile(ms, 95),
    slow: ms.filter((t) => t > 1.5 * med).length / ms.length,
  };
}

const rounds = Number(values.rounds);
const loadStart = loadavg()[0];
const rows = [];
function load(model) {
  const conv = /^conv1x1:(\d+)x(\d+)$/.exec(model);
  if (!conv) {
    const prepared = prepareModel(model);
    return { ...prepared, outputs: prepared.analysis.outputs.map((o) => o.shape?.join('x') ?? '?').join(', ') };
  }
  const [c, s] = [Number(conv[1]), Number(conv[2])];
  const ortModel = buildOnnxModel({
    inputs: [{ name: 'x', dims: [1, c, s, s] }],
    outputs: [{ name: 'y', dims: [1, c, s, s] }],
    nodes: [{ opType: 'Conv', name: 'conv', inputs: ['x', 'w'], outputs: ['y'], attributes: { kernel_shape: [1, 1] } }],
    initializers: [{ name: 'w', dims: [c, c, 1, 1] }],
  });
  return { ortModel, inputs: [{ name: 'x', dtype: 'float32', dims: [1, c, s, s], intRange: 2 }], outputs: `1x${c}x${s}x${s}` };
}

for (const model of values.models.split(',')) {
  const prepared = load(model);
  const per = { with: [], without: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
    for (const kind of order) per[kind].push(summary(await latencies(SOURCES[kind], prepared)));
  }
  const outputs = prepared.outputs;
  for (const kind of ['without', 'with']) {
    const pick = (k) => median(per[kind].map((s) => s[k]));
    rows.push({ model, outputs, kind, median: pick('median'), mean: pick('mean'), cv: pick('cv'), p95: pick('p95'), slow: pick('slow'), faults: pick('faultsPerRun') });
  }
  console.error(`${model}: done`);
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(`cpu: ${cpus()[0]?.model} x ${cpus().length}; load average ${loadStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; ${rounds} rounds of ${values.warmup} + ${values.runs} runs, ${values.threads} thread(s), opt all\n`);
console.log('| model | output | minor GC after each run | median ms | mean ms | CV | p95 ms | runs > 1.5x median | minor page faults per timed run |');
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.outputs} | ${r.kind} | ${r.median.toFixed(3)} | ${r.mean.toFixed(3)} | ${pct(r.cv)} | ${r.p95.toFixed(3)} | ${pct(r.slow)} | ${r.faults.toFixed(1)} |`);
}
