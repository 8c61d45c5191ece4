import type { InferenceSession } from 'onnxruntime-node';
import type { OrtLogLevel } from '../session-protocol.js';
import type { GeneratedInput } from './input-data.js';

/**
 * What `measureInterleaved` (interleaved.ts) and its worker thread (interleaved-worker.ts) say to each
 * other: the host starts the worker with an `InterleavedWorkerData` as `workerData`, the worker posts
 * `InterleavedWorkerMessage`s and ends with one `result` or one `error`.
 */

/** One variant as the worker gets it: inputs generated on the host, so every variant gets the same data. */
export interface InterleavedVariantData {
  /** Model bytes or a file path. */
  readonly model: Uint8Array | string;
  readonly inputs: readonly GeneratedInput[];
  /** Where the session saves the graph onnxruntime optimised; null: not saved. */
  readonly optimizedPath: string | null;
}

/** The worker's `workerData`. */
export interface InterleavedWorkerData {
  /** Resolved path of onnxruntime-node, so that the worker loads the same copy as the host. */
  readonly ortPath: string;
  readonly logLevel: OrtLogLevel;
  readonly variants: readonly InterleavedVariantData[];
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly blocks: number;
  readonly runsPerBlock: number;
  readonly warmup: number;
}

/** Where the measurement failed: creating a variant's session, running one, or before any variant. */
export type InterleavedStage = 'create' | 'run' | 'setup';

/**
 * The worker's messages: `progress` now and then, then either `result` (run times per variant, block
 * and run, milliseconds) or `error` (variant -1 when no variant was involved).
 */
export type InterleavedWorkerMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly wallMs: number[][][]; readonly cpuMs: number[][][] }
  | { readonly type: 'error'; readonly variant: number; readonly stage: InterleavedStage; readonly message: string };
