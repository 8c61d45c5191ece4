import type { Analysis } from '../../src/analyzers/analyze.js';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { loadModelBytes } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import type { TensorHandle } from '../../src/zoo/builder.js';
import { GraphBuilder } from '../../src/zoo/builder.js';

/** A tensor of the model being built. */
export type T = TensorHandle;

export interface ConvSpec {
  readonly cOut: number;
  readonly k?: number;
  readonly group?: number;
  readonly stride?: number;
  readonly bias?: boolean;
}

/**
 * Builds small ONNX models for rule tests and analyses them with the real loader and analyzer, so
 * the numbers a rule sees are the analyzer's: a change to a cost formula that breaks a rule fails a
 * rule test. Node names are the caller's; a node's output tensor is `<node>.out`.
 */
export class ModelBuilder {
  private readonly graph = new GraphBuilder({ name: 'rule-test', weights: false });
  private counter = 0;

  input(name: string, shape: readonly number[]): T {
    return this.graph.input(name, shape);
  }

  /** Conv with pad (k-1)/2 (odd k), no bias unless asked. */
  conv(name: string, x: T, spec: ConvSpec): T {
    return this.graph.conv(x, {
      name,
      outChannels: spec.cOut,
      kernel: spec.k ?? 1,
      stride: spec.stride ?? 1,
      group: spec.group ?? 1,
      bias: spec.bias,
    });
  }

  /** Gemm with transB = 1 (nn.Linear), with bias. */
  gemm(name: string, x: T, nOut: number): T {
    return this.graph.gemm(x, { name, outFeatures: nOut });
  }

  bn(name: string, x: T): T {
    return this.graph.batchNorm(x, { name });
  }

  unary(name: string, opType: string, x: T): T {
    return this.graph.unary(opType, x, name);
  }

  relu(name: string, x: T): T {
    return this.graph.relu(x, name);
  }

  binary(name: string, opType: string, a: T, b: T): T {
    return this.graph.binary(opType, a, b, name);
  }

  /** Adds a per-channel constant to x: one data input. */
  addConst(name: string, x: T): T {
    return this.graph.addBias(x, name);
  }

  concat(name: string, parts: readonly T[], axis = 1): T {
    return this.graph.concat(parts, name, axis);
  }

  split(name: string, x: T, parts: number): T[] {
    return this.graph.split(
      x,
      name,
      Array.from({ length: parts }, () => at(x.shape, 1) / parts),
    );
  }

  reshape(name: string, x: T, shape: readonly number[]): T {
    return this.graph.reshape(x, name, shape);
  }

  transpose(name: string, x: T, perm: readonly number[]): T {
    return this.graph.transpose(x, name, perm);
  }

  globalAvgPool(name: string, x: T): T {
    return this.graph.globalAvgPool(x, name);
  }

  /** Reshape -> Transpose -> Reshape channel shuffle (`<prefix>.reshape1`, `.transpose`, `.reshape2`). */
  channelShuffle(prefix: string, x: T, groups: number): T {
    return this.graph.channelShuffle(x, groups, prefix);
  }

  /** A fresh unique layer name with a prefix. */
  name(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  }

  /** Serialises the model, loads it back and analyses it (batch and shapes as built). */
  build(outputs: readonly T[], path = 'rule-test.onnx'): Analysis {
    for (const o of outputs) this.graph.output(o);
    return analyzeModel(loadModelBytes(this.graph.toBytes(), { path }));
  }
}

/** One 1x1 conv c1 -> c2 on an h x w map, between two ReLUs so it neither reads a model input nor writes a model output. */
export function singleConv(
  c1: number,
  c2: number,
  hw: number,
  opts: Omit<ConvSpec, 'cOut'> = {},
): { analysis: Analysis; node: string } {
  const b = new ModelBuilder();
  const x = b.input('input', [1, c1, hw, hw]);
  const pre = b.relu('pre', x);
  const c = b.conv('conv', pre, { cOut: c2, ...opts });
  const y = b.relu('post', c);
  return { analysis: b.build([y]), node: 'conv' };
}
