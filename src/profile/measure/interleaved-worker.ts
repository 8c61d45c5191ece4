/**
 * Entry of the worker thread behind `measureInterleaved` (interleaved.ts starts it; the protocol is in
 * interleaved-protocol.ts). It creates one onnxruntime session per variant before timing anything, then
 * runs the variants in turn, one run each, rotating which variant starts each block. Around every
 * `session.run()` it reads both clocks: `performance.now()` (wall) and `process.cpuUsage()` (CPU time of
 * the whole process, user + system). With one intra-op thread onnxruntime computes on this thread, and
 * the host thread sleeps in its event loop, so the process's CPU time is the run's own work; time the OS
 * gives to other processes on a loaded machine is not in it.
 *
 * With `optimizedPath` set, a variant's session also saves the graph onnxruntime optimised (which kernels
 * it chose); saving happens at creation and does not change how the session runs.
 *
 * Progress is posted at most every PROGRESS_MS so that the host wakes up rarely while runs are timed.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';
import { at } from '../../util/at.js';
import { garbageCollector } from './garbage-collector.js';
import type { InterleavedStage, InterleavedWorkerData, InterleavedWorkerMessage } from './interleaved-protocol.js';
import { rotatedOrder } from './interleaved-stats.js';

const PROGRESS_MS = 250;

// A minor GC after every run, outside the timed region, and a full one before the first timed block
// (see garbage-collector.ts): no variant pays for another's garbage.
const collect = garbageCollector('minor');
const collectAll = garbageCollector('major');

if (parentPort === null) throw new Error('interleaved-worker.js runs as a worker thread (see interleaved.ts)');
const port = parentPort;

function post(message: InterleavedWorkerMessage): void {
  port.postMessage(message);
}

function errorText(err: unknown): string {
  return String(err instanceof Error && err.message ? err.message : err);
}

/** Appends an empty block to every variant's samples; returns the blocks, by variant. */
function addBlock(samples: number[][][]): number[][] {
  return samples.map((blocks) => {
    const runs: number[] = [];
    blocks.push(runs);
    return runs;
  });
}

async function main(data: InterleavedWorkerData): Promise<void> {
  const ort = createRequire(import.meta.url)(data.ortPath) as typeof Ort;
  ort.env.logLevel = data.logLevel;
  const variants = data.variants;
  const n = variants.length;
  const sessions: Ort.InferenceSession[] = [];
  const feeds: Record<string, Ort.Tensor>[] = [];
  let current = -1;
  let stage: InterleavedStage = 'create';
  let result: InterleavedWorkerMessage | null = null;
  try {
    for (const [v, variant] of variants.entries()) {
      current = v;
      const options = variant.optimizedPath
        ? { ...data.sessionOptions, optimizedModelFilePath: variant.optimizedPath }
        : data.sessionOptions;
      const session =
        typeof variant.model === 'string'
          ? await ort.InferenceSession.create(variant.model, options)
          : await ort.InferenceSession.create(variant.model, options);
      sessions.push(session);
      const given = new Map<string, Ort.Tensor>();
      for (const input of variant.inputs) given.set(input.name, new ort.Tensor(input.dtype, input.data, input.dims));
      const own: Record<string, Ort.Tensor> = {};
      for (const name of session.inputNames) {
        const tensor = given.get(name);
        if (tensor === undefined)
          throw new Error(`the session expects input ${JSON.stringify(name)} that efflint did not generate`);
        own[name] = tensor;
      }
      feeds.push(own);
    }
    stage = 'run';
    const { blocks, runsPerBlock, warmup } = data;
    const total = n * (warmup + blocks * runsPerBlock);
    let done = 0;
    let lastPost = -Infinity;
    const progress = (force: boolean): void => {
      const t = performance.now();
      if (!force && t - lastPost < PROGRESS_MS) return;
      lastPost = t;
      post({ type: 'progress', done, total });
    };
    progress(true);
    const wall: number[][][] = variants.map(() => []);
    const cpu: number[][][] = variants.map(() => []);
    for (let r = 0; r < warmup; r++) {
      for (const v of rotatedOrder(n, r)) {
        current = v;
        await at(sessions, v).run(at(feeds, v));
        collect();
        done++;
      }
      progress(false);
    }
    // Nothing left for V8's background threads to free while runs are timed: the CPU clock is the
    // process's, and it would charge that work to whichever variant happens to run.
    collectAll();
    for (let b = 0; b < blocks; b++) {
      const seq = rotatedOrder(n, b);
      const wallBlock = addBlock(wall);
      const cpuBlock = addBlock(cpu);
      for (let r = 0; r < runsPerBlock; r++) {
        for (const v of seq) {
          current = v;
          const session = at(sessions, v);
          const feed = at(feeds, v);
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await session.run(feed);
          const t1 = performance.now();
          const c1 = process.cpuUsage(c0);
          at(wallBlock, v).push(t1 - t0);
          at(cpuBlock, v).push((c1.user + c1.system) / 1000);
          collect();
          done++;
        }
        progress(false);
      }
    }
    progress(true);
    result = { type: 'result', wallMs: wall, cpuMs: cpu };
  } catch (err) {
    post({ type: 'error', variant: current, stage, message: errorText(err) });
  } finally {
    for (const s of sessions) {
      try {
        await s.release();
      } catch {
        // Already failed.
      }
    }
  }
  // Posted after the sessions are released: the host may end the worker as soon as it has the result.
  if (result) post(result);
}

// workerData is what interleaved.ts passes: an InterleavedWorkerData (worker_threads types it as any).
main(workerData as InterleavedWorkerData).catch((err: unknown) =>
  post({ type: 'error', variant: -1, stage: 'setup', message: errorText(err) }),
);
