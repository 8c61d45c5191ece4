import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import { ProfilerError, UsageError } from '../../errors.js';
import { at } from '../../util/at.js';
import { compiledEntry } from '../compiled-entry.js';
import { readOptimizedGraph } from '../optimized-graph.js';
import { INPUT_SEED } from '../profile.js';
import { onnxruntimePath, sessionError } from '../providers.js';
import type { InputSpec } from '../session-protocol.js';
import { garbageCollector } from './garbage-collector.js';
import type { BlockSamples, ClockSummary } from './interleaved-stats.js';
import { summarizeInterleaved } from './interleaved-stats.js';
import { generateInput } from './input-data.js';
import type {
  InterleavedVariantData,
  InterleavedWorkerData,
  InterleavedWorkerMessage,
} from './interleaved-protocol.js';

/** Which clock a comparison is decided on. */
export type MeasureClock = 'cpu' | 'wall';
export const MEASURE_CLOCKS: readonly MeasureClock[] = ['cpu', 'wall'];

/** Graph optimisation levels a comparison can run at. */
export type MeasureOptLevel = 'all' | 'disabled';

export const DEFAULT_BLOCKS = 5;
export const DEFAULT_RUNS_PER_BLOCK = 8;
export const DEFAULT_MEASURE_WARMUP = 2;

/** One model of a comparison. */
export interface MeasureVariant {
  readonly label: string;
  /** Model bytes or a file path. */
  readonly model: Uint8Array | string;
  readonly inputs: readonly InputSpec[];
}

export interface InterleavedOptions {
  /** Graph optimisation level of every session (default 'all'). */
  readonly optLevel?: MeasureOptLevel;
  /** Blocks: ratios are taken per block (default 5). */
  readonly blocks?: number;
  /** Timed runs of each variant in each block (default 8). */
  readonly runsPerBlock?: number;
  /** Untimed rounds (one run of every variant each) before the first block (default 2). */
  readonly warmup?: number;
  /** Index of the variant the others are compared with (default 0). */
  readonly baseline?: number;
  /** Clock that `ratio`/`medianMs` of the result's `verdictClock` refer to (default 'cpu'). */
  readonly clock?: MeasureClock;
  /** Seed of the generated inputs (default: profile's, so the data match `efflint profile`). */
  readonly seed?: number;
  /**
   * Also record which kernels onnxruntime chose for each variant (the op types of the graph it
   * optimised, e.g. \`com.microsoft.nchwc:Conv\` against plain \`Conv\`). Not at opt level 'disabled'.
   */
  readonly inspectOptimizedGraphs?: boolean;
  /** Called as runs complete (warm-up included), at most a few times a second. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One variant's measurement on both clocks. */
export interface VariantMeasurement {
  readonly label: string;
  readonly wall: ClockSummary;
  readonly cpu: ClockSummary;
  /**
   * Node count per op type (\`domain:opType\`, domain omitted for ONNX ops) of the graph onnxruntime
   * ran; null unless \`inspectOptimizedGraphs\` was set and the opt level is not 'disabled'.
   */
  readonly optimizedOps: Readonly<Record<string, number>> | null;
  /** Raw run times, `[block][run]`, milliseconds. */
  readonly samples: { readonly wallMs: BlockSamples; readonly cpuMs: BlockSamples };
}

export interface InterleavedResult {
  readonly optLevel: MeasureOptLevel;
  /** The clock comparisons should be decided on (the caller's choice; both are measured). */
  readonly clock: MeasureClock;
  readonly blocks: number;
  readonly runsPerBlock: number;
  readonly warmup: number;
  readonly baseline: number;
  readonly intraOpThreads: 1;
  readonly variants: readonly VariantMeasurement[];
}

/**
 * A full, synchronous garbage collection of this (the host) thread before a measurement starts. The
 * CPU clock is process-wide: garbage the host left behind (the previous column's model bytes, tens of
 * MB) would otherwise be freed by V8's background threads while the worker times its runs, and be
 * charged to whichever variant is running (seen as g=8 at 0.29 of g=1 in one run, 0.70-0.72 alone).
 */
function collectHostGarbage(): void {
  garbageCollector('major')();
}

/** Session options of every variant: CPU, one intra-op and one inter-op thread, sequential executor. */
export function interleavedSessionOptions(optLevel: MeasureOptLevel): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: optLevel,
    executionMode: 'sequential',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  };
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`${name} must be an integer of at least ${min} (got ${value})`);
}

/**
 * Measures several models against each other on the CPU, in one worker thread of this process:
 * one onnxruntime session per variant (all created before timing), one intra-op thread, and runs
 * interleaved one by one with a rotating start per block (block b: variants b mod n, b+1 mod n, ...).
 * Every run is timed on the wall clock and on the process's CPU time; ratios to the baseline are
 * taken per block from the block medians (see interleaved-stats.ts).
 */
export async function measureInterleaved(
  variants: readonly MeasureVariant[],
  options: InterleavedOptions = {},
): Promise<InterleavedResult> {
  const optLevel = options.optLevel ?? 'all';
  const blocks = options.blocks ?? DEFAULT_BLOCKS;
  const runsPerBlock = options.runsPerBlock ?? DEFAULT_RUNS_PER_BLOCK;
  const warmup = options.warmup ?? DEFAULT_MEASURE_WARMUP;
  const baseline = options.baseline ?? 0;
  if (variants.length === 0) throw new UsageError('measureInterleaved: no variants');
  checkCount('blocks', blocks, 1);
  checkCount('runs per block', runsPerBlock, 1);
  checkCount('warm-up rounds', warmup, 0);
  if (!Number.isSafeInteger(baseline) || baseline < 0 || baseline >= variants.length)
    throw new UsageError(`baseline index ${baseline} outside 0..${variants.length - 1}`);
  const seed = options.seed ?? INPUT_SEED;
  const inspect = options.inspectOptimizedGraphs === true && optLevel !== 'disabled';
  collectHostGarbage();
  const dir = inspect ? mkdtempSync(join(tmpdir(), 'efflint-measure-')) : null;
  const optimizedPaths = variants.map((_, i) => (dir ? join(dir, `variant-${i}.onnx`) : null));
  let raw: RawSamples;
  let optimizedOps: (Record<string, number> | null)[];
  try {
    const posted = variants.map((v, i): InterleavedVariantData => ({
      model: v.model,
      inputs: v.inputs.map((spec, k) => generateInput(spec, seed + k)),
      optimizedPath: at(optimizedPaths, i),
    }));
    raw = await runWorker(
      {
        ortPath: onnxruntimePath(),
        logLevel: 'fatal',
        variants: posted,
        sessionOptions: interleavedSessionOptions(optLevel),
        blocks,
        runsPerBlock,
        warmup,
      },
      variants,
      options.onProgress,
    );
    optimizedOps = optimizedPaths.map((p) => (p && existsSync(p) ? countOps(p) : null));
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const wall = summarizeInterleaved(raw.wallMs, baseline);
  const cpu = summarizeInterleaved(raw.cpuMs, baseline);
  return {
    optLevel,
    clock: options.clock ?? 'cpu',
    blocks,
    runsPerBlock,
    warmup,
    baseline,
    intraOpThreads: 1,
    variants: variants.map((v, i) => ({
      label: v.label,
      wall: at(wall, i),
      cpu: at(cpu, i),
      optimizedOps: at(optimizedOps, i),
      samples: { wallMs: at(raw.wallMs, i), cpuMs: at(raw.cpuMs, i) },
    })),
  };
}

/** Node count per `domain:opType` of a saved optimized model. */
function countOps(path: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of readOptimizedGraph(path)) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Run times the worker measured, `[variant][block][run]`, milliseconds (one entry per variant it was given). */
interface RawSamples {
  readonly wallMs: number[][][];
  readonly cpuMs: number[][][];
}

/** Runs the measurement in a worker thread (interleaved-worker.ts) and resolves with its run times. */
function runWorker(
  workerData: InterleavedWorkerData,
  variants: readonly MeasureVariant[],
  onProgress: InterleavedOptions['onProgress'],
): Promise<RawSamples> {
  const entry = compiledEntry(new URL('./interleaved-worker.js', import.meta.url));
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = new Worker(entry, { workerData });
    const finish = (outcome: { readonly error: Error } | { readonly value: RawSamples }): void => {
      if (settled) return;
      settled = true;
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.value);
    };
    const fail = (error: Error): void => finish({ error });
    worker.on('message', (m: InterleavedWorkerMessage) => {
      switch (m.type) {
        case 'progress':
          onProgress?.(m.done, m.total);
          break;
        case 'result':
          finish({ value: { wallMs: m.wallMs, cpuMs: m.cpuMs } });
          break;
        case 'error': {
          const err = sessionError('cpu', m.stage, m.message);
          // variant -1: setting up failed before any variant.
          const label = variants[m.variant]?.label;
          fail(label ? new ProfilerError(`${label}: ${err.message}`, { cause: err }) : err);
          break;
        }
      }
    });
    worker.on('error', (err) =>
      fail(new ProfilerError(`onnxruntime worker failed: ${at(err.message.split('\n'), 0)}`, { cause: err })),
    );
    worker.on('exit', (code) =>
      fail(new ProfilerError(`onnxruntime worker exited with code ${code} before finishing`)),
    );
  });
}

/** The summary of `variant` on `clock`. */
export function onClock(variant: VariantMeasurement, clock: MeasureClock): ClockSummary {
  return clock === 'cpu' ? variant.cpu : variant.wall;
}
