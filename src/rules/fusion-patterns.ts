import type { LayerReport } from '../analyzers/analyze.js';
import type { GraphStructure } from '../analyzers/structure.js';

/** Kinds of element-wise work that a fused kernel (or an export-time fold) removes. */
export type FusionKind = 'conv-bn' | 'conv-activation' | 'silu' | 'hardswish' | 'add-relu' | 'se-gate' | 'bias-add';

/** One instance of a fusable pattern. */
export interface FusionMatch {
  readonly kind: FusionKind;
  /** Human name, e.g. 'Conv+BN', 'Conv+BN+ReLU', 'SiLU (x*sigmoid(x))'. */
  readonly label: string;
  /** Layer the finding points at (the element-wise op that would disappear, or the shortcut Add). */
  readonly anchor: number;
  /** Element-wise layers whose memory traffic the fusion removes. */
  readonly removed: readonly number[];
  /** The Conv/Gemm/MatMul that the work folds into, when there is one. */
  readonly producer?: number;
}

/** How to get rid of each kind, in words (used by G4 and E101 suggestions). */
export const FUSION_FIX: Readonly<Record<FusionKind, string>> = {
  'conv-bn': 'fold the BatchNormalization into the conv weights and bias at export (eval mode, constant folding) or let onnxruntime fold it',
  'conv-activation': 'run on a runtime that fuses the activation into the conv epilogue (onnxruntime FusedConv, TensorRT, cuDNN)',
  silu: 'export x*sigmoid(x) as one op or use a runtime that fuses point-wise chains; HardSwish is a cheaper drop-in where accuracy allows',
  hardswish: 'export the decomposed x*hardsigmoid(x) as one HardSwish op (opset 14)',
  'add-relu': 'fuse the shortcut Add and the ReLU into the epilogue of the preceding conv (cuDNN/TensorRT conv+add+relu), or use a unit without the Add (ShuffleNet V2 concatenates instead)',
  'se-gate': 'fuse the per-channel gate into the next conv (scale its input channels while loading) or use a fused squeeze-and-excitation kernel',
  'bias-add': 'fold the bias Add into the Conv bias or the Gemm C input',
};

const WEIGHTED_PRODUCERS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'FusedConv']);
const ACTIVATIONS: Readonly<Record<string, string>> = {
  Relu: 'ReLU',
  Clip: 'Clip (ReLU6)',
  LeakyRelu: 'LeakyReLU',
  PRelu: 'PReLU',
  Elu: 'ELU',
  Selu: 'SELU',
  Gelu: 'GELU',
  HardSwish: 'HardSwish',
  HardSigmoid: 'HardSigmoid',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Mish: 'Mish',
  Softplus: 'Softplus',
};

/**
 * Finds fusable element-wise patterns in the main graph. Each layer is claimed by at most one match;
 * patterns are tried in the order the runtime would fuse them (BN folds first, then activations).
 */
export function findFusablePatterns(structure: GraphStructure): FusionMatch[] {
  const flow = structure.dataflow;
  const layers = flow.layers;
  const claimed = new Set<number>();
  const matches: FusionMatch[] = [];
  const onlyInput = (n: number): number | undefined => {
    const ins = flow.dataInputsOf(n);
    return ins.length === 1 ? flow.producerOf(ins[0]) : undefined;
  };
  const soleConsumer = (producer: number): boolean => {
    const outs = flow.dataOutputsOf(producer);
    return outs.length === 1 && !flow.isGraphOutput(outs[0]) && flow.consumersOf(outs[0]).length === 1;
  };
  const add = (m: FusionMatch): void => {
    matches.push(m);
    for (const r of m.removed) claimed.add(r);
  };
  const foldedBn = new Map<number, number>();

  for (const n of flow.nodes) {
    const l = layers[n];
    if (l.opType !== 'BatchNormalization' || l.params === 0) continue;
    const p = onlyInput(n);
    if (p === undefined || !WEIGHTED_PRODUCERS.has(layers[p].opType) || !soleConsumer(p)) continue;
    foldedBn.set(n, p);
    add({ kind: 'conv-bn', label: `${layers[p].opType}+BN`, anchor: n, removed: [n], producer: p });
  }

  for (const n of flow.nodes) {
    const l = layers[n];
    if (claimed.has(n)) continue;
    // x * sigmoid(x) and x * hardsigmoid(x): one input is the gate of the other.
    if (l.opType === 'Mul') {
      const ins = flow.dataInputsOf(n);
      if (ins.length === 2) {
        for (const [x, g] of [
          [ins[0], ins[1]],
          [ins[1], ins[0]],
        ]) {
          const gate = flow.producerOf(g);
          if (gate === undefined) continue;
          const gateLayer = layers[gate];
          const gateIn = flow.dataInputsOf(gate);
          if ((gateLayer.opType === 'Sigmoid' || gateLayer.opType === 'HardSigmoid') && gateIn.length === 1 && gateIn[0] === x && soleConsumer(gate) && !claimed.has(gate)) {
            const silu = gateLayer.opType === 'Sigmoid';
            add({
              kind: silu ? 'silu' : 'hardswish',
              label: silu ? 'SiLU (x*sigmoid(x))' : 'HardSwish (x*hardsigmoid(x))',
              anchor: n,
              removed: [gate, n],
            });
            break;
          }
          if ((gateLayer.opType === 'Sigmoid' || gateLayer.opType === 'HardSigmoid') && isChannelGate(l, gateLayer)) {
            add({ kind: 'se-gate', label: 'SE gate (x * per-channel sigmoid)', anchor: n, removed: [n] });
            break;
          }
        }
      }
      continue;
    }
    const act = ACTIVATIONS[l.opType];
    if (act === undefined) {
      // Bias Add: a constant added right after a Conv/Gemm/MatMul.
      if (l.opType === 'Add' && flow.dataInputsOf(n).length === 1) {
        const p = onlyInput(n);
        if (p !== undefined && WEIGHTED_PRODUCERS.has(layers[p].opType) && soleConsumer(p)) {
          add({ kind: 'bias-add', label: `${layers[p].opType}+bias Add`, anchor: n, removed: [n], producer: p });
        }
      }
      continue;
    }
    const p = onlyInput(n);
    if (p === undefined || !soleConsumer(p)) continue;
    const pl = layers[p];
    if (pl.opType === 'Add' && flow.dataInputsOf(p).length === 2 && !claimed.has(p)) {
      add({ kind: 'add-relu', label: `Add+${act}`, anchor: p, removed: [n] });
    } else if (WEIGHTED_PRODUCERS.has(pl.opType)) {
      add({ kind: 'conv-activation', label: `${pl.opType}+${act}`, anchor: n, removed: [n], producer: p });
    } else if (foldedBn.has(p)) {
      const conv = foldedBn.get(p)!;
      add({ kind: 'conv-activation', label: `${layers[conv].opType}+BN+${act}`, anchor: n, removed: [n], producer: conv });
    }
  }
  return matches;
}

/** Mul of a feature map by a [N, C, 1, 1] gate: squeeze-and-excitation. */
function isChannelGate(mul: LayerReport, gate: LayerReport): boolean {
  const g = gate.outputShapes[0];
  const y = mul.outputShapes[0];
  if (!g || !y || g.length !== y.length || g.length < 3) return false;
  return g.slice(2).every((d) => d === 1) && y.slice(2).some((d) => d !== 1);
}
