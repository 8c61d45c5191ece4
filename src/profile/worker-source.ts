/**
 * Source of the child process that drives onnxruntime-node (see measure-process.ts, which runs it with `node -e`,
 * hands it `workerData` and defines `parentPort.postMessage` over IPC). Plain CommonJS so it runs the same from
 * compiled `dist/` and from TypeScript sources under vitest, with no loader. It only generates inputs, creates
 * sessions and times runs; everything else happens on the host (see session-runner.ts, which defines the message
 * types). A separate process keeps the host free to draw progress, and lets `--timeout` kill a run that never ends.
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { performance } = require('node:perf_hooks');

// A minor GC after every timed run (and the last warm-up run), outside the timed region (as measure/interleaved-worker-source.ts
// does): each run returns its outputs in fresh ArrayBuffers that V8 frees only when it collects them,
// so until it does every run writes its outputs to newly mapped pages and pays their page faults
// (about 12 us each on this project's VM), in stretches of runs that depend on when V8 collects.
let collect = () => {};
try {
  require('node:v8').setFlagsFromString('--expose-gc');
  const gc = require('node:vm').runInNewContext('gc');
  if (typeof gc === 'function') collect = () => gc({ type: 'minor', execution: 'sync' });
} catch (e) { /* no gc: measure without it */ }

function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toHalfBits(x) {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = x;
  const b = u[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  const mant = b & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | (mant >>> 13);
}

function makeTensor(ort, spec, seed) {
  const n = spec.dims.reduce((a, b) => a * b, 1);
  const rnd = mulberry32(seed);
  let data;
  switch (spec.dtype) {
    case 'float32': data = new Float32Array(n); for (let i = 0; i < n; i++) data[i] = rnd() * 2 - 1; break;
    case 'float64': data = new Float64Array(n); for (let i = 0; i < n; i++) data[i] = rnd() * 2 - 1; break;
    case 'float16': data = new Uint16Array(n); for (let i = 0; i < n; i++) data[i] = toHalfBits(rnd() * 2 - 1); break;
    case 'int64': data = new BigInt64Array(n); for (let i = 0; i < n; i++) data[i] = BigInt(Math.floor(rnd() * spec.intRange)); break;
    case 'uint64': data = new BigUint64Array(n); for (let i = 0; i < n; i++) data[i] = BigInt(Math.floor(rnd() * spec.intRange)); break;
    case 'int32': data = new Int32Array(n); for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * spec.intRange); break;
    case 'uint32': data = new Uint32Array(n); for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * spec.intRange); break;
    case 'int16': data = new Int16Array(n); for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * spec.intRange); break;
    case 'uint16': data = new Uint16Array(n); for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * spec.intRange); break;
    case 'int8': data = new Int8Array(n); for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * spec.intRange); break;
    case 'uint8': data = new Uint8Array(n); for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * spec.intRange); break;
    case 'bool': data = new Uint8Array(n); for (let i = 0; i < n; i++) data[i] = rnd() < 0.5 ? 1 : 0; break;
    default: throw new Error('input ' + spec.name + ': dtype ' + spec.dtype + ' cannot be generated');
  }
  return new ort.Tensor(spec.dtype, data, spec.dims);
}

async function main() {
  const ort = require(workerData.ortPath);
  ort.env.logLevel = workerData.logLevel;
  for (let j = 0; j < workerData.jobs.length; j++) {
    const job = workerData.jobs[j];
    let stage = 'create';
    let session = null;
    try {
      const feeds = {};
      job.inputs.forEach((spec, i) => { feeds[spec.name] = makeTensor(ort, spec, workerData.seed + i); });
      session = await ort.InferenceSession.create(job.model, job.sessionOptions);
      stage = 'run';
      const own = {};
      for (const name of session.inputNames) {
        if (!(name in feeds)) throw new Error('the session expects input ' + JSON.stringify(name) + ' that efflint did not generate');
        own[name] = feeds[name];
      }
      const total = job.warmup + job.runs;
      const latenciesMs = [];
      const cpuMs = [];
      parentPort.postMessage({ type: 'progress', job: j, done: 0, total });
      for (let r = 0; r < total; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await session.run(own);
        const t1 = performance.now();
        const c1 = process.cpuUsage(c0);
        if (r >= job.warmup) {
          latenciesMs.push(t1 - t0);
          cpuMs.push((c1.user + c1.system) / 1000);
        }
        // After the last warm-up run too, so that the first timed run starts with the others' memory.
        if (r >= job.warmup - 1) collect();
        parentPort.postMessage({ type: 'progress', job: j, done: r + 1, total });
      }
      stage = 'end';
      if (job.sessionOptions.enableProfiling) session.endProfiling();
      parentPort.postMessage({ type: 'job', job: j, latenciesMs, cpuMs, inputNames: session.inputNames, outputNames: session.outputNames });
    } catch (err) {
      parentPort.postMessage({ type: 'error', job: j, stage, message: String(err && err.message ? err.message : err) });
      return;
    } finally {
      if (session) { try { await session.release(); } catch (e) { /* already failed */ } }
    }
  }
  parentPort.postMessage({ type: 'done' });
}

function start() {
  main()
    .catch((err) => parentPort.postMessage({ type: 'error', job: -1, stage: 'setup', message: String(err && err.message ? err.message : err) }))
    .finally(finish);
}
`;
