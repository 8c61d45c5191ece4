import type { InferenceSession } from 'onnxruntime-node';
import type { DType } from '../model/ir.js';
import { runMeasureProcess } from './measure-process.js';
import { onnxruntimePath, sessionError } from './providers.js';
import { WORKER_SOURCE } from './worker-source.js';

/** One model input the worker fills with seeded pseudo-random data. */
export interface InputSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** Integer inputs get values in [0, intRange) (safe as indices and token ids). */
  readonly intRange: number;
}

/** One session to create and run in the worker. */
export interface SessionJob {
  /** Model bytes or a file path (a path keeps external-data files working). */
  readonly model: Uint8Array | string;
  readonly inputs: readonly InputSpec[];
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly warmup: number;
  readonly runs: number;
}

export interface WorkerRunOptions {
  readonly jobs: readonly SessionJob[];
  /** Seed of the input generator; input i uses seed + i. */
  readonly seed: number;
  /** Execution provider name, for error messages. */
  readonly ep: string;
  /** Called after every run (warm-up included) of every job. */
  readonly onProgress?: (job: number, done: number, total: number) => void;
  /** onnxruntime's log level inside the worker (default 'error': the EP-missing noise stays quiet). */
  readonly logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  /** Seconds the whole run (every job) may take before the process is killed; undefined: no limit. */
  readonly timeoutS?: number;
  /** What is measured, for the timeout message (default 'profile'). */
  readonly label?: string;
}

export interface SessionJobResult {
  /** Wall time of each timed `session.run()` in the worker, milliseconds (warm-up excluded). */
  readonly latenciesMs: readonly number[];
  /** Process CPU time (user + system) of each timed run, milliseconds: all threads, so with N intra-op threads it can exceed wall time. */
  readonly cpuMs: readonly number[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

type WorkerMessage =
  | { type: 'progress'; job: number; done: number; total: number }
  | { type: 'job'; job: number; latenciesMs: number[]; cpuMs: number[]; inputNames: string[]; outputNames: string[] }
  | { type: 'error'; job: number; stage: string; message: string }
  | { type: 'done' };

/** Runs the jobs one after another in a fresh child process; resolves with one result per job. */
export function runSessions(options: WorkerRunOptions): Promise<SessionJobResult[]> {
  const ortPath = onnxruntimePath();
  const results: SessionJobResult[] = [];
  return runMeasureProcess<WorkerMessage, SessionJobResult[]>({
    source: WORKER_SOURCE,
    data: { ortPath, jobs: options.jobs, seed: options.seed, logLevel: options.logLevel ?? 'fatal' },
    timeoutS: options.timeoutS,
    label: options.label ?? 'profile',
    onMessage(m) {
      if (m.type === 'progress') options.onProgress?.(m.job, m.done, m.total);
      else if (m.type === 'job') results[m.job] = { latenciesMs: m.latenciesMs, cpuMs: m.cpuMs, inputNames: m.inputNames, outputNames: m.outputNames };
      else if (m.type === 'error') return sessionError(options.ep, m.stage, m.message);
      else if (m.type === 'done') return { value: results };
      return undefined;
    },
  });
}
