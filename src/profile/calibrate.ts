import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { DeviceProfile } from '../analyzers/roofline.js';
import { deviceProfileProblem } from '../config/device-profile.js';
import { ProfilerError } from '../errors.js';
import type { BuildNode } from './onnx-build.js';
import { buildOnnxModel } from './onnx-build.js';
import { parseOrtTrace } from './ort-trace.js';
import { checkProvider, onnxruntimeInfo } from './providers.js';
import type { InputSpec, SessionJob } from './session-runner.js';
import { runSessions } from './session-runner.js';
import { median } from './stats.js';

/**
 * Measures the three numbers of a roofline DeviceProfile on this machine with onnxruntime-node:
 * - peak FLOP/s: the faster of a 1024x1024x1024 MatMul and a 3x3 convolution (128 -> 128
 *   channels on 56x56), from their kernel times in a profiled session (multiply-adds per second);
 * - bandwidth: a 16M-element float32 Add (read 2 x 64 MiB, write 64 MiB), kernel time;
 * - per-op overhead: (latency of a chain of CHAIN_OPS tiny Adds - latency of one) / (CHAIN_OPS - 1),
 *   from unprofiled runs: what each extra kernel costs end to end, executor included.
 * The models are built in memory; graph optimisation is disabled so every node runs as written.
 */

export const MATMUL_SIZE = 1024;
export const CONV_SHAPE = { channels: 128, size: 56, kernel: 3 } as const;
export const BANDWIDTH_ELEMENTS = 16 * 1024 * 1024;
export const CHAIN_OPS = 101;

export interface CalibrateOptions {
  readonly ep?: string;
  readonly threads?: number;
  /** Timed runs of the compute/bandwidth model (default 5; the chain gets 40x as many). */
  readonly runs?: number;
  readonly warmup?: number;
  readonly onProgress?: (p: { phase: 'compute' | 'overhead'; done: number; total: number }) => void;
}

function computeModel(): { bytes: Uint8Array; inputs: InputSpec[] } {
  const n = MATMUL_SIZE;
  const { channels: c, size: s, kernel: k } = CONV_SHAPE;
  const nodes: BuildNode[] = [
    { opType: 'MatMul', name: 'matmul', inputs: ['a', 'b'], outputs: ['mm'] },
    { opType: 'Conv', name: 'conv', inputs: ['img', 'w'], outputs: ['cv'], attributes: { kernel_shape: [k, k], pads: [1, 1, 1, 1] } },
    { opType: 'Add', name: 'add', inputs: ['p', 'q'], outputs: ['sum'] },
    // Keeps the 64 MiB sum inside the session: only a scalar is copied back to JavaScript.
    { opType: 'ReduceMax', name: 'reduce', inputs: ['sum'], outputs: ['m'], attributes: { keepdims: 0 } },
  ];
  const bytes = buildOnnxModel({
    nodes,
    inputs: [
      { name: 'a', dims: [n, n] },
      { name: 'img', dims: [1, c, s, s] },
      { name: 'p', dims: [BANDWIDTH_ELEMENTS] },
      { name: 'q', dims: [BANDWIDTH_ELEMENTS] },
    ],
    outputs: [
      { name: 'mm', dims: [n, n] },
      { name: 'cv', dims: [1, c, s, s] },
      { name: 'm', dims: [] },
    ],
    initializers: [
      { name: 'b', dims: [n, n] },
      { name: 'w', dims: [c, c, k, k] },
    ],
  });
  const f = (name: string, dims: number[]): InputSpec => ({ name, dtype: 'float32', dims, intRange: 1 });
  return { bytes, inputs: [f('a', [n, n]), f('img', [1, c, s, s]), f('p', [BANDWIDTH_ELEMENTS]), f('q', [BANDWIDTH_ELEMENTS])] };
}

/** x -> Add(c) -> Add(c) ... `ops` times on an 8-element tensor. */
function chainModel(ops: number): { bytes: Uint8Array; inputs: InputSpec[] } {
  const nodes: BuildNode[] = [];
  for (let i = 0; i < ops; i++) nodes.push({ opType: 'Add', name: `add${i}`, inputs: [i === 0 ? 'x' : `t${i - 1}`, 'c'], outputs: [i === ops - 1 ? 'y' : `t${i}`] });
  const bytes = buildOnnxModel({ nodes, inputs: [{ name: 'x', dims: [1, 8] }], outputs: [{ name: 'y', dims: [1, 8] }], initializers: [{ name: 'c', dims: [1, 8] }] });
  return { bytes, inputs: [{ name: 'x', dtype: 'float32', dims: [1, 8], intRange: 1 }] };
}

/** Runs the calibration models and returns this machine's device profile. */
export async function calibrateDevice(options: CalibrateOptions = {}): Promise<DeviceProfile> {
  const ep = options.ep ?? 'cpu';
  const runs = options.runs ?? 5;
  const warmup = options.warmup ?? 2;
  const info = onnxruntimeInfo();
  checkProvider(ep, info.backends);
  const base: InferenceSession.SessionOptions = {
    executionProviders: [ep],
    graphOptimizationLevel: 'disabled',
    executionMode: 'sequential',
    logSeverityLevel: 3,
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
  };
  const dir = mkdtempSync(join(tmpdir(), 'efflint-calibrate-'));
  try {
    const compute = computeModel();
    const one = chainModel(1);
    const many = chainModel(CHAIN_OPS);
    const chainRuns = runs * 40;
    const jobs: SessionJob[] = [
      { model: compute.bytes, inputs: compute.inputs, warmup, runs, sessionOptions: { ...base, enableProfiling: true, profileFilePrefix: join(dir, 'ort') } },
      { model: one.bytes, inputs: one.inputs, warmup: chainRuns / 4, runs: chainRuns, sessionOptions: base },
      { model: many.bytes, inputs: many.inputs, warmup: chainRuns / 4, runs: chainRuns, sessionOptions: base },
    ];
    const results = await runSessions({
      ep,
      seed: 1,
      jobs,
      onProgress: (job, done, total) => options.onProgress?.({ phase: job === 0 ? 'compute' : 'overhead', done, total }),
    });
    const file = readdirSync(dir).find((f) => f.startsWith('ort_') && f.endsWith('.json'));
    if (!file) throw new ProfilerError('onnxruntime wrote no profile file during calibration');
    const trace = parseOrtTrace(JSON.parse(readFileSync(join(dir, file), 'utf8')), { warmupRuns: warmup });
    const kernelUs = (name: string): number => {
      const k = trace.kernels.find((x) => x.name === name);
      if (!k || k.medianUs <= 0) throw new ProfilerError(`calibration: no kernel time for '${name}' in the trace`);
      return k.medianUs;
    };
    const { channels: c, size: s, kernel: k } = CONV_SHAPE;
    const matmulFlops = MATMUL_SIZE ** 3 / (kernelUs('matmul') * 1e-6);
    const convFlops = (c * c * k * k * s * s) / (kernelUs('conv') * 1e-6);
    const bandwidth = (3 * BANDWIDTH_ELEMENTS * 4) / (kernelUs('add') * 1e-6);
    const chainMs = median(results[2].latenciesMs) - median(results[1].latenciesMs);
    const overheadUs = Math.max(0, (chainMs * 1000) / (CHAIN_OPS - 1));
    const threads = options.threads ?? null;
    return {
      schemaVersion: 1,
      name: `${ep}:onnxruntime-${info.version}:${threads === null ? 'default threads' : `${threads} thread${threads === 1 ? '' : 's'}`}`,
      peakFlopsPerSecond: Math.max(matmulFlops, convFlops),
      bandwidthBytesPerSecond: bandwidth,
      perOpOverheadUs: overheadUs,
      measuredWith: {
        tool: 'efflint calibrate',
        ep,
        threads: threads ?? 'onnxruntime default',
        onnxruntime: info.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        logicalCpus: cpus().length,
        date: new Date().toISOString(),
        matmulFlopsPerSecond: matmulFlops,
        convFlopsPerSecond: convFlops,
        chainOps: CHAIN_OPS,
        runs,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads and checks a DeviceProfile JSON file. */
export function parseDeviceProfile(text: string, label: string): DeviceProfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProfilerError(`${label}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  const problem = deviceProfileProblem(json);
  if (problem !== null) {
    throw new ProfilerError(`${label}: not a device profile (${problem}; write one with efflint calibrate -o FILE)`);
  }
  const p = json as DeviceProfile;
  return p;
}
