/**
 * A small typed ONNX graph builder: layers in, ModelProto bytes out. It is what the reference
 * zoo (src/zoo/models) and the tests' tiny models are written with.
 *
 * Every op returns a TensorHandle that knows its static shape, so model code can read channel
 * counts and spatial sizes instead of tracking them by hand. Weights are generated
 * deterministically from (seed, initializer name), so a tensor's values do not depend on build
 * order and the deploy and training forms of a model share their convolution weights.
 *
 * Output: ai.onnx opset 13, IR version 8, float32 weights as raw_data (little-endian), written with
 * the zoo's ONNX writer (onnx-writer.ts).
 */
import { at } from '../util/at.js';
import { mulberry32, mulberry32Advance, mulberry32Bits } from '../util/random.js';
import type { AttributeRecord } from './onnx-writer.js';
import { elementCount, encodeModel, graph, model, node, rawTensor, tensorValueInfo } from './onnx-writer.js';

/** The ai.onnx opset every zoo model imports (Split takes `split` as an input from 13 on). */
export const ZOO_OPSET = 13;
/** ONNX IR version written into every zoo model (the version of ONNX 1.10, onnx-proto 8). */
export const ZOO_IR_VERSION = 8;
/** ModelProto.producer_name of every zoo model. */
export const ZOO_PRODUCER = 'efflint-zoo';
/** ModelProto.producer_version: the version of the zoo's generated form, bumped on layout changes. */
export const ZOO_PRODUCER_VERSION = '1';

/** A tensor in the graph being built, with its static shape ([N, C, H, W] or [N, F]). */
export interface TensorHandle {
  readonly name: string;
  readonly shape: readonly number[];
  /** shape[1]. */
  readonly channels: number;
  /** shape[2] for 4-D tensors, 1 otherwise. */
  readonly height: number;
  /** shape[3] for 4-D tensors, 1 otherwise. */
  readonly width: number;
}

export interface GraphBuilderOptions {
  /** GraphProto.name. */
  readonly name: string;
  /** Seed of the weight generator (default 0x5eed). */
  readonly seed?: number;
  /**
   * Deploy form: BatchNormalization directly after a convolution is folded into it (the conv
   * gains a bias, no BatchNormalization node is written), as exporters emit in eval mode.
   */
  readonly deploy?: boolean;
  /** false: conv/Gemm weights are zero-filled and BN scales 1 instead of random. Default true. */
  readonly weights?: boolean;
  /** ModelProto.doc_string. */
  readonly docString?: string;
}

/** A kernel, stride or padding size: one number for both axes, or [h, w]. */
export type Size2 = number | readonly [number, number];

export interface ConvOptions {
  readonly name: string;
  readonly outChannels: number;
  readonly kernel: Size2;
  /** Default 1. */
  readonly stride?: Size2;
  /** Symmetric padding per axis. Default (kernel - 1) / 2 * dilation ("same" for odd kernels). */
  readonly pad?: Size2;
  /** Default 1. Depthwise: group = input channels = outChannels. */
  readonly group?: number;
  /** Default 1. */
  readonly dilation?: Size2;
  /** Adds a bias input. Default false. */
  readonly bias?: boolean;
}

export interface BatchNormOptions {
  readonly name: string;
  /** Default 1e-5 (PyTorch BatchNorm2d). */
  readonly epsilon?: number;
  /** ONNX momentum (= 1 - PyTorch momentum). Default 0.9. Training-only; written for fidelity. */
  readonly momentum?: number;
}

export interface PoolOptions {
  readonly name: string;
  readonly kernel: Size2;
  /** Default: the kernel size. */
  readonly stride?: Size2;
  /** Default 0. */
  readonly pad?: Size2;
}

export interface AvgPoolOptions extends PoolOptions {
  /** Default true, as PyTorch's AvgPool2d (count_include_pad=True) exports. */
  readonly countIncludePad?: boolean;
}

export interface GemmOptions {
  readonly name: string;
  readonly outFeatures: number;
  /** Default true (nn.Linear). */
  readonly bias?: boolean;
}

/** Activation names accepted by the conv-BN-activation helper. */
export type Activation = 'relu' | 'relu6' | 'silu' | 'sigmoid';

interface NodeRecord {
  readonly name: string;
  readonly opType: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attrs: AttributeRecord;
}

interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

const DEFAULT_SEED = 0x5eed;

function pair(v: Size2): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** 32-bit FNV-1a of a string, mixed with the seed: one independent stream per initializer. */
function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Fills `out` with N(0, std²) samples: Marsaglia's polar method over a Mulberry32 state kept in a
 * local (no trigonometry, no closure calls; about 15 ns per value, B7's 66M weights in ~1 s).
 */
function fillNormal(out: Float32Array, std: number, seed: number): void {
  const n = out.length;
  const scale = 2 / 4294967296;
  let a = seed | 0;
  let i = 0;
  while (i < n) {
    a = mulberry32Advance(a);
    const u = mulberry32Bits(a) * scale - 1;
    a = mulberry32Advance(a);
    const v = mulberry32Bits(a) * scale - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const m = std * Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * m;
    if (i < n) out[i++] = v * m;
  }
}

function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** The batch dimension (shape[0]) of a tensor. */
function batch(x: TensorHandle): number {
  return at(x.shape, 0);
}

function handle(name: string, shape: readonly number[]): TensorHandle {
  const frozen = Object.freeze([...shape]);
  return Object.freeze({
    name,
    shape: frozen,
    channels: frozen[1] ?? 1,
    height: frozen.length === 4 ? at(frozen, 2) : 1,
    width: frozen.length === 4 ? at(frozen, 3) : 1,
  });
}

/**
 * Builds one ONNX model. Node names are the caller's (`stage2.unit1.branch2.conv1`); a node's
 * output tensor is `<node>.out` (`<node>.out<i>` for several outputs) and its weights are
 * `<node>.weight` / `<node>.bias` (BatchNormalization adds `.running_mean` / `.running_var`).
 */
export class GraphBuilder {
  readonly name: string;
  readonly seed: number;
  readonly deploy: boolean;
  readonly weights: boolean;
  private readonly docString: string | undefined;
  private readonly nodes: NodeRecord[] = [];
  private readonly nodeNames = new Set<string>();
  private readonly initializers = new Map<string, Initializer>();
  private readonly inputs: TensorHandle[] = [];
  private readonly outputs: TensorHandle[] = [];
  private readonly shapes = new Map<string, readonly number[]>();
  /** tensor name -> index of the node that produces it. */
  private readonly producer = new Map<string, number>();
  /** tensor name -> number of node inputs and graph outputs that read it. */
  private readonly readers = new Map<string, number>();
  private readonly metadata = new Map<string, string>();

  constructor(options: GraphBuilderOptions) {
    this.name = options.name;
    this.seed = options.seed ?? DEFAULT_SEED;
    this.deploy = options.deploy ?? false;
    this.weights = options.weights ?? true;
    this.docString = options.docString;
  }

  /** Declares a float32 graph input. */
  input(name: string, shape: readonly number[]): TensorHandle {
    if (this.shapes.has(name)) throw new Error(`tensor '${name}' already exists`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0) throw new Error(`input '${name}': bad dimension ${d}`);
    }
    const t = handle(name, shape);
    this.shapes.set(name, t.shape);
    this.inputs.push(t);
    return t;
  }

  /** Marks a tensor as a graph output, optionally renaming it (e.g. to `logits`). */
  output(x: TensorHandle, name?: string): TensorHandle {
    let t = this.use(x);
    if (name !== undefined && name !== x.name) {
      if (!this.producer.has(x.name)) throw new Error(`cannot rename graph input '${x.name}' to '${name}'`);
      this.rename(x.name, name);
      t = handle(name, x.shape);
    }
    this.readers.set(t.name, (this.readers.get(t.name) ?? 0) + 1);
    this.outputs.push(t);
    return t;
  }

  /** Adds a key/value pair to ModelProto.metadata_props. */
  setMetadata(key: string, value: string): void {
    this.metadata.set(key, value);
  }

  /** 2-D convolution with He-normal weights (std = sqrt(2 / fan_in)), no bias unless asked. */
  conv(x: TensorHandle, o: ConvOptions): TensorHandle {
    this.use(x);
    if (x.shape.length !== 4) throw new Error(`${o.name}: Conv needs a 4-D input`);
    const [kh, kw] = pair(o.kernel);
    const [sh, sw] = pair(o.stride ?? 1);
    const [dh, dw] = pair(o.dilation ?? 1);
    const [ph, pw] = pair(o.pad ?? [((kh - 1) / 2) * dh, ((kw - 1) / 2) * dw]);
    const group = o.group ?? 1;
    const cin = x.channels;
    if (!Number.isInteger(ph) || !Number.isInteger(pw)) throw new Error(`${o.name}: give pad for even kernels`);
    if (cin % group !== 0 || o.outChannels % group !== 0) {
      throw new Error(`${o.name}: channels ${cin}->${o.outChannels} not divisible by group ${group}`);
    }
    const oh = Math.floor((x.height + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
    const ow = Math.floor((x.width + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
    if (oh <= 0 || ow <= 0) throw new Error(`${o.name}: output spatial size ${oh}x${ow} is empty`);
    const fanIn = (cin / group) * kh * kw;
    const weight = this.randomInitializer(
      `${o.name}.weight`,
      [o.outChannels, cin / group, kh, kw],
      Math.sqrt(2 / fanIn),
    );
    const inputs = [x.name, weight];
    if (o.bias) inputs.push(this.constantInitializer(`${o.name}.bias`, [o.outChannels], 0));
    const attrs = { dilations: [dh, dw], group, kernel_shape: [kh, kw], pads: [ph, pw, ph, pw], strides: [sh, sw] };
    return this.singleNode('Conv', o.name, inputs, [batch(x), o.outChannels, oh, ow], attrs);
  }

  /**
   * BatchNormalization in inference form (running mean 0, variance 1, scale in [0.9, 1.1],
   * bias 0). In deploy mode, when `x` comes straight from a Conv that nothing else reads yet, the
   * normalisation is folded into that conv instead and `x` is returned.
   */
  batchNorm(x: TensorHandle, o: BatchNormOptions): TensorHandle {
    this.use(x);
    const c = x.channels;
    const epsilon = o.epsilon ?? 1e-5;
    const scale = this.uniformData(`${o.name}.weight`, c, 0.9, 1.1);
    const bias = new Float32Array(c);
    const mean = new Float32Array(c);
    const variance = new Float32Array(c).fill(1);
    const producerIndex = this.producer.get(x.name);
    const conv = producerIndex === undefined ? undefined : this.nodes[producerIndex];
    if (this.deploy && conv?.opType === 'Conv' && (this.readers.get(x.name) ?? 0) === 0) {
      this.foldIntoConv(conv, { scale, bias, mean, variance, epsilon });
      return x;
    }
    const inputs = [
      x.name,
      this.addInitializer(`${o.name}.weight`, [c], scale),
      this.addInitializer(`${o.name}.bias`, [c], bias),
      this.addInitializer(`${o.name}.running_mean`, [c], mean),
      this.addInitializer(`${o.name}.running_var`, [c], variance),
    ];
    const attrs = { epsilon: { float: epsilon }, momentum: { float: o.momentum ?? 0.9 } };
    return this.singleNode('BatchNormalization', o.name, inputs, x.shape, attrs);
  }

  /** Conv, then BatchNormalization (folded in deploy mode). */
  convBn(x: TensorHandle, conv: ConvOptions, bn: BatchNormOptions): TensorHandle {
    return this.batchNorm(this.conv(x, conv), bn);
  }

  /** Applies an activation by name (SiLU as Sigmoid + Mul, ReLU6 as Clip). */
  activation(x: TensorHandle, kind: Activation, name: string): TensorHandle {
    switch (kind) {
      case 'relu':
        return this.relu(x, name);
      case 'relu6':
        return this.relu6(x, name);
      case 'silu':
        return this.silu(x, name);
      case 'sigmoid':
        return this.sigmoid(x, name);
    }
  }

  relu(x: TensorHandle, name: string): TensorHandle {
    return this.unary('Relu', x, name);
  }

  sigmoid(x: TensorHandle, name: string): TensorHandle {
    return this.unary('Sigmoid', x, name);
  }

  /** Clip(x, min, max) with opset-13 min/max inputs (scalar initializers shared graph-wide). */
  clip(x: TensorHandle, name: string, min: number, max: number): TensorHandle {
    this.use(x);
    const inputs = [x.name, this.scalarConstant(min), this.scalarConstant(max)];
    return this.singleNode('Clip', name, inputs, x.shape);
  }

  /** ReLU6 = Clip(x, 0, 6), the form PyTorch exports. */
  relu6(x: TensorHandle, name: string): TensorHandle {
    return this.clip(x, name, 0, 6);
  }

  /** SiLU / swish x·sigmoid(x) as Sigmoid (`<name>.sigmoid`) + Mul (`<name>.mul`). */
  silu(x: TensorHandle, name: string): TensorHandle {
    const s = this.sigmoid(x, `${name}.sigmoid`);
    return this.mul(x, s, `${name}.mul`);
  }

  /** Element-wise Mul with NumPy broadcasting. */
  mul(a: TensorHandle, b: TensorHandle, name: string): TensorHandle {
    return this.binary('Mul', a, b, name);
  }

  /** Adds a per-channel constant ([C, 1, 1] initializer `<name>.bias`, zeros): a bias Add. */
  addBias(x: TensorHandle, name: string): TensorHandle {
    this.use(x);
    const dims = x.shape.length === 4 ? [x.channels, 1, 1] : [at(x.shape, x.shape.length - 1)];
    return this.singleNode('Add', name, [x.name, this.constantInitializer(`${name}.bias`, dims, 0)], x.shape);
  }

  /** Element-wise Add with NumPy broadcasting. */
  add(a: TensorHandle, b: TensorHandle, name: string): TensorHandle {
    return this.binary('Add', a, b, name);
  }

  maxPool(x: TensorHandle, o: PoolOptions): TensorHandle {
    return this.pool('MaxPool', x, o, {});
  }

  avgPool(x: TensorHandle, o: AvgPoolOptions): TensorHandle {
    return this.pool('AveragePool', x, o, { count_include_pad: o.countIncludePad === false ? 0 : 1 });
  }

  /** GlobalAveragePool: [N, C, H, W] -> [N, C, 1, 1]. */
  globalAvgPool(x: TensorHandle, name: string): TensorHandle {
    this.use(x);
    return this.singleNode('GlobalAveragePool', name, [x.name], [batch(x), x.channels, 1, 1]);
  }

  /** ReduceMean over `axes` (opset 13: axes is an attribute), as `x.mean([2, 3])` exports. */
  reduceMean(x: TensorHandle, name: string, axes: readonly number[], keepdims = false): TensorHandle {
    this.use(x);
    const rank = x.shape.length;
    const norm = axes.map((a) => (a < 0 ? a + rank : a));
    const shape: number[] = [];
    x.shape.forEach((d, i) => {
      if (!norm.includes(i)) shape.push(d);
      else if (keepdims) shape.push(1);
    });
    return this.singleNode('ReduceMean', name, [x.name], shape, { axes: norm, keepdims: keepdims ? 1 : 0 });
  }

  /** Concat along `axis` (default 1, channels). */
  concat(xs: readonly TensorHandle[], name: string, axis = 1): TensorHandle {
    if (xs.length === 0) throw new Error(`${name}: Concat needs inputs`);
    const first = at(xs, 0);
    for (const x of xs) this.use(x);
    if (axis < 0 || axis >= first.shape.length)
      throw new Error(`${name}: Concat axis ${axis} outside a rank-${first.shape.length} tensor`);
    const shape = [...first.shape];
    let size = 0;
    for (const x of xs) {
      if (x.shape.length !== first.shape.length) throw new Error(`${name}: Concat shape mismatch`);
      x.shape.forEach((d, i) => {
        if (i !== axis && d !== first.shape[i]) throw new Error(`${name}: Concat shape mismatch`);
      });
      size += at(x.shape, axis);
    }
    shape[axis] = size;
    return this.singleNode(
      'Concat',
      name,
      xs.map((x) => x.name),
      shape,
      { axis },
    );
  }

  /** Split along `axis` into the given sizes (opset 13: `split` is an int64 input). */
  split(x: TensorHandle, name: string, sizes: readonly number[], axis = 1): TensorHandle[] {
    this.use(x);
    const total = sizes.reduce((s, v) => s + v, 0);
    if (total !== x.shape[axis]) throw new Error(`${name}: split sizes sum to ${total}, not ${x.shape[axis]}`);
    const splitInput = this.int64Initializer(`${name}.split`, sizes);
    const shapes = sizes.map((s) => x.shape.map((d, i) => (i === axis ? s : d)));
    return this.node('Split', name, [x.name, splitInput], shapes, { axis });
  }

  /** Reshape to a fixed shape (an int64 initializer `<name>.shape`). */
  reshape(x: TensorHandle, name: string, shape: readonly number[]): TensorHandle {
    this.use(x);
    if (elementCount(shape) !== elementCount(x.shape)) {
      throw new Error(`${name}: cannot reshape [${x.shape.join(',')}] to [${shape.join(',')}]`);
    }
    const shapeInput = this.int64Initializer(`${name}.shape`, shape);
    return this.singleNode('Reshape', name, [x.name, shapeInput], shape);
  }

  /**
   * Slice (opset 13: `starts`, `ends`, `axes` as int64 initializers `<name>.starts/.ends/.axes`),
   * steps 1. `ends` are clamped to the dimension, as the ONNX spec says.
   */
  slice(
    x: TensorHandle,
    name: string,
    starts: readonly number[],
    ends: readonly number[],
    axes: readonly number[],
  ): TensorHandle {
    this.use(x);
    if (starts.length !== axes.length || ends.length !== axes.length)
      throw new Error(`${name}: starts, ends and axes need the same length`);
    const shape = [...x.shape];
    axes.forEach((axis, i) => {
      if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length)
        throw new Error(`${name}: axis ${axis} outside a rank-${x.shape.length} tensor`);
      const dim = at(x.shape, axis);
      const start = Math.min(Math.max(0, at(starts, i)), dim);
      const end = Math.min(Math.max(0, at(ends, i)), dim);
      if (end <= start) throw new Error(`${name}: empty slice ${at(starts, i)}:${at(ends, i)} of axis ${axis}`);
      shape[axis] = end - start;
    });
    const inputs = [
      x.name,
      this.int64Initializer(`${name}.starts`, starts),
      this.int64Initializer(`${name}.ends`, ends),
      this.int64Initializer(`${name}.axes`, axes),
    ];
    return this.singleNode('Slice', name, inputs, shape);
  }

  transpose(x: TensorHandle, name: string, perm: readonly number[]): TensorHandle {
    this.use(x);
    const shape = perm.map((p) => {
      if (!Number.isInteger(p) || p < 0 || p >= x.shape.length)
        throw new Error(`${name}: perm axis ${p} outside a rank-${x.shape.length} tensor`);
      return at(x.shape, p);
    });
    return this.singleNode('Transpose', name, [x.name], shape, { perm });
  }

  /**
   * Channel shuffle (ShuffleNet V1 §3.1): reshape the channels into (groups, C/groups),
   * transpose to (C/groups, groups) and flatten back, as Reshape (`<name>.reshape1`) ->
   * Transpose (`<name>.transpose`) -> Reshape (`<name>.reshape2`).
   */
  channelShuffle(x: TensorHandle, groups: number, name: string): TensorHandle {
    if (x.shape.length !== 4 || x.channels % groups !== 0)
      throw new Error(`${name}: cannot shuffle ${x.channels} channels in ${groups} groups`);
    const [n, c, h, w] = [batch(x), x.channels, x.height, x.width];
    const r1 = this.reshape(x, `${name}.reshape1`, [n, groups, c / groups, h, w]);
    const t = this.transpose(r1, `${name}.transpose`, [0, 2, 1, 3, 4]);
    return this.reshape(t, `${name}.reshape2`, [n, c, h, w]);
  }

  /** Flatten to 2-D at `axis` (default 1). */
  flatten(x: TensorHandle, name: string, axis = 1): TensorHandle {
    this.use(x);
    const shape = [elementCount(x.shape.slice(0, axis)), elementCount(x.shape.slice(axis))];
    return this.singleNode('Flatten', name, [x.name], shape, { axis });
  }

  /** Fully connected layer as nn.Linear exports it: Gemm(x, W[out, in], b) with transB = 1. */
  gemm(x: TensorHandle, o: GemmOptions): TensorHandle {
    this.use(x);
    if (x.shape.length !== 2) throw new Error(`${o.name}: Gemm needs a 2-D input`);
    const inFeatures = at(x.shape, 1);
    const weight = this.randomInitializer(`${o.name}.weight`, [o.outFeatures, inFeatures], Math.sqrt(1 / inFeatures));
    const inputs = [x.name, weight];
    if (o.bias ?? true) inputs.push(this.constantInitializer(`${o.name}.bias`, [o.outFeatures], 0));
    const attrs = { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 };
    return this.singleNode('Gemm', o.name, inputs, [batch(x), o.outFeatures], attrs);
  }

  /** Number of nodes so far (for tests and progress messages). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Serialises the model: ModelProto bytes. */
  toBytes(): Uint8Array {
    if (this.outputs.length === 0) throw new Error(`${this.name}: the graph has no output`);
    const valueInfo = (t: TensorHandle) => tensorValueInfo(t.name, t.shape);
    const g = graph({
      name: this.name,
      nodes: this.nodes.map((n) => node(n.opType, n.inputs, n.outputs, n.attrs, { name: n.name })),
      initializers: [...this.initializers.values()].map((t) => rawTensor(t.name, t.dims, t.data)),
      inputs: this.inputs.map(valueInfo),
      outputs: this.outputs.map(valueInfo),
    });
    return encodeModel(
      model(g, {
        irVersion: ZOO_IR_VERSION,
        opsets: [{ domain: '', version: ZOO_OPSET }],
        producerName: ZOO_PRODUCER,
        producerVersion: ZOO_PRODUCER_VERSION,
        docString: this.docString ?? '',
        metadata: this.metadata,
      }),
    );
  }

  private use(x: TensorHandle): TensorHandle {
    const shape = this.shapes.get(x.name);
    if (shape === undefined) throw new Error(`tensor '${x.name}' does not belong to graph '${this.name}'`);
    return x;
  }

  /** Any one-input op that keeps the shape (Relu, Sigmoid, Tanh, HardSwish...). */
  unary(opType: string, x: TensorHandle, name: string): TensorHandle {
    this.use(x);
    return this.singleNode(opType, name, [x.name], x.shape);
  }

  /** Any two-input element-wise op with NumPy broadcasting (Add, Mul, Sub, Div...). */
  binary(opType: string, a: TensorHandle, b: TensorHandle, name: string): TensorHandle {
    this.use(a);
    this.use(b);
    return this.singleNode(opType, name, [a.name, b.name], broadcastShapes(a.shape, b.shape));
  }

  private pool(opType: string, x: TensorHandle, o: PoolOptions, attrs: AttributeRecord): TensorHandle {
    this.use(x);
    const [kh, kw] = pair(o.kernel);
    const [sh, sw] = pair(o.stride ?? o.kernel);
    const [ph, pw] = pair(o.pad ?? 0);
    const oh = Math.floor((x.height + 2 * ph - kh) / sh) + 1;
    const ow = Math.floor((x.width + 2 * pw - kw) / sw) + 1;
    if (oh <= 0 || ow <= 0) throw new Error(`${o.name}: output spatial size ${oh}x${ow} is empty`);
    const poolAttrs = { ...attrs, kernel_shape: [kh, kw], pads: [ph, pw, ph, pw], strides: [sh, sw] };
    return this.singleNode(opType, o.name, [x.name], [batch(x), x.channels, oh, ow], poolAttrs);
  }

  private node(
    opType: string,
    name: string,
    inputs: string[],
    outputShapes: readonly (readonly number[])[],
    attrs: AttributeRecord = {},
  ): TensorHandle[] {
    if (this.nodeNames.has(name)) throw new Error(`node name '${name}' is used twice in '${this.name}'`);
    this.nodeNames.add(name);
    const outputs = outputShapes.map((_, i) => (outputShapes.length === 1 ? `${name}.out` : `${name}.out${i}`));
    const index = this.nodes.length;
    this.nodes.push({ name, opType, inputs, outputs, attrs });
    for (const input of inputs) {
      if (!this.initializers.has(input)) this.readers.set(input, (this.readers.get(input) ?? 0) + 1);
    }
    return outputShapes.map((shape, i) => {
      const out = at(outputs, i);
      if (this.shapes.has(out)) throw new Error(`tensor '${out}' already exists`);
      this.shapes.set(out, shape);
      this.producer.set(out, index);
      return handle(out, shape);
    });
  }

  /** A node with one output of the given shape. */
  private singleNode(
    opType: string,
    name: string,
    inputs: string[],
    outputShape: readonly number[],
    attrs: AttributeRecord = {},
  ): TensorHandle {
    return at(this.node(opType, name, inputs, [outputShape], attrs), 0);
  }

  private rename(from: string, to: string): void {
    if (this.shapes.has(to)) throw new Error(`tensor '${to}' already exists`);
    const shape = this.shapes.get(from);
    if (shape === undefined) throw new Error(`no tensor '${from}'`);
    this.shapes.delete(from);
    this.shapes.set(to, shape);
    for (const n of this.nodes) {
      n.inputs.forEach((v, i) => {
        if (v === from) n.inputs[i] = to;
      });
      n.outputs.forEach((v, i) => {
        if (v === from) n.outputs[i] = to;
      });
    }
    const p = this.producer.get(from);
    if (p !== undefined) {
      this.producer.delete(from);
      this.producer.set(to, p);
    }
    const r = this.readers.get(from);
    if (r !== undefined) {
      this.readers.delete(from);
      this.readers.set(to, r);
    }
  }

  /** Folds y = scale·(conv(x) + b - mean)/sqrt(var + eps) + bias into the conv's weight and bias. */
  private foldIntoConv(
    conv: NodeRecord,
    bn: { scale: Float32Array; bias: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number },
  ): void {
    const weight = this.initializers.get(at(conv.inputs, 1));
    if (weight === undefined || !(weight.data instanceof Float32Array)) throw new Error(`${conv.name}: no weight`);
    const w = weight.data;
    const outChannels = at(weight.dims, 0);
    const perChannel = w.length / outChannels;
    const oldBias = conv.inputs.length > 2 ? this.initializers.get(at(conv.inputs, 2)) : undefined;
    const bias = new Float32Array(outChannels);
    for (let c = 0; c < outChannels; c++) {
      const k = at(bn.scale, c) / Math.sqrt(at(bn.variance, c) + bn.epsilon);
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) w[i] = at(w, i) * k;
      const b0 = oldBias?.data instanceof Float32Array ? at(oldBias.data, c) : 0;
      bias[c] = at(bn.bias, c) + (b0 - at(bn.mean, c)) * k;
    }
    if (oldBias !== undefined) this.initializers.delete(oldBias.name);
    conv.inputs[2] = this.addInitializer(`${conv.name}.bias`, [outChannels], bias);
  }

  private addInitializer(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    if (this.initializers.has(name) || this.shapes.has(name)) throw new Error(`tensor '${name}' already exists`);
    if (data.length !== elementCount(dims))
      throw new Error(`${name}: ${data.length} values for dims [${dims.join(',')}]`);
    this.initializers.set(name, { name, dims: [...dims], data });
    return name;
  }

  private randomInitializer(name: string, dims: readonly number[], std: number): string {
    const data = new Float32Array(elementCount(dims));
    if (this.weights) fillNormal(data, std, streamSeed(this.seed, name));
    return this.addInitializer(name, dims, data);
  }

  private constantInitializer(name: string, dims: readonly number[], value: number): string {
    return this.addInitializer(name, dims, new Float32Array(elementCount(dims)).fill(value));
  }

  private uniformData(name: string, n: number, lo: number, hi: number): Float32Array {
    const data = new Float32Array(n);
    if (!this.weights) return data.fill((lo + hi) / 2);
    const rand = mulberry32(streamSeed(this.seed, name));
    for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rand();
    return data;
  }

  private int64Initializer(name: string, values: readonly number[]): string {
    return this.addInitializer(
      name,
      [values.length],
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** A float scalar shared by every node that needs the same value (Clip bounds). */
  private scalarConstant(value: number): string {
    const name = `const.float.${value}`;
    if (!this.initializers.has(name)) this.addInitializer(name, [], Float32Array.of(value));
    return name;
  }
}
