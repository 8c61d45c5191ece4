#!/usr/bin/env node
/**
 * Benchmark: Figure 2 run-time breakdown, FLOPs vs roofline rank correlation, and the measured-bytes
 * cross-check on zoo models, with a device profile calibrated in the same run.
 *
 * Usage (from the repository root, after `npm ci && npm run build`):
 *   node bench/profile-breakdown.mjs [--models zoo:a,zoo:b] [--runs 30] [--warmup 10] [--threads 1]
 *
 * Prints the device profile, then per model and opt level (disabled, all): latency, time share and
 * FLOPs share per Figure 2 category, Spearman correlation of per-kernel time with FLOPs and with the
 * roofline prediction, and how many one-to-one kernels' traced bytes match memBytes within 5%.
 */
import { parseArgs } from 'node:util';
import { calibrateDevice } from '../dist/profile/calibrate.js';
import { profileModel } from '../dist/profile/profile.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'zoo:shufflenet_v1_g3,zoo:mobilenet_v2,zoo:shufflenet_v2_x1_0' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '10' },
    threads: { type: 'string', default: '1' },
  },
});
const threads = Number(values.threads);
const device = await calibrateDevice({ threads });
console.log(
  `device: ${device.name}: ${(device.peakFlopsPerSecond / 1e9).toFixed(1)} G multiply-adds/s, ${(device.bandwidthBytesPerSecond / 1e9).toFixed(1)} GB/s, ${device.perOpOverheadUs.toFixed(2)} µs per op\n`,
);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const rho = (x) => (x === null ? 'n/a' : x.toFixed(2));
console.log(
  '| model | opt | latency (ms) | conv time / FLOPs | elementwise time / FLOPs | data-movement time | other time | Spearman FLOPs | Spearman roofline | bytes within 5% (explained, unexplained) |',
);
console.log('|' + '---|'.repeat(10));
for (const model of values.models.split(',')) {
  for (const optLevel of ['disabled', 'all']) {
    const r = await profileModel(model, {
      runs: Number(values.runs),
      warmup: Number(values.warmup),
      threads,
      optLevel,
      deviceProfile: device,
    });
    const c = Object.fromEntries(r.categories.map((x) => [x.category, x]));
    const m = r.memoryCheck;
    console.log(
      `| ${model} | ${optLevel} | ${r.latencyMs.median.toFixed(2)} | ${pct(c.conv.share)} / ${pct(c.conv.flopsShare)} | ${pct(c.elementwise.share)} / ${pct(c.elementwise.flopsShare)} | ${pct(c['data-movement'].share)} | ${pct(c.other.share)} | ${rho(r.correlation.flopsSpearman)} | ${rho(r.correlation.predictedSpearman)} | ${m.within5Percent}/${m.compared} (${m.explained}, ${m.unexplained}) |`,
    );
  }
}
