import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type ExposedGc = (options: { readonly type: 'minor' | 'major'; readonly execution: 'sync' }) => void;

/**
 * A function that runs one synchronous V8 collection of `type` in the calling thread, or does nothing
 * where `gc` cannot be exposed (measurements then run without it). `--expose-gc` set at run time makes
 * `gc` a global of contexts created afterwards, so a fresh context hands it out without a command-line flag.
 *
 * Why the measuring code collects: each `session.run()` returns its outputs in fresh ArrayBuffers that
 * V8 frees only when it collects them; until it does, every run writes its outputs to newly mapped pages
 * and pays their page faults (about 12 us per 4 KiB on this project's VM: a 64x56x56 output took 2.3 ms a
 * run instead of 0.2 ms for stretches of 40 runs, depending on when V8 happened to collect). A minor
 * collection after every run, outside the timed region, frees the buffers at once, so the next run
 * reuses the same memory and no run pays for another's garbage. A major one before timing starts leaves
 * nothing for V8's background threads to free while runs are timed on the process-wide CPU clock.
 */
export function garbageCollector(type: 'minor' | 'major'): () => void {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') {
      const collect = gc as ExposedGc;
      return () => collect({ type, execution: 'sync' });
    }
  } catch {
    // Flags cannot be set here: fall through to no collection.
  }
  return () => {
    // No gc: measure without it.
  };
}
