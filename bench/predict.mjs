#!/usr/bin/env node
/**
 * Benchmark: how well efflint's time model (src/analyzers/runtime/time-estimate.ts, a device profile
 * from `efflint calibrate`) predicts onnxruntime's CPU latency, whole-model and per kernel.
 *
 * Usage (from the repository root, after `npm ci && npm run build`):
 *   node bench/predict.mjs [--device-profile FILE] [--models zoo:a,zoo:b|none] [--exporter a,b|none]
 *                          [--blocks 5] [--runs 8] [--profile-runs 10] [--json OUT] [--save-models DIR]
 *
 * In one process:
 *  1. the device profile: `--device-profile FILE` (efflint calibrate -o FILE), else calibrated here
 *     first (calibrateDevice: opt all, CPU clock, 1 thread);
 *  2. every model's predicted latency: the sum of its execution plan's kernel estimates (efflint's
 *     static model of onnxruntime's CPU EP, the plan `lint` ranks findings with);
 *  3. every model's measured latency with the measurement engine (measureInterleaved: 1 intra-op
 *     thread, opt all), one model at a time in blocks of back-to-back runs, process CPU time per run,
 *     median of block medians (and the block range);
 *  4. per kernel: `profileModel` with the device profile (opt all, 1 thread), kernel medians from
 *     onnxruntime's trace against each kernel's predictedUs (the plan read off the graph onnxruntime
 *     optimised), Spearman rank correlation over every kernel with a prediction (layout reorders
 *     included, their FLOPs 0), beside the Spearman of FLOPs with the same measured times.
 *
 * The exporter-pattern models (built here, written to a temporary directory) use what efflint's zoo
 * does not: an NHWC input behind a Transpose with Constant-node weights and a ReduceMean over NHWC
 * (tf2onnx), a U-Net with ConvTranspose and skip Concats, a Conv1d audio stack with dilations, a
 * MobileNetV3-like net with HardSigmoid*Mul, squeeze-excitation and channel counts off the NCHWc block.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildExecutionPlan } from '../dist/analyzers/runtime/index.js';
import { estimatePlanTime } from '../dist/analyzers/runtime/time-estimate.js';
import { calibrateDevice, parseDeviceProfile } from '../dist/profile/calibrate.js';
import { measureInterleaved } from '../dist/profile/measure/interleaved.js';
import { buildOnnxModel } from '../dist/zoo/onnx-writer.js';
import { prepareModel, profileModel } from '../dist/profile/profile.js';
import { spearman } from '../dist/profile/stats.js';

const ZOO = [
  'zoo:shufflenet_v1_g3',
  'zoo:shufflenet_v1_g8',
  'zoo:shufflenet_v2_x0_5',
  'zoo:shufflenet_v2_x1_0',
  'zoo:shufflenet_v2_x2_0',
  'zoo:mobilenet_v2',
  'zoo:efficientnet_b0',
  'zoo:efficientnet_b1',
  'zoo:resnet50',
  'zoo:efficientnet_v2_s',
];

const { values } = parseArgs({
  options: {
    'device-profile': { type: 'string' },
    models: { type: 'string', default: ZOO.join(',') },
    exporter: { type: 'string', default: 'tf_nhwc_mobilenet,unet,audio_conv1d,torch_mobilenet_v3' },
    blocks: { type: 'string', default: '5' },
    runs: { type: 'string', default: '8' },
    'profile-runs': { type: 'string', default: '10' },
    json: { type: 'string' },
    'save-models': { type: 'string' },
  },
});

/** A tiny graph writer over buildOnnxModel that tracks NCHW (or NCW) shapes. */
class Graph {
  constructor(name, { constants = false } = {}) {
    this.name = name;
    this.constants = constants;
    this.nodes = [];
    this.initializers = [];
    this.inputs = [];
    this.count = 0;
  }
  id(prefix) {
    this.count += 1;
    return `${prefix}_${this.count}`;
  }
  input(name, dims) {
    this.inputs.push({ name, dims });
    return { name, shape: dims };
  }
  weight(name, dims, fill) {
    if (this.constants) {
      this.nodes.push({
        opType: 'Constant',
        name: `${name}_const`,
        inputs: [],
        outputs: [name],
        attributes: { value: { tensor: { name, dims, fill } } },
      });
    } else {
      this.initializers.push({ name, dims, ...(fill !== undefined ? { fill } : {}) });
    }
    return name;
  }
  ints(name, values) {
    this.initializers.push({ name, dims: [values.length], dtype: 'int64', int64Values: values });
    return name;
  }
  op(opType, inputs, shape, attributes = {}, prefix = opType.toLowerCase()) {
    const out = this.id(prefix);
    this.nodes.push({ opType, name: out, inputs, outputs: [out], attributes });
    return { name: out, shape };
  }
  /** 2-D (4-D tensor) or 1-D (3-D tensor) convolution. */
  conv(x, cout, k, { stride = 1, group = 1, dilation = 1, bias = true } = {}) {
    const spatial = x.shape.length - 2;
    const pad = (dilation * (k - 1)) / 2;
    const w = this.weight(this.id('w'), [cout, x.shape[1] / group, ...Array(spatial).fill(k)]);
    const inputs = [x.name, w];
    if (bias) inputs.push(this.weight(this.id('b'), [cout]));
    const out = x.shape.slice(2).map((d) => Math.floor((d + 2 * pad - dilation * (k - 1) - 1) / stride) + 1);
    return this.op(
      'Conv',
      inputs,
      [1, cout, ...out],
      {
        kernel_shape: Array(spatial).fill(k),
        strides: Array(spatial).fill(stride),
        pads: Array(2 * spatial).fill(pad),
        dilations: Array(spatial).fill(dilation),
        group,
      },
      'conv',
    );
  }
  bn(x) {
    const c = x.shape[1];
    return this.op(
      'BatchNormalization',
      [
        x.name,
        this.weight(this.id('scale'), [c], 1),
        this.weight(this.id('bias'), [c], 0),
        this.weight(this.id('mean'), [c], 0),
        this.weight(this.id('var'), [c], 1),
      ],
      x.shape,
      { epsilon: 0.001 },
      'bn',
    );
  }
  relu(x) {
    return this.op('Relu', [x.name], x.shape);
  }
  relu6(x) {
    const lo = this.id('zero');
    const hi = this.id('six');
    this.weight(lo, [], 0);
    this.weight(hi, [], 6);
    return this.op('Clip', [x.name, lo, hi], x.shape, {}, 'relu6');
  }
  add(a, b) {
    return this.op('Add', [a.name, b.name], a.shape);
  }
  mul(a, b) {
    return this.op('Mul', [a.name, b.name], a.shape);
  }
  build(outputs) {
    return buildOnnxModel({
      nodes: this.nodes,
      inputs: this.inputs,
      outputs: outputs.map((o) => ({ name: o.name, dims: o.shape })),
      initializers: this.initializers,
    });
  }
}

/** tf2onnx style: NHWC input, Transpose to NCHW, Constant-node weights, Relu6 as Clip, MobileNet V1 0.5x, ReduceMean over NHWC. */
function tfNhwcMobilenet() {
  const g = new Graph('tf_nhwc_mobilenet', { constants: true });
  const image = g.input('image', [1, 224, 224, 3]);
  let x = g.op('Transpose', [image.name], [1, 3, 224, 224], { perm: [0, 3, 1, 2] }, 'to_nchw');
  x = g.relu6(g.conv(x, 16, 3, { stride: 2 }));
  const plan = [
    [32, 1],
    [64, 2],
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
    [256, 1],
    [256, 1],
    [512, 2],
    [512, 1],
  ];
  for (const [c, s] of plan) {
    x = g.relu6(g.conv(x, x.shape[1], 3, { stride: s, group: x.shape[1] }));
    x = g.relu6(g.conv(x, c, 1));
  }
  const nhwc = g.op('Transpose', [x.name], [1, x.shape[2], x.shape[3], x.shape[1]], { perm: [0, 2, 3, 1] }, 'to_nhwc');
  const pooled = g.op('ReduceMean', [nhwc.name], [1, x.shape[1]], { axes: [1, 2], keepdims: 0 }, 'mean');
  const logits = g.op('MatMul', [pooled.name, g.weight('fc_w', [x.shape[1], 1001])], [1, 1001], {}, 'fc');
  return g.build([g.add(logits, { name: g.weight('fc_b', [1001]) })]);
}

/** PyTorch style U-Net: conv-BN-ReLU pairs, MaxPool down, ConvTranspose up, Concat with the skip. */
function unet() {
  const g = new Graph('unet');
  let x = g.input('image', [1, 3, 160, 160]);
  const block = (t, c) => g.relu(g.bn(g.conv(g.relu(g.bn(g.conv(t, c, 3, { bias: false }))), c, 3, { bias: false })));
  const skips = [];
  for (const c of [16, 32, 64, 128]) {
    x = block(x, c);
    skips.push(x);
    x = g.op(
      'MaxPool',
      [x.name],
      [1, c, x.shape[2] / 2, x.shape[3] / 2],
      { kernel_shape: [2, 2], strides: [2, 2] },
      'pool',
    );
  }
  x = block(x, 256);
  for (const skip of skips.reverse()) {
    const c = skip.shape[1];
    const w = g.weight(g.id('upw'), [x.shape[1], c, 2, 2]);
    const up = g.op(
      'ConvTranspose',
      [x.name, w, g.weight(g.id('upb'), [c])],
      [1, c, x.shape[2] * 2, x.shape[3] * 2],
      { kernel_shape: [2, 2], strides: [2, 2] },
      'up',
    );
    const cat = g.op('Concat', [up.name, skip.name], [1, 2 * c, up.shape[2], up.shape[3]], { axis: 1 }, 'cat');
    x = block(cat, c);
  }
  return g.build([g.conv(x, 2, 1)]);
}

/** Audio: log-mel [1, 80, T] through Conv1d blocks with dilations and residual Adds, then a Transpose and Softmax. */
function audioConv1d() {
  const g = new Graph('audio_conv1d');
  let x = g.input('mel', [1, 80, 400]);
  x = g.relu(g.bn(g.conv(x, 192, 5, { bias: false })));
  for (const d of [1, 2, 4, 1, 2, 4]) {
    const y = g.relu(g.bn(g.conv(x, 192, 3, { dilation: d, bias: false })));
    x = g.relu(g.add(g.bn(g.conv(y, 192, 1, { bias: false })), x));
  }
  const logits = g.conv(x, 40, 1);
  const t = g.op('Transpose', [logits.name], [1, 400, 40], { perm: [0, 2, 1] }, 'to_ntc');
  return g.build([g.op('Softmax', [t.name], t.shape, { axis: -1 }, 'softmax')]);
}

/** torch.onnx MobileNetV3-like: HardSigmoid*Mul (hard swish), squeeze-excitation with ReduceMean, 5x5 depthwise, channels off the block. */
function torchMobilenetV3() {
  const g = new Graph('torch_mobilenet_v3');
  let x = g.input('image', [1, 3, 224, 224]);
  const hswish = (t) => g.mul(t, g.op('HardSigmoid', [t.name], t.shape, { alpha: 1 / 6, beta: 0.5 }, 'hsig'));
  x = hswish(g.bn(g.conv(x, 16, 3, { stride: 2, bias: false })));
  const blocks = [
    // kernel, expanded, out, SE, hard swish, stride
    [3, 16, 16, true, false, 2],
    [3, 72, 24, false, false, 2],
    [3, 88, 24, false, false, 1],
    [5, 96, 40, true, true, 2],
    [5, 240, 40, true, true, 1],
    [5, 240, 40, true, true, 1],
    [5, 120, 48, true, true, 1],
    [5, 144, 48, true, true, 1],
    [5, 288, 96, true, true, 2],
    [5, 576, 96, true, true, 1],
    [5, 576, 96, true, true, 1],
  ];
  for (const [k, e, c, se, hs, s] of blocks) {
    const act = (t) => (hs ? hswish(t) : g.relu(t));
    const input = x;
    let y = e !== x.shape[1] ? act(g.bn(g.conv(x, e, 1, { bias: false }))) : x;
    y = act(g.bn(g.conv(y, e, k, { stride: s, group: e, bias: false })));
    if (se) {
      const squeezed = Math.max(8, Math.round(e / 4 / 8) * 8);
      const m = g.op('ReduceMean', [y.name], [1, e, 1, 1], { axes: [2, 3], keepdims: 1 }, 'se_mean');
      const r = g.relu(g.conv(m, squeezed, 1));
      const gate = g.op('HardSigmoid', [g.conv(r, e, 1).name], [1, e, 1, 1], { alpha: 1 / 6, beta: 0.5 }, 'se_gate');
      y = g.mul(y, gate);
    }
    y = g.bn(g.conv(y, c, 1, { bias: false }));
    x = s === 1 && input.shape[1] === c ? g.add(y, input) : y;
  }
  x = hswish(g.bn(g.conv(x, 576, 1, { bias: false })));
  const pooled = g.op('GlobalAveragePool', [x.name], [1, 576, 1, 1], {}, 'gap');
  const flat = g.op('Flatten', [pooled.name], [1, 576], { axis: 1 }, 'flatten');
  const fc = g.op(
    'Gemm',
    [flat.name, g.weight('fc_w', [1000, 576]), g.weight('fc_b', [1000])],
    [1, 1000],
    { transB: 1 },
    'fc',
  );
  return g.build([fc]);
}

const EXPORTERS = {
  tf_nhwc_mobilenet: tfNhwcMobilenet,
  unet,
  audio_conv1d: audioConv1d,
  torch_mobilenet_v3: torchMobilenetV3,
};

const list = (s) => (s === 'none' || s === '' ? [] : s.split(','));
const zooModels = list(values.models);
const exporterNames = list(values.exporter);
for (const n of exporterNames)
  if (!EXPORTERS[n]) throw new Error(`unknown exporter model ${n} (have ${Object.keys(EXPORTERS).join(', ')})`);
const dir = values['save-models'] ?? mkdtempSync(join(tmpdir(), 'efflint-predict-'));
mkdirSync(dir, { recursive: true });
const exporterPaths = exporterNames.map((n) => {
  const path = join(dir, `${n}.onnx`);
  writeFileSync(path, EXPORTERS[n]());
  return path;
});

const started = Date.now();
const log = (m) => console.error(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${m}`);
let device;
let deviceSource;
if (values['device-profile']) {
  device = parseDeviceProfile(readFileSync(values['device-profile'], 'utf8'), values['device-profile']);
  deviceSource = values['device-profile'];
} else {
  log('calibrating (opt all, CPU clock, 1 thread)');
  device = await calibrateDevice({});
  deviceSource = 'calibrated in this run';
}

const models = [
  ...zooModels.map((m) => ({ arg: m, label: m, kind: 'zoo' })),
  ...exporterPaths.map((p, i) => ({ arg: p, label: exporterNames[i], kind: 'exporter' })),
];
for (const m of models) {
  m.prepared = prepareModel(m.arg);
  const plan = buildExecutionPlan(m.prepared.analysis, 'onnxruntime-cpu');
  m.flops = m.prepared.analysis.totals.flops;
  m.planKernels = plan.kernels.length;
  m.predictedMs = estimatePlanTime(m.prepared.analysis, plan, device).modelUs / 1000;
}

// Each model on its own (blocks of back-to-back runs, as a deployed model runs): interleaving a
// 1 ms network with ResNet-50 doubled its CPU time here (cold caches, and CPU time of the process's
// background threads, freeing the big model's garbage, charged to the small model's runs).
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
for (const m of models) {
  // The previous worker's teardown (freeing sessions) runs on threads of this process: let it end
  // before the next CPU-time measurement.
  await settle();
  log(`whole-model latency: ${m.label}, ${values.blocks} blocks x ${values.runs} runs`);
  const whole = await measureInterleaved([{ label: m.label, model: m.prepared.ortModel, inputs: m.prepared.inputs }], {
    optLevel: 'all',
    clock: 'cpu',
    blocks: Number(values.blocks),
    runsPerBlock: Number(values.runs),
    warmup: 2,
  });
  const v = whole.variants[0];
  m.measuredMs = v.cpu.medianMs;
  m.blockMs = [Math.min(...v.cpu.blockMediansMs), Math.max(...v.cpu.blockMediansMs)];
  m.wallMs = v.wall.medianMs;
}

for (const m of models) {
  log(`per-kernel profile: ${m.label}`);
  const r = await profileModel(m.arg, {
    threads: 1,
    optLevel: 'all',
    warmup: 3,
    runs: Number(values['profile-runs']),
    deviceProfile: device,
  });
  const ks = r.layers.filter((l) => l.predictedUs !== null && (l.nodes.length > 0 || l.inserted));
  m.kernels = ks.length;
  m.traceKernels = r.layers.length;
  m.predictedSpearman = spearman(
    ks.map((l) => l.predictedUs),
    ks.map((l) => l.measuredUs),
  );
  m.flopsSpearman = spearman(
    ks.map((l) => l.flops ?? 0),
    ks.map((l) => l.measuredUs),
  );
  m.kernelSumMs = r.coverage.kernelSumUs / 1000;
  m.kernelRows = ks.map((l) => ({
    name: l.name,
    kernelOp: l.kernelOp,
    opType: l.opType,
    family: l.family ?? null,
    inserted: l.inserted,
    flops: l.flops,
    memBytes: l.memBytes,
    measuredUs: l.measuredUs,
    predictedUs: l.predictedUs,
  }));
}

const errorOf = (m) => m.predictedMs / m.measuredMs - 1;
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const pct = (x) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
const lines = [];
lines.push(
  `device profile: ${device.name} (${deviceSource}); ${device.measuredWith?.optLevel ?? '?'} / ${device.measuredWith?.clock ?? '?'} clock`,
);
lines.push(
  `machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end, ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
lines.push('');
lines.push(
  '| model | FLOPs (M) | measured ms (CPU, median; block range) | predicted ms (plan sum) | error | Spearman predicted | Spearman FLOPs | kernels |',
);
lines.push('|---|---|---|---|---|---|---|---|');
for (const m of models) {
  lines.push(
    `| ${m.label} | ${(m.flops / 1e6).toFixed(0)} | ${fmt(m.measuredMs)} (${fmt(m.blockMs[0])}-${fmt(m.blockMs[1])}) | ${fmt(m.predictedMs)} | ${pct(errorOf(m))} | ${fmt(m.predictedSpearman, 3)} | ${fmt(m.flopsSpearman, 3)} | ${m.kernels} |`,
  );
}
const zoo = models.filter((m) => m.kind === 'zoo');
const within = zoo.filter((m) => Math.abs(errorOf(m)) <= 0.1).length;
const rankOk = models.filter((m) => m.predictedSpearman !== null && m.predictedSpearman >= 0.9).length;
lines.push('');
lines.push(
  `whole-model within ±10%: ${within}/${zoo.length} zoo networks (goal: ≥ 90%); per-kernel Spearman ≥ 0.9: ${rankOk}/${models.length} models (goal: all)`,
);
console.log(lines.join('\n'));
// The prepared model (analysis, onnxruntime model, input tensors) stays out of the JSON.
const withoutPrepared = (key, value) => (key === 'prepared' ? undefined : value);
if (values.json) writeFileSync(values.json, JSON.stringify({ device, deviceSource, models }, withoutPrepared, 2));
if (!values['save-models']) rmSync(dir, { recursive: true, force: true });
