#!/usr/bin/env node
/**
 * Long fuzzing run: the properties of test/fuzz/decoder.fuzz.test.ts (structure-aware mutations of
 * valid models through the decoder, the analyzers and the CLI in-process, in a worker with a heap
 * limit) with a random seed and many more cases, recording every failure instead of stopping at the
 * first. Prints one summary line per property (outcomes, CLI exit codes, mutation kinds, slowest
 * case, worker heap) and each failure with the mutations that made it.
 *
 * Usage (from the repository root, after `npm ci && npm run build`):
 *   node bench/fuzz.mjs [--runs 50000] [--seed N] [--cli-runs 0]
 *
 * --runs: cases in all, split evenly over the two properties (protobuf-level and ONNX-level
 * mutations). --seed: fast-check seed (default random; printed). --cli-runs N: also N cases through
 * the built CLI in child processes (test/fuzz/cli.fuzz.test.ts), about a second each.
 *
 * To reproduce a failure with shrinking and fast-check's seed and path, rerun the property without
 * collecting: EFFLINT_FUZZ_SEED=<seed> EFFLINT_FUZZ_RUNS=<runs per property> npx vitest run test/fuzz/decoder.fuzz.test.ts
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50000' },
    seed: { type: 'string' },
    'cli-runs': { type: 'string', default: '0' },
  },
});
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const cliRuns = Number(values['cli-runs']);
if (
  !Number.isSafeInteger(runs) ||
  runs < 2 ||
  !Number.isSafeInteger(seed) ||
  !Number.isSafeInteger(cliRuns) ||
  cliRuns < 0
) {
  console.error('fuzz: --runs (>= 2), --seed and --cli-runs take integers');
  process.exit(2);
}
const perProperty = Math.ceil(runs / 2);
console.log(
  `fuzz: seed ${seed}, ${perProperty} cases per property (wire: seed ${seed}, onnx: seed ${seed + 1})${cliRuns > 0 ? `, ${cliRuns} CLI cases` : ''}`,
);

const files = ['test/fuzz/decoder.fuzz.test.ts', ...(cliRuns > 0 ? ['test/fuzz/cli.fuzz.test.ts'] : [])];
const started = Date.now();
const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...files], {
  stdio: 'inherit',
  env: {
    ...process.env,
    EFFLINT_FUZZ_SEED: String(seed),
    EFFLINT_FUZZ_RUNS: String(perProperty),
    EFFLINT_FUZZ_CLI_RUNS: String(cliRuns),
    EFFLINT_FUZZ_COLLECT: '1',
  },
});
console.log(
  `fuzz: ${((Date.now() - started) / 1000).toFixed(0)} s; ${r.status === 0 ? 'no failures' : `failures above; reproduce one with EFFLINT_FUZZ_SEED=${seed} EFFLINT_FUZZ_RUNS=${perProperty} npx vitest run test/fuzz/decoder.fuzz.test.ts`}`,
);
process.exit(r.status ?? 1);
