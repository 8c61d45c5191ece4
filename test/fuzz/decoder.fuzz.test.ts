import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { loadModelBytes } from '../../src/model/load.js';
import { fuzzCaseArb, ONNX_KINDS, parseSeeds, WIRE_KINDS, type MutationKind } from './arbitraries.js';
import { COMMAND_COUNT, FuzzRunner, Tally } from './harness.js';
import { fuzzSeeds } from './seeds.js';

/*
 * Property-based fuzzing of the decoder, the analyzers and the CLI (in-process, inside a worker with a
 * heap limit; see fuzz-worker.mjs). Every case must end as a result or as a one-line EfflintError
 * (a bad model), never as an internal error, a hang or an out-of-memory worker, and the CLI command it
 * runs must exit 0, 1 or 2 with well-formed stderr. Seeded, so a run is reproducible;
 * EFFLINT_FUZZ_SEED / EFFLINT_FUZZ_RUNS change the seed and the runs per property (bench/fuzz.mjs),
 * and EFFLINT_FUZZ_COLLECT=1 records failures and goes on instead of stopping at the first.
 */
const SEED = Number(process.env.EFFLINT_FUZZ_SEED ?? 0x5eed_f022);
const RUNS = Number(process.env.EFFLINT_FUZZ_RUNS ?? 1000);
const COLLECT = process.env.EFFLINT_FUZZ_COLLECT === '1';
/** Per-property time limit: generous, the runs are bounded by count, not time (a hang fails per case). */
const TIMEOUT_MS = Math.max(600_000, RUNS * 1000);

const seeds = parseSeeds(fuzzSeeds());
const runner = new FuzzRunner();
afterAll(() => runner.close());

async function fuzz(label: string, kinds: readonly MutationKind[], seed: number): Promise<void> {
  const tally = new Tally();
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCaseArb(seeds, kinds), fc.nat({ max: COMMAND_COUNT - 1 }), async (c, command) => {
        const r = await runner.run(c, command);
        tally.add(c, r);
        if (!COLLECT && r.failure !== undefined) throw new Error(r.failure);
      }),
      { seed, numRuns: RUNS },
    );
  } finally {
    console.log(
      `${tally.summary(`${label} (seed ${seed})`)}${tally.failures.length > 0 ? `\nfailures:\n${tally.failures.join('\n')}` : ''}`,
    );
  }
  if (COLLECT) expect(tally.failures, 'failures (EFFLINT_FUZZ_COLLECT)').toEqual([]);
}

describe('fuzzing: decoder, analyzers and CLI on mutated models', () => {
  it('every seed is a valid model that loads and analyses', () => {
    expect(seeds.length).toBe(9);
    for (const s of seeds) {
      const model = loadModelBytes(s.bytes, { path: s.name });
      expect(model.graph.nodes.length, s.name).toBeGreaterThan(0);
      expect(analyzeModel(model).layers.length, s.name).toBeGreaterThan(0);
    }
  });

  it(
    `protobuf-level mutations (wire types, lengths, varints, truncation, nesting): ${RUNS} cases`,
    () => fuzz('wire', WIRE_KINDS, SEED),
    TIMEOUT_MS,
  );

  it(
    `ONNX-level mutations (attributes, dims, op types, names, versions): ${RUNS} cases`,
    () => fuzz('onnx', ONNX_KINDS, SEED + 1),
    TIMEOUT_MS,
  );
});
