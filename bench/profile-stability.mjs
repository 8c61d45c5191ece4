#!/usr/bin/env node
/**
 * Benchmark: cost of onnxruntime profiling, and run-to-run stability of `efflint profile`.
 *
 * Usage (from the repository root, after `npm ci && npm run build`):
 *   node bench/profile-stability.mjs [--models zoo:a,zoo:b] [--invocations 3] [--runs 50] [--warmup 10]
 *                                    [--threads 1] [--opt-level all] [--out bench/out]
 *
 * For each model, profiles it `--invocations` times (each a fresh pair of sessions in a fresh worker)
 * and prints:
 *  - latency median of each invocation (unprofiled session) and their coefficient of variation;
 *  - the within-invocation CV of the timed runs (median over invocations);
 *  - profiling overhead: median profiled run / median unprofiled run;
 *  - sum of per-kernel medians / median profiled run (the rest is executor time between kernels);
 *  - per-kernel stability: CV across invocations of each of the 10 slowest kernels (median and max).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { profileModel } from '../dist/profile/profile.js';
import { coefficientOfVariation, median } from '../dist/profile/stats.js';

const { values } = parseArgs({
  options: {
    models: {
      type: 'string',
      default: 'zoo:shufflenet_v2_x0_5,zoo:shufflenet_v1_g3,zoo:mobilenet_v2,zoo:shufflenet_v2_x1_0',
    },
    invocations: { type: 'string', default: '3' },
    runs: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '10' },
    threads: { type: 'string', default: '1' },
    'opt-level': { type: 'string', default: 'all' },
    out: { type: 'string', default: 'bench/out' },
  },
});

const invocations = Number(values.invocations);
const opts = {
  runs: Number(values.runs),
  warmup: Number(values.warmup),
  threads: Number(values.threads),
  optLevel: values['opt-level'],
};
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const rows = [];
for (const model of values.models.split(',')) {
  const results = [];
  for (let i = 0; i < invocations; i++) results.push(await profileModel(model, opts));
  const medians = results.map((r) => r.latencyMs.median);
  const top = [...results[0].layers].sort((a, b) => b.measuredUs - a.measuredUs).slice(0, 10);
  const kernelCvs = top.map((l) =>
    coefficientOfVariation(results.map((r) => r.layers.find((x) => x.name === l.name)?.measuredUs ?? 0)),
  );
  const row = {
    model,
    latencyMedianMs: medians,
    cvAcrossInvocations: coefficientOfVariation(medians),
    cvWithinInvocation: median(results.map((r) => r.latencyMs.cv)),
    profiledOverUnprofiled: median(results.map((r) => r.profiledRunMs.median / r.latencyMs.median)),
    kernelSumOverProfiledRun: median(results.map((r) => r.coverage.kernelSumOverProfiledRun)),
    kernelSumOverLatency: median(results.map((r) => r.coverage.kernelSumOverLatency)),
    top10KernelCvMedian: median(kernelCvs),
    top10KernelCvMax: Math.max(...kernelCvs),
    kernels: results[0].coverage.kernels,
  };
  rows.push(row);
  console.error(`${model}: done`);
}

const header =
  '| model | latency median per invocation (ms) | CV across invocations | CV within invocation | profiled / unprofiled | kernel sum / profiled run | kernel sum / unprofiled latency | top-10 kernel CV (median, max) |';
console.log(`cpu: ${cpus()[0]?.model} x ${cpus().length}; ${JSON.stringify(opts)}; ${invocations} invocations\n`);
console.log(header);
console.log('|' + '---|'.repeat(8));
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.latencyMedianMs.map((x) => x.toFixed(3)).join(' / ')} | ${pct(r.cvAcrossInvocations)} | ${pct(r.cvWithinInvocation)} | ${r.profiledOverUnprofiled.toFixed(2)}x | ${pct(r.kernelSumOverProfiledRun)} | ${pct(r.kernelSumOverLatency)} | ${pct(r.top10KernelCvMedian)}, ${pct(r.top10KernelCvMax)} |`,
  );
}
mkdirSync(values.out, { recursive: true });
writeFileSync(
  join(values.out, 'profile-stability.json'),
  JSON.stringify({ date: new Date().toISOString(), opts, rows }, null, 2),
);
