import type { Analysis } from '../analyze.js';
import type { FusionNode } from './plan-graph.js';
import {
  assemblePlan,
  buildRuntimeGraph,
  displayOp,
  eliminateNoOps,
  FusionGraph,
  placeEliminated,
} from './plan-graph.js';
import type { ExecutionPlan } from './types.js';
import { at } from '../../util/at.js';

/**
 * A best-effort static model of TensorRT's layer fusions, from the fusion types its documentation
 * lists: NVIDIA TensorRT Developer Guide, "Types of Fusions" (Performance > Layer Fusion, now the
 * "Layer Fusion Catalog": https://docs.nvidia.com/deeplearning/tensorrt/latest/performance/fusion-catalog.html):
 * - Convolution/Deconvolution and Scale: a BatchNormalization (the ONNX parser makes it a Scale) or a
 *   per-channel constant Add/Mul after a conv folds into its weights;
 * - Convolution and ElementWise Sum: a same-shape Add of the conv output and another tensor;
 * - Convolution and ReLU / GELU / Clip / generic activations, also after the fused Sum;
 * - Scale and Activation (a BatchNormalization that follows no conv, then an activation);
 * - MatrixMultiply/Gemm with its bias Add and activation;
 * - PointWise fusion: adjacent element-wise layers (SiLU's Sigmoid and Mul, chains of activations
 *   and arithmetic) run as one PointWise kernel;
 * - Shuffle and Shuffle: consecutive Reshape/Transpose/Flatten/Squeeze/Unsqueeze run as one shuffle.
 * Identity and inference Dropout are removed; constants are folded at build time.
 *
 * Not modelled: which kernels ("tactics") TensorRT picks, reformat copies between layouts and
 * precisions, horizontal merging of parallel convs, concat elimination, padding fusion,
 * multi-head-attention and Q/DQ fusions. A tensor other layers also read, or that is a graph output,
 * is never fused away.
 */

const CONV_OPS = new Set(['Conv', 'ConvTranspose']);
const ACTIVATIONS = new Set([
  'Relu',
  'Clip',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Elu',
  'Selu',
  'Softplus',
  'Softsign',
  'HardSigmoid',
  'ThresholdedRelu',
  'Gelu',
]);
const POINTWISE = new Set([
  ...ACTIVATIONS,
  'HardSwish',
  'Mish',
  'Abs',
  'Neg',
  'Exp',
  'Log',
  'Sqrt',
  'Reciprocal',
  'Erf',
  'Floor',
  'Ceil',
  'Round',
  'Sin',
  'Cos',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
  'PRelu',
]);
const SHUFFLES = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze']);

const plain = (n: FusionNode, ops: ReadonlySet<string>): boolean =>
  n.domain === '' && ops.has(n.opType) && n.members.size === 1;

/** `[C, 1, ...]` or `[1, C, 1, ...]` constant: a per-channel scale or shift of a conv's output. */
function perChannel(g: FusionGraph, t: string, channels: number, rank: number): boolean {
  const s = g.view.shapeOf(t);
  if (!g.isConstant(t) || !s?.every((d) => typeof d === 'number')) return false;
  if (s.length === rank - 1) return s[0] === channels && s.slice(1).every((x) => x === 1);
  if (s.length === rank) return s[0] === 1 && s[1] === channels && s.slice(2).every((x) => x === 1);
  return false;
}

/** The next node when `n`'s output feeds exactly one input of exactly one node and is no graph output. */
function next(g: FusionGraph, n: FusionNode): FusionNode | null {
  const o = n.outputs[0];
  if (!o || n.outputs.filter((x) => x).length !== 1) return null;
  return g.loneConsumer(o);
}

/** The activation alone reading `n`'s output runs as `n`'s epilogue. */
function fuseActivation(g: FusionGraph, n: FusionNode): void {
  const act = next(g, n);
  if (act && plain(act, ACTIVATIONS)) {
    n.activation = act.opType;
    g.absorb(n, act, 'epilogue-activation');
  }
}

/** Conv/Deconvolution epilogues: weight folds, then one residual Add, then one activation. */
function fuseConvs(g: FusionGraph): void {
  for (const n of g.live()) {
    if (n.removed || n.domain !== '' || !CONV_OPS.has(n.opType)) continue;
    const w = g.view.shapeOf(n.inputs[1] ?? '');
    const channels =
      w && typeof w[n.opType === 'Conv' ? 0 : 1] === 'number' ? (w[n.opType === 'Conv' ? 0 : 1] as number) : null;
    if (g.isConstant(n.inputs[1] ?? '') && channels !== null && w) {
      for (let m = next(g, n); m; m = next(g, n)) {
        const fold =
          (m.opType === 'BatchNormalization' &&
            m.domain === '' &&
            m.inputs.slice(1, 5).every((t) => t !== '' && g.isConstant(t))) ||
          ((m.opType === 'Add' || m.opType === 'Mul') &&
            m.domain === '' &&
            m.inputs.length === 2 &&
            m.inputs.some((t) => t !== n.outputs[0] && perChannel(g, t, channels, w.length)));
        if (!fold) break;
        g.absorb(n, m, 'weight-fold');
      }
    }
    const add = next(g, n);
    // next() found a reader, so the conv writes its output.
    const y = add ? at(n.outputs, 0) : '';
    if (add?.domain === '' && add.opType === 'Add' && add.inputs.length === 2) {
      const other = at(add.inputs, 0) === y ? at(add.inputs, 1) : at(add.inputs, 0);
      const same = JSON.stringify(g.view.shapeOf(other)) === JSON.stringify(g.view.shapeOf(y));
      if (!g.isConstant(other) && same && other !== y) {
        g.absorb(n, add, 'epilogue-add');
        n.sum = true;
      }
    }
    fuseActivation(g, n);
  }
}

/** Gemm/MatMul with its bias Add and activation; Scale (BatchNormalization) with its activation. */
function fuseGemmsAndScales(g: FusionGraph): void {
  for (const n of g.live()) {
    if (n.removed || n.domain !== '') continue;
    if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const add = next(g, n);
      if (add && plain(add, new Set(['Add'])) && add.inputs.some((t) => t !== n.outputs[0] && g.isConstant(t)))
        g.absorb(n, add, 'bias-fold');
    } else if (n.opType !== 'BatchNormalization') {
      continue;
    }
    fuseActivation(g, n);
  }
}

/** PointWise fusion: an element-wise layer whose output only the next element-wise layer reads joins it. */
function fusePointwise(g: FusionGraph): void {
  for (const n of g.live()) {
    if (n.removed || n.domain !== '' || !POINTWISE.has(n.opType) || n.activation !== null || n.sum) continue;
    for (const t of n.inputs) {
      const p = t ? g.producer(t) : undefined;
      if (!p || p.removed || p.domain !== '' || !POINTWISE.has(p.opType) || p.activation !== null || p.sum) continue;
      if (g.loneConsumer(t) !== n || p.outputs.filter((o) => o).length !== 1) continue;
      g.absorb(n, p, 'pointwise-merge', false);
    }
  }
}

/** Shuffle and Shuffle fusion: consecutive layout layers run as one shuffle. */
function fuseShuffles(g: FusionGraph): void {
  for (const n of g.live()) {
    if (n.removed || !plain(n, SHUFFLES)) continue;
    for (let m = next(g, n); m && plain(m, SHUFFLES); m = next(g, n)) {
      g.absorb(n, m, 'shuffle-merge');
    }
  }
}

/** The static plan of TensorRT's layer fusions (see the module comment). */
export function buildTensorrtPlan(analysis: Analysis): ExecutionPlan {
  const g = new FusionGraph(buildRuntimeGraph(analysis));
  const eliminated = eliminateNoOps(g);
  fuseConvs(g);
  fuseGemmsAndScales(g);
  fusePointwise(g);
  fuseShuffles(g);
  const display = (n: FusionNode): string => {
    const merged = [...n.members.values()];
    if (merged.includes('pointwise-merge')) return 'PointWise';
    if (merged.includes('shuffle-merge')) return 'Shuffle';
    return displayOp(at(analysis.layers, n.layer));
  };
  return assemblePlan('tensorrt', 'static-model', placeEliminated(g, g.drafts(display), eliminated), {
    tensorrt: 'documented layer fusions (Developer Guide, Types of Fusions); tactics and reformats not modelled',
  });
}
