import { readFileSync } from 'node:fs';
import type { Analysis } from '../analyze.js';
import type { Dim } from '../../model/ir.js';
import type { FusionNode } from './plan-graph.js';
import {
  assemblePlan,
  buildRuntimeGraph,
  eliminateNoOps,
  FusionGraph,
  inputOf,
  outputOf,
  placeEliminated,
} from './plan-graph.js';
import type { ExecutionPlan, FusionKind, PlannedKernel } from './types.js';
import { at } from '../../util/at.js';

/**
 * A static model of what onnxruntime 1.30's CPU execution provider runs at graph optimization level
 * "all" (ORT_ENABLE_ALL). It replays, in onnxruntime's order, the graph transformers that change
 * which kernels run (onnxruntime/core/optimizer/graph_transformer_utils.cc):
 *
 * Level 1 (basic): Identity/Dropout elimination, Relu+Clip, Conv+Add / Conv+Mul / Conv+BatchNormalization
 * weight folding (constant per-channel operand), MatMul+Add -> Gemm; constant folding is the analysis'
 * `folded` flag plus Shape of a static shape.
 * Level 2 (extended, CPU EP): Gemm+activation -> FusedGemm, Conv+activation -> FusedConv,
 * x*sigmoid(x) -> QuickGelu.
 * Level 3 (layout): the NCHWc transformer (nchwc_transformer.cc) when MLAS has a block size, then
 * Conv+Add(+activation) -> FusedConv for the convs that stayed in NCHW.
 *
 * The NCHWc rules were taken from onnxruntime's source and checked against the graphs onnxruntime
 * 1.30 saves (test/analyzers/runtime-plan.test.ts compares both for every zoo model):
 * - Conv/FusedConv with a constant float 4-D weight converts when: group = 1 and input channels below
 *   the block (the kernel reads the NCHW input directly) or a multiple of 4; group > 1 and output
 *   channels a multiple of 4 and either depthwise (1 input channel per group, group = output channels)
 *   or input channels per group and output channels per group multiples of the block.
 * - MaxPool/AveragePool convert when their input channels are a multiple of the block; GlobalMaxPool/
 *   GlobalAveragePool, Add/Sum/Mul, Concat (axis 1, every input's channels a multiple of the block),
 *   Relu/Sigmoid/Tanh/HardSigmoid/QuickGelu, BatchNormalization (as a depthwise 1x1 Conv), Mul by a
 *   per-channel constant (as a depthwise 1x1 Conv), Transpose to NHWC and Resize convert only when
 *   every data input already is an NCHWc tensor.
 * - An Add/Sum of two same-shape NCHWc tensors folds into the Conv producing its first operand that
 *   has no activation, no other reader and no Sum yet; a following Relu/Sigmoid/Tanh/HardSigmoid
 *   becomes that Conv's activation when the Conv's output (or its fused Add's) has exactly one reader.
 * - ReorderInput is inserted once per NCHW tensor an NCHWc node reads; ReorderOutput once per NCHWc
 *   tensor some NCHW reader or the graph output still needs.
 *
 * Not modelled (rare in CNNs, absent from the zoo): the transpose optimizer's Transpose pushing and
 * cancelling, fusions for transformers (LayerNorm, Gelu, attention, SkipLayerNorm...), quantized (QDQ)
 * fusions, MatMul+Add with inputs of rank above 2, NHWC ops (NhwcTransformer), fp16 kernels,
 * If/Loop bodies, and NCHWc's symbolic-dimension tracking (shapes are compared as inferred).
 */

/** Options of the onnxruntime CPU model. */
export interface OnnxruntimeCpuOptions {
  /** MLAS NCHWc block size: 16 (AVX-512F), 8 (other x86-64), 0 or 1 to turn the NCHWc transformer off. Default: detected. */
  readonly nchwcBlock?: number;
}

/** The NCHWc block size MLAS picks on this machine, and how it was found. */
export interface NchwcBlockDetection {
  readonly block: number;
  readonly source: string;
}

/**
 * MLAS's NCHWc block size on this machine (onnxruntime/core/mlas/lib/platform.cpp): every x86-64
 * build starts at 8 (SSE/AVX/AVX2 kernels) and switches to 16 when the CPU and OS support AVX-512F;
 * on other targets the prebuilt packages have no NCHWc kernels (MlasNchwcGetBlockSize() returns 1)
 * and the transformer is not registered.
 */
export function detectNchwcBlock(): NchwcBlockDetection {
  detected ??= readNchwcBlock();
  return detected;
}

let detected: NchwcBlockDetection | undefined;

function readNchwcBlock(): NchwcBlockDetection {
  if (process.arch !== 'x64') {
    return {
      block: 1,
      source: `${process.platform}-${process.arch}: no NCHWc kernels in onnxruntime's prebuilt CPU package, NCHWc off`,
    };
  }
  if (process.platform === 'linux') {
    try {
      const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
      if (line !== undefined) {
        const flags = new Set(line.trim().split(/\s+/));
        return flags.has('avx512f')
          ? { block: 16, source: 'linux-x64 /proc/cpuinfo: avx512f' }
          : { block: 8, source: 'linux-x64 /proc/cpuinfo: no avx512f' };
      }
    } catch {
      // Fall through to the assumption below.
    }
  }
  return { block: 8, source: `${process.platform}-x64: CPU flags not read, assumed no AVX-512F` };
}

/** Activations ConvActivationFusion folds into FusedConv on the CPU EP (Clip only with constant bounds). */
const CONV_ACTIVATIONS = new Set(['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'HardSigmoid', 'Clip']);
/** Activations GemmActivationFusion folds into FusedGemm (optimizer_utils IsFusableActivation). */
const GEMM_ACTIVATIONS = new Set([
  'Elu',
  'HardSigmoid',
  'LeakyRelu',
  'Relu',
  'Selu',
  'Sigmoid',
  'Softplus',
  'Softsign',
  'Tanh',
  'ThresholdedRelu',
]);
/** Activations the NCHWc transformer folds into the NCHWc Conv before them (QuickGelu runs on blocked tensors but stays a kernel). */
const NCHWC_FUSABLE_ACTIVATIONS = new Set(['Relu', 'Sigmoid', 'Tanh', 'HardSigmoid']);
const NCHWC = 'com.microsoft.nchwc';
const MS = 'com.microsoft';
/** Stands for the bias a folded BatchNormalization or Add gives a Conv that had none (a [C] initializer). */
const FOLDED_BIAS = '\u0000folded-bias';

const isOp = (n: FusionNode, opType: string, domain = ''): boolean => n.opType === opType && n.domain === domain;

function dimsEqual(a: readonly Dim[] | null, b: readonly Dim[] | null): boolean {
  if (a === null || a.length !== b?.length) return false;
  return a.every((d, i) => (typeof d === 'number' ? d > 0 && d === b[i] : typeof b[i] === 'string' && d === b[i]));
}

function numeric(shape: readonly Dim[] | null): readonly number[] | null {
  return shape?.every((d) => typeof d === 'number') ? shape : null;
}

/** `[C, 1, ...]` (rank r - 1) or `[1, C, 1, ...]` (rank r): a per-output-channel constant for a rank-r conv weight. */
function perChannel(shape: readonly Dim[] | null, channels: number, weightRank: number): boolean {
  const s = numeric(shape);
  if (s === null) return false;
  if (s.length === weightRank - 1) return s[0] === channels && s.slice(1).every((d) => d === 1);
  if (s.length === weightRank) return s[0] === 1 && s[1] === channels && s.slice(2).every((d) => d === 1);
  return false;
}

function intAttr(g: FusionGraph, n: FusionNode, name: string, fallback: number): number {
  const v = g.report(n).attributes[name];
  return typeof v === 'number' ? v : fallback;
}

function isFloat(g: FusionGraph, n: FusionNode): boolean {
  const o = n.outputs[0];
  return o !== undefined && g.view.dtypeOf(o) === 'float32';
}

/** Clip's bounds are omitted or constant (FusedConv needs them as numbers). */
function clipBoundsConstant(g: FusionGraph, n: FusionNode): boolean {
  return n.inputs.slice(1).every((t) => t === '' || g.isConstant(t));
}

/** FuseReluClip: Relu followed by Clip runs as the Clip alone. */
function fuseReluClip(g: FusionGraph): void {
  for (const n of g.live()) {
    if (!isOp(n, 'Relu')) continue;
    const y = outputOf(n, 0);
    const c = g.loneConsumer(y);
    if (!c || !isOp(c, 'Clip') || c.inputs[0] !== y) continue;
    const min = c.inputs[1];
    if (min && !g.isConstant(min)) continue;
    g.setInput(c, 0, inputOf(n, 0));
    g.absorb(c, n, 'pointwise-merge', false);
  }
}

/** ConvAddFusion, ConvMulFusion, ConvBNFusion: constant per-channel ops after a Conv fold into its weights. */
function foldIntoConvWeights(g: FusionGraph): void {
  for (const n of g.live()) {
    if (!isOp(n, 'Conv') || n.removed) continue;
    const weight = inputOf(n, 1);
    const w = numeric(g.view.shapeOf(weight));
    if (!w || w.length < 3 || !g.isConstant(weight)) continue;
    const bias = n.inputs[2];
    if (bias && !g.isConstant(bias)) continue;
    for (;;) {
      const y = outputOf(n, 0);
      if (g.view.isGraphOutput(y)) break;
      const next = g.edges(y);
      if (next.length !== 1) break;
      const m = at(next, 0);
      if (m.domain !== '' || m.inputs[0] !== y) break;
      let ok = false;
      if (m.opType === 'BatchNormalization') {
        const extraOutputUsed = m.outputs.slice(1).some((o) => o && (g.edges(o).length > 0 || g.view.isGraphOutput(o)));
        ok = !extraOutputUsed && m.inputs.slice(1, 5).every((t) => t !== '' && g.isConstant(t));
      } else if (m.opType === 'Add' || m.opType === 'Mul') {
        ok =
          m.inputs.length === 2 &&
          g.isConstant(at(m.inputs, 1)) &&
          perChannel(g.view.shapeOf(at(m.inputs, 1)), at(w, 0), w.length);
      }
      if (!ok) break;
      g.absorb(n, m, 'weight-fold');
      if (m.opType !== 'Mul' && !n.inputs[2]) g.setInput(n, 2, FOLDED_BIAS);
    }
  }
}

/** MatMulAddFusion: MatMul (2-D operands) then Add of a bias runs as one Gemm. */
function fuseMatMulAdd(g: FusionGraph): void {
  for (const n of g.live()) {
    if (!isOp(n, 'MatMul')) continue;
    const out = outputOf(n, 0);
    const a = g.view.shapeOf(inputOf(n, 0));
    const b = g.view.shapeOf(inputOf(n, 1));
    const y = g.view.shapeOf(out);
    if (a?.length !== 2 || b?.length !== 2 || y?.length !== 2) continue;
    const add = g.loneConsumer(out);
    if (!add || !isOp(add, 'Add') || add.inputs.length !== 2) continue;
    const bias = at(add.inputs, 0) === out ? at(add.inputs, 1) : at(add.inputs, 0);
    const c = g.view.shapeOf(bias);
    // Gemm's C must broadcast one way to [M, N].
    if (c === null || c.length > 2 || c.some((d, i) => d !== 1 && d !== y[y.length - c.length + i])) continue;
    n.opType = 'Gemm';
    g.absorb(n, add, 'bias-fold');
  }
}

/** GemmActivationFusion and ConvActivationFusion (CPU EP). */
function fuseActivations(g: FusionGraph): void {
  for (const n of g.live()) {
    if (n.removed) continue;
    const gemm = isOp(n, 'Gemm');
    const conv = isOp(n, 'Conv');
    if (!gemm && !conv) continue;
    if (!isFloat(g, n)) continue;
    const y = outputOf(n, 0);
    const act = g.loneConsumer(y);
    if (act?.domain !== '' || act.inputs[0] !== y) continue;
    if (gemm && !GEMM_ACTIVATIONS.has(act.opType)) continue;
    if (conv && (!CONV_ACTIVATIONS.has(act.opType) || (act.opType === 'Clip' && !clipBoundsConstant(g, act)))) continue;
    n.opType = gemm ? 'FusedGemm' : 'FusedConv';
    n.domain = MS;
    n.activation = act.opType;
    g.absorb(n, act, 'epilogue-activation');
  }
}

/** QuickGeluFusion: x * Sigmoid(x) (or x * Sigmoid(alpha * x)) runs as one QuickGelu. */
function fuseQuickGelu(g: FusionGraph): void {
  const scalar = (t: string): boolean => {
    const s = numeric(g.view.shapeOf(t));
    return g.isConstant(t) && (s?.every((d) => d === 1) ?? false);
  };
  for (const m of g.live()) {
    if (!isOp(m, 'Mul') || m.removed || m.inputs.length !== 2) continue;
    for (const k of [0, 1]) {
      const s = g.producer(at(m.inputs, k));
      const x = at(m.inputs, 1 - k);
      if (!s || !isOp(s, 'Sigmoid') || g.loneConsumer(outputOf(s, 0)) !== m) continue;
      let alpha: FusionNode | null = null;
      if (s.inputs[0] !== x) {
        const a = g.producer(inputOf(s, 0));
        if (!a || !isOp(a, 'Mul') || g.loneConsumer(outputOf(a, 0)) !== s) continue;
        const ok = (a.inputs[0] === x && scalar(inputOf(a, 1))) || (a.inputs[1] === x && scalar(inputOf(a, 0)));
        if (!ok) continue;
        alpha = a;
      }
      m.opType = 'QuickGelu';
      m.domain = MS;
      g.setInputs(m, [x]);
      g.absorb(m, s, 'pointwise-merge', false);
      if (alpha) g.absorb(m, alpha, 'pointwise-merge', false);
      break;
    }
  }
}

/** An NCHWc tensor: the node writing it and the bookkeeping onnxruntime keeps per original tensor. */
interface NchwcArg {
  readonly node: FusionNode;
  /** Readers of the original tensor when it was converted (edges, plus one for a graph output). */
  readonly startingUses: number;
  /** Readers still wanting it in NCHW; a ReorderOutput is inserted when this stays above 0. */
  remaining: number;
  /** Logical channel count (the NCHWc tensor is padded up to the block). */
  readonly channels: number;
}

interface InsertedDraft {
  readonly kind: 'reorder-input' | 'reorder-output' | 'layout-reshape';
  readonly tensor: string;
  position: number;
}

/** The NCHWc layout transformer (NchwcTransformer), see the module comment for the rules. */
function transformNchwc(g: FusionGraph, block: number): { inserted: InsertedDraft[]; reordered: Set<string> } {
  const args = new Map<string, NchwcArg>();
  const reorderInputs = new Map<string, InsertedDraft>();
  const reshapes: InsertedDraft[] = [];
  // The last Transpose from NHWC to NCHW with one reader: a ReorderInput of its output reads NHWC instead.
  let transposeFromNhwc: FusionNode | null = null;
  const nodes = g.live();

  const uses = (n: FusionNode): number =>
    n.outputs.reduce((s, o) => s + (o ? g.edges(o).length : 0), 0) +
    (n.outputs.some((o) => o && g.view.isGraphOutput(o)) ? 1 : 0);
  const create = (original: FusionNode, writer: FusionNode, channels: number): void => {
    const u = uses(original);
    args.set(outputOf(original, 0), { node: writer, startingUses: u, remaining: u, channels });
  };
  const reorderInput = (t: string, reader: FusionNode): void => {
    const have = reorderInputs.get(t);
    if (have) {
      have.position = Math.min(have.position, reader.position - 0.5);
      return;
    }
    const d: InsertedDraft = { kind: 'reorder-input', tensor: t, position: reader.position - 0.5 };
    reorderInputs.set(t, d);
    const tr = transposeFromNhwc;
    if (tr?.outputs[0] === t) {
      // The Transpose goes: the ReorderInput reads its NHWC input (channels_last).
      tr.opType = 'ReorderInput';
      tr.domain = NCHWC;
      tr.position = reader.position - 0.5;
      reorderInputs.delete(t);
      transposeFromNhwc = null;
    }
  };
  const readInput = (n: FusionNode, t: string): void => {
    const a = args.get(t);
    if (a) a.remaining -= 1;
    else reorderInput(t, n);
  };
  const isNchwcConv = (n: FusionNode): boolean => n.opType === 'Conv' && n.domain === NCHWC;
  /** Every input some node writes comes from a converted node (onnxruntime: no input edges left). */
  const inputsConverted = (n: FusionNode): boolean => n.inputs.every((t) => !t || !g.producer(t) || args.has(t));

  const convertConv = (n: FusionNode): void => {
    const weight = inputOf(n, 1);
    const w = numeric(g.view.shapeOf(weight));
    if (w?.length !== 4 || !g.isConstant(weight) || !isFloat(g, n)) return;
    const cout = at(w, 0);
    const cinPerGroup = at(w, 1);
    const group = intAttr(g, n, 'group', 1);
    let reorder = true;
    if (group > 1) {
      if (cout % 4 !== 0) return;
      const depthwise = cinPerGroup === 1 && cout === group;
      if (!depthwise && (cinPerGroup % block !== 0 || cout % group !== 0 || (cout / group) % block !== 0)) return;
    } else if (cinPerGroup < block) {
      reorder = false;
    } else if (cinPerGroup % 4 !== 0) {
      return;
    }
    const b = n.inputs[2];
    if (b && b !== FOLDED_BIAS) {
      const bs = numeric(g.view.shapeOf(b));
      if (!g.isConstant(b) || bs?.length !== 1 || bs[0] !== cout) return;
    }
    n.domain = NCHWC;
    n.opType = 'Conv';
    if (reorder) readInput(n, inputOf(n, 0));
    create(n, n, cout);
  };

  const convertPool = (n: FusionNode, global: boolean): void => {
    if (n.outputs.filter((o) => o).length > 1) return;
    const x = inputOf(n, 0);
    const s = g.view.shapeOf(x);
    if (s?.length !== 4 || typeof s[1] !== 'number' || g.view.dtypeOf(x) !== 'float32') return;
    if (s[1] % block !== 0) return;
    if (global && !args.has(x) && g.producer(x)) return;
    n.domain = NCHWC;
    readInput(n, x);
    create(n, n, s[1]);
  };

  const convertBinary = (n: FusionNode, add: boolean): void => {
    const list = n.inputs.map((t) => args.get(t));
    if (!list.every((a): a is NchwcArg => a !== undefined)) return;
    const [head] = list;
    if (head === undefined) return;
    const channels = head.channels;
    if (list.some((a) => a.channels !== channels)) return;
    const first = g.view.shapeOf(inputOf(n, 0));
    const same = n.inputs.every((t) => dimsEqual(first, g.view.shapeOf(t)));
    if (!same && !add) return;
    for (const a of list) a.remaining -= 1;
    if (!same) {
      // Operands not provably equal in shape: added as 5-D views of the blocked tensors.
      for (const t of n.inputs) reshapes.push({ kind: 'layout-reshape', tensor: t, position: n.position - 0.25 });
      reshapes.push({ kind: 'layout-reshape', tensor: outputOf(n, 0), position: n.position + 0.25 });
      create(n, n, channels);
      return;
    }
    if (add && list.length === 2) {
      for (const operand of list) {
        const c = operand.node;
        if (isNchwcConv(c) && !c.sum && operand.startingUses === 1 && c.activation === null) {
          c.sum = true;
          args.set(outputOf(n, 0), { node: c, startingUses: uses(n), remaining: uses(n), channels });
          g.absorb(c, n, 'epilogue-add');
          return;
        }
      }
    }
    create(n, n, channels);
  };

  const convertMulByConstant = (n: FusionNode): boolean => {
    if (n.inputs.length !== 2) return false;
    for (const k of [0, 1]) {
      const a = args.get(at(n.inputs, k));
      const c = at(n.inputs, 1 - k);
      if (!a || !g.isConstant(c)) continue;
      const s = numeric(g.view.shapeOf(c));
      const ok =
        s !== null &&
        ((s.length === 4 && s[0] === 1 && s[1] === a.channels && s[2] === 1 && s[3] === 1) ||
          (s.length === 3 && s[0] === a.channels && s[1] === 1 && s[2] === 1));
      if (!ok) continue;
      a.remaining -= 1;
      n.opType = 'Conv';
      n.domain = NCHWC;
      create(n, n, a.channels);
      return true;
    }
    return false;
  };

  const convertActivation = (n: FusionNode): void => {
    const a = args.get(inputOf(n, 0));
    if (!a) return;
    a.remaining -= 1;
    const c = a.node;
    if (
      NCHWC_FUSABLE_ACTIVATIONS.has(n.opType) &&
      n.domain === '' &&
      isNchwcConv(c) &&
      a.startingUses === 1 &&
      c.activation === null
    ) {
      c.activation = n.opType;
      args.set(outputOf(n, 0), { node: c, startingUses: uses(n), remaining: uses(n), channels: a.channels });
      g.absorb(c, n, 'epilogue-activation');
      return;
    }
    create(n, n, a.channels);
  };

  const convertBatchNorm = (n: FusionNode): void => {
    if (n.outputs.filter((o) => o).length > 1) return;
    const a = args.get(inputOf(n, 0));
    if (!a) return;
    const spatial = g.report(n).attributes.spatial;
    if (spatial !== undefined && spatial !== 1) return;
    if (typeof g.report(n).attributes.epsilon !== 'number') return;
    const ok = n.inputs.slice(1, 5).every((t) => {
      const s = numeric(g.view.shapeOf(t));
      return t !== '' && g.isConstant(t) && s?.length === 1 && s[0] === a.channels;
    });
    if (!ok) return;
    a.remaining -= 1;
    n.opType = 'Conv';
    n.domain = NCHWC;
    create(n, n, a.channels);
  };

  const convertConcat = (n: FusionNode): void => {
    if (g.report(n).attributes.axis !== 1) return;
    const list = n.inputs.map((t) => args.get(t));
    if (list.some((a) => a === undefined || a.channels % block !== 0)) return;
    for (const a of list as NchwcArg[]) a.remaining -= 1;
    create(
      n,
      n,
      (list as NchwcArg[]).reduce((s, a) => s + a.channels, 0),
    );
  };

  const convertTransposeToNhwc = (n: FusionNode): void => {
    const a = args.get(inputOf(n, 0));
    const perm = g.report(n).attributes.perm;
    if (!a || !Array.isArray(perm) || perm.join() !== '0,2,3,1') return;
    a.remaining -= 1;
    n.opType = 'ReorderOutput';
    n.domain = NCHWC;
  };

  const convertResize = (n: FusionNode): void => {
    const a = args.get(inputOf(n, 0));
    if (!a) return;
    const attrs = g.report(n).attributes;
    const mode = typeof attrs.mode === 'string' ? attrs.mode : 'nearest';
    if (mode !== 'nearest' && mode !== 'linear') return;
    const opset = g.view.analysis.model.opsets['ai.onnx'] ?? 0;
    let scaleInput: string;
    if (n.opType === 'Resize' && opset >= 11) {
      const ctm = attrs.coordinate_transformation_mode;
      if (typeof ctm !== 'string') return;
      if (mode === 'nearest' && (ctm !== 'asymmetric' || attrs.nearest_mode !== 'floor')) return;
      if (mode === 'linear' && !['asymmetric', 'align_corners', 'half_pixel'].includes(ctm)) return;
      // sizes (input 3) when given, else scales; '' is an omitted input, hence || rather than ??.
      scaleInput = inputOf(n, 3) || inputOf(n, 2);
    } else {
      scaleInput = inputOf(n, 1);
    }
    if (!scaleInput || !g.isConstant(scaleInput)) return;
    // The scales must be whole numbers, 1 on batch and channels: read off the inferred shapes.
    const x = numeric(g.view.shapeOf(inputOf(n, 0)));
    const y = numeric(g.view.shapeOf(outputOf(n, 0)));
    if (!x || !y || x.length !== 4 || y.length !== 4) return;
    if (y[0] !== x[0] || y[1] !== x[1] || at(y, 2) % at(x, 2) !== 0 || at(y, 3) % at(x, 3) !== 0) return;
    a.remaining -= 1;
    n.opType = 'Upsample';
    n.domain = NCHWC;
    create(n, n, a.channels);
  };

  for (const n of nodes) {
    if (n.removed) continue;
    if (isOp(n, 'Transpose')) {
      const perm = g.report(n).attributes.perm;
      const y = outputOf(n, 0);
      if (Array.isArray(perm) && perm.join() === '0,3,1,2' && !g.view.isGraphOutput(y) && g.edges(y).length === 1) {
        transposeFromNhwc = n;
      }
    }
    if (isOp(n, 'Conv') || isOp(n, 'FusedConv', MS)) {
      convertConv(n);
    } else if (isOp(n, 'MaxPool') || isOp(n, 'AveragePool')) {
      convertPool(n, false);
    } else if (n.inputs.some((t) => t) && inputsConverted(n)) {
      if (isOp(n, 'Add') || isOp(n, 'Sum')) convertBinary(n, true);
      else if (isOp(n, 'Mul')) {
        if (!convertMulByConstant(n)) convertBinary(n, false);
      } else if (isOp(n, 'Concat')) convertConcat(n);
      else if (n.domain === '' && NCHWC_FUSABLE_ACTIVATIONS.has(n.opType)) convertActivation(n);
      else if (isOp(n, 'QuickGelu', MS)) convertActivation(n);
      else if (isOp(n, 'BatchNormalization')) convertBatchNorm(n);
      else if (isOp(n, 'Transpose')) convertTransposeToNhwc(n);
      else if (isOp(n, 'Upsample') || isOp(n, 'Resize')) convertResize(n);
      else if (isOp(n, 'GlobalMaxPool') || isOp(n, 'GlobalAveragePool')) convertPool(n, true);
    }
  }

  const inserted: InsertedDraft[] = [...reorderInputs.values(), ...reshapes];
  const reordered = new Set<string>();
  for (const [t, a] of args) {
    if (a.remaining > 0) {
      inserted.push({ kind: 'reorder-output', tensor: t, position: a.node.position + 0.5 });
      reordered.add(t);
    }
  }
  return { inserted, reordered };
}

/**
 * ConvAddActivationFusion (level 3, after NCHWc): a Conv with a bias whose only reader is a same-shape
 * 4-D Add folds the Add (and an activation that is the Add's only reader) into FusedConv.
 */
function fuseConvAddActivation(g: FusionGraph, reordered: ReadonlySet<string>): void {
  const canTake = (p: FusionNode): boolean =>
    p.opType === 'Conv' &&
    !p.sum &&
    p.activation === null &&
    !!p.inputs[2] &&
    g.edges(outputOf(p, 0)).length === 1 &&
    !g.view.isGraphOutput(outputOf(p, 0));
  for (const n of g.live()) {
    if (n.removed || !isOp(n, 'Conv') || !isFloat(g, n)) continue;
    const add = g.loneConsumer(outputOf(n, 0));
    if (!add || !isOp(add, 'Add') || add.inputs.length !== 2) continue;
    const a = g.view.shapeOf(at(add.inputs, 0));
    if (a?.length !== 4 || !dimsEqual(a, g.view.shapeOf(at(add.inputs, 1)))) continue;
    // The producers onnxruntime sees: a tensor an NCHWc node wrote reaches the Add through a ReorderOutput.
    const producers = add.inputs
      .map((t) => (reordered.has(t) ? null : (g.producer(t) ?? null)))
      .filter((p): p is FusionNode => p !== null)
      .sort((x, y) => x.position - y.position);
    const conv = producers.find((p) => p.domain === '' && canTake(p));
    if (!conv) continue;
    const act = g.loneConsumer(outputOf(add, 0));
    conv.opType = 'FusedConv';
    conv.domain = MS;
    conv.sum = true;
    g.absorb(conv, add, 'epilogue-add');
    if (
      act?.domain === '' &&
      act.inputs[0] === add.outputs[0] &&
      CONV_ACTIVATIONS.has(act.opType) &&
      (act.opType !== 'Clip' || clipBoundsConstant(g, act))
    ) {
      conv.activation = act.opType;
      g.absorb(conv, act, 'epilogue-activation');
    }
  }
}

/** How onnxruntime's saved graph names a node's op: `com.microsoft.nchwc:` for NCHWc compute ops. */
export function onnxruntimeOpName(opType: string, domain: string): string {
  return domain === NCHWC && opType !== 'ReorderInput' && opType !== 'ReorderOutput' ? `${NCHWC}:${opType}` : opType;
}

/** The static plan of onnxruntime's CPU EP at graph optimization level "all" (see the module comment). */
export function buildOnnxruntimeCpuPlan(analysis: Analysis, options: OnnxruntimeCpuOptions = {}): ExecutionPlan {
  const detection =
    options.nchwcBlock === undefined ? detectNchwcBlock() : { block: options.nchwcBlock, source: 'option' };
  const block = detection.block;
  const view = buildRuntimeGraph(analysis);
  const g = new FusionGraph(view);
  const eliminated = eliminateNoOps(g);

  fuseReluClip(g);
  foldIntoConvWeights(g);
  fuseMatMulAdd(g);
  fuseActivations(g);
  fuseQuickGelu(g);
  const nchwc = block > 1 ? transformNchwc(g, block) : { inserted: [], reordered: new Set<string>() };
  fuseConvAddActivation(g, nchwc.reordered);

  const drafts = placeEliminated(
    g,
    g.drafts((n) => onnxruntimeOpName(n.opType, n.domain)),
    eliminated,
  );
  for (const ins of nchwc.inserted) {
    const opType =
      ins.kind === 'reorder-input' ? 'ReorderInput' : ins.kind === 'reorder-output' ? 'ReorderOutput' : 'Reshape';
    // onnxruntime's Reshape reuses its input buffer: the 5-D views copy nothing.
    const elements = ins.kind === 'layout-reshape' ? 0 : (view.elementsOf(ins.tensor) ?? 0);
    const inserted: NonNullable<PlannedKernel['inserted']> = { kind: ins.kind, tensor: ins.tensor, elements };
    drafts.push({ opType, layers: [], kinds: new Map<number, FusionKind>(), inserted, position: ins.position });
  }
  return assemblePlan('onnxruntime-cpu', 'static-model', drafts, {
    onnxruntime: '1.30 CPU execution provider',
    graphOptimizationLevel: 'all',
    nchwcBlock: block > 1 ? block : 0,
    nchwcBlockSource: detection.source,
  });
}
