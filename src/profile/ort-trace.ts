import { ProfilerError } from '../errors.js';
import { at } from '../util/at.js';
import { median } from './stats.js';
import type { KernelBytes, ParsedTrace, TraceKernel } from './trace-types.js';

/**
 * Reader for onnxruntime's profiling JSON (Chrome trace-event format), as written by any binding
 * with profiling enabled (`enableProfiling` / `enable_profiling`). Per run, onnxruntime writes a
 * `model_run` Session event and one `<node>_kernel_time` Node event per executed node; CUDA builds
 * with CUPTI add `Kernel` events right after the Node event they belong to
 * (microsoft/onnxruntime#8406, #9567).
 */

interface RawEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly ph?: string;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

const KERNEL_SUFFIX = '_kernel_time';

/** The events of an onnxruntime trace: a JSON array, or a `{ traceEvents: [...] }` object. */
export function traceEvents(json: unknown): RawEvent[] | null {
  const list = Array.isArray(json)
    ? json
    : json && typeof json === 'object' && Array.isArray((json as { traceEvents?: unknown }).traceEvents)
      ? (json as { traceEvents: unknown[] }).traceEvents
      : null;
  if (!list) return null;
  if (list.length > 0 && !list.some((e) => e && typeof e === 'object' && 'cat' in e && 'name' in e)) return null;
  return list as RawEvent[];
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** `[{ float: [1, 3, 224, 224] }, ...]` -> `[[1, 3, 224, 224], ...]`. */
function shapes(v: unknown): number[][] | null {
  if (!Array.isArray(v)) return null;
  const out: number[][] = [];
  for (const item of v) {
    if (!item || typeof item !== 'object') return null;
    const dims = Object.values(item as Record<string, unknown>)[0];
    if (!Array.isArray(dims)) return null;
    out.push(dims.map((d) => Number(d)));
  }
  return out;
}

function bytesOf(args: Readonly<Record<string, unknown>>): KernelBytes | null {
  const activation = num(args.activation_size);
  const parameter = num(args.parameter_size);
  const output = num(args.output_size);
  if (activation === null || parameter === null || output === null) return null;
  return { activation, parameter, output, total: activation + parameter + output };
}

export interface OrtTraceOptions {
  /**
   * Leading runs to drop as warm-up. Default: 0 for a trace with one run, else 1 (the first run
   * of a session pays for lazy initialisation and allocation).
   */
  readonly warmupRuns?: number;
  /** Where the trace came from, for error messages. */
  readonly label?: string;
}

interface Accumulator {
  readonly first: RawEvent;
  readonly order: number;
  readonly perRun: Map<number, number>;
  readonly devicePerRun: Map<number, number>;
}

/** Parses an onnxruntime trace (already JSON-decoded) into per-kernel medians over the timed runs. */
export function parseOrtTrace(json: unknown, options: OrtTraceOptions = {}): ParsedTrace {
  const label = options.label ?? 'trace';
  const events = traceEvents(json);
  if (!events) throw new ProfilerError(`${label}: not an onnxruntime profile (expected a JSON array of trace events)`);
  const runs = events
    .filter(
      (e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number' && typeof e.dur === 'number',
    )
    .sort((a, b) => (a.ts as number) - (b.ts as number));
  const warmup = Math.min(options.warmupRuns ?? (runs.length > 1 ? 1 : 0), Math.max(0, runs.length - 1));

  /** Index of the run whose [ts, ts + dur] holds `ts`; -1 outside every run; 0 when the trace has no run events. */
  const runOf = (ts: number): number => {
    if (runs.length === 0) return 0;
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((at(runs, mid).ts as number) <= ts) lo = mid;
      else hi = mid - 1;
    }
    const r = at(runs, lo);
    return ts >= (r.ts as number) && ts <= (r.ts as number) + (r.dur as number) ? lo : -1;
  };

  const kernels = new Map<string, Accumulator>();
  let lastKernel: { acc: Accumulator; run: number } | null = null;
  for (const e of events) {
    if (e.ph !== undefined && e.ph !== 'X') continue;
    if (e.cat === 'Node' && typeof e.name === 'string' && e.name.endsWith(KERNEL_SUFFIX)) {
      const ts = num(e.ts);
      const dur = num(e.dur);
      if (ts === null || dur === null) continue;
      const run = runOf(ts);
      if (run < warmup) {
        lastKernel = null;
        continue;
      }
      const name = e.name.slice(0, -KERNEL_SUFFIX.length);
      let acc = kernels.get(name);
      if (!acc) {
        acc = { first: e, order: kernels.size, perRun: new Map(), devicePerRun: new Map() };
        kernels.set(name, acc);
      }
      acc.perRun.set(run, (acc.perRun.get(run) ?? 0) + dur);
      lastKernel = { acc, run };
    } else if (e.cat === 'Kernel' && lastKernel) {
      const dur = num(e.dur);
      if (dur !== null)
        lastKernel.acc.devicePerRun.set(lastKernel.run, (lastKernel.acc.devicePerRun.get(lastKernel.run) ?? 0) + dur);
    }
  }

  const timedRuns = runs.length === 0 ? [0] : runs.slice(warmup).map((_, i) => i + warmup);
  const out: TraceKernel[] = [];
  const providerTime = new Map<string, number>();
  for (const [name, acc] of [...kernels].sort((a, b) => a[1].order - b[1].order)) {
    const args = acc.first.args ?? {};
    const runsUs = timedRuns.map((r) => acc.perRun.get(r) ?? 0);
    const deviceRuns = timedRuns.map((r) => acc.devicePerRun.get(r) ?? 0);
    const provider = typeof args.provider === 'string' ? args.provider : null;
    const medianUs = median(runsUs);
    if (provider) providerTime.set(provider, (providerTime.get(provider) ?? 0) + medianUs);
    out.push({
      name,
      opType: typeof args.op_name === 'string' ? args.op_name : null,
      provider,
      nodeIndex: num(args.node_index),
      medianUs,
      runsUs,
      deviceUs: acc.devicePerRun.size > 0 ? median(deviceRuns) : null,
      bytes: bytesOf(args),
      inputShapes: shapes(args.input_type_shape),
      outputShapes: shapes(args.output_type_shape),
    });
  }
  return {
    format: 'onnxruntime',
    kernels: out,
    runs: timedRuns.length,
    warmupRuns: warmup,
    runDurationsUs: runs.length ? runs.slice(warmup).map((r) => r.dur as number) : null,
    providers: [...providerTime].sort((a, b) => b[1] - a[1]).map(([p]) => p),
  };
}
