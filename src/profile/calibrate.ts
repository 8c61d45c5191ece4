import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { ConvFamily, ConvRoofs, DeviceProfile } from '../analyzers/roofline.js';
import { analyzeModel } from '../analyzers/analyze.js';
import { buildExecutionPlan } from '../analyzers/runtime/index.js';
import { detectNchwcBlock } from '../analyzers/runtime/onnxruntime-cpu.js';
import { estimatePlanTime } from '../analyzers/runtime/time-estimate.js';
import { loadModelBytes } from '../model/load.js';
import { CALIBRATION_NETWORK_INPUT, calibrationNetwork } from './calibration-network.js';
import { deviceProfileProblem } from '../analyzers/device-profile-check.js';
import { ProfilerError } from '../errors.js';
import { at, mapGet } from '../util/at.js';
import type { MeasureClock, MeasureOptLevel, VariantMeasurement } from './measure/interleaved.js';
import { measureInterleaved, onClock } from './measure/interleaved.js';
import type { BuildNode, BuildTensor } from '../zoo/onnx-writer.js';
import { buildOnnxModel } from '../zoo/onnx-writer.js';
import { parseOrtTrace } from './ort-trace.js';
import { checkProvider, onnxruntimeInfo } from './providers.js';
import type { InputSpec, SessionJob } from './session-protocol.js';
import { runSessions } from './session-runner.js';
import { median } from './stats.js';

/**
 * Measures a DeviceProfile on this machine with onnxruntime-node, at the graph optimisation level
 * and on the clock `efflint profile` and `efflint validate` use (opt level 'all', process CPU time,
 * 1 intra-op thread, by default). Every number is a difference of whole runs measured with the
 * interleaved engine (src/profile/measure/interleaved.ts: one session per model, runs interleaved,
 * medians per block), so session overhead, input copies and layout conversions at the ends of a
 * chain cancel:
 * - peak FLOP/s: the faster of a 1024x1024x1024 MatMul and a 3x3 convolution (128 -> 128 channels on
 *   56x56), each less an empty model (multiply-adds per second);
 * - bandwidth: one more 16M-element float32 Add in a chain (reads 2 x 64 MiB, writes 64 MiB);
 * - per-op overhead: (a chain of CHAIN_OPS + 1 tiny Adds - one Add) / CHAIN_OPS;
 * - copy bandwidth: more Split + Concat pairs along the width of mid-network activations;
 * - activation bandwidth: more y = y + x Adds on the same activations;
 * - convolution overhead: what one more 1x1 convolution on a 1x1 map costs beyond the per-op overhead;
 * - convolution roofs: chains of 2n against n convolutions of each of a family's shapes
 *   ({@link FAMILY_SHAPES}): the multiply-adds per second that, with the per-op overhead and the
 *   bytes they move, give the time the n extra convolutions took (runtime/time-estimate.ts `convTime`);
 * - in-network factor: a mixed network (calibration-network.ts) timed in the same session as the
 *   chains, against its prediction from the numbers above.
 * The models that stream tens of MB run in a session of their own (they would leave the chains a
 * cold cache). Other execution providers, or more than one thread, use {@link calibrateFromTrace}
 * (kernel times of a profiled session on the wall clock; no family roofs).
 */

export const MATMUL_SIZE = 1024;
export const CONV_SHAPE = { channels: 128, size: 56, kernel: 3 } as const;
export const BANDWIDTH_ELEMENTS = 16 * 1024 * 1024;
export const CHAIN_OPS = 100;
/**
 * Activations the copy-bandwidth chains split and concatenate along their width (0.2-0.8 MB,
 * mid-network tensors of the zoo's mobile networks): rows of 7-28 floats, the strided access of layout
 * reorders and transposes (a split along the channels would be two plain memcpy calls, twice as fast).
 */
export const COPY_SHAPES: readonly (readonly number[])[] = [
  [1, 64, 56, 56],
  [1, 116, 28, 28],
];
/**
 * Activations the activation-bandwidth chains add to the block input (y = y + x, reading two and
 * writing one tensor): the element-wise traffic of a network, and what a convolution streams on top
 * of its FLOPs.
 */
export const ACTIVATION_SHAPES: readonly (readonly number[])[] = [
  [1, 64, 56, 56],
  [1, 116, 28, 28],
];
/** Adds in the short activation chains (the long ones have twice as many). */
export const ACTIVATION_ADDS = 8;
const COPY_AXIS = 3;
/** Split + Concat pairs in the short copy chains (the long ones have twice as many). */
export const COPY_PAIRS = 4;

/** One representative convolution: a chain of `chain` (and 2 x `chain`) of them is timed. */
export interface FamilyShape {
  readonly channels: number;
  /** Alternate channels-> alternate -> channels ... (an expand/project pair); absent: channels in and out. */
  readonly alternate?: number;
  readonly size: number;
  readonly kernel: number;
  readonly group: number;
  /** Convolutions in the short chain (even when alternating). */
  readonly chain: number;
}

/**
 * Convolutions of the sizes the zoo's mobile networks and ResNet use, with channel counts that put
 * each in its family on x86-64 with AVX2 (NCHWc block 8) or AVX-512 (block 16): multiples of 16
 * (and 240/3 = 80, 480/3 = 160 per group) run blocked; 58 and 174 are not multiples of 4 and 180/3 =
 * 60 per group is not a multiple of the block, so onnxruntime keeps those in NCHW. A family's roof
 * comes from all of its shapes together: chained identical convolutions of one shape run faster
 * than the same convolution inside a network, and a spread of shapes is what a network holds.
 */
export const FAMILY_SHAPES: Readonly<Record<ConvFamily, readonly FamilyShape[]>> = {
  dense: [
    { channels: 32, alternate: 192, size: 28, kernel: 1, group: 1, chain: 4 },
    { channels: 96, alternate: 576, size: 14, kernel: 1, group: 1, chain: 4 },
    { channels: 160, alternate: 960, size: 7, kernel: 1, group: 1, chain: 4 },
    { channels: 64, size: 28, kernel: 3, group: 1, chain: 2 },
  ],
  depthwise: [
    { channels: 144, size: 56, kernel: 3, group: 144, chain: 4 },
    { channels: 192, size: 28, kernel: 3, group: 192, chain: 8 },
    { channels: 576, size: 14, kernel: 3, group: 576, chain: 8 },
    { channels: 240, size: 14, kernel: 5, group: 240, chain: 8 },
  ],
  grouped: [
    { channels: 240, size: 28, kernel: 1, group: 3, chain: 4 },
    { channels: 480, size: 14, kernel: 1, group: 3, chain: 4 },
  ],
  unaligned: [
    { channels: 58, size: 28, kernel: 1, group: 1, chain: 8 },
    { channels: 180, size: 28, kernel: 1, group: 3, chain: 4 },
  ],
  depthwiseUnaligned: [
    { channels: 58, size: 28, kernel: 3, group: 58, chain: 4 },
    { channels: 174, size: 14, kernel: 3, group: 174, chain: 4 },
  ],
};

/**
 * The chain that measures the fixed cost of a convolution call: squeeze-excitation 1x1 convolutions
 * on a 1x1 map, 64 -> 16 -> 64 ..., whose FLOPs and bytes take well under a microsecond.
 */
export const FIXED_COST_SHAPE: FamilyShape = { channels: 64, alternate: 16, size: 1, kernel: 1, group: 1, chain: 64 };

/** Pause between CPU-time measurements, for the previous worker's teardown to finish. */
const SETTLE_MS = 500;
/** Bounds of the in-network factor (beyond them the measurement, not the model, is off). */
const MAX_FACTOR = 3;

/** Largest share of a family chain's time put down to the bytes it moves when its roof is backed out. */
const MAX_MEMORY_SHARE = 0.25;

export const DEFAULT_CALIBRATE_BLOCKS = 5;
export const DEFAULT_CALIBRATE_RUNS = 8;

export interface CalibrateOptions {
  readonly ep?: string;
  /** Intra-op threads; the CPU-clock calibration runs 1 (more threads: the kernel-trace method). */
  readonly threads?: number;
  /** Graph optimisation level of every session (default 'all', as `efflint profile`). */
  readonly optLevel?: MeasureOptLevel;
  /** Clock the numbers are taken from (default 'cpu'; both are measured). */
  readonly clock?: MeasureClock;
  /** Timed runs of every model per block (default 8; kernel-trace method: timed runs, default 5). */
  readonly runs?: number;
  /** Blocks of interleaved runs (default 5). */
  readonly blocks?: number;
  /** Untimed rounds before timing (default 2). */
  readonly warmup?: number;
  readonly onProgress?: (p: { phase: 'compute' | 'overhead' | 'kernels'; done: number; total: number }) => void;
}

const f32 = (name: string, dims: readonly number[]): InputSpec => ({ name, dtype: 'float32', dims, intRange: 1 });

interface CalibrationModel {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly inputs: InputSpec[];
}

/** x -> Add(c) -> Add(c) ... `ops` times on an 8-element tensor. */
function chainModel(label: string, ops: number): CalibrationModel {
  const nodes: BuildNode[] = [];
  for (let i = 0; i < ops; i++)
    nodes.push({
      opType: 'Add',
      name: `add${i}`,
      inputs: [i === 0 ? 'x' : `t${i - 1}`, 'c'],
      outputs: [i === ops - 1 ? 'y' : `t${i}`],
    });
  const bytes = buildOnnxModel({
    nodes,
    inputs: [{ name: 'x', dims: [1, 8] }],
    outputs: [{ name: 'y', dims: [1, 8] }],
    initializers: [{ name: 'c', dims: [1, 8] }],
  });
  return { label, bytes, inputs: [f32('x', [1, 8])] };
}

function matmulModel(): CalibrationModel {
  const n = MATMUL_SIZE;
  const bytes = buildOnnxModel({
    nodes: [{ opType: 'MatMul', name: 'matmul', inputs: ['a', 'b'], outputs: ['mm'] }],
    inputs: [{ name: 'a', dims: [n, n] }],
    outputs: [{ name: 'mm', dims: [n, n] }],
    initializers: [{ name: 'b', dims: [n, n] }],
  });
  return { label: 'matmul', bytes, inputs: [f32('a', [n, n])] };
}

/**
 * A chain of `n` convolutions of one shape (padding keeps the size; channels in and out equal, or
 * alternating with `alternate`), each followed by a Relu that onnxruntime fuses into it, as networks
 * use them (`relu: false`: bare).
 */
function convChain(label: string, shape: Omit<FamilyShape, 'chain'>, n: number, relu = true): CalibrationModel {
  const { channels: c, size: s, kernel: k, group: g } = shape;
  const alt = shape.alternate ?? c;
  const p = (k - 1) / 2;
  const nodes: BuildNode[] = [];
  const initializers: BuildTensor[] = [];
  let cin = c;
  for (let i = 0; i < n; i++) {
    const cout = cin === c ? alt : c;
    const y = i === n - 1 ? 'y' : `t${i + 1}`;
    nodes.push({
      opType: 'Conv',
      name: `conv${i}`,
      inputs: [i === 0 ? 'x' : `t${i}`, `w${i}`, `b${i}`],
      outputs: [relu ? `c${i}` : y],
      attributes: { kernel_shape: [k, k], pads: [p, p, p, p], group: g },
    });
    if (relu) nodes.push({ opType: 'Relu', name: `relu${i}`, inputs: [`c${i}`], outputs: [y] });
    initializers.push({ name: `w${i}`, dims: [cout, cin / g, k, k] }, { name: `b${i}`, dims: [cout] });
    cin = cout;
  }
  const bytes = buildOnnxModel({
    nodes,
    inputs: [{ name: 'x', dims: [1, c, s, s] }],
    outputs: [{ name: 'y', dims: [1, cin, s, s] }],
    initializers,
  });
  return { label, bytes, inputs: [f32('x', [1, c, s, s])] };
}

/** p -> Add(p, p) [-> Add(., p)] -> ReduceMax: the sum stays inside the session, a scalar comes back. */
function bandwidthModel(label: string, adds: number): CalibrationModel {
  const nodes: BuildNode[] = [];
  for (let i = 0; i < adds; i++)
    nodes.push({ opType: 'Add', name: `add${i}`, inputs: [i === 0 ? 'p' : `s${i - 1}`, 'p'], outputs: [`s${i}`] });
  nodes.push({
    opType: 'ReduceMax',
    name: 'reduce',
    inputs: [`s${adds - 1}`],
    outputs: ['m'],
    attributes: { keepdims: 0 },
  });
  const bytes = buildOnnxModel({
    nodes,
    inputs: [{ name: 'p', dims: [BANDWIDTH_ELEMENTS] }],
    outputs: [{ name: 'm', dims: [] }],
  });
  return { label, bytes, inputs: [f32('p', [BANDWIDTH_ELEMENTS])] };
}

/** `pairs` x (Split the width in halves, Concat them swapped). */
function copyModel(label: string, shape: readonly number[], pairs: number): CalibrationModel {
  const half = at(shape, COPY_AXIS) / 2;
  const nodes: BuildNode[] = [];
  for (let i = 0; i < pairs; i++) {
    const x = i === 0 ? 'x' : `c${i - 1}`;
    nodes.push({
      opType: 'Split',
      name: `split${i}`,
      inputs: [x, 'halves'],
      outputs: [`a${i}`, `b${i}`],
      attributes: { axis: COPY_AXIS },
    });
    nodes.push({
      opType: 'Concat',
      name: `concat${i}`,
      inputs: [`b${i}`, `a${i}`],
      outputs: [i === pairs - 1 ? 'y' : `c${i}`],
      attributes: { axis: COPY_AXIS },
    });
  }
  const bytes = buildOnnxModel({
    nodes,
    inputs: [{ name: 'x', dims: [...shape] }],
    outputs: [{ name: 'y', dims: [...shape] }],
    initializers: [{ name: 'halves', dims: [2], dtype: 'int64', int64Values: [half, half] }],
  });
  return { label, bytes, inputs: [f32('x', [...shape])] };
}

/** `adds` x (y = y + x) on an activation: each Add reads two tensors and writes one. */
function activationModel(label: string, shape: readonly number[], adds: number): CalibrationModel {
  const nodes: BuildNode[] = [];
  for (let i = 0; i < adds; i++)
    nodes.push({
      opType: 'Add',
      name: `add${i}`,
      inputs: [i === 0 ? 'x' : `s${i - 1}`, 'x'],
      outputs: [i === adds - 1 ? 'y' : `s${i}`],
    });
  const bytes = buildOnnxModel({
    nodes,
    inputs: [{ name: 'x', dims: [...shape] }],
    outputs: [{ name: 'y', dims: [...shape] }],
  });
  return { label, bytes, inputs: [f32('x', [...shape])] };
}

/** Multiply-adds of one convolution of a family shape (the mean of the two directions when alternating: they are equal). */
export function familyShapeFlops(s: Omit<FamilyShape, 'chain'>): number {
  const alt = s.alternate ?? s.channels;
  return alt * (s.channels / s.group) * s.kernel * s.kernel * s.size * s.size;
}

/** Bytes one convolution of a family shape reads and writes on average (float32): its input and output activations, and its weights and bias. */
export function familyShapeBytes(s: Omit<FamilyShape, 'chain'>): { activations: number; weights: number } {
  const alt = s.alternate ?? s.channels;
  return {
    activations: 4 * (s.channels + alt) * s.size * s.size,
    weights: 4 * (alt * (s.channels / s.group) * s.kernel * s.kernel + (s.channels + alt) / 2),
  };
}

const shapeLabel = (f: ConvFamily, i: number, n: number): string => `${f}${i} x${n}`;

/** The op a family's convolutions ran as in onnxruntime's optimized graph (`com.microsoft.nchwc:Conv`, `FusedConv`...). */
function convKernelOf(ops: Readonly<Record<string, number>> | null): string {
  if (!ops) return 'not inspected';
  const conv = Object.entries(ops)
    .filter(([op]) => /(^|:)(Fused)?Conv$/.test(op))
    .sort((a, b) => b[1] - a[1]);
  return conv[0]?.[0] ?? 'none';
}

/** Runs the calibration models and returns this machine's device profile. */
export async function calibrateDevice(options: CalibrateOptions = {}): Promise<DeviceProfile> {
  const ep = options.ep ?? 'cpu';
  if (ep !== 'cpu' || (options.threads !== undefined && options.threads !== 1)) return calibrateFromTrace(options);
  const optLevel = options.optLevel ?? 'all';
  const clock = options.clock ?? 'cpu';
  const blocks = options.blocks ?? DEFAULT_CALIBRATE_BLOCKS;
  const runsPerBlock = options.runs ?? DEFAULT_CALIBRATE_RUNS;
  const warmup = options.warmup ?? 2;
  const info = onnxruntimeInfo();
  checkProvider(ep, info.backends);

  const families = Object.keys(FAMILY_SHAPES) as ConvFamily[];
  // Two interleaved groups: the models that stream tens of MB evict every cache level, and would
  // leave the small model that runs after them in a block (always the same one) a cold cache.
  const large: CalibrationModel[] = [
    chainModel('empty', 1),
    matmulModel(),
    convChain(
      'conv',
      { channels: CONV_SHAPE.channels, size: CONV_SHAPE.size, kernel: CONV_SHAPE.kernel, group: 1 },
      1,
      false,
    ),
    bandwidthModel('add 16M', 1),
    bandwidthModel('2 adds 16M', 2),
  ];
  const networkBytes = calibrationNetwork();
  // Runs interleave cyclically, so every model always follows the same one: the mixed network (whose
  // 3 ms runs leave garbage that background threads free on the CPU clock) is followed by a model
  // no difference uses.
  const small: CalibrationModel[] = [
    chainModel('one add', 1),
    chainModel('add chain', CHAIN_OPS + 1),
    ...COPY_SHAPES.flatMap((shape, i) => [
      copyModel(`copy${i} x${COPY_PAIRS}`, shape, COPY_PAIRS),
      copyModel(`copy${i} x${2 * COPY_PAIRS}`, shape, 2 * COPY_PAIRS),
    ]),
    ...ACTIVATION_SHAPES.flatMap((shape, i) => [
      activationModel(`add${i} x${ACTIVATION_ADDS}`, shape, ACTIVATION_ADDS),
      activationModel(`add${i} x${2 * ACTIVATION_ADDS}`, shape, 2 * ACTIVATION_ADDS),
    ]),
    ...families.flatMap((f) =>
      FAMILY_SHAPES[f].flatMap((shape, i) => [
        convChain(shapeLabel(f, i, shape.chain), shape, shape.chain),
        convChain(shapeLabel(f, i, 2 * shape.chain), shape, 2 * shape.chain),
      ]),
    ),
    convChain(`fixed x${FIXED_COST_SHAPE.chain}`, FIXED_COST_SHAPE, FIXED_COST_SHAPE.chain),
    convChain(`fixed x${2 * FIXED_COST_SHAPE.chain}`, FIXED_COST_SHAPE, 2 * FIXED_COST_SHAPE.chain),
    { label: 'network', bytes: networkBytes, inputs: [f32('x', [...CALIBRATION_NETWORK_INPUT])] },
    chainModel('after network', 1),
  ];
  const totalRuns = (large.length + small.length) * (warmup + blocks * runsPerBlock);
  const measure = async (models: readonly CalibrationModel[], offset: number) =>
    measureInterleaved(
      models.map((m) => ({ label: m.label, model: m.bytes, inputs: m.inputs })),
      {
        optLevel,
        clock,
        blocks,
        runsPerBlock,
        warmup,
        inspectOptimizedGraphs: optLevel !== 'disabled',
        onProgress: (done) => options.onProgress?.({ phase: 'kernels', done: offset + done, total: totalRuns }),
      },
    );
  const measured = new Map<string, VariantMeasurement>();
  for (const v of (await measure(large, 0)).variants) measured.set(v.label, v);
  // A worker's teardown (freeing sessions) runs on threads of this process: let it end before the
  // next CPU-time measurement.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  for (const v of (await measure(small, large.length * (warmup + blocks * runsPerBlock))).variants)
    measured.set(v.label, v);
  const blockMs = (label: string): readonly number[] => onClock(mapGet(measured, label), clock).blockMediansMs;
  const fallbacks: string[] = [];
  /**
   * Seconds one unit of `work` takes: the median over blocks of (long - short) / units. When load
   * noise makes a difference non-positive, the long model's whole time per unit stands in (an
   * upper bound) and the quantity is listed in measuredWith.fallbacks.
   */
  const perUnit = (name: string, long: string, short: string, units: number): number => {
    const a = blockMs(long);
    const b = blockMs(short);
    // Every variant ran the same number of blocks (measureInterleaved interleaves them block by block).
    const d = median(a.map((t, i) => t - at(b, i))) / 1000 / units;
    if (d > 0) return d;
    fallbacks.push(name);
    return median(a) / 1000 / units;
  };
  const { channels: c, size: s, kernel: k } = CONV_SHAPE;
  const matmulFlops = MATMUL_SIZE ** 3 / perUnit('peak', 'matmul', 'empty', 1);
  const convFlops = (c * c * k * k * s * s) / perUnit('peak', 'conv', 'empty', 1);
  const bandwidth = (3 * BANDWIDTH_ELEMENTS * 4) / perUnit('bandwidth', '2 adds 16M', 'add 16M', 1);
  const oneAdd = blockMs('one add');
  const chainDiff = median(blockMs('add chain').map((t, i) => t - at(oneAdd, i)));
  const overheadUs = Math.max(0, (chainDiff * 1000) / CHAIN_OPS);
  // Each pair is two kernels that read and write the tensor once each (Split, then Concat).
  let copyBytes = 0;
  let copySeconds = 0;
  COPY_SHAPES.forEach((shape, i) => {
    const pairSeconds = perUnit('copyBandwidth', `copy${i} x${2 * COPY_PAIRS}`, `copy${i} x${COPY_PAIRS}`, COPY_PAIRS);
    copyBytes += 4 * 4 * shape.reduce((a, b) => a * b, 1);
    copySeconds += Math.max(pairSeconds - 2 * overheadUs * 1e-6, 0.5 * pairSeconds);
  });
  const copyBandwidth = copyBytes / copySeconds;
  let activationBytes = 0;
  let activationSeconds = 0;
  ACTIVATION_SHAPES.forEach((shape, i) => {
    const addSeconds = perUnit(
      'activationBandwidth',
      `add${i} x${2 * ACTIVATION_ADDS}`,
      `add${i} x${ACTIVATION_ADDS}`,
      ACTIVATION_ADDS,
    );
    activationBytes += 3 * 4 * shape.reduce((a, b) => a * b, 1);
    activationSeconds += Math.max(addSeconds - overheadUs * 1e-6, 0.5 * addSeconds);
  });
  const activationBandwidth = activationBytes / activationSeconds;
  // What a convolution costs beyond the per-op overhead when it has next to nothing to compute.
  const fixedLong = blockMs(`fixed x${2 * FIXED_COST_SHAPE.chain}`);
  const fixedShort = blockMs(`fixed x${FIXED_COST_SHAPE.chain}`);
  const fixedSeconds = median(fixedLong.map((t, i) => t - at(fixedShort, i))) / 1000 / FIXED_COST_SHAPE.chain;
  const fixedBytes = familyShapeBytes(FIXED_COST_SHAPE);
  const convOverheadUs = Math.max(
    0,
    (fixedSeconds -
      familyShapeFlops(FIXED_COST_SHAPE) / Math.max(matmulFlops, convFlops) -
      fixedBytes.activations / activationBandwidth -
      fixedBytes.weights / bandwidth) *
      1e6 -
      overheadUs,
  );
  const roofs: Record<string, number> = {};
  const kernels: Record<string, string> = {};
  for (const f of families) {
    // The roof that makes the time model (runtime/time-estimate.ts convTime: overhead + FLOPs / roof
    // + activation bytes / activation bandwidth + weight bytes / bandwidth) reproduce the measured time of one more convolution of each chain,
    // summed over the family's shapes. At most a quarter of a chain's time is put down to its bytes:
    // dense, grouped and NCHW chains stay below that (10-20%); the depthwise ones would put 60-90%
    // there, a difference of noisy numbers that swings the roof between 100 and 400 G multiply-adds/s,
    // while depthwise kernels inside networks fit this model at ~65 (docs/benchmarks.md, "Prediction").
    let flops = 0;
    let computeSeconds = 0;
    FAMILY_SHAPES[f].forEach((shape, i) => {
      const seconds = perUnit(
        `convRoofs.${f}`,
        shapeLabel(f, i, 2 * shape.chain),
        shapeLabel(f, i, shape.chain),
        shape.chain,
      );
      const bytes = familyShapeBytes(shape);
      const compute =
        seconds -
        bytes.activations / activationBandwidth -
        bytes.weights / bandwidth -
        (overheadUs + convOverheadUs) * 1e-6;
      flops += familyShapeFlops(shape);
      computeSeconds += Math.max(compute, (1 - MAX_MEMORY_SHARE) * seconds);
    });
    roofs[f] = flops / computeSeconds;
    kernels[`${f}Kernel`] = convKernelOf(
      mapGet(measured, shapeLabel(f, 0, at(FAMILY_SHAPES[f], 0).chain)).optimizedOps,
    );
  }
  const block = detectNchwcBlock();
  const kernelProfile: DeviceProfile = {
    schemaVersion: 1,
    name: `${ep}:onnxruntime-${info.version}:1 thread`,
    peakFlopsPerSecond: Math.max(matmulFlops, convFlops),
    bandwidthBytesPerSecond: bandwidth,
    perOpOverheadUs: overheadUs,
    convRoofs: roofs as unknown as ConvRoofs,
    convOverheadUs,
    copyBandwidthBytesPerSecond: copyBandwidth,
    activationBandwidthBytesPerSecond: activationBandwidth,
  };
  // The mixed network, timed in the same interleaved session as the chains (so load on the machine
  // hits both alike) and predicted with the roofs just measured: the ratio of the time beyond
  // per-op overhead.
  const analysis = analyzeModel(loadModelBytes(networkBytes, { path: 'calibration-network.onnx' }));
  const plan = buildExecutionPlan(analysis, optLevel === 'disabled' ? 'none' : 'onnxruntime-cpu');
  const predictedUs = estimatePlanTime(analysis, plan, kernelProfile).modelUs;
  const overheadSumUs = plan.kernels.length * overheadUs;
  const networkMs = median(blockMs('network'));
  const factor = Math.min(
    MAX_FACTOR,
    Math.max(1 / MAX_FACTOR, (networkMs * 1000 - overheadSumUs) / Math.max(1, predictedUs - overheadSumUs)),
  );
  return {
    ...kernelProfile,
    inNetworkFactor: factor,
    measuredWith: {
      tool: 'efflint calibrate',
      ep,
      threads: 1,
      optLevel,
      clock,
      method: 'interleaved whole-run differences',
      onnxruntime: info.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      logicalCpus: cpus().length,
      nchwcBlock: block.block,
      date: new Date().toISOString(),
      matmulFlopsPerSecond: matmulFlops,
      convFlopsPerSecond: convFlops,
      chainOps: CHAIN_OPS,
      blocks,
      runsPerBlock,
      networkMs,
      networkPredictedMsBeforeFactor: predictedUs / 1000,
      ...kernels,
      ...(fallbacks.length > 0 ? { fallbacks: [...new Set(fallbacks)].join(',') } : {}),
    },
  };
}

/**
 * The kernel-trace method, for execution providers other than the CPU's or more than one thread
 * (where process CPU time is not latency): peak and bandwidth from the kernel times of a profiled
 * session, per-op overhead from unprofiled latencies of an Add chain, all on the wall clock whatever
 * `clock` asks (recorded as `clock: 'wall'`). No family roofs.
 */
export async function calibrateFromTrace(options: CalibrateOptions = {}): Promise<DeviceProfile> {
  const ep = options.ep ?? 'cpu';
  const runs = options.runs ?? 5;
  const warmup = options.warmup ?? 2;
  const optLevel = options.optLevel ?? 'all';
  const info = onnxruntimeInfo();
  checkProvider(ep, info.backends);
  const base: InferenceSession.SessionOptions = {
    executionProviders: [ep],
    graphOptimizationLevel: optLevel,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
  };
  const dir = mkdtempSync(join(tmpdir(), 'efflint-calibrate-'));
  try {
    const n = MATMUL_SIZE;
    const { channels: c, size: s, kernel: k } = CONV_SHAPE;
    const nodes: BuildNode[] = [
      { opType: 'MatMul', name: 'matmul', inputs: ['a', 'b'], outputs: ['mm'] },
      {
        opType: 'Conv',
        name: 'conv',
        inputs: ['img', 'w'],
        outputs: ['cv'],
        attributes: { kernel_shape: [k, k], pads: [1, 1, 1, 1] },
      },
      { opType: 'Add', name: 'add', inputs: ['p', 'q'], outputs: ['sum'] },
      { opType: 'ReduceMax', name: 'reduce', inputs: ['sum'], outputs: ['m'], attributes: { keepdims: 0 } },
    ];
    const compute = {
      bytes: buildOnnxModel({
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
      }),
      inputs: [
        f32('a', [n, n]),
        f32('img', [1, c, s, s]),
        f32('p', [BANDWIDTH_ELEMENTS]),
        f32('q', [BANDWIDTH_ELEMENTS]),
      ],
    };
    const one = chainModel('one', 1);
    const many = chainModel('many', CHAIN_OPS + 1);
    const chainRuns = runs * 40;
    const jobs: SessionJob[] = [
      {
        model: compute.bytes,
        inputs: compute.inputs,
        warmup,
        runs,
        sessionOptions: { ...base, enableProfiling: true, profileFilePrefix: join(dir, 'ort') },
      },
      { model: one.bytes, inputs: one.inputs, warmup: chainRuns / 4, runs: chainRuns, sessionOptions: base },
      { model: many.bytes, inputs: many.inputs, warmup: chainRuns / 4, runs: chainRuns, sessionOptions: base },
    ];
    const results = await runSessions({
      ep,
      seed: 1,
      jobs,
      onProgress: (job, done, total) =>
        options.onProgress?.({ phase: job === 0 ? 'compute' : 'overhead', done, total }),
    });
    const file = readdirSync(dir).find((f) => f.startsWith('ort_') && f.endsWith('.json'));
    if (!file) throw new ProfilerError('onnxruntime wrote no profile file during calibration');
    const trace = parseOrtTrace(JSON.parse(readFileSync(join(dir, file), 'utf8')), { warmupRuns: warmup });
    // At opt level 'all' the conv may run as an NCHWc kernel named after its output; take the kernel
    // that is not the MatMul, Add or ReduceMax and did the conv's work.
    const kernelUs = (name: string): number => {
      const k = trace.kernels.find((x) => x.name === name);
      if (!k || k.medianUs <= 0) throw new ProfilerError(`calibration: no kernel time for '${name}' in the trace`);
      return k.medianUs;
    };
    const convUs = trace.kernels.find((x) => x.name === 'conv' || x.name === 'cv_nchwc')?.medianUs ?? kernelUs('conv');
    const matmulFlops = MATMUL_SIZE ** 3 / (kernelUs('matmul') * 1e-6);
    const convFlops = (c * c * k * k * s * s) / (convUs * 1e-6);
    const bandwidth = (3 * BANDWIDTH_ELEMENTS * 4) / (kernelUs('add') * 1e-6);
    const chainMs = median(at(results, 2).latenciesMs) - median(at(results, 1).latenciesMs);
    const overheadUs = Math.max(0, (chainMs * 1000) / CHAIN_OPS);
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
        optLevel,
        clock: 'wall',
        method: 'kernel trace',
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
