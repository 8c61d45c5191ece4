import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyzers/analyze.js';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import {
  buildExecutionPlan,
  buildNonePlan,
  buildOnnxruntimeCpuPlan,
  buildTensorrtPlan,
  detectNchwcBlock,
} from '../../src/analyzers/runtime/index.js';
import type { ExecutionPlan } from '../../src/analyzers/runtime/index.js';
import { loadModelBytes } from '../../src/model/load.js';
import { readOptimizedGraph } from '../../src/profile/optimized-graph.js';
import { planFromOptimizedGraph } from '../../src/profile/runtime-plan.js';
import { at } from '../../src/util/at.js';
import { buildZooModel, GraphBuilder, listZoo } from '../../src/zoo/index.js';
import { floatInit, int64Init, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/**
 * The static model of onnxruntime's CPU EP must give exactly the plan read off the graph onnxruntime
 * 1.30 itself saves at optimization level "all": same kernels (for every layer, the layer anchoring
 * its kernel, how it is fused and the kernel's op) and the same inserted layout reorders. Both get the
 * NCHWc block size this CPU has, so the comparison holds on any x86-64 machine.
 *
 * Every zoo model, raw and BN-folded (210 sessions, ~45 s on 2 cores).
 */
const BLOCK = detectNchwcBlock().block;
/** Small inputs keep sessions quick; plans do not depend on the spatial size. */
const RESOLUTION = 32;
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'efflint-runtime-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One line per planned layer: `layer -> anchor [how] op`, plus the inserted kernels by kind. */
function describePlan(a: Analysis, plan: ExecutionPlan): { layers: string[]; inserted: Record<string, number> } {
  const layers = [...plan.kernelOfLayer]
    .sort((x, y) => x[0] - y[0])
    .map(([l, k]) => {
      const kernel = at(plan.kernels, k);
      const anchor = at(kernel.layers, 0);
      const kind = plan.fusions.get(l)?.kind ?? (anchor === l ? 'anchor' : 'unfused member');
      return `${at(a.layers, l).name} -> ${at(a.layers, anchor).name} [${kind}] ${kernel.opType}`;
    });
  const inserted: Record<string, number> = {};
  for (const k of plan.kernels) if (k.inserted) inserted[k.inserted.kind] = (inserted[k.inserted.kind] ?? 0) + 1;
  return { layers, inserted };
}

let saved = 0;
/** Runs onnxruntime at level "all" on the model and compares its saved graph with the static model. */
async function expectAgreement(
  bytes: Uint8Array,
): Promise<{ fromModel: ExecutionPlan; fromRuntime: ExecutionPlan; analysis: Analysis }> {
  const analysis = analyzeModel(loadModelBytes(bytes));
  const path = join(dir, `optimized-${saved++}.onnx`);
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: path,
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  await session.release();
  const fromRuntime = planFromOptimizedGraph(analysis, readOptimizedGraph(path));
  rmSync(path, { force: true });
  const fromModel = buildOnnxruntimeCpuPlan(analysis, { nchwcBlock: BLOCK });
  expect(fromRuntime.assumptions.unjoinedLayers).toBeUndefined();
  expect(describePlan(analysis, fromModel)).toEqual(describePlan(analysis, fromRuntime));
  return { fromModel, fromRuntime, analysis };
}

const zoo = listZoo();
const reference = zoo.filter((e) => !e.name.startsWith('exp_')).map((e) => e.name);
const experiments = zoo.filter((e) => e.name.startsWith('exp_'));
const covered = [...reference, ...experiments.map((e) => e.name)];
const cases = covered.flatMap((name) => [
  { name, deploy: false },
  { name, deploy: true },
]);

describe('onnxruntime CPU static model = the graph onnxruntime 1.30 saves (zoo)', () => {
  it.each(cases)(
    '$name (deploy: $deploy)',
    async ({ name, deploy }) => {
      const { fromModel, analysis } = await expectAgreement(
        buildZooModel(name, { deploy, weights: false, resolution: RESOLUTION }),
      );
      // Every layer that runs is accounted for.
      const running = analysis.layers.filter((l) => l.scope === '' && !l.folded).length;
      expect(fromModel.kernelOfLayer.size).toBe(running);
    },
    60_000,
  );
});

/** A small graph written op by op, with the shapes onnxruntime needs for its outputs. */
class Tiny {
  private readonly nodes: ReturnType<typeof node>[] = [];
  private readonly inits: ReturnType<typeof floatInit>[] = [];
  private readonly ins: ReturnType<typeof tensorInfo>[] = [];
  private readonly outs: ReturnType<typeof tensorInfo>[] = [];
  private readonly shapes = new Map<string, number[]>();
  private k = 0;

  input(name: string, dims: number[]): string {
    this.ins.push(tensorInfo(name, dims));
    this.shapes.set(name, dims);
    return name;
  }
  init(dims: number[]): string {
    const name = `w${this.k++}`;
    this.inits.push(floatInit(name, dims));
    this.shapes.set(name, dims);
    return name;
  }
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, number | number[] | string> = {},
    shape?: number[],
    outputs = 1,
  ): string {
    const name = `${opType.toLowerCase()}${this.k++}`;
    const outs = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? `${name}.out` : `${name}.out${i}`));
    this.nodes.push(node(opType, inputs, outs, attrs, name));
    for (const o of outs) this.shapes.set(o, shape ?? this.shapes.get(at(inputs, 0))!);
    return at(outs, 0);
  }
  conv(x: string, cout: number, o: { k?: number; g?: number; bias?: boolean } = {}): string {
    const [n, c, h, w] = this.shapes.get(x)!;
    if (n === undefined || c === undefined || h === undefined || w === undefined)
      throw new Error(`conv input ${x} is not rank 4`);
    const k = o.k ?? 1;
    const p = (k - 1) / 2;
    const ins = [x, this.init([cout, c / (o.g ?? 1), k, k])];
    if (o.bias ?? true) ins.push(this.init([cout]));
    return this.op('Conv', ins, { kernel_shape: [k, k], pads: [p, p, p, p], group: o.g ?? 1 }, [n, cout, h, w]);
  }
  bn(x: string): string {
    const c = at(this.shapes.get(x)!, 1);
    return this.op('BatchNormalization', [x, this.init([c]), this.init([c]), this.init([c]), this.init([c])], {
      epsilon: 1e-5,
    });
  }
  output(t: string): void {
    this.outs.push(tensorInfo(t, this.shapes.get(t)!));
  }
  bytes(): Uint8Array {
    return tinyModel({ nodes: this.nodes, inputs: this.ins, outputs: this.outs, initializers: this.inits });
  }
}

/** Conv+Relu, MaxPool on 24 channels, then a residual Add+Relu: NCHWc decisions turn on the block size. */
function residualWithPool(): Uint8Array {
  const t = new Tiny();
  const x = t.input('x', [1, 24, 8, 8]);
  const r1 = t.op('Relu', [t.conv(x, 24, { k: 3 })]);
  const p = t.op('MaxPool', [r1], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const r2 = t.op('Relu', [t.op('Add', [t.conv(p, 24), p])]);
  t.output(r2);
  return t.bytes();
}

const TINY_CASES: Record<string, () => Uint8Array> = {
  'residual block with a pool on 24 channels': residualWithPool,
  'channel counts and groups that do and do not convert': () => {
    const t = new Tiny();
    let y = t.input('x', [1, 24, 8, 8]);
    y = t.conv(y, 58);
    y = t.conv(y, 60);
    y = t.conv(y, 60, { k: 3, g: 60 });
    y = t.conv(y, 64, { g: 2 });
    y = t.conv(y, 64, { g: 4 });
    y = t.conv(y, 48, { g: 4 });
    y = t.conv(y, 20, { g: 4 });
    y = t.conv(y, 20, { k: 3, g: 20 });
    y = t.conv(y, 12);
    y = t.conv(y, 16, { k: 3, g: 4 });
    t.output(y);
    return t.bytes();
  },
  'few input channels read NCHW directly': () => {
    const t = new Tiny();
    const x = t.input('x', [1, 3, 8, 8]);
    t.output(t.conv(x, 16, { k: 3 }));
    t.output(t.conv(t.conv(t.conv(x, 8, { k: 3 }), 16), 8));
    return t.bytes();
  },
  'BatchNormalization and per-channel Mul after an activation become NCHWc Convs': () => {
    const t = new Tiny();
    const x = t.input('x', [1, 32, 8, 8]);
    const r = t.op('Relu', [t.conv(x, 32)]);
    const b = t.op('Relu', [t.bn(r)]);
    const m = t.op('Mul', [b, t.init([1, 32, 1, 1])]);
    t.output(t.conv(t.op('Add', [m, b]), 32));
    return t.bytes();
  },
  'Concat, broadcast Add, pass-through activations, Transpose to NHWC': () => {
    const t = new Tiny();
    const x = t.input('x', [1, 32, 8, 8]);
    const a = t.conv(x, 32);
    const c = t.op('Concat', [a, t.conv(x, 16)], { axis: 1 }, [1, 48, 8, 8]);
    const d = t.conv(c, 32);
    const g = t.op('GlobalAveragePool', [d], {}, [1, 32, 1, 1]);
    const s = t.op('Add', [d, t.conv(g, 32)]);
    const h = t.op('HardSigmoid', [s]);
    t.output(t.op('Transpose', [t.op('Mul', [h, s])], { perm: [0, 2, 3, 1] }, [1, 8, 8, 32]));
    t.output(t.op('Concat', [a, t.conv(x, 24)], { axis: 1 }, [1, 56, 8, 8]));
    return t.bytes();
  },
  'Conv+Add+activation outside NCHWc, Identity, Dropout, Relu+Clip': () => {
    const t = new Tiny();
    const x = t.input('x', [1, 30, 8, 8]);
    const i = t.op('Identity', [x]);
    const r = t.op('Relu', [t.op('Add', [t.conv(i, 30), i])]);
    const d = t.op('Dropout', [t.bn(t.conv(r, 30, { bias: false }))]);
    const s = t.op('Add', [d, r]);
    const lo = t.init([]);
    const hi = t.init([]);
    t.output(t.op('Identity', [t.op('Clip', [t.op('Relu', [s]), lo, hi])]));
    return t.bytes();
  },
  'QuickGelu, Gemm and MatMul with bias and activation': () => {
    const t = new Tiny();
    const x = t.input('x', [2, 32]);
    const alpha = t.init([]);
    const q = t.op('Mul', [x, t.op('Sigmoid', [t.op('Mul', [x, alpha])])]);
    const g = t.op('Relu', [t.op('Gemm', [q, t.init([16, 32]), t.init([16])], { transB: 1 }, [2, 16])]);
    const m = t.op('MatMul', [g, t.init([16, 8])], {}, [2, 8]);
    t.output(t.op('Sigmoid', [t.op('Add', [m, t.init([8])])]));
    return t.bytes();
  },
  'NHWC input transposed into a ReorderInput': () => {
    const t = new Tiny();
    const x = t.input('x', [1, 8, 8, 32]);
    t.output(t.conv(t.op('Transpose', [x], { perm: [0, 3, 1, 2] }, [1, 32, 8, 8]), 32));
    return t.bytes();
  },
};

describe('onnxruntime CPU static model = onnxruntime on small graphs', () => {
  it.each(Object.entries(TINY_CASES))('%s', async (_name, build) => {
    await expectAgreement(build());
  });
});

/** `layer -> anchor [how]` for every planned layer, and the count of inserted kernels. */
function partition(
  bytes: Uint8Array,
  build: (a: Analysis) => ExecutionPlan,
): { layers: string[]; inserted: Record<string, number>; kernels: number } {
  const a = analyzeModel(loadModelBytes(bytes));
  const plan = build(a);
  const d = describePlan(a, plan);
  return { ...d, kernels: plan.kernels.length };
}

describe('onnxruntime CPU static model: block size', () => {
  it('block 8: the 24-channel pool and the residual Add+Relu stay in NCHWc', () => {
    expect(partition(residualWithPool(), (a) => buildOnnxruntimeCpuPlan(a, { nchwcBlock: 8 }))).toEqual({
      layers: [
        'conv2 -> conv2 [anchor] com.microsoft.nchwc:Conv',
        'relu3 -> conv2 [epilogue-activation] com.microsoft.nchwc:Conv',
        'maxpool4 -> maxpool4 [anchor] com.microsoft.nchwc:MaxPool',
        'conv7 -> conv7 [anchor] com.microsoft.nchwc:Conv',
        'add8 -> conv7 [epilogue-add] com.microsoft.nchwc:Conv',
        'relu9 -> conv7 [epilogue-activation] com.microsoft.nchwc:Conv',
      ],
      inserted: { 'reorder-input': 1, 'reorder-output': 1 },
      kernels: 5,
    });
  });

  it('block 16: 24 channels are not a multiple of the block, so the pool and the Add run in NCHW', () => {
    expect(partition(residualWithPool(), (a) => buildOnnxruntimeCpuPlan(a, { nchwcBlock: 16 }))).toEqual({
      layers: [
        'conv2 -> conv2 [anchor] com.microsoft.nchwc:Conv',
        'relu3 -> conv2 [epilogue-activation] com.microsoft.nchwc:Conv',
        'maxpool4 -> maxpool4 [anchor] MaxPool',
        'conv7 -> conv7 [anchor] com.microsoft.nchwc:Conv',
        'add8 -> add8 [anchor] Add',
        'relu9 -> relu9 [anchor] Relu',
      ],
      inserted: { 'reorder-input': 2, 'reorder-output': 2 },
      kernels: 9,
    });
  });

  it('NCHWc off: FusedConv with the residual Add and Relu (ConvAddActivationFusion)', () => {
    const plan = partition(residualWithPool(), (a) => buildOnnxruntimeCpuPlan(a, { nchwcBlock: 0 }));
    expect(plan).toEqual({
      layers: [
        'conv2 -> conv2 [anchor] FusedConv',
        'relu3 -> conv2 [epilogue-activation] FusedConv',
        'maxpool4 -> maxpool4 [anchor] MaxPool',
        'conv7 -> conv7 [anchor] FusedConv',
        'add8 -> conv7 [epilogue-add] FusedConv',
        'relu9 -> conv7 [epilogue-activation] FusedConv',
      ],
      inserted: {},
      kernels: 3,
    });
  });

  it('records the block size and where it came from', () => {
    const a = analyzeModel(loadModelBytes(residualWithPool()));
    expect(buildOnnxruntimeCpuPlan(a, { nchwcBlock: 8 }).assumptions).toMatchObject({
      nchwcBlock: 8,
      nchwcBlockSource: 'option',
    });
    expect(buildOnnxruntimeCpuPlan(a).assumptions).toMatchObject({ nchwcBlock: BLOCK > 1 ? BLOCK : 0 });
    expect([1, 8, 16]).toContain(BLOCK);
  });
});

/** Conv-BN-ReLU, a residual unit, SiLU, a channel shuffle and a classifier head (raw, BN unfolded). */
function smallCnn(): Uint8Array {
  const b = new GraphBuilder({ name: 'small', weights: false });
  const x = b.input('input', [1, 16, 8, 8]);
  const r1 = b.relu(b.convBn(x, { name: 'conv1', outChannels: 16, kernel: 3 }, { name: 'bn1' }), 'relu1');
  const s = b.add(b.convBn(r1, { name: 'conv2', outChannels: 16, kernel: 3 }, { name: 'bn2' }), r1, 'add');
  const r2 = b.relu(s, 'relu2');
  const shuffled = b.channelShuffle(b.silu(r2, 'silu'), 2, 'shuffle');
  const pooled = b.flatten(b.globalAvgPool(shuffled, 'pool'), 'flatten');
  b.output(b.gemm(pooled, { name: 'fc', outFeatures: 10 }), 'logits');
  return b.toBytes();
}

describe('TensorRT static model (documented fusions)', () => {
  it('folds BN, fuses the residual Add and ReLU into the conv, merges SiLU into one PointWise and the shuffle into one Shuffle', () => {
    expect(partition(smallCnn(), buildTensorrtPlan)).toEqual({
      layers: [
        'conv1 -> conv1 [anchor] Conv',
        'bn1 -> conv1 [weight-fold] Conv',
        'relu1 -> conv1 [epilogue-activation] Conv',
        'conv2 -> conv2 [anchor] Conv',
        'bn2 -> conv2 [weight-fold] Conv',
        'add -> conv2 [epilogue-add] Conv',
        'relu2 -> conv2 [epilogue-activation] Conv',
        'silu.sigmoid -> silu.mul [pointwise-merge] PointWise',
        'silu.mul -> silu.mul [anchor] PointWise',
        'shuffle.reshape1 -> shuffle.reshape1 [anchor] Shuffle',
        'shuffle.transpose -> shuffle.reshape1 [shuffle-merge] Shuffle',
        'shuffle.reshape2 -> shuffle.reshape1 [shuffle-merge] Shuffle',
        'pool -> pool [anchor] GlobalAveragePool',
        'flatten -> flatten [anchor] Flatten',
        'fc -> fc [anchor] Gemm',
      ],
      inserted: {},
      kernels: 7,
    });
  });

  it('removes Identity and Dropout, folds a MatMul bias and activation, keeps a tensor two layers read', () => {
    const bytes = tinyModel({
      nodes: [
        node('Identity', ['x'], ['i'], {}, 'id_in'),
        node('Conv', ['i', 'w', 'b'], ['c'], { kernel_shape: [1, 1] }, 'conv'),
        node('Dropout', ['c'], ['d'], {}, 'drop'),
        node('Relu', ['d'], ['r'], {}, 'relu'),
        node('Sigmoid', ['r'], ['s'], {}, 'sig'),
        node('Add', ['r', 's'], ['a'], {}, 'add'),
        node('Identity', ['a'], ['y'], {}, 'id_out'),
        node('Flatten', ['c'], ['f'], { axis: 1 }, 'flat'),
        node('MatMul', ['f', 'm'], ['mm'], {}, 'mm'),
        node('Add', ['mm', 'bias'], ['mb'], {}, 'bias'),
        node('Tanh', ['mb'], ['z'], {}, 'tanh'),
      ],
      inputs: [tensorInfo('x', [1, 8, 4, 4])],
      outputs: [tensorInfo('y', [1, 8, 4, 4]), tensorInfo('z', [1, 4])],
      initializers: [
        floatInit('w', [8, 8, 1, 1]),
        floatInit('b', [8]),
        floatInit('m', [128, 4]),
        floatInit('bias', [4]),
      ],
    });
    expect(partition(bytes, buildTensorrtPlan)).toEqual({
      layers: [
        'id_in -> conv [eliminated] Conv',
        'conv -> conv [anchor] Conv',
        'drop -> relu [eliminated] Relu',
        'relu -> relu [anchor] Relu',
        'sig -> add [pointwise-merge] PointWise',
        'add -> add [anchor] PointWise',
        'id_out -> add [eliminated] PointWise',
        'flat -> flat [anchor] Flatten',
        'mm -> mm [anchor] MatMul',
        'bias -> mm [bias-fold] MatMul',
        'tanh -> mm [epilogue-activation] MatMul',
      ],
      inserted: {},
      kernels: 5,
    });
  });
});

describe('none plan (the raw graph)', () => {
  it('runs every layer as its own kernel and fuses nothing', () => {
    const p = partition(smallCnn(), buildNonePlan);
    expect(p.kernels).toBe(15);
    expect(p.inserted).toEqual({});
    expect(p.layers.every((l) => / -> (\S+) \[anchor\] /.exec(l)?.[1] === l.split(' ')[0])).toBe(true);
  });

  it('leaves out folded constants', () => {
    const bytes = tinyModel({
      nodes: [node('Reshape', ['w', 'shape'], ['w2'], {}, 'fold_me'), node('Add', ['x', 'w2'], ['y'], {}, 'add')],
      inputs: [tensorInfo('x', [2, 4])],
      outputs: [tensorInfo('y', [2, 4])],
      initializers: [floatInit('w', [8]), int64Init('shape', [2, 4])],
    });
    expect(partition(bytes, buildNonePlan)).toEqual({ layers: ['add -> add [anchor] Add'], inserted: {}, kernels: 1 });
  });

  it('buildExecutionPlan dispatches on the runtime name', () => {
    const a = analyzeModel(loadModelBytes(smallCnn()));
    expect(buildExecutionPlan(a, 'none').runtime).toBe('none');
    expect(buildExecutionPlan(a, 'tensorrt').kernels).toHaveLength(7);
    expect(buildExecutionPlan(a, 'onnxruntime-cpu', { nchwcBlock: 0 }).runtime).toBe('onnxruntime-cpu');
  });
});
