import type { Analysis, LayerAttribute, LayerReport } from '../../src/analyzers/analyze.js';
import { CONVENTIONS, SCHEMA_VERSION } from '../../src/analyzers/analyze.js';
import type { OpCategory } from '../../src/analyzers/types.js';
import { at } from '../../src/util/at.js';

/** A tensor inside the builder: its name and static NCHW-style shape. */
export interface T {
  readonly name: string;
  readonly shape: readonly number[];
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The dims of a rank-`rank` shape; a builder call on a tensor of the wrong rank is a mistake in the test. */
function dims(shape: readonly number[], rank: 4): [number, number, number, number];
function dims(shape: readonly number[], rank: 2): [number, number];
function dims(shape: readonly number[], rank: number): number[] {
  if (shape.length !== rank) throw new Error(`expected a rank-${rank} tensor, got [${shape.join(', ')}]`);
  return [...shape];
}

export interface ConvSpec {
  readonly cOut: number;
  readonly k?: number;
  readonly group?: number;
  readonly stride?: number;
  readonly bias?: boolean;
}

/**
 * Builds small hand-made `Analysis` objects for structure and formatter tests, which need exact
 * control of the layer list (rule tests build real models: model-builder.ts), with the paper's cost formulas:
 * conv FLOPs = hw_out*k*k*c_in*c_out/g, memAccess = inputs + outputs + weights (elements);
 * element-wise FLOPs = output elements; metadata ops (Reshape) cost nothing.
 */
export class AnalysisBuilder {
  private readonly layers: LayerReport[] = [];
  private readonly inputs: T[] = [];
  private counter = 0;

  input(name: string, shape: readonly number[]): T {
    const t = { name, shape };
    this.inputs.push(t);
    return t;
  }

  /** Any layer: inputs (tensors or weights), output shapes, cost. */
  add(
    name: string,
    opType: string,
    category: OpCategory,
    ins: readonly (T | { name: string; shape: readonly number[]; weight: true })[],
    outShapes: readonly (readonly number[])[],
    flops: number,
    memAccess: number,
    attributes: Record<string, LayerAttribute> = {},
    params = 0,
  ): T[] {
    const outs = outShapes.map((shape, i) => ({ name: `${name}.out${outShapes.length > 1 ? i : ''}`, shape }));
    this.layers.push({
      name,
      opType,
      domain: '',
      category,
      scope: '',
      inputs: ins.map((t) => t.name),
      outputs: outs.map((o) => o.name),
      inputShapes: ins.map((t) => t.shape),
      outputShapes: outs.map((o) => o.shape),
      outputDtypes: outs.map(() => 'float32'),
      attributes,
      flops,
      params,
      memAccess,
      memBytes: memAccess * 4,
      intensity: memAccess ? flops / (memAccess * 4) : null,
      folded: false,
      runs: 1,
    });
    return outs;
  }

  /** `add` for a layer with exactly one output. */
  addOne(...args: Parameters<AnalysisBuilder['add']>): T {
    const outs = this.add(...args);
    if (outs.length !== 1) throw new Error(`layer ${args[0]} has ${outs.length} outputs, expected 1`);
    return at(outs, 0);
  }

  conv(name: string, x: T, spec: ConvSpec): T {
    const k = spec.k ?? 1;
    const g = spec.group ?? 1;
    const s = spec.stride ?? 1;
    const [n, cIn, h, w] = dims(x.shape, 4);
    const out = [n, spec.cOut, Math.ceil(h / s), Math.ceil(w / s)];
    const weight = { name: `${name}.weight`, shape: [spec.cOut, cIn / g, k, k], weight: true as const };
    const bias = { name: `${name}.bias`, shape: [spec.cOut], weight: true as const };
    const weights = numel(weight.shape) + (spec.bias ? spec.cOut : 0);
    const flops = (numel(out) * k * k * cIn) / g;
    return this.addOne(
      name,
      'Conv',
      'conv',
      spec.bias ? [x, weight, bias] : [x, weight],
      [out],
      flops,
      numel(x.shape) + numel(out) + weights,
      { group: g, kernel_shape: [k, k], strides: [s, s] },
      weights,
    );
  }

  gemm(name: string, x: T, nOut: number, transB = true): T {
    const [m, kIn] = dims(x.shape, 2);
    const weight = { name: `${name}.weight`, shape: transB ? [nOut, kIn] : [kIn, nOut], weight: true as const };
    const out = [m, nOut];
    return this.addOne(
      name,
      'Gemm',
      'gemm',
      [x, weight],
      [out],
      m * kIn * nOut,
      numel(x.shape) + numel(out) + kIn * nOut,
      { transB: transB ? 1 : 0 },
      kIn * nOut,
    );
  }

  bn(name: string, x: T): T {
    const c = at(x.shape, 1);
    const params = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => ({
      name: `${name}.${p}`,
      shape: [c],
      weight: true as const,
    }));
    return this.addOne(
      name,
      'BatchNormalization',
      'normalization',
      [x, ...params],
      [x.shape],
      numel(x.shape),
      2 * numel(x.shape) + 4 * c,
      {},
      2 * c,
    );
  }

  unary(name: string, opType: string, x: T, category: OpCategory = 'activation'): T {
    return this.addOne(name, opType, category, [x], [x.shape], numel(x.shape), 2 * numel(x.shape));
  }

  relu(name: string, x: T): T {
    return this.unary(name, 'Relu', x);
  }

  binary(name: string, opType: string, a: T, b: T): T {
    const shape = numel(a.shape) >= numel(b.shape) ? a.shape : b.shape;
    return this.addOne(
      name,
      opType,
      'elementwise',
      [a, b],
      [shape],
      numel(shape),
      numel(a.shape) + numel(b.shape) + numel(shape),
    );
  }

  /** Adds a constant (bias) to x: one data input. */
  addConst(name: string, x: T): T {
    const c = { name: `${name}.const`, shape: [at(x.shape, x.shape.length - 1)], weight: true as const };
    return this.addOne(
      name,
      'Add',
      'elementwise',
      [x, c],
      [x.shape],
      numel(x.shape),
      2 * numel(x.shape) + numel(c.shape),
    );
  }

  concat(name: string, parts: readonly T[], axis = 1): T {
    const shape = [...at(parts, 0).shape];
    shape[axis] = parts.reduce((s, p) => s + at(p.shape, axis), 0);
    return this.addOne(name, 'Concat', 'data-movement', parts, [shape], 0, 2 * numel(shape), { axis });
  }

  split(name: string, x: T, parts: number): T[] {
    const shape = [...x.shape];
    shape[1] = at(shape, 1) / parts;
    return this.add(
      name,
      'Split',
      'data-movement',
      [x],
      Array.from({ length: parts }, () => shape),
      0,
      2 * numel(x.shape),
      { axis: 1 },
    );
  }

  reshape(name: string, x: T, shape: readonly number[]): T {
    const s = { name: `${name}.shape`, shape: [shape.length], weight: true as const };
    return this.addOne(name, 'Reshape', 'metadata', [x, s], [shape], 0, 0);
  }

  transpose(name: string, x: T, perm: readonly number[]): T {
    const shape = perm.map((p) => at(x.shape, p));
    return this.addOne(name, 'Transpose', 'data-movement', [x], [shape], 0, 2 * numel(shape), { perm: [...perm] });
  }

  globalAvgPool(name: string, x: T): T {
    const n = at(x.shape, 0);
    const c = at(x.shape, 1);
    return this.addOne(
      name,
      'GlobalAveragePool',
      'pooling',
      [x],
      [[n, c, 1, 1]],
      numel(x.shape),
      numel(x.shape) + n * c,
    );
  }

  /** Reshape -> Transpose -> Reshape channel shuffle with `groups` groups. */
  channelShuffle(prefix: string, x: T, groups: number): T {
    const [n, c, h, w] = dims(x.shape, 4);
    const r1 = this.reshape(`${prefix}.reshape1`, x, [n, groups, c / groups, h, w]);
    const t = this.transpose(`${prefix}.transpose`, r1, [0, 2, 1, 3, 4]);
    return this.reshape(`${prefix}.reshape2`, t, [n, c, h, w]);
  }

  /** A fresh unique layer name with a prefix. */
  name(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  }

  build(outputs: readonly T[], path = 'hand-made.onnx'): Analysis {
    const live = this.layers;
    const totals = {
      flops: live.reduce((s, l) => s + (l.flops ?? 0), 0),
      params: live.reduce((s, l) => s + l.params, 0),
      memAccess: live.reduce((s, l) => s + (l.memAccess ?? 0), 0),
      memBytes: live.reduce((s, l) => s + (l.memBytes ?? 0), 0),
      layers: live.length,
      unknownCostLayers: [],
    };
    return {
      schemaVersion: SCHEMA_VERSION,
      model: { path, irVersion: 8, opsets: { 'ai.onnx': 17 }, producer: 'test', producerVersion: '', metadata: {} },
      conventions: CONVENTIONS,
      inputs: this.inputs.map((i) => ({ name: i.name, dtype: 'float32', shape: i.shape })),
      outputs: outputs.map((o) => ({ name: o.name, dtype: 'float32', shape: o.shape })),
      layers: [...this.layers],
      subgraphs: [],
      totals,
      warnings: [],
    };
  }
}
