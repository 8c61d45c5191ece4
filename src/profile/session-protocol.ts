import type { InferenceSession } from 'onnxruntime-node';
import type { DType } from '../model/ir.js';

/**
 * What the host (session-runner.ts) and the session process (session-process.ts) say to each other:
 * the host sends one `SessionProcessData` as the first IPC message, the process answers with
 * `SessionProcessMessage`s and closes the channel after `done` or an `error`.
 */

/** One model input the session process fills with seeded pseudo-random data (measure/input-data.ts). */
export interface InputSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** Integer inputs get values in [0, intRange) (safe as indices and token ids). */
  readonly intRange: number;
}

/** One session to create and run in the session process. */
export interface SessionJob {
  /** Model bytes or a file path (a path keeps external-data files working). */
  readonly model: Uint8Array | string;
  readonly inputs: readonly InputSpec[];
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly warmup: number;
  readonly runs: number;
}

/** onnxruntime's log levels (`ort.env.logLevel`). */
export type OrtLogLevel = 'verbose' | 'info' | 'warning' | 'error' | 'fatal';

/** The first and only message the host sends. */
export interface SessionProcessData {
  /** Resolved path of onnxruntime-node, so that the process loads the same copy as the host. */
  readonly ortPath: string;
  readonly jobs: readonly SessionJob[];
  /** Seed of the input generator; input i of every job uses seed + i. */
  readonly seed: number;
  readonly logLevel: OrtLogLevel;
  /**
   * Whether to run a minor GC after every timed run and after the last warm-up run (default true; see
   * measure/garbage-collector.ts). efflint always collects; bench/profile-gc.mjs switches it off to measure
   * what the collection buys.
   */
  readonly collectGarbage?: boolean;
  /**
   * Whether to count the minor page faults of each timed run (read outside the timed region) and send them
   * as `minorPageFaults` (default false; bench/profile-gc.mjs turns it on).
   */
  readonly countPageFaults?: boolean;
}

/**
 * The messages the session process posts: `progress` after every run (warm-up included) of a job, `job`
 * with its timings, then `done` after the last job; or one `error` (job -1 when setting up failed), after
 * which it stops.
 */
export type SessionProcessMessage =
  | { readonly type: 'progress'; readonly job: number; readonly done: number; readonly total: number }
  | {
      readonly type: 'job';
      readonly job: number;
      readonly latenciesMs: number[];
      readonly cpuMs: number[];
      /** Minor page faults of the process during each timed run; only when `countPageFaults` was set. */
      readonly minorPageFaults?: number[];
      readonly inputNames: readonly string[];
      readonly outputNames: readonly string[];
    }
  | { readonly type: 'error'; readonly job: number; readonly stage: SessionStage; readonly message: string }
  | { readonly type: 'done' };

/** Where a job failed: creating the session, running it, ending its profile, or before any job. */
export type SessionStage = 'create' | 'run' | 'end' | 'setup';
