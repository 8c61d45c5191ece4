import { compiledEntry } from './compiled-entry.js';
import { runMeasureProcess } from './measure-process.js';
import { onnxruntimePath, sessionError } from './providers.js';
import type { OrtLogLevel, SessionJob, SessionProcessData, SessionProcessMessage } from './session-protocol.js';

export interface WorkerRunOptions {
  readonly jobs: readonly SessionJob[];
  /** Seed of the input generator; input i uses seed + i. */
  readonly seed: number;
  /** Execution provider name, for error messages. */
  readonly ep: string;
  /** Called after every run (warm-up included) of every job. */
  readonly onProgress?: (job: number, done: number, total: number) => void;
  /** onnxruntime's log level inside the process (default 'fatal': the EP-missing noise stays quiet). */
  readonly logLevel?: OrtLogLevel;
  /** Seconds the whole run (every job) may take before the process is killed; undefined: no limit. */
  readonly timeoutS?: number;
  /** What is measured, for the timeout message (default 'profile'). */
  readonly label?: string;
  /**
   * A minor GC after every timed run, outside the timed region (default true; see
   * measure/garbage-collector.ts). efflint never turns it off; bench/profile-gc.mjs does, for comparison.
   */
  readonly collectGarbage?: boolean;
  /** Count the minor page faults of each timed run into `minorPageFaults` (default false; benchmarks). */
  readonly countPageFaults?: boolean;
}

export interface SessionJobResult {
  /** Wall time of each timed `session.run()` in the worker, milliseconds (warm-up excluded). */
  readonly latenciesMs: readonly number[];
  /** Process CPU time (user + system) of each timed run, milliseconds: all threads, so with N intra-op threads it can exceed wall time. */
  readonly cpuMs: readonly number[];
  /** Minor page faults of the process during each timed run; only with `countPageFaults`. */
  readonly minorPageFaults?: readonly number[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** Runs the jobs one after another in a fresh child process (session-process.ts); resolves with one result per job. */
export function runSessions(options: WorkerRunOptions): Promise<SessionJobResult[]> {
  const data: SessionProcessData = {
    ortPath: onnxruntimePath(),
    jobs: options.jobs,
    seed: options.seed,
    logLevel: options.logLevel ?? 'fatal',
    collectGarbage: options.collectGarbage ?? true,
    countPageFaults: options.countPageFaults ?? false,
  };
  const entry = compiledEntry(new URL('./session-process.js', import.meta.url));
  const results: SessionJobResult[] = [];
  return runMeasureProcess<SessionProcessMessage, SessionJobResult[]>({
    entry,
    data,
    timeoutS: options.timeoutS,
    label: options.label ?? 'profile',
    onMessage(m) {
      switch (m.type) {
        case 'progress':
          options.onProgress?.(m.job, m.done, m.total);
          return undefined;
        case 'job':
          results[m.job] = {
            latenciesMs: m.latenciesMs,
            cpuMs: m.cpuMs,
            ...(m.minorPageFaults !== undefined ? { minorPageFaults: m.minorPageFaults } : {}),
            inputNames: m.inputNames,
            outputNames: m.outputNames,
          };
          return undefined;
        case 'error':
          return sessionError(options.ep, m.stage, m.message);
        case 'done':
          return { value: results };
      }
    },
  });
}
