import { type Dim, dtypeFromCode } from '../../../model/ir.js';
import { ADD_FLOPS, CMP_FLOPS, COS_FLOPS, MUL_FLOPS, perElement } from '../../cost-model.js';
import { writeOnlyMemory } from '../../memory-models.js';
import { fitOutputs, inputAt, scalarOf } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { dynamicDim, isKnownDim, normalizeAxis, numel } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpDef, type TensorInfo, UNKNOWN_TENSOR } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Signal processing of the ONNX math family (onnx/defs/math, opset 17): DFT, STFT, the Hann/Hamming/Blackman windows
 * and MelWeightMatrix. Complex tensors carry a trailing axis of 2 (real, imaginary); a real signal has a trailing 1.
 */

/** One complex multiply-add is 4 real multiply-adds: re += a*c - b*d, im += a*d + b*c. */
const COMPLEX_MAC_FLOPS = 4 * MUL_FLOPS;

/**
 * FLOPs of one length-n transform as onnxruntime's CPU kernel computes it (signal/dft.cc): radix-2 FFT when n is a
 * power of two, (n/2) log2 n butterflies of one complex multiply (4) and a complex add and subtract (4), i.e.
 * 4 n log2 n; otherwise the direct DFT, n^2 complex multiply-adds (4 n^2). Real input is not halved.
 */
export function transformFlops(n: number): number {
  if (n <= 1) return 0;
  const log = Math.log2(n);
  if (Number.isInteger(log)) return (n / 2) * log * (COMPLEX_MAC_FLOPS + 4 * ADD_FLOPS);
  return n * n * COMPLEX_MAC_FLOPS;
}

/** Output length of a transform of n points: floor(n/2) + 1 when onesided. */
function bins(n: Dim, onesided: boolean, ctx: OpContext, axis: number): Dim {
  if (!onesided) return n;
  return isKnownDim(n) ? Math.floor(n / 2) + 1 : dynamicDim(ctx, 0, axis);
}

/** The DFT axis: attribute (default 1) before opset 20, an optional scalar input (default -2) from 20. */
function dftAxis(ctx: OpContext, rank: number): number | null {
  let axis: number | undefined;
  if (ctx.opset >= 20) {
    const given = inputAt(ctx, 2);
    axis = given ? scalarOf(given) : -2;
    if (axis === undefined) return null;
  } else axis = ctx.attrs.int('axis', 1);
  const a = normalizeAxis(axis, rank);
  if (a === rank - 1) throw new OpSpecError(`axis ${axis} is the complex axis; the signal axis must be before it`);
  return a;
}

interface DftGeometry {
  readonly out: TensorInfo;
  /** Transform length and the number of transforms, when known. */
  readonly n: Dim | null;
  readonly transforms: number | null;
}

function dftGeometry(ctx: OpContext): DftGeometry {
  const x = inputAt(ctx, 0);
  const xs = x?.shape ?? null;
  const dtype = x?.dtype ?? null;
  if (!xs) return { out: { dtype, shape: null }, n: null, transforms: null };
  if (xs.length < 2)
    throw new OpSpecError(`input must have rank >= 2 (signal axes, then 1 or 2), got rank ${xs.length}`);
  const last = xs[xs.length - 1];
  if (isKnownDim(last) && last !== 1 && last !== 2)
    throw new OpSpecError(`the last dim must be 1 (real) or 2 (complex), got ${last}`);
  const axis = dftAxis(ctx, xs.length);
  if (axis === null) {
    // The axis is a run-time value: any signal dim may be the one that changes.
    return {
      out: { dtype, shape: [...xs.slice(0, -1).map((_, i) => dynamicDim(ctx, 0, i)), 2] },
      n: null,
      transforms: null,
    };
  }
  const lengthInput = inputAt(ctx, 1);
  const given = lengthInput ? scalarOf(lengthInput) : undefined;
  const n: Dim | null = lengthInput ? (given ?? null) : at(xs, axis);
  const onesided = ctx.attrs.int('onesided', 0) === 1;
  const axisDim = n === null ? dynamicDim(ctx, 0, axis) : bins(n, onesided, ctx, axis);
  const shape = [...xs.slice(0, -1).map((d, i) => (i === axis ? axisDim : d)), 2];
  const transforms = numel(xs.filter((_, i) => i !== axis && i !== xs.length - 1));
  return { out: { dtype, shape }, n, transforms };
}

/**
 * DFT(input, dft_length?, axis? (opset 20)): the transform along `axis` of length dft_length (zero-padded or
 * truncated) or the input's; onesided keeps floor(n/2) + 1 bins. The output is complex (trailing 2).
 */
const dft = defineOp({
  opType: 'DFT',
  category: 'other',
  inferShape: (ctx) => fitOutputs(ctx, [dftGeometry(ctx).out]),
  cost(ctx) {
    const g = dftGeometry(ctx);
    return { flops: isKnownDim(g.n) ? perElement(g.transforms, transformFlops(g.n)) : null, paramInputs: [] };
  },
});

/**
 * STFT(signal (B, L, 1|2), frame_step, window?, frame_length?): frame_length from its input, else the window's
 * length; frames = floor((L - frame_length) / frame_step) + 1; output (B, frames, bins, 2) with bins = floor(fl/2)+1
 * when onesided (default 1). FLOPs per frame: the window multiply (when given) and one transform of frame_length.
 */
function stftGeometry(ctx: OpContext) {
  const signal = inputAt(ctx, 0);
  const ss = signal?.shape ?? null;
  if (ss && ss.length !== 3) throw new OpSpecError(`signal must be 3-D (batch, length, 1 or 2), got rank ${ss.length}`);
  const step = scalarOf(inputAt(ctx, 1));
  const window = inputAt(ctx, 2);
  const lengthInput = inputAt(ctx, 3);
  let frameLength: Dim | null = null;
  if (lengthInput) frameLength = scalarOf(lengthInput) ?? null;
  else if (window?.shape?.length === 1) frameLength = at(window.shape, 0);
  if (!lengthInput && !window) throw new OpSpecError('STFT needs a window or a frame_length');
  if (step !== undefined && step <= 0) throw new OpSpecError(`frame_step must be positive, got ${step}`);
  const len = ss?.[1];
  let frames: Dim = dynamicDim(ctx, 0, 1);
  if (isKnownDim(len) && isKnownDim(frameLength) && step !== undefined) {
    if (frameLength > len) throw new OpSpecError(`frame_length ${frameLength} exceeds the signal length ${len}`);
    frames = Math.floor((len - frameLength) / step) + 1;
  }
  const onesided = ctx.attrs.int('onesided', 1) === 1;
  const binDim = frameLength === null ? dynamicDim(ctx, 0, 2) : bins(frameLength, onesided, ctx, 2);
  const out: TensorInfo = { dtype: signal?.dtype ?? null, shape: ss ? [at(ss, 0), frames, binDim, 2] : null };
  return { out, frameLength, windowed: window !== null };
}

const stft = defineOp({
  opType: 'STFT',
  category: 'other',
  inferShape: (ctx) => fitOutputs(ctx, [stftGeometry(ctx).out]),
  cost(ctx, outputs) {
    const g = stftGeometry(ctx);
    const ys = outputs[0]?.shape ?? null;
    const frames = ys ? numel(ys.slice(0, 2)) : null;
    if (!isKnownDim(g.frameLength)) return { flops: null, paramInputs: [] };
    const perFrame = (g.windowed ? g.frameLength * MUL_FLOPS : 0) + transformFlops(g.frameLength);
    return { flops: perElement(frames, perFrame), paramInputs: [] };
  },
});

/** Per-sample cost of the generalized cosine windows w[n] = sum_k (-1)^k a_k cos(2 pi k n / N). */
const HANN_FLOPS = MUL_FLOPS + COS_FLOPS + MUL_FLOPS;

const HAMMING_FLOPS = HANN_FLOPS;

const BLACKMAN_FLOPS = 2 * (MUL_FLOPS + COS_FLOPS + MUL_FLOPS);

/** A window generator: size (scalar input) to a 1-D tensor of output_datatype (default float32); writes only. */
function windowOp(opType: string, perSample: number): OpDef {
  return defineOp({
    opType,
    category: 'other',
    inferShape(ctx) {
      const size = scalarOf(inputAt(ctx, 0));
      if (size !== undefined && size < 0) throw new OpSpecError(`size must be >= 0, got ${size}`);
      const dtype = dtypeFromCode(ctx.attrs.int('output_datatype', 1));
      return fitOutputs(ctx, [{ dtype, shape: [size ?? dynamicDim(ctx, 0, 0)] }]);
    },
    cost: (_ctx, outputs) => ({
      flops: perElement(numel(outputs[0]?.shape), perSample),
      memory: writeOnlyMemory(outputs[0] ?? UNKNOWN_TENSOR),
      paramInputs: [],
    }),
  });
}

/** Per matrix element of MelWeightMatrix: which side of the triangle (compare) and its linear ramp (multiply-add). */
const MEL_WEIGHT_FLOPS = CMP_FLOPS + MUL_FLOPS;

/**
 * MelWeightMatrix(num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz): a
 * (floor(dft_length / 2) + 1, num_mel_bins) matrix of output_datatype (default float32).
 */
const melWeightMatrix = defineOp({
  opType: 'MelWeightMatrix',
  category: 'other',
  inferShape(ctx) {
    const mels = scalarOf(inputAt(ctx, 0));
    const dftLength = scalarOf(inputAt(ctx, 1));
    const dtype = dtypeFromCode(ctx.attrs.int('output_datatype', 1));
    const rows = dftLength === undefined ? dynamicDim(ctx, 0, 0) : Math.floor(dftLength / 2) + 1;
    return fitOutputs(ctx, [{ dtype, shape: [rows, mels ?? dynamicDim(ctx, 0, 1)] }]);
  },
  cost: (_ctx, outputs) => ({
    flops: perElement(numel(outputs[0]?.shape), MEL_WEIGHT_FLOPS),
    memory: writeOnlyMemory(outputs[0] ?? UNKNOWN_TENSOR),
    paramInputs: [],
  }),
});

/** ai.onnx signal processing, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    dft,
    stft,
    windowOp('HannWindow', HANN_FLOPS),
    windowOp('HammingWindow', HAMMING_FLOPS),
    windowOp('BlackmanWindow', BLACKMAN_FLOPS),
    melWeightMatrix,
  ],
  { DFT: 17, STFT: 17, HannWindow: 17, HammingWindow: 17, BlackmanWindow: 17, MelWeightMatrix: 17 },
);
