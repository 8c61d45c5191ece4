import type { Analysis, LayerReport } from '../analyzers/analyze.js';
import { analyzeModel } from '../analyzers/analyze.js';
import type { ConfirmationKind } from '../analyzers/confirmation.js';
import type { ElementwiseKind } from '../analyzers/elementwise.js';
import { elementwiseKind, elementwiseLabel } from '../analyzers/elementwise.js';
import type { Block, GraphStructure } from '../analyzers/structure.js';
import { loadModelBytes } from '../model/load.js';
import { at } from '../util/at.js';
import type { TensorHandle } from '../zoo/builder.js';
import { GraphBuilder } from '../zoo/builder.js';
import type { InputSpec } from './session-protocol.js';

/**
 * Counterfactual models for confirming lint findings (see confirm-findings.ts): for one flagged layer,
 * a small ONNX model of the layer as the model has it (its own shapes and attributes, read off the
 * Analysis) and one of the replacement the finding asks for. Which replacement is the finding's
 * `confirmation` kind (analyzers/confirmation.ts), declared by its rule per message; no rule is named here:
 *
 * - **balanced-channels** (G1's unbalanced widths): the same conv with balanced widths at equal FLOPs
 *   (within 2%), rounded to multiples of 8 when the original widths are multiples of 8 (as a designer
 *   would pick them; onnxruntime 1.30 runs both in its blocked NCHWc kernels either way, padding other widths);
 * - **dense-conv** (G2's group conv): g = 1 on the same input with c_out / g output channels (equal FLOPs);
 * - **merged-block** (G3's parallel branches): the block re-created from its entry tensor against one
 *   conv from the entry to the exit's spatial size with as many output channels as give equal FLOPs (within 2%);
 * - **removed-elementwise** (G4's element-wise layer, depthwise convs included, by analyzers/elementwise.ts):
 *   its producer conv (and the BN/activation layers between them) with the layer against without it;
 * - **folded-batchnorm** (E101): conv + BatchNormalization against the conv with a bias.
 *
 * A variant holds `copies` copies of its unit reading the same graph input(s); confirm-findings.ts
 * measures each side with 1 and with N copies and takes the difference per copy, so what a run pays
 * once (feeding the input, onnxruntime's ReorderInput into its blocked NCHWc layout) cancels. Every copy
 * ends in a tail that reads one element per channel: a MaxPool with a 1x1 window and a stride of the
 * whole map (onnxruntime runs it in the NCHWc layout, so no full-size ReorderOutput follows a copy), then
 * a Slice to one element. Outputs thus stay in onnxruntime's arena: with the full tensors as graph
 * outputs, copying and page-faulting them cost more than a 1x1 conv, and a full-size Slice tail made
 * onnxruntime convert every copy's output back to NCHW; both favoured the variant with the smaller
 * output. Weights are random (GraphBuilder, weights: true), so onnxruntime computes real math.
 */

/** How the replacement relates to the original. */
export type CounterfactualKind = 'equal-flops' | 'op-removed';

/** A graph input of a unit: a name and a static shape (float32). */
export interface UnitInput {
  readonly name: string;
  readonly shape: readonly number[];
}

/** One side of a pair, before any model is built. */
export interface UnitSpec {
  /** What it computes, e.g. "1x1 conv 360->360 g=8 at 56x56". */
  readonly text: string;
  readonly inputs: readonly UnitInput[];
  /**
   * Emits one copy of the unit reading `inputs` (handles in the order of `inputs`), node names
   * prefixed with `prefix`. Returns the unit's output first, then tensors that the model also reads
   * elsewhere (each gets its own one-element tail, so onnxruntime cannot fuse across them).
   */
  readonly emit: (b: GraphBuilder, inputs: readonly TensorHandle[], prefix: string) => readonly TensorHandle[];
}

/** What a finding's counterfactual compares. */
export interface CounterfactualSpec {
  /** The rule of the finding (labels and keys only; the procedure follows `confirmation`). */
  readonly ruleId: string;
  readonly confirmation: ConfirmationKind;
  /** The layer (or the block's first kernel) it was read from. */
  readonly node: string;
  /** Findings with the same key share one measured pair (identically shaped layers). */
  readonly key: string;
  readonly kind: CounterfactualKind;
  readonly original: UnitSpec;
  readonly replacement: UnitSpec;
  /**
   * removed-elementwise: the removed op(s), e.g. 'Add' or 'Sigmoid+Mul': the original must run at
   * least one more kernel per copy than the replacement (checked on the graphs onnxruntime optimised
   * for the pair), or the pair fused what the model runs on its own. null: nothing to check.
   */
  readonly removedOps: string | null;
}

/** A counterfactual that cannot be built, and why. */
export interface CounterfactualUnavailable {
  readonly unavailable: string;
}

/** One built variant of a pair. */
export interface CounterfactualModel {
  readonly label: string;
  readonly text: string;
  readonly model: Uint8Array;
  readonly inputs: readonly InputSpec[];
  /** Multiply-adds of one copy of the unit (tail excluded), as efflint's analyzer counts the built model. */
  readonly flopsPerCopy: number;
  /** Output shape of one copy's unit. */
  readonly outputShape: readonly number[];
}

/** Both variants of a counterfactual, built with `copies` copies and with one. */
export interface CounterfactualPair {
  readonly spec: CounterfactualSpec;
  readonly copies: number;
  readonly original: CounterfactualModel;
  readonly replacement: CounterfactualModel;
  readonly originalOne: CounterfactualModel;
  readonly replacementOne: CounterfactualModel;
}

/** Largest relative FLOPs difference an equal-FLOPs replacement may have. */
export const MAX_FLOPS_MISMATCH = 0.02;

export interface CounterfactualOptions {
  /**
   * removed-elementwise: the nodes of the kernel onnxruntime ran the flagged layer in (a profile's
   * `nodes`); when they are all element-wise (Sigmoid+Mul of a SiLU), the pair removes them together.
   */
  readonly kernelNodes?: readonly string[];
  /** balanced-channels: the balanced widths are rounded to multiples of this when the original widths are multiples of it (default 8). */
  readonly channelAlign?: number;
}

type Dims4 = readonly [number, number, number, number];

function staticShape(shape: readonly (number | string)[] | null | undefined): number[] | null {
  if (!shape || shape.some((d) => typeof d !== 'number')) return null;
  return shape as number[];
}

function shape4(shape: readonly (number | string)[] | null | undefined): Dims4 | null {
  const s = staticShape(shape);
  return s?.length === 4 ? (s as unknown as Dims4) : null;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const dimsText = (s: readonly number[]): string => s.join('x');

/** Conv attributes as GraphBuilder takes them (symmetric padding). */
interface ConvParams {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly pad: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly group: number;
  readonly bias: boolean;
}

function pairAttr(v: unknown, fallback: readonly [number, number]): readonly [number, number] | null {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length !== 2) return null;
  const pair: readonly unknown[] = v;
  const [a, b] = pair;
  return typeof a === 'number' && typeof b === 'number' ? [a, b] : null;
}

/** The conv's parameters, or why the builder cannot re-create it (the output size is checked). */
function convParams(layer: LayerReport): ConvParams | string {
  const x = shape4(layer.inputShapes[0]);
  const y = shape4(layer.outputShapes[0]);
  if (!x || !y) return `${layer.name}: only 2-D convolutions with static shapes are re-created`;
  const w = shape4(layer.inputShapes[1]);
  const kernel = w ? ([w[2], w[3]] as const) : pairAttr(layer.attributes.kernel_shape, [0, 0]);
  if (!kernel || kernel[0] <= 0) return `${layer.name}: kernel shape unknown`;
  const stride = pairAttr(layer.attributes.strides, [1, 1]);
  const dilation = pairAttr(layer.attributes.dilations, [1, 1]);
  if (!stride || !dilation) return `${layer.name}: strides/dilations are not 2-D`;
  const group = typeof layer.attributes.group === 'number' ? layer.attributes.group : 1;
  const out = (size: number, k: number, s: number, d: number, p: number): number =>
    Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
  const autoPad = typeof layer.attributes.auto_pad === 'string' ? layer.attributes.auto_pad : 'NOTSET';
  let pad: [number, number];
  if (autoPad === 'VALID') pad = [0, 0];
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = (size: number, k: number, s: number, d: number): number =>
      Math.max(0, (Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size);
    pad = [
      Math.floor(total(x[2], kernel[0], stride[0], dilation[0]) / 2),
      Math.floor(total(x[3], kernel[1], stride[1], dilation[1]) / 2),
    ];
  } else {
    const pads = Array.isArray(layer.attributes.pads) ? (layer.attributes.pads as readonly number[]) : [0, 0, 0, 0];
    if (pads.length !== 4) return `${layer.name}: pads are not 2-D`;
    // Asymmetric padding: the builder pads symmetrically; the smaller side keeps the output size when
    // the extra row/column only pads what no output reads (checked below).
    pad = [Math.min(at(pads, 0), at(pads, 2)), Math.min(at(pads, 1), at(pads, 3))];
  }
  if (
    out(x[2], kernel[0], stride[0], dilation[0], pad[0]) !== y[2] ||
    out(x[3], kernel[1], stride[1], dilation[1], pad[1]) !== y[3]
  ) {
    return `${layer.name}: its padding cannot be re-created symmetrically with the same output size`;
  }
  const bias = layer.inputs.length > 2 && layer.inputs[2] !== '';
  return { kernel, stride, pad, dilation, group, bias };
}

function convText(p: ConvParams, cIn: number, cOut: number, hw: readonly number[], group = p.group): string {
  const k = p.kernel[0] === p.kernel[1] ? `${p.kernel[0]}x${p.kernel[1]}` : dimsText(p.kernel);
  const s = p.stride[0] > 1 || p.stride[1] > 1 ? ` stride ${p.stride[0]}` : '';
  return `${k} conv ${cIn}->${cOut}${group > 1 ? ` g=${group}` : ''}${s} on ${dimsText(hw)}`;
}

function emitConv(
  b: GraphBuilder,
  x: TensorHandle,
  name: string,
  p: ConvParams,
  outChannels: number,
  group = p.group,
  bias = p.bias,
): TensorHandle {
  return b.conv(x, {
    name,
    outChannels,
    kernel: p.kernel,
    stride: p.stride,
    pad: p.pad,
    dilation: p.dilation,
    group,
    bias,
  });
}

const UNARY_OPS = new Set([
  'Relu',
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'HardSigmoid',
  'HardSwish',
  'Elu',
  'Selu',
  'Softplus',
  'Exp',
  'Neg',
  'Abs',
  'Sqrt',
  'Erf',
  'Identity',
  'Mish',
  'Gelu',
]);
const BINARY_OPS = new Set(['Add', 'Mul', 'Sub', 'Div', 'Max', 'Min']);

/** Positions of a layer's inputs that carry data (the rest are weights the builder makes itself). */
function dataPositions(layer: LayerReport): number[] | null {
  const op = layer.opType;
  if (op === 'Conv' || op === 'BatchNormalization' || op === 'Clip' || op === 'Split' || op === 'Reshape') return [0];
  if (
    UNARY_OPS.has(op) ||
    op === 'MaxPool' ||
    op === 'AveragePool' ||
    op === 'GlobalAveragePool' ||
    op === 'Transpose' ||
    op === 'Flatten'
  )
    return [0];
  if (BINARY_OPS.has(op)) return [0, 1];
  if (op === 'Concat') return layer.inputs.map((_, i) => i);
  return null;
}

function normAxis(axis: unknown, rank: number, fallback: number): number {
  const a = typeof axis === 'number' ? axis : fallback;
  return a < 0 ? a + rank : a;
}

/** Re-creates one layer on `xs` (its data inputs, in dataPositions order); null when unsupported. */
function emitLayer(
  b: GraphBuilder,
  layer: LayerReport,
  xs: readonly TensorHandle[],
  name: string,
): TensorHandle[] | string {
  const op = layer.opType;
  const a = layer.attributes;
  const outShapes: number[][] = [];
  for (const shape of layer.outputShapes) {
    const s = staticShape(shape);
    if (!s) return `${layer.name}: output shape not static`;
    outShapes.push(s);
  }
  const x = xs[0];
  const y = outShapes[0];
  if (x === undefined || y === undefined) return `${layer.name}: no data input or no output`;
  let out: TensorHandle[];
  if (op === 'Conv') {
    const p = convParams(layer);
    if (typeof p === 'string') return p;
    out = [emitConv(b, x, name, p, at(y, 1))]; // convParams checked that the output is 4-D
  } else if (op === 'BatchNormalization') {
    out = [b.batchNorm(x, { name, epsilon: typeof a.epsilon === 'number' ? a.epsilon : undefined })];
  } else if (op === 'Clip') {
    // Bounds are constant inputs; any bounds cost the same (ReLU6's 0..6 stands for all).
    out = [b.clip(x, name, 0, 6)];
  } else if (UNARY_OPS.has(op)) {
    out = [b.unary(op, x, name)];
  } else if (BINARY_OPS.has(op)) {
    out = [b.binary(op, x, at(xs, 1), name)]; // dataPositions: two data inputs
  } else if (op === 'Concat') {
    out = [b.concat(xs, name, normAxis(a.axis, x.shape.length, 1))];
  } else if (op === 'Split') {
    const axis = normAxis(a.axis, x.shape.length, 0);
    const sizes: number[] = [];
    for (const s of outShapes) {
      const size = s[axis];
      if (size === undefined) return `${layer.name}: Split axis ${axis} is outside its outputs' rank`;
      sizes.push(size);
    }
    out = b.split(x, name, sizes, axis);
  } else if (op === 'MaxPool' || op === 'AveragePool') {
    const kernel = pairAttr(a.kernel_shape, [0, 0]);
    const stride = pairAttr(a.strides, [1, 1]);
    const pads = Array.isArray(a.pads) ? (a.pads as readonly number[]) : [0, 0, 0, 0];
    if (!kernel || !stride || pads.length !== 4 || pads[0] !== pads[2] || pads[1] !== pads[3])
      return `${layer.name}: pooling window not re-created (2-D, symmetric padding only)`;
    if (typeof a.auto_pad === 'string' && a.auto_pad !== 'NOTSET')
      return `${layer.name}: auto_pad pooling not re-created`;
    const o = { name, kernel, stride, pad: [at(pads, 0), at(pads, 1)] as const };
    out = [op === 'MaxPool' ? b.maxPool(x, o) : b.avgPool(x, { ...o, countIncludePad: a.count_include_pad === 1 })];
  } else if (op === 'GlobalAveragePool') {
    out = [b.globalAvgPool(x, name)];
  } else if (op === 'Reshape') {
    out = [b.reshape(x, name, y)];
  } else if (op === 'Transpose') {
    if (!Array.isArray(a.perm)) return `${layer.name}: Transpose without perm`;
    out = [b.transpose(x, name, a.perm as readonly number[])];
  } else if (op === 'Flatten') {
    out = [b.flatten(x, name, normAxis(a.axis, x.shape.length, 1))];
  } else {
    return `${layer.name}: ${op} is not an op the counterfactual builder re-creates`;
  }
  // One handle per output: Split makes one per output shape, every other op one for the first.
  for (const [i, handle] of out.entries()) {
    const want = at(outShapes, i);
    if (!sameShape(handle.shape, want))
      return `${layer.name}: re-created ${op} gives ${dimsText(handle.shape)}, the model has ${dimsText(want)}`;
  }
  return out;
}

/**
 * Checks that every layer of `layers` can be re-created (op supported, data inputs either produced by
 * an earlier layer of the list or one of `given`, or a constant operand with a static shape, which
 * becomes an extra graph input). Returns the extra inputs, or why not.
 */
function planLayers(layers: readonly LayerReport[], given: ReadonlySet<string>): { extra: UnitInput[] } | string {
  const known = new Set(given);
  const extra: UnitInput[] = [];
  for (const l of layers) {
    const positions = dataPositions(l);
    if (!positions) return `${l.name}: ${l.opType} is not an op the counterfactual builder re-creates`;
    for (const i of positions) {
      const t = l.inputs[i];
      if (t === undefined || t === '') return `${l.name}: input ${i} missing`;
      if (known.has(t)) continue;
      const s = staticShape(l.inputShapes[i]);
      if (!s) return `${l.name}: input '${t}' has no static shape`;
      extra.push({ name: t, shape: s });
      known.add(t);
    }
    for (const o of l.outputs) known.add(o);
  }
  return { extra };
}

/** Emits `layers` in order; `tensors` maps model tensor names to handles and is extended. */
function emitLayers(
  b: GraphBuilder,
  layers: readonly LayerReport[],
  tensors: Map<string, TensorHandle>,
  prefix: string,
): void {
  layers.forEach((l, k) => {
    // planLayers accepted the layers: every data position holds an input.
    const positions = dataPositions(l) as number[];
    const xs = positions.map((i) => tensors.get(at(l.inputs, i)) as TensorHandle);
    const out = emitLayer(b, l, xs, `${prefix}.l${k}.${l.opType}`);
    if (typeof out === 'string') throw new Error(out);
    l.outputs.forEach((o, i) => {
      const handle = out[i];
      if (handle) tensors.set(o, handle);
    });
  });
}

/** Dry-runs the emission once (shape checks) so that a spec never fails at build time. */
function checkEmit(unit: UnitSpec): string | null {
  try {
    const b = new GraphBuilder({ name: 'check', weights: false });
    unit.emit(
      b,
      unit.inputs.map((i) => b.input(safeName(i.name), i.shape)),
      'check',
    );
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function safeName(name: string): string {
  return `in.${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** balanced-channels: the same conv at balanced widths, equal FLOPs within 2%. */
export function balancedWidths(
  cIn: number,
  cOut: number,
  pixelsIn: number,
  pixelsOut: number,
  group: number,
  channelAlign: number,
): { cIn: number; cOut: number } | null {
  const product = cIn * cOut;
  // At the MAC bound pixelsIn*c1 = pixelsOut*c2 with c1*c2 fixed.
  const idealIn = Math.sqrt((product * pixelsOut) / pixelsIn);
  const attempt = (align: number): { cIn: number; cOut: number } | null => {
    const step = lcm(align, group);
    let best: { cIn: number; cOut: number; imbalance: number; mismatch: number } | null = null;
    const lo = Math.max(step, Math.floor((idealIn * 0.75) / step) * step);
    const hi = Math.ceil((idealIn * 1.33) / step) * step;
    for (let bIn = lo; bIn <= hi; bIn += step) {
      const bOut = Math.max(step, Math.round(product / bIn / step) * step);
      const mismatch = Math.abs((bIn * bOut) / product - 1);
      if (mismatch > MAX_FLOPS_MISMATCH) continue;
      const imbalance = Math.abs(Math.log((pixelsIn * bIn) / (pixelsOut * bOut)));
      if (
        !best ||
        imbalance < best.imbalance - 1e-12 ||
        (Math.abs(imbalance - best.imbalance) <= 1e-12 && mismatch < best.mismatch)
      )
        best = { cIn: bIn, cOut: bOut, imbalance, mismatch };
    }
    return best ? { cIn: best.cIn, cOut: best.cOut } : null;
  };
  const aligned =
    channelAlign > 1 && cIn % channelAlign === 0 && cOut % channelAlign === 0 ? attempt(channelAlign) : null;
  return aligned ?? attempt(1);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

function convSpec(
  finding: SpecSource,
  layer: LayerReport,
  kind: CounterfactualKind,
  original: { cIn: number; cOut: number; group: number },
  replacement: { cIn: number; cOut: number; group: number },
  p: ConvParams,
  note: string,
): CounterfactualSpec {
  const x = shape4(layer.inputShapes[0]) as Dims4;
  const unit = (w: { cIn: number; cOut: number; group: number }, extra: string): UnitSpec => {
    const inShape = [x[0], w.cIn, x[2], x[3]];
    const text = convText(p, w.cIn, w.cOut, inShape, w.group);
    return {
      // The replacement on the same input: its shape is said once.
      text: (w !== original && w.cIn === original.cIn ? text.replace(/ on [0-9x]+$/, '') : text) + extra,
      inputs: [{ name: 'x', shape: inShape }],
      emit: (b, handles, prefix) => [emitConv(b, at(handles, 0), `${prefix}.conv`, p, w.cOut, w.group)],
    };
  };
  return {
    ruleId: finding.ruleId,
    confirmation: finding.confirmation,
    node: layer.name,
    key: `${finding.ruleId}|${JSON.stringify([x, original, replacement, p])}`,
    kind,
    original: unit(original, ''),
    replacement: unit(replacement, note),
    removedOps: null,
  };
}

/** The finding's rule and declared kind, which every spec carries. */
interface SpecSource {
  readonly ruleId: string;
  readonly confirmation: ConfirmationKind;
}

/** balanced-channels: the same conv at balanced widths. */
function balancedChannelsSpec(
  finding: SpecSource,
  layer: LayerReport,
  align: number,
): CounterfactualSpec | CounterfactualUnavailable {
  const p = convParams(layer);
  if (typeof p === 'string') return { unavailable: p };
  const x = shape4(layer.inputShapes[0]) as Dims4;
  const y = shape4(layer.outputShapes[0]) as Dims4;
  const cIn = x[1];
  const cOut = y[1];
  const w = balancedWidths(cIn, cOut, x[2] * x[3], y[2] * y[3], p.group, align);
  if (!w)
    return { unavailable: `no balanced widths within ${100 * MAX_FLOPS_MISMATCH}% of the FLOPs of ${cIn}->${cOut}` };
  return convSpec(
    finding,
    layer,
    'equal-flops',
    { cIn, cOut, group: p.group },
    { ...w, group: p.group },
    p,
    ' (balanced, equal FLOPs)',
  );
}

/** dense-conv: the grouped conv as g = 1 with c_out / g outputs. */
function denseConvSpec(finding: SpecSource, layer: LayerReport): CounterfactualSpec | CounterfactualUnavailable {
  const p = convParams(layer);
  if (typeof p === 'string') return { unavailable: p };
  const x = shape4(layer.inputShapes[0]) as Dims4;
  const y = shape4(layer.outputShapes[0]) as Dims4;
  if (p.group <= 1 || y[1] % p.group !== 0) return { unavailable: `${layer.name} is not a group convolution` };
  return convSpec(
    finding,
    layer,
    'equal-flops',
    { cIn: x[1], cOut: y[1], group: p.group },
    { cIn: x[1], cOut: y[1] / p.group, group: 1 },
    p,
    ' (dense, equal FLOPs)',
  );
}

/** The structure block a merged-block finding describes (its data names the entry and exit tensors). */
export function findBlock(
  structure: GraphStructure,
  data: Readonly<Record<string, unknown>> | undefined,
): Block | null {
  if (!data || typeof data.entry !== 'string' || typeof data.exit !== 'string') return null;
  return (
    structure.blocks.find(
      (b) => (b.entry ?? '(model inputs)') === data.entry && (b.exit ?? '(model outputs)') === data.exit,
    ) ?? null
  );
}

/** merged-block: the block against one conv of equal FLOPs. */
function mergedBlockSpec(
  finding: SpecSource,
  analysis: Analysis,
  structure: GraphStructure,
  data: Readonly<Record<string, unknown>> | undefined,
  node: string,
): CounterfactualSpec | CounterfactualUnavailable {
  const block = findBlock(structure, data);
  if (!block) return { unavailable: 'the block the finding names was not found in the graph structure' };
  if (block.entry === null || block.exit === null)
    return { unavailable: 'the block has no single entry and exit tensor' };
  const layers = block.layers.map((i) => at(analysis.layers, i));
  const entryReader = layers.find((l) => l.inputs.includes(block.entry as string));
  const entryShape = entryReader ? shape4(entryReader.inputShapes[entryReader.inputs.indexOf(block.entry)]) : null;
  const exitLayer = layers.find((l) => l.outputs.includes(block.exit as string));
  const exitShape = exitLayer ? shape4(exitLayer.outputShapes[exitLayer.outputs.indexOf(block.exit)]) : null;
  if (!entryShape || !exitShape) return { unavailable: 'the block entry or exit is not a static 4-D tensor' };
  const plan = planLayers(layers, new Set([block.entry]));
  if (typeof plan === 'string') return { unavailable: plan };
  if (entryShape[2] % exitShape[2] !== 0 || entryShape[3] % exitShape[3] !== 0)
    return { unavailable: 'the exit size is not the entry size over an integer stride' };
  const stride = [entryShape[2] / exitShape[2], entryShape[3] / exitShape[3]] as const;
  const flops = layers.reduce((s, l) => s + (l.flops ?? 0), 0);
  const perChannel = exitShape[0] * exitShape[2] * exitShape[3] * entryShape[1];
  const cOut = Math.max(1, Math.round(flops / perChannel));
  if (Math.abs((cOut * perChannel) / flops - 1) > MAX_FLOPS_MISMATCH)
    return { unavailable: `no single conv matches the block's ${flops} FLOPs within ${100 * MAX_FLOPS_MISMATCH}%` };
  const merged: ConvParams = { kernel: [1, 1], stride, pad: [0, 0], dilation: [1, 1], group: 1, bias: false };
  const entryName = block.entry;
  const exitName = block.exit;
  const inputs: UnitInput[] = [{ name: 'x', shape: entryShape }, ...plan.extra];
  const convs = layers.filter((l) => l.category === 'conv' || l.category === 'pooling' || l.category === 'gemm').length;
  const original: UnitSpec = {
    text: `the block ${entryName} -> ${exitName} (${layers.length} layers, ${block.branches} branches, ${convs} conv/pool) on ${dimsText(entryShape)}`,
    inputs,
    emit: (b, handles, prefix) => {
      const tensors = new Map<string, TensorHandle>([[entryName, at(handles, 0)]]);
      plan.extra.forEach((e, i) => tensors.set(e.name, at(handles, i + 1)));
      emitLayers(b, layers, tensors, prefix);
      return [tensors.get(exitName) as TensorHandle];
    },
  };
  const replacement: UnitSpec = {
    text: `${convText(merged, entryShape[1], cOut, entryShape)} (merged, equal FLOPs)`,
    inputs: [{ name: 'x', shape: entryShape }],
    emit: (b, handles, prefix) => [emitConv(b, at(handles, 0), `${prefix}.merged`, merged, cOut)],
  };
  const signature = layers.map((l) => [
    l.opType,
    l.inputShapes,
    l.outputShapes,
    l.attributes,
    l.inputs.map((t) =>
      t === entryName
        ? '<entry>'
        : layers.some((m) => m.outputs.includes(t))
          ? `<${layers.findIndex((m) => m.outputs.includes(t))}>`
          : '<const>',
    ),
  ]);
  return {
    ruleId: finding.ruleId,
    confirmation: finding.confirmation,
    node,
    key: `${finding.ruleId}|${JSON.stringify(signature)}`,
    kind: 'equal-flops',
    original,
    replacement,
    removedOps: null,
  };
}

/** Element-wise kinds that the removed-elementwise counterfactual walks back through to reach the producer conv. */
const WALK_KINDS: ReadonlySet<ElementwiseKind> = new Set(['activation', 'normalization', 'arithmetic']);

/**
 * The producer path of element-wise `ops`: the conv that computes one of their data inputs, the
 * element-wise layers on the way (at most 3; through a layer with several inputs, its first), and the
 * element-wise layers that only read tensors of the path (the Sigmoid of a SiLU x * sigmoid(x)), in
 * graph order. null when no input leads to a conv.
 */
function producerPath(
  analysis: Analysis,
  structure: GraphStructure,
  ops: readonly LayerReport[],
): LayerReport[] | null {
  const flow = structure.dataflow;
  const indexOf = new Map(analysis.layers.map((l, i) => [l, i]));
  const opSet = new Set(ops);
  const produced = (set: ReadonlySet<LayerReport>, t: string): boolean => {
    const p = flow.producerOf(t);
    return p !== undefined && set.has(at(analysis.layers, p));
  };
  const external = [...new Set(ops.flatMap((o) => flow.dataInputsOf(indexOf.get(o) as number)))].filter(
    (t) => !produced(opSet, t),
  );
  for (const t of external) {
    const path: LayerReport[] = [];
    let tensor = t;
    for (let step = 0; step < 4; step++) {
      const p = flow.producerOf(tensor);
      if (p === undefined) break;
      const pl = at(analysis.layers, p);
      path.push(pl);
      if (pl.opType === 'Conv') {
        const set = new Set<LayerReport>([...path, ...ops]);
        const entry = pl.inputs[0];
        // Close over element-wise side layers whose inputs the path already computes.
        for (let changed = true, rounds = 0; changed && rounds < 4; rounds++) {
          changed = false;
          for (const l of [...set]) {
            for (const u of flow.dataInputsOf(indexOf.get(l) as number)) {
              if (u === entry || produced(set, u)) continue;
              const q = flow.producerOf(u);
              if (q === undefined) continue;
              const ql = at(analysis.layers, q);
              const kind = elementwiseKind(ql);
              if (kind === null || !WALK_KINDS.has(kind)) continue;
              if (flow.dataInputsOf(q).every((v) => v === entry || produced(set, v))) {
                set.add(ql);
                path.push(ql);
                changed = true;
              }
            }
          }
        }
        return path.sort((a, b) => (indexOf.get(a) as number) - (indexOf.get(b) as number));
      }
      const kind = elementwiseKind(pl);
      const ins = flow.dataInputsOf(p);
      if (kind === null || !WALK_KINDS.has(kind) || ins.length === 0) break;
      tensor = at(ins, 0);
    }
  }
  return null;
}

/** How an element-wise op reads in the evidence (as in G4's own messages). */
function opLabel(l: LayerReport): string {
  const kind = elementwiseKind(l);
  return kind === null ? l.opType : elementwiseLabel(l, kind);
}

/**
 * removed-elementwise: `ops` (the flagged layer, or every node of the element-wise kernel onnxruntime
 * ran it in, e.g. Sigmoid+Mul fused into one SiLU kernel) removed from behind their producer conv.
 */
function removedElementwiseSpec(
  finding: SpecSource,
  analysis: Analysis,
  structure: GraphStructure,
  layer: LayerReport,
  kernelNodes: readonly string[] | undefined,
): CounterfactualSpec | CounterfactualUnavailable {
  const kind = elementwiseKind(layer);
  if (kind === null)
    return {
      unavailable: `${layer.name} (${layer.opType}) is not element-wise under efflint's definition (analyzers/elementwise.ts)`,
    };
  if (kind === 'copy') return { unavailable: `${layer.name} is a data copy (${layer.opType}), not element-wise work` };
  const members = (kernelNodes ?? []).map((n) => analysis.layers.find((l) => l.name === n && l.scope === ''));
  const ops =
    members.length > 1 &&
    members.every((l) => l !== undefined && elementwiseKind(l) !== null && elementwiseKind(l) !== 'copy')
      ? (members as LayerReport[])
      : [layer];
  const path = producerPath(analysis, structure, ops);
  if (!path)
    return {
      unavailable: `no convolution produces the input of ${layer.name} (the pair is its producer conv with and without the op)`,
    };
  const producer = at(path, 0); // a path holds at least its conv
  const px = shape4(producer.inputShapes[0]);
  if (!px) return { unavailable: `${producer.name}: input not a static 4-D tensor` };
  const entry = at(producer.inputs, 0); // inputShapes maps inputs one to one
  const pathPlan = planLayers(path, new Set([entry]));
  if (typeof pathPlan === 'string') return { unavailable: pathPlan };
  const all = [...path, ...ops];
  const fullPlan = planLayers(all, new Set([entry]));
  if (typeof fullPlan === 'string') return { unavailable: fullPlan };
  const flow = structure.dataflow;
  // Tensors of the path that the model reads elsewhere too: the pair reads them twice as well, so that
  // onnxruntime fuses in the pair exactly what it can fuse in the model.
  const shared = path
    .flatMap((l) => l.outputs)
    .filter((t) => flow.isGraphOutput(t) || flow.consumersOf(t).some((c) => !all.includes(at(analysis.layers, c))));
  const pathExit = at(path, path.length - 1).outputs[0];
  const opsExit = at(ops, ops.length - 1).outputs[0];
  if (pathExit === undefined || opsExit === undefined)
    return {
      unavailable: `the last layer of ${pathExit === undefined ? 'the producer path' : layer.name} has no output`,
    };
  const unit = (layers: readonly LayerReport[], extra: readonly UnitInput[], exit: string, text: string): UnitSpec => ({
    text,
    inputs: [{ name: 'x', shape: px }, ...extra],
    emit: (b, handles, prefix) => {
      const tensors = new Map<string, TensorHandle>([[entry, at(handles, 0)]]);
      extra.forEach((e, i) => tensors.set(e.name, at(handles, i + 1)));
      emitLayers(b, layers, tensors, prefix);
      return [tensors.get(exit) as TensorHandle, ...shared.map((t) => tensors.get(t) as TensorHandle)];
    },
  });
  const opText = ops.map(opLabel).join('+');
  const pathText = path.map((l) => l.opType).join('+');
  const signature = all.map((l) => [l.opType, l.inputShapes, l.outputShapes, l.attributes]);
  return {
    ruleId: finding.ruleId,
    confirmation: finding.confirmation,
    node: layer.name,
    key: `${finding.ruleId}|${JSON.stringify([signature, shared.length])}`,
    kind: 'op-removed',
    original: unit(all, fullPlan.extra, opsExit, `${pathText} + ${opText} on ${dimsText(px)}`),
    replacement: unit(path, pathPlan.extra, pathExit, `${pathText} without the ${opText}`),
    removedOps: opText,
  };
}

/** folded-batchnorm: conv + BatchNormalization against the conv with a bias. */
function foldedBatchNormSpec(
  finding: SpecSource,
  analysis: Analysis,
  structure: GraphStructure,
  layer: LayerReport,
): CounterfactualSpec | CounterfactualUnavailable {
  const flow = structure.dataflow;
  const ins = flow.dataInputsOf(analysis.layers.indexOf(layer));
  const p = ins.length === 1 ? flow.producerOf(at(ins, 0)) : undefined;
  const conv = p === undefined ? undefined : at(analysis.layers, p);
  if (conv?.opType !== 'Conv')
    return { unavailable: `${layer.name} does not follow a Conv (only Conv + BatchNormalization pairs are built)` };
  const params = convParams(conv);
  if (typeof params === 'string') return { unavailable: params };
  const x = shape4(conv.inputShapes[0]) as Dims4;
  const cOut = (shape4(conv.outputShapes[0]) as Dims4)[1];
  const base = convText(params, x[1], cOut, x);
  const epsilon = typeof layer.attributes.epsilon === 'number' ? layer.attributes.epsilon : undefined;
  return {
    ruleId: finding.ruleId,
    confirmation: finding.confirmation,
    node: layer.name,
    key: `${finding.ruleId}|${JSON.stringify([x, cOut, params, epsilon])}`,
    kind: 'op-removed',
    original: {
      text: `${base} + BatchNormalization`,
      inputs: [{ name: 'x', shape: x }],
      emit: (b, handles, prefix) => [
        b.batchNorm(emitConv(b, at(handles, 0), `${prefix}.conv`, params, cOut), { name: `${prefix}.bn`, epsilon }),
      ],
    },
    replacement: {
      text: `${base} with the BatchNormalization folded into its weights and bias`,
      inputs: [{ name: 'x', shape: x }],
      emit: (b, handles, prefix) => [emitConv(b, at(handles, 0), `${prefix}.conv`, params, cOut, params.group, true)],
    },
    removedOps: null,
  };
}

/** The fields of a finding the builders read. */
export interface CounterfactualFinding {
  readonly ruleId: string;
  readonly messageId?: string;
  readonly node: string | null;
  readonly data?: Readonly<Record<string, unknown>>;
  /** The measurement its rule declares for its message (rules' `meta.confirmation`); absent: none. */
  readonly confirmation?: ConfirmationKind | null;
}

/**
 * Whether the finding's declared confirmation is a counterfactual pair of its own: every kind but
 * elementwise-time-share, which is decided from the measured model and other findings' pairs.
 */
export function hasCounterfactual(f: CounterfactualFinding): boolean {
  return f.confirmation != null && f.confirmation !== 'elementwise-time-share';
}

/** Why a finding without a declared check has no counterfactual (the evidence of its null verdict). */
export function noCheckDeclared(f: CounterfactualFinding): string {
  return `this rule declares no measurement check${f.messageId ? ` for its '${f.messageId}' findings` : ''}`;
}

/**
 * The counterfactual of one finding, read off the analysis of the model it was found in, or why there
 * is none. Pure: builds no model bytes (the unit emitters are dry-run once to check shapes).
 */
export function counterfactualFor(
  finding: CounterfactualFinding,
  analysis: Analysis,
  structure: GraphStructure,
  options: CounterfactualOptions = {},
): CounterfactualSpec | CounterfactualUnavailable {
  const confirmation = finding.confirmation;
  if (confirmation == null) return { unavailable: noCheckDeclared(finding) };
  if (confirmation === 'elementwise-time-share')
    return { unavailable: `the ${confirmation} check is decided from the measured model, not by a pair of its own` };
  if (finding.node === null) return { unavailable: 'a whole-model finding has no single layer to re-create' };
  const layer = analysis.layers.find((l) => l.name === finding.node && l.scope === '');
  if (!layer) return { unavailable: `node '${finding.node}' is not a layer of the main graph` };
  const source: SpecSource = { ruleId: finding.ruleId, confirmation };
  let spec: CounterfactualSpec | CounterfactualUnavailable;
  switch (confirmation) {
    case 'balanced-channels':
      spec = balancedChannelsSpec(source, layer, options.channelAlign ?? 8);
      break;
    case 'dense-conv':
      spec = denseConvSpec(source, layer);
      break;
    case 'merged-block':
      spec = mergedBlockSpec(source, analysis, structure, finding.data, layer.name);
      break;
    case 'removed-elementwise':
      spec = removedElementwiseSpec(source, analysis, structure, layer, options.kernelNodes);
      break;
    case 'folded-batchnorm':
      spec = foldedBatchNormSpec(source, analysis, structure, layer);
      break;
    default: {
      // A kind this profiler does not know (a rule written against a newer vocabulary): nothing to build.
      const unknown: never = confirmation;
      return { unavailable: `no measurement procedure for the confirmation kind '${String(unknown)}'` };
    }
  }
  if ('unavailable' in spec) return spec;
  const problem = checkEmit(spec.original) ?? checkEmit(spec.replacement);
  return problem ? { unavailable: `the pair cannot be built: ${problem}` } : spec;
}

function buildVariant(label: string, unit: UnitSpec, copies: number): CounterfactualModel {
  const b = new GraphBuilder({ name: label, weights: true });
  const inputs = unit.inputs.map((i) => b.input(safeName(i.name), i.shape));
  let outputShape: readonly number[] = [];
  let tails = 0;
  for (let c = 0; c < copies; c++) {
    const outs = unit.emit(b, inputs, `copy${c}`);
    outputShape = at(outs, 0).shape; // a unit returns its output first
    for (const t of outs) {
      // Reads one element per channel, then keeps one (see the module comment).
      const k = tails++;
      const read =
        t.shape.length === 4 ? b.maxPool(t, { name: `tail${k}.pool`, kernel: 1, stride: [t.height, t.width] }) : t;
      const axes = Array.from({ length: read.shape.length - 1 }, (_, i) => i + 1);
      b.output(
        b.slice(
          read,
          `tail${k}.slice`,
          axes.map(() => 0),
          axes.map(() => 1),
          axes,
        ),
        `y${k}`,
      );
    }
  }
  const model = b.toBytes();
  // The unit's multiply-adds, the tails left out.
  const flops = analyzeModel(loadModelBytes(model, { path: label }))
    .layers.filter((l) => !l.name.startsWith('tail'))
    .reduce((sum, l) => sum + (l.flops ?? 0), 0);
  return {
    label,
    text: unit.text,
    model,
    inputs: unit.inputs.map((i) => ({ name: safeName(i.name), dtype: 'float32', dims: i.shape, intRange: 1 })),
    flopsPerCopy: flops / copies,
    outputShape,
  };
}

/** Builds both variants of a pair with `copies` copies of the unit each (at least 2), and with one. */
export function buildCounterfactualPair(spec: CounterfactualSpec, copies: number): CounterfactualPair {
  if (!Number.isSafeInteger(copies) || copies < 2)
    throw new RangeError(`copies must be an integer of at least 2 (got ${copies})`);
  const tag = spec.node.replace(/[^A-Za-z0-9_.-]/g, '_');
  return {
    spec,
    copies,
    original: buildVariant(`${spec.ruleId}:${tag}:original:x${copies}`, spec.original, copies),
    replacement: buildVariant(`${spec.ruleId}:${tag}:replacement:x${copies}`, spec.replacement, copies),
    originalOne: buildVariant(`${spec.ruleId}:${tag}:original:x1`, spec.original, 1),
    replacementOne: buildVariant(`${spec.ruleId}:${tag}:replacement:x1`, spec.replacement, 1),
  };
}
