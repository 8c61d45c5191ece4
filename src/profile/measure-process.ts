import { spawn, type Serializable } from 'node:child_process';
import { ProfilerError } from '../errors.js';

/** Default limit of one measurement (`--timeout`), seconds: generous for a large model on a slow CPU. */
export const DEFAULT_TIMEOUT_S = 300;

/**
 * Prologue of every measuring script: the data arrives as the first IPC message, replies go back with
 * `parentPort.postMessage` (the worker_threads spelling the scripts were written in), and `finish()` closes the
 * channel so that the process ends once its sessions are released.
 */
const PROLOGUE = String.raw`
'use strict';
const parentPort = { postMessage: (m) => { if (process.connected) process.send(m); } };
let workerData;
const finish = () => { if (process.connected) process.disconnect(); };
// The host went away (killed): nothing will read the results.
process.on('disconnect', () => process.exit(0));
`;

/** How one measuring script runs and when it is done. */
export interface MeasureProcessOptions<M, R> {
  /**
   * CommonJS source run with `node -e`. It reads `workerData` (set before `start()` is called), posts messages with
   * `parentPort.postMessage` and calls `finish()` at the end; it must define `function start()`.
   */
  readonly source: string;
  readonly data: Serializable;
  /** Seconds the whole measurement may take; undefined: no limit. */
  readonly timeoutS?: number;
  /** What the measurement is, for the timeout message: `profile: model.onnx`. */
  readonly label: string;
  /** Handles one message: returns `{ value }` to finish, an Error to fail, undefined to go on. */
  readonly onMessage: (m: M) => { readonly value: R } | Error | undefined;
}

/**
 * Runs a measuring script in a child Node process and resolves with what its messages produced. A process, not a
 * worker thread: onnxruntime's `session.run()` works in native code that neither `worker.terminate()` nor
 * `process.exit()` can interrupt (both wait for the thread), so a model that runs for hours could only be stopped by
 * killing the process that runs it. On timeout the child is killed (SIGKILL) and the promise rejects with one line.
 */
export function runMeasureProcess<M, R>(options: MeasureProcessOptions<M, R>): Promise<R> {
  const source = `${PROLOGUE}\n${options.source}\nprocess.once('message', (data) => { workerData = data; start(); });\n`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', source], {
      // stdout stays efflint's own (JSON reports); onnxruntime's native log lines go to stderr as before.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, value?: R): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err);
      } else resolve(value as R);
    };
    if (options.timeoutS !== undefined) {
      const s = options.timeoutS;
      timer = setTimeout(() => finish(new ProfilerError(`${options.label} did not finish within ${s} s (--timeout)`)), s * 1000);
    }
    child.on('message', (m: M) => {
      const outcome = options.onMessage(m);
      if (outcome instanceof Error) finish(outcome);
      else if (outcome) finish(null, outcome.value);
    });
    child.on('error', (err) => finish(new ProfilerError(`cannot start the onnxruntime process: ${err.message.split('\n')[0]}`, { cause: err })));
    // 'close', not 'exit': it comes after the IPC channel has delivered every message the child sent.
    child.on('close', (code, signal) => {
      finish(new ProfilerError(`the onnxruntime process ended (${signal ?? `exit code ${code}`}) before finishing`));
    });
    child.send(options.data, (err) => {
      if (err) finish(new ProfilerError(`cannot send the measurement to the onnxruntime process: ${err.message.split('\n')[0]}`, { cause: err }));
    });
  });
}

