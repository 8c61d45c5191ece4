import { spawn, type Serializable } from 'node:child_process';
import { ProfilerError } from '../errors.js';
import { at } from '../util/at.js';

/** Default limit of one measurement (`--timeout`), seconds: generous for a large model on a slow CPU. */
export const DEFAULT_TIMEOUT_S = 300;

/** How one measuring process runs and when it is done. */
export interface MeasureProcessOptions<M, R> {
  /**
   * Path of the compiled module the process runs (see compiled-entry.ts). It takes `data` from the first IPC
   * message, answers with `process.send` and disconnects when it is done.
   */
  readonly entry: string;
  readonly data: Serializable;
  /** Seconds the whole measurement may take; undefined: no limit. */
  readonly timeoutS?: number;
  /** What the measurement is, for the timeout message: `profile: model.onnx`. */
  readonly label: string;
  /** Handles one message: returns `{ value }` to finish, an Error to fail, undefined to go on. */
  readonly onMessage: (m: M) => { readonly value: R } | Error | undefined;
}

/**
 * Runs a measuring module in a child Node process and resolves with what its messages produced. A process, not a
 * worker thread: onnxruntime's `session.run()` works in native code that neither `worker.terminate()` nor
 * `process.exit()` can interrupt (both wait for the thread), so a model that runs for hours could only be stopped by
 * killing the process that runs it. On timeout the child is killed (SIGKILL) and the promise rejects with one line.
 */
export function runMeasureProcess<M, R>(options: MeasureProcessOptions<M, R>): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.entry], {
      // stdout stays efflint's own (JSON reports); onnxruntime's native log lines go to stderr as before.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: { readonly error: Error } | { readonly value: R }): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if ('error' in outcome) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(outcome.error);
      } else resolve(outcome.value);
    };
    const fail = (error: Error): void => finish({ error });
    if (options.timeoutS !== undefined) {
      const s = options.timeoutS;
      timer = setTimeout(
        () => fail(new ProfilerError(`${options.label} did not finish within ${s} s (--timeout)`)),
        s * 1000,
      );
    }
    child.on('message', (m: M) => {
      const outcome = options.onMessage(m);
      if (outcome instanceof Error) fail(outcome);
      else if (outcome) finish(outcome);
    });
    child.on('error', (err) =>
      fail(new ProfilerError(`cannot start the onnxruntime process: ${firstLine(err.message)}`, { cause: err })),
    );
    // 'close', not 'exit': it comes after the IPC channel has delivered every message the child sent.
    child.on('close', (code, signal) => {
      fail(new ProfilerError(`the onnxruntime process ended (${signal ?? `exit code ${code}`}) before finishing`));
    });
    child.send(options.data, (err) => {
      if (err)
        fail(
          new ProfilerError(`cannot send the measurement to the onnxruntime process: ${firstLine(err.message)}`, {
            cause: err,
          }),
        );
    });
  });
}

function firstLine(text: string): string {
  return at(text.split('\n'), 0);
}
