import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { Analysis } from '../analyzers/analyze.js';
import { analyzeModel } from '../analyzers/analyze.js';
import type { DeviceProfile } from '../analyzers/roofline.js';
import { resolveInputNames } from '../analyzers/input-shapes.js';
import { ProfilerError, UsageError } from '../errors.js';
import type { DType, Model } from '../model/ir.js';
import { refuseUnsafeExternalData } from '../model/external-data.js';
import { at } from '../util/at.js';
import { loadModelBytes, loadModelFile } from '../model/load.js';
import { buildZooModel, ZOO_PREFIX } from '../zoo/index.js';
import { buildExecutionPlan } from '../analyzers/runtime/index.js';
import type { ExecutionPlan } from '../analyzers/runtime/types.js';
import { planFromOptimizedGraph } from './runtime-plan.js';
import { assembleProfile, sourceNodes } from './assemble.js';
import type { OptimizedNode } from './join.js';
import { joinKernels } from './join.js';
import { parseOrtTrace, traceEvents } from './ort-trace.js';
import { readOptimizedGraph } from './optimized-graph.js';
import { checkProvider, onnxruntimeInfo, providerName } from './providers.js';
import type { InputSpec, SessionJob } from './session-protocol.js';
import { DEFAULT_TIMEOUT_S } from './measure-process.js';
import { runSessions } from './session-runner.js';
import { isTrtProfile, parseTrtProfile } from './trt-profile.js';
import type { OptLevel, ProfileResult } from './types.js';

export const DEFAULT_WARMUP = 5;
export const DEFAULT_RUNS = 20;
/** Seed of the generated inputs: the same data on every invocation. */
export const INPUT_SEED = 0x5eed;
/** Integer inputs are drawn from [0, INT_INPUT_RANGE): valid indices for any vocabulary or axis. */
export const INT_INPUT_RANGE = 2;

/** Progress of a profiling session, for a progress bar. */
export interface ProfileProgress {
  /** 'latency': unprofiled runs; 'profile': the profiled session. */
  readonly phase: 'latency' | 'profile';
  readonly done: number;
  readonly total: number;
}

/** How the model and its inputs are chosen (shared by profiling and trace import). */
export interface ModelBindingOptions {
  /** Batch size: zoo models are rebuilt with it; for files it replaces dim 0 of every input. */
  readonly batch?: number;
  /** Input shapes by name ('' = the only input); they win over `batch`. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/** How `profile` measures: execution provider, optimization level, threads, warm-up and timed runs, time limit. */
export interface ProfileOptions extends ModelBindingOptions {
  /** Execution provider (`cpu` default, `cuda`, `tensorrt`, `webgpu`... as the binding offers). */
  readonly ep?: string;
  /** Intra-op threads; default: onnxruntime's (one per physical core). */
  readonly threads?: number;
  /** Graph optimisation level; default 'all'. */
  readonly optLevel?: OptLevel;
  /** Runs before timing, in both sessions (default 5). */
  readonly warmup?: number;
  /** Timed runs, in both sessions (default 20). */
  readonly runs?: number;
  /** Device profile for predictedUs (from `efflint calibrate`). */
  readonly deviceProfile?: DeviceProfile;
  /** Copy onnxruntime's trace JSON here (viewable in chrome://tracing or Perfetto). */
  readonly saveTrace?: string;
  /** Copy the optimized model onnxruntime saved for the profiled session here (not with opt level 'disabled'). */
  readonly saveOptimizedModel?: string;
  readonly onProgress?: (p: ProfileProgress) => void;
  /**
   * Seconds the onnxruntime runs (both sessions, warm-up included) may take before they are stopped with a
   * ProfilerError (default DEFAULT_TIMEOUT_S, 300).
   */
  readonly timeoutS?: number;
}

/** A model ready to run: bytes (or path) for onnxruntime, its analysis, and generated-input specs. */
export interface PreparedModel {
  readonly display: string;
  /** The decoded model (a file's external-data locations are checked on it before onnxruntime opens the file). */
  readonly model: Model;
  readonly ortModel: Uint8Array | string;
  readonly analysis: Analysis;
  readonly inputs: readonly InputSpec[];
  readonly batch: number | null;
}

function bindShapes(model: Model, options: ModelBindingOptions): Record<string, number[]> | undefined {
  const user = options.inputShapes
    ? resolveInputNames(
        Object.fromEntries(Object.entries(options.inputShapes).map(([k, v]) => [k, [...v]])),
        model.graph.inputs.map((i) => i.name),
      )
    : {};
  if (options.batch === undefined) return Object.keys(user).length ? user : undefined;
  const first = analyzeModel(model, { inputShapes: user });
  const shapes: Record<string, number[]> = { ...user };
  for (const input of first.inputs) {
    if (input.name in shapes || !input.shape || input.shape.length === 0) continue;
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : 1));
    dims[0] = options.batch;
    shapes[input.name] = dims;
  }
  return shapes;
}

/** Loads (or builds) a model, analyses it with the bound shapes and derives the inputs to generate. */
export function prepareModel(arg: string, options: ModelBindingOptions = {}): PreparedModel {
  let model: Model;
  let ortModel: Uint8Array | string;
  if (arg.startsWith(ZOO_PREFIX)) {
    const bytes = buildZooModel(arg.slice(ZOO_PREFIX.length), { batch: options.batch });
    model = loadModelBytes(bytes, { path: arg });
    ortModel = bytes;
  } else {
    model = loadModelFile(arg);
    ortModel = arg;
  }
  const shapes = arg.startsWith(ZOO_PREFIX)
    ? bindShapes(model, { inputShapes: options.inputShapes })
    : bindShapes(model, options);
  const analysis = analyzeModel(model, { inputShapes: shapes });
  const inputs: InputSpec[] = analysis.inputs.map((i) => {
    if (i.dtype === null || i.shape === null)
      throw new UsageError(`input '${i.name}' has no declared type or shape; bind it with --input ${i.name}=DxDxD`);
    const symbolic = i.shape.filter((d) => typeof d !== 'number');
    if (symbolic.length > 0) {
      throw new UsageError(
        `input '${i.name}' has symbolic dims [${i.shape.join(',')}]; bind them with --input ${i.name}=${i.shape.map((d) => (typeof d === 'number' ? d : 1)).join('x')}`,
      );
    }
    return { name: i.name, dtype: i.dtype, dims: i.shape as number[], intRange: INT_INPUT_RANGE };
  });
  const batch = options.batch ?? inputs[0]?.dims[0] ?? null;
  return { display: arg, model, ortModel, analysis, inputs, batch };
}

function ortSessionOptions(
  ep: string,
  optLevel: OptLevel,
  threads: number | undefined,
): InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    graphOptimizationLevel: optLevel,
    executionMode: 'sequential',
    // Errors only: the NCHWc "hardware specific optimizations" warning on saving is expected.
    logSeverityLevel: 3,
    ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

function saveCopy(from: string, to: string): void {
  try {
    copyFileSync(from, to);
  } catch (err) {
    throw new ProfilerError(`${to}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

function inputSummary(inputs: readonly InputSpec[]): { name: string; dtype: DType; shape: number[] }[] {
  return inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: [...i.dims] }));
}

/**
 * Measures a model with onnxruntime-node: whole-model latency from an unprofiled session, per-node
 * kernel times from a second, profiled session (same options), joined back to ONNX nodes.
 */
export async function profileModel(arg: string, options: ProfileOptions = {}): Promise<ProfileResult> {
  const ep = options.ep ?? 'cpu';
  const optLevel = options.optLevel ?? 'all';
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const runs = options.runs ?? DEFAULT_RUNS;
  if (runs < 1) throw new UsageError('--runs must be at least 1');
  const info = onnxruntimeInfo();
  checkProvider(ep, info.backends);
  const prepared = prepareModel(arg, options);
  // onnxruntime follows a file's external-data locations: unsafe ones are refused before it opens the file, for
  // every caller (the CLI's measuring commands and the library). A trace import runs nothing and only warns.
  if (typeof prepared.ortModel === 'string') refuseUnsafeExternalData(arg, prepared.model, dirname(arg));

  const dir = mkdtempSync(join(tmpdir(), 'efflint-profile-'));
  try {
    const prefix = join(dir, 'ort');
    const optimizedPath = join(dir, 'optimized.onnx');
    const base = ortSessionOptions(ep, optLevel, options.threads);
    const jobs: SessionJob[] = [
      { model: prepared.ortModel, inputs: prepared.inputs, warmup, runs, sessionOptions: base },
      {
        model: prepared.ortModel,
        inputs: prepared.inputs,
        warmup,
        runs,
        sessionOptions: {
          ...base,
          enableProfiling: true,
          profileFilePrefix: prefix,
          ...(optLevel !== 'disabled' ? { optimizedModelFilePath: optimizedPath } : {}),
        },
      },
    ];
    const results = await runSessions({
      ep,
      seed: INPUT_SEED,
      jobs,
      timeoutS: options.timeoutS ?? DEFAULT_TIMEOUT_S,
      label: `profile: ${prepared.display}`,
      onProgress: (job, done, total) => options.onProgress?.({ phase: job === 0 ? 'latency' : 'profile', done, total }),
    });
    const traceFile = readdirSync(dir).find((f) => f.startsWith('ort_') && f.endsWith('.json'));
    if (!traceFile) throw new ProfilerError('onnxruntime wrote no profile file (enableProfiling had no effect)');
    const tracePath = join(dir, traceFile);
    if (options.saveTrace) saveCopy(tracePath, options.saveTrace);
    const trace = parseOrtTrace(JSON.parse(readFileSync(tracePath, 'utf8')), { warmupRuns: warmup, label: traceFile });
    const warnings: string[] = [...prepared.analysis.warnings];
    let optimized: OptimizedNode[] | null = null;
    if (options.saveOptimizedModel && existsSync(optimizedPath)) saveCopy(optimizedPath, options.saveOptimizedModel);
    if (optLevel !== 'disabled' && existsSync(optimizedPath)) {
      try {
        optimized = readOptimizedGraph(optimizedPath);
      } catch (err) {
        warnings.push(
          `could not read onnxruntime's optimized model (${(err as Error).message}); kernels joined by name only`,
        );
      }
    }
    const joined = joinKernels(sourceNodes(prepared.analysis), trace.kernels, { naming: 'onnxruntime', optimized });
    // runSessions answers one result per job, in order; the first job is the plain latency session.
    const latency = at(results, 0);
    return assembleProfile(prepared.analysis, trace, joined, {
      plan: options.deviceProfile ? measuredPlan(prepared.analysis, optLevel, optimized) : null,
      model: prepared.display,
      source: 'onnxruntime-node',
      ep,
      expectedProvider: providerName(ep),
      onnxruntimeVersion: info.version,
      optLevel,
      threads: options.threads ?? null,
      batch: prepared.batch,
      warmup,
      inputs: inputSummary(prepared.inputs),
      latencySamplesMs: latency.latenciesMs,
      latencyCpuSamplesMs: latency.cpuMs,
      deviceProfile: options.deviceProfile ?? null,
      warnings,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The plan predictions are made on: the graph onnxruntime saved when there is one, else efflint's
 * static model of onnxruntime at that level (opt 'disabled': every node its own kernel).
 */
function measuredPlan(
  analysis: Analysis,
  optLevel: OptLevel,
  optimized: readonly OptimizedNode[] | null,
): ExecutionPlan {
  if (optimized) {
    try {
      return planFromOptimizedGraph(analysis, optimized);
    } catch {
      // An optimized graph the plan reader cannot follow: fall back to the static model.
    }
  }
  return buildExecutionPlan(analysis, optLevel === 'disabled' ? 'none' : 'onnxruntime-cpu');
}

export interface ImportTraceOptions extends ModelBindingOptions {
  /**
   * Leading runs of an onnxruntime trace to exclude. Default: 1 when the trace has several runs
   * (the first pays for lazy initialisation), else 0. TensorRT profiles hold only aggregates.
   */
  readonly warmup?: number;
  /** The optimized model that onnxruntime saved for the traced session (`optimizedModelFilePath`). */
  readonly optimizedModel?: string;
  readonly deviceProfile?: DeviceProfile;
}

/**
 * Joins a trace made elsewhere (onnxruntime profile JSON from any binding, or TensorRT
 * `trtexec --exportProfile`) to the model's nodes. No session is run.
 */
export function importTrace(arg: string, tracePath: string, options: ImportTraceOptions = {}): ProfileResult {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(tracePath, 'utf8'));
  } catch (err) {
    throw new ProfilerError(`${tracePath}: cannot read trace: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
  const isTrt = isTrtProfile(json);
  if (!isTrt && !traceEvents(json)) {
    throw new ProfilerError(
      `${tracePath}: neither an onnxruntime profile (array of trace events) nor a trtexec --exportProfile file`,
    );
  }
  const trace = isTrt
    ? parseTrtProfile(json, tracePath)
    : parseOrtTrace(json, { warmupRuns: options.warmup, label: tracePath });
  const prepared = prepareModel(arg, options);
  const optimized = options.optimizedModel ? readOptimizedGraph(options.optimizedModel) : null;
  const joined = joinKernels(sourceNodes(prepared.analysis), trace.kernels, {
    naming: isTrt ? 'tensorrt' : 'onnxruntime',
    optimized,
  });
  const warnings = [...prepared.analysis.warnings];
  if (trace.kernels.length === 0) warnings.push(`${tracePath}: the trace has no kernel events`);
  return assembleProfile(prepared.analysis, trace, joined, {
    plan: options.deviceProfile
      ? isTrt
        ? buildExecutionPlan(prepared.analysis, 'tensorrt')
        : measuredPlan(prepared.analysis, 'all', optimized)
      : null,
    model: prepared.display,
    source: isTrt ? 'tensorrt-trace' : 'onnxruntime-trace',
    ep: null,
    expectedProvider: null,
    onnxruntimeVersion: null,
    optLevel: null,
    threads: null,
    batch: prepared.batch,
    warmup: trace.warmupRuns,
    inputs: inputSummary(prepared.inputs),
    latencySamplesMs: null,
    deviceProfile: options.deviceProfile ?? null,
    warnings,
  });
}
