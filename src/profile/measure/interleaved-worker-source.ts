/**
 * Source of the worker thread behind `measureInterleaved` (loaded with `eval: true`, plain CommonJS,
 * like ../worker-source.ts). It creates one onnxruntime session per variant before timing anything,
 * then runs the variants in turn, one run each, rotating which variant starts each block. Around every
 * `session.run()` it reads both clocks: `performance.now()` (wall) and `process.cpuUsage()` (CPU time
 * of the whole process, user + system). With one intra-op thread onnxruntime computes on this thread,
 * and the host thread sleeps in its event loop, so the process's CPU time is the run's own work;
 * time the OS gives to other processes on a loaded machine is not in it.
 *
 * With optimizedPath set, a variant's session also saves the graph onnxruntime optimised (which
 * kernels it chose); saving happens at creation and does not change how the session runs.
 *
 * Progress is posted at most every PROGRESS_MS so that the host wakes up rarely while runs are timed.
 * Message types are defined in interleaved.ts.
 */
export const INTERLEAVED_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');

const PROGRESS_MS = 250;

// A minor GC after every run, outside the timed region. Each run returns its outputs in fresh
// ArrayBuffers that V8 frees only when it collects them; until it does, every run's output lands on
// newly mapped pages, and on this project's VM the page faults (one per 4 KiB) cost more than the
// convolutions: a 64x56x56 output took 2.3 ms a run instead of 0.2 ms for stretches of 40 runs,
// then dropped back, depending on when V8 happened to collect. Scavenging after each run frees the
// buffer at once, so the next run reuses the same memory and no variant pays for another's garbage.
let collect = () => {};
let collectAll = () => {};
try {
  require('node:v8').setFlagsFromString('--expose-gc');
  const gc = require('node:vm').runInNewContext('gc');
  if (typeof gc === 'function') {
    collect = () => gc({ type: 'minor', execution: 'sync' });
    collectAll = () => gc({ type: 'major', execution: 'sync' });
  }
} catch (e) { /* no gc: measure without it */ }

function order(n, block) {
  const start = ((block % n) + n) % n;
  const out = [];
  for (let k = 0; k < n; k++) out.push((start + k) % n);
  return out;
}

async function main() {
  const ort = require(workerData.ortPath);
  ort.env.logLevel = workerData.logLevel;
  const variants = workerData.variants;
  const n = variants.length;
  const sessions = [];
  const feeds = [];
  let current = -1;
  let stage = 'create';
  let result = null;
  try {
    for (let v = 0; v < n; v++) {
      current = v;
      const options = variants[v].optimizedPath ? Object.assign({}, workerData.sessionOptions, { optimizedModelFilePath: variants[v].optimizedPath }) : workerData.sessionOptions;
      const session = await ort.InferenceSession.create(variants[v].model, options);
      sessions.push(session);
      const own = {};
      const given = {};
      for (const input of variants[v].inputs) given[input.name] = new ort.Tensor(input.dtype, input.data, input.dims);
      for (const name of session.inputNames) {
        if (!(name in given)) throw new Error('the session expects input ' + JSON.stringify(name) + ' that efflint did not generate');
        own[name] = given[name];
      }
      feeds.push(own);
    }
    stage = 'run';
    const { blocks, runsPerBlock, warmup } = workerData;
    const total = n * (warmup + blocks * runsPerBlock);
    let done = 0;
    let lastPost = -Infinity;
    const progress = (force) => {
      const t = performance.now();
      if (!force && t - lastPost < PROGRESS_MS) return;
      lastPost = t;
      parentPort.postMessage({ type: 'progress', done, total });
    };
    progress(true);
    const wall = variants.map(() => []);
    const cpu = variants.map(() => []);
    for (let r = 0; r < warmup; r++) {
      for (const v of order(n, r)) {
        current = v;
        await sessions[v].run(feeds[v]);
        collect();
        done++;
      }
      progress(false);
    }
    // Nothing left for V8's background threads to free while runs are timed: the CPU clock is the
    // process's, and it would charge that work to whichever variant happens to run.
    collectAll();
    for (let b = 0; b < blocks; b++) {
      const seq = order(n, b);
      for (let v = 0; v < n; v++) { wall[v].push([]); cpu[v].push([]); }
      for (let r = 0; r < runsPerBlock; r++) {
        for (const v of seq) {
          current = v;
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await sessions[v].run(feeds[v]);
          const t1 = performance.now();
          const c1 = process.cpuUsage(c0);
          wall[v][b].push(t1 - t0);
          cpu[v][b].push((c1.user + c1.system) / 1000);
          collect();
          done++;
        }
        progress(false);
      }
    }
    progress(true);
    result = { type: 'result', wallMs: wall, cpuMs: cpu };
  } catch (err) {
    parentPort.postMessage({ type: 'error', variant: current, stage, message: String(err && err.message ? err.message : err) });
  } finally {
    for (const s of sessions) { try { await s.release(); } catch (e) { /* already failed */ } }
  }
  // Posted after the sessions are released: the host may end the process as soon as it has the result.
  if (result) parentPort.postMessage(result);
}

main().catch((err) => parentPort.postMessage({ type: 'error', variant: -1, stage: 'setup', message: String(err && err.message ? err.message : err) }));
`;
