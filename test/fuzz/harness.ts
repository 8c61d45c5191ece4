import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FuzzCase, MutationKind } from './arbitraries.js';

/** Heap limit of the worker that runs cases: a case needing more is a failure ('out of memory'), not a dead test run. */
export const WORKER_HEAP_MB = 512;

/** A case still running after this long is a hang (generous: the machine may be shared and busy). */
export const CASE_TIMEOUT_MS = 30_000;

/** The number of CLI command variants in fuzz-worker.mjs (COMMANDS). */
export const COMMAND_COUNT = 14;

/** A thrown value as fuzz-worker.mjs describes it (describeThrown): plain data, its cause chain included. */
export interface ThrownError {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
  /** An instance of EfflintError (OpSpecError, InvalidModelError...): the only kind that may mean "bad model". */
  readonly efflint: boolean;
  /** An error Node's I/O raised (errno code and syscall). */
  readonly system: boolean;
  readonly cause?: ThrownError;
}

/** What the worker's library path reports: how far it got, what it threw, how many nodes failed with a warning. */
export interface RawLibraryResult {
  readonly stage: 'load' | 'analyze' | 'lint' | 'done';
  readonly thrown?: ThrownError;
  readonly nodeFailures?: number;
}

/**
 * What the library path did with a case: 'ok'; 'bad-node' (analysed, with nodes that break their op's spec listed as
 * unknown-cost layers with a warning); 'bad-model' / 'bad-analysis' (an EfflintError while loading / analysing: the
 * model or its graph is invalid as a whole); 'internal' (a bug: a failure of the property).
 */
export interface LibraryResult {
  readonly outcome: 'ok' | 'bad-node' | 'bad-model' | 'bad-analysis' | 'internal';
  readonly stage?: string;
  readonly message?: string;
  readonly error?: ThrownError;
  readonly wrappedAs?: string;
  readonly why?: string;
}

/** The first error in a cause chain that is neither an EfflintError nor an I/O error: a bug a wrapper disguised. */
function foreignCause(err: ThrownError): ThrownError | undefined {
  for (let e = err.cause; e !== undefined; e = e.cause) if (!e.efflint && !e.system) return e;
  return undefined;
}

/**
 * Judges the library path: only an EfflintError (OpSpecError included) is a bad model; anything else (a plain Error,
 * a TypeError, a RangeError such as a stack overflow) is an internal error, and so is an EfflintError that wraps one
 * or spans several lines.
 */
export function classifyLibrary(raw: RawLibraryResult): LibraryResult {
  const err = raw.thrown;
  if (err === undefined) return { outcome: (raw.nodeFailures ?? 0) > 0 ? 'bad-node' : 'ok' };
  if (!err.efflint) return { outcome: 'internal', stage: raw.stage, error: err };
  const masked = foreignCause(err);
  if (masked !== undefined) return { outcome: 'internal', stage: raw.stage, error: masked, wrappedAs: err.message };
  if (/[\r\n]/.test(err.message))
    return { outcome: 'internal', stage: raw.stage, error: err, why: 'multi-line error message' };
  return { outcome: raw.stage === 'load' ? 'bad-model' : 'bad-analysis', stage: raw.stage, message: err.message };
}

/** What the in-process CLI run did with a case. */
export interface CliResult {
  readonly argv: string;
  readonly code: number | null;
  readonly stderr: readonly string[];
  readonly problems: readonly string[];
  readonly stack?: string;
}

/** A case's result; `failure` is set when the case broke a promise (internal error, hang, out of memory, bad CLI output). */
export interface CaseResult {
  readonly library?: LibraryResult;
  readonly cli?: CliResult;
  readonly failure?: string;
  readonly ms: number;
  readonly heapMb: number;
}

/** A message for a one-line failure summary: control characters escaped, cut at 300 characters. */
function short(text: string | undefined): string {
  const escaped = JSON.stringify(text ?? '').slice(1, -1);
  return escaped.length > 300 ? `${escaped.slice(0, 297)}...` : escaped;
}

const WORKER_FILE = fileURLToPath(new URL('./fuzz-worker.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist', import.meta.url));

/**
 * One worker thread with a heap limit that runs cases one at a time; a worker that dies (out of
 * memory) or does not answer in time is replaced, and the case is reported as that failure.
 */
export class FuzzRunner {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-fuzz-'));

  private start(): Promise<void> {
    const worker = new Worker(WORKER_FILE, {
      workerData: { dist: DIST },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 64 },
      stdout: true,
      stderr: true,
    });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return this.ready;
  }

  /** Runs one case with one CLI command variant. */
  async run(c: FuzzCase, command: number): Promise<CaseResult> {
    if (this.worker === null) await this.start();
    else await this.ready;
    const worker = this.worker as Worker;
    const started = performance.now();
    return new Promise<CaseResult>((resolve) => {
      let settled = false;
      const finish = (r: CaseResult, kill: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (kill) {
          this.worker = null;
          void worker.terminate();
        }
        resolve(r);
      };
      const onMessage = (message: Omit<CaseResult, 'library'> & { library: RawLibraryResult }): void => {
        const r: CaseResult = { ...message, library: classifyLibrary(message.library) };
        const failure =
          r.library?.outcome === 'internal'
            ? `internal error in ${r.library.stage}: ${r.library.error?.name}: ${short(r.library.error?.message)}${r.library.wrappedAs ? ` (reported as: ${short(r.library.wrappedAs)})` : ''}${r.library.why ? ` (${r.library.why})` : ''}`
            : r.cli !== undefined && r.cli.problems.length > 0
              ? `CLI \`${r.cli.argv}\`: ${r.cli.problems.join('; ')}`
              : undefined;
        finish({ ...r, failure }, false);
      };
      const onError = (err: Error): void => {
        const oom = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish(
          {
            failure: oom ? `out of memory (worker heap limit ${WORKER_HEAP_MB} MB)` : `worker died: ${err.message}`,
            ms: performance.now() - started,
            heapMb: NaN,
          },
          true,
        );
      };
      const onExit = (code: number): void => {
        finish({ failure: `worker exited with code ${code}`, ms: performance.now() - started, heapMb: NaN }, true);
      };
      const timer = setTimeout(
        () =>
          finish(
            { failure: `no answer in ${CASE_TIMEOUT_MS / 1000} s (hang)`, ms: CASE_TIMEOUT_MS, heapMb: NaN },
            true,
          ),
        CASE_TIMEOUT_MS,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ bytes: c.bytes, original: c.original, command, dir: this.dir });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Counts of outcomes and mutation kinds over a run, for the one-line summary. */
export class Tally {
  readonly outcomes = new Map<string, number>();
  readonly kinds = new Map<string, number>();
  readonly exitCodes = new Map<string, number>();
  readonly failures: string[] = [];
  cases = 0;
  maxMs = 0;
  maxHeapMb = 0;

  add(c: FuzzCase, r: CaseResult): void {
    this.cases++;
    const bump = (m: Map<string, number>, k: string): void => {
      m.set(k, (m.get(k) ?? 0) + 1);
    };
    bump(this.outcomes, r.failure !== undefined ? 'FAILED' : (r.library?.outcome ?? `exit${r.cli?.code}`));
    for (const k of new Set<MutationKind>(c.kinds)) bump(this.kinds, k);
    if (c.kinds.length === 0) bump(this.kinds, 'none');
    if (r.cli !== undefined) bump(this.exitCodes, `exit${r.cli.code}`);
    this.maxMs = Math.max(this.maxMs, r.ms);
    if (Number.isFinite(r.heapMb)) this.maxHeapMb = Math.max(this.maxHeapMb, r.heapMb);
    if (r.failure !== undefined && this.failures.length < 20) {
      this.failures.push(
        `${r.failure} [seed ${c.seed}: ${short(c.steps.join('; '))}]${r.library?.error?.stack ? `\n${r.library.error.stack.split('\n').slice(0, 8).join('\n')}` : ''}${r.cli?.stack ? `\n${r.cli.stack.split('\n').slice(0, 8).join('\n')}` : ''}`,
      );
    }
  }

  summary(label: string): string {
    const fmt = (m: Map<string, number>): string =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    return `fuzz ${label}: ${this.cases} cases; outcomes: ${fmt(this.outcomes)}; CLI: ${fmt(this.exitCodes)}; mutations: ${fmt(this.kinds)}; slowest case ${Math.round(this.maxMs)} ms${this.maxHeapMb > 0 ? `; worker heap max ${Math.round(this.maxHeapMb)} MB` : ''}`;
  }
}
