import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';
import { runCli } from '../helpers/cli.js';
import { fuzzCaseArb, parseSeeds } from './arbitraries.js';
import { Tally } from './harness.js';
import { fuzzSeeds } from './seeds.js';

/*
 * The real CLI (bin/efflint.js -> dist/, `npm run build` first) in child processes with a 256 MB heap
 * and a time limit, on a seeded sample of mutated models: each run ends with exit 0, 1 or 2, never a
 * signal, a timeout or a stack trace; on exit 2 stderr holds exactly one error line (plus `lint`'s
 * `warning:` lines), and no line is an internal error.
 */
const SEED = Number(process.env.EFFLINT_FUZZ_SEED ?? 0x5eed_c11);
const RUNS = Number(process.env.EFFLINT_FUZZ_CLI_RUNS ?? 100);
const HEAP_MB = 256;
const CASE_TIMEOUT_MS = 60_000;
/** Record failures and go on (bench/fuzz.mjs) instead of stopping and shrinking at the first. */
const COLLECT = process.env.EFFLINT_FUZZ_COLLECT === '1';

const COMMANDS: readonly (readonly string[])[] = [
  ['analyze', 'FILE', '-f', 'json'],
  ['analyze', 'FILE'],
  ['lint', 'FILE'],
  ['lint', 'FILE', '--format', 'sarif'],
  ['lint', 'FILE', '--format', 'markdown'],
  ['report', 'FILE', '-o', 'report.html', '--no-profile'],
  ['report', 'FILE', '-o', 'report.md', '--no-profile'],
  ['diff', 'base.onnx', 'FILE'],
  ['diff', 'base.onnx', 'FILE', '--format', 'json'],
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-clifuzz-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What is wrong with a run's exit code and stderr; empty when nothing is. */
function problems(code: number | null, stderr: string): string[] {
  const out: string[] = [];
  if (code !== 0 && code !== 1 && code !== 2)
    out.push(`exit ${code} (killed: out of memory or past ${CASE_TIMEOUT_MS / 1000} s)`);
  const lines = stderr.split('\n').filter((l) => l !== '');
  for (const l of lines) {
    if (!l.startsWith('efflint: '))
      out.push(`stderr line without the efflint: prefix: ${JSON.stringify(l.slice(0, 200))}`);
    if (l.includes('internal error')) out.push(l.slice(0, 300));
  }
  const errors = lines.filter((l) => !/^efflint: .*: warning: /.test(l) && !l.startsWith('efflint: exit 1: '));
  if (code === 2 && errors.length !== 1)
    out.push(`exit 2 with ${errors.length} error lines: ${JSON.stringify(errors.map((l) => l.slice(0, 160)))}`);
  if (code !== 2 && errors.length > 0)
    out.push(`exit ${code} with error lines: ${JSON.stringify(at(errors, 0).slice(0, 160))}`);
  return out;
}

describe('fuzzing: the built CLI in child processes', () => {
  it(`${RUNS} mutated models through analyze, lint, report and diff: exit 0/1/2, one error line, no hang`, () => {
    const seeds = parseSeeds(fuzzSeeds());
    const tally = new Tally();
    try {
      fc.assert(
        fc.property(fuzzCaseArb(seeds), fc.nat({ max: COMMANDS.length - 1 }), (c, command) => {
          fs.writeFileSync(path.join(dir, 'case.onnx'), c.bytes);
          fs.writeFileSync(path.join(dir, 'base.onnx'), c.original);
          const args = at(COMMANDS, command).map((a) => (a === 'FILE' ? 'case.onnx' : a));
          const started = performance.now();
          const r = runCli(args, {
            cwd: dir,
            env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
            timeoutMs: CASE_TIMEOUT_MS,
          });
          const found = problems(r.code, r.stderr);
          const failure = found.length > 0 ? `efflint ${args.join(' ')}: ${found.join('; ')}` : undefined;
          tally.add(c, {
            cli: { argv: args.join(' '), code: r.code, stderr: [], problems: found },
            failure,
            ms: performance.now() - started,
            heapMb: NaN,
          });
          if (!COLLECT) expect(found, `efflint ${args.join(' ')}`).toEqual([]);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      console.log(
        tally.summary(`CLI child processes (seed ${SEED})`) +
          (tally.failures.length > 0 ? `\nfailures:\n${tally.failures.join('\n')}` : ''),
      );
    }
    expect(tally.failures).toEqual([]);
  }, 1_800_000);
});
