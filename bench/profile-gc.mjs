#!/usr/bin/env node
/**
 * Benchmark: `efflint profile`'s runner with and without a minor GC after every timed run.
 *
 * Usage (from the repository root, after `npm ci && npm run build`):
 *   node bench/profile-gc.mjs [--models conv1x1:64x56,zoo:a,zoo:b] [--rounds 4] [--runs 100] [--warmup 5] [--threads 1]
 *
 * `conv1x1:CxS` is one 1x1 convolution C -> C channels on an SxS map (output C*S*S floats), the case
 * src/profile/measure/garbage-collector.ts describes; `zoo:NAME` a zoo model.
 *
 * The session process that `profileModel` runs (src/profile/session-process.ts, started by
 * `runSessions` in dist/profile/session-runner.js) collects garbage after each timed run, outside the
 * timed region, so that every run's output lands in memory a previous run freed instead of on newly
 * mapped pages. "without" is the same process with that collection switched off (`collectGarbage:
 * false`, which efflint itself never sets). For each model, `--rounds` rounds each start one fresh
 * process of each kind (order alternating), one session, `--warmup` + `--runs` runs; the table gives
 * per kind the median over rounds of: the run-time median, the mean, the coefficient of variation of
 * the runs, the 95th percentile, and the share of runs slower than 1.5x that round's median, and the
 * mean number of minor page faults the process took during a timed run (`countPageFaults: true` in
 * both kinds, read outside the timed region).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { INPUT_SEED, prepareModel } from '../dist/profile/profile.js';
import { runSessions } from '../dist/profile/session-runner.js';
import { coefficientOfVariation, median, percentile } from '../dist/profile/stats.js';
import { buildOnnxModel } from '../dist/zoo/onnx-writer.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'conv1x1:64x56,zoo:mobilenet_v2,zoo:exp_g2_g1' },
    rounds: { type: 'string', default: '4' },
    runs: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
  },
});

async function latencies(kind, prepared) {
  const threads = Number(values.threads);
  const job = {
    model: prepared.ortModel,
    inputs: prepared.inputs,
    warmup: Number(values.warmup),
    runs: Number(values.runs),
    sessionOptions: {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    },
  };
  const [result] = await runSessions({
    ep: 'cpu',
    seed: INPUT_SEED,
    jobs: [job],
    collectGarbage: kind === 'with',
    countPageFaults: true,
    label: 'profile-gc',
  });
  if (!result?.minorPageFaults)
    throw new Error('the session process sent no page-fault counts: rebuild (npm run build)');
  return { ms: result.latenciesMs, faults: result.minorPageFaults };
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
  return {
    ortModel,
    inputs: [{ name: 'x', dtype: 'float32', dims: [1, c, s, s], intRange: 2 }],
    outputs: `1x${c}x${s}x${s}`,
  };
}

for (const model of values.models.split(',')) {
  const prepared = load(model);
  const per = { with: [], without: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
    for (const kind of order) per[kind].push(summary(await latencies(kind, prepared)));
  }
  const outputs = prepared.outputs;
  for (const kind of ['without', 'with']) {
    const pick = (k) => median(per[kind].map((s) => s[k]));
    rows.push({
      model,
      outputs,
      kind,
      median: pick('median'),
      mean: pick('mean'),
      cv: pick('cv'),
      p95: pick('p95'),
      slow: pick('slow'),
      faults: pick('faultsPerRun'),
    });
  }
  console.error(`${model}: done`);
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(
  `cpu: ${cpus()[0]?.model} x ${cpus().length}; load average ${loadStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; ${rounds} rounds of ${values.warmup} + ${values.runs} runs, ${values.threads} thread(s), opt all\n`,
);
console.log(
  '| model | output | minor GC after each run | median ms | mean ms | CV | p95 ms | runs > 1.5x median | minor page faults per timed run |',
);
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.outputs} | ${r.kind} | ${r.median.toFixed(3)} | ${r.mean.toFixed(3)} | ${pct(r.cv)} | ${r.p95.toFixed(3)} | ${pct(r.slow)} | ${r.faults.toFixed(1)} |`,
  );
}
