/**
 * Entry of the child process that drives onnxruntime-node for `runSessions` (session-runner.ts starts it
 * through measure-process.ts). It only generates inputs, creates sessions and times runs; everything else
 * happens on the host. A separate process keeps the host free to draw progress, and lets `--timeout` kill a
 * run that never ends. The protocol is in session-protocol.ts: the jobs arrive as the first IPC message,
 * replies go back with `process.send`, and closing the channel at the end lets the process exit once its
 * sessions are released.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type * as Ort from 'onnxruntime-node';
import { garbageCollector } from './measure/garbage-collector.js';
import { generateInput } from './measure/input-data.js';
import type { SessionProcessData, SessionProcessMessage, SessionStage } from './session-protocol.js';

// A minor GC after every timed run and after the last warm-up run, outside the timed region (see
// measure/garbage-collector.ts). Set up before onnxruntime loads; `collectGarbage: false` (benchmarks only)
// leaves it unused.
const collectMinor = garbageCollector('minor');
const noCollection = (): void => {
  // Switched off by the host (SessionProcessData.collectGarbage).
};

function post(message: SessionProcessMessage): void {
  if (process.connected) process.send?.(message);
}

function errorText(err: unknown): string {
  return String(err instanceof Error && err.message ? err.message : err);
}

async function main(data: SessionProcessData): Promise<void> {
  const ort = createRequire(import.meta.url)(data.ortPath) as typeof Ort;
  ort.env.logLevel = data.logLevel;
  const collect = data.collectGarbage === false ? noCollection : collectMinor;
  const countFaults = data.countPageFaults === true;
  for (const [j, job] of data.jobs.entries()) {
    let stage: SessionStage = 'create';
    let session: Ort.InferenceSession | null = null;
    try {
      const feeds = new Map<string, Ort.Tensor>();
      for (const [i, spec] of job.inputs.entries()) {
        const input = generateInput(spec, data.seed + i);
        feeds.set(spec.name, new ort.Tensor(input.dtype, input.data, input.dims));
      }
      session =
        typeof job.model === 'string'
          ? await ort.InferenceSession.create(job.model, job.sessionOptions)
          : await ort.InferenceSession.create(job.model, job.sessionOptions);
      stage = 'run';
      const own: Record<string, Ort.Tensor> = {};
      for (const name of session.inputNames) {
        const tensor = feeds.get(name);
        if (tensor === undefined)
          throw new Error(`the session expects input ${JSON.stringify(name)} that efflint did not generate`);
        own[name] = tensor;
      }
      const total = job.warmup + job.runs;
      const latenciesMs: number[] = [];
      const cpuMs: number[] = [];
      const faults: number[] = [];
      post({ type: 'progress', job: j, done: 0, total });
      for (let r = 0; r < total; r++) {
        // Read before the CPU and wall clocks start and after they stop, so neither includes it.
        const f0 = countFaults ? process.resourceUsage().minorPageFault : 0;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await session.run(own);
        const t1 = performance.now();
        const c1 = process.cpuUsage(c0);
        if (r >= job.warmup) {
          latenciesMs.push(t1 - t0);
          cpuMs.push((c1.user + c1.system) / 1000);
          if (countFaults) faults.push(process.resourceUsage().minorPageFault - f0);
        }
        // After the last warm-up run too, so that the first timed run starts with the others' memory.
        if (r >= job.warmup - 1) collect();
        post({ type: 'progress', job: j, done: r + 1, total });
      }
      stage = 'end';
      if (job.sessionOptions.enableProfiling) session.endProfiling();
      post({
        type: 'job',
        job: j,
        latenciesMs,
        cpuMs,
        ...(countFaults ? { minorPageFaults: faults } : {}),
        inputNames: session.inputNames,
        outputNames: session.outputNames,
      });
    } catch (err) {
      post({ type: 'error', job: j, stage, message: errorText(err) });
      return;
    } finally {
      if (session) {
        try {
          await session.release();
        } catch {
          // Already failed.
        }
      }
    }
  }
  post({ type: 'done' });
}

// The host went away (killed): nothing will read the results.
process.on('disconnect', () => process.exit(0));
process.once('message', (data) => {
  // The host sends exactly one SessionProcessData (session-runner.ts); IPC carries no types.
  main(data as SessionProcessData)
    .catch((err: unknown) => post({ type: 'error', job: -1, stage: 'setup', message: errorText(err) }))
    .finally(() => {
      if (process.connected) process.disconnect();
    });
});
