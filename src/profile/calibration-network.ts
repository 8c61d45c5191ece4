import { at } from '../util/at.js';
import type { BuildNode, BuildTensor } from '../zoo/onnx-writer.js';
import { buildOnnxModel } from '../zoo/onnx-writer.js';

/**
 * The mixed network `efflint calibrate` times whole to measure how much slower kernels run inside a
 * network than in chains of their own kind (DeviceProfile.inNetworkFactor). It is not a zoo model:
 * a 56x56 -> 7x7 stack of the layers mobile CNNs are made of, each kind once or twice, so that
 * consecutive kernels differ as they do in a network. Inverted-residual blocks (1x1 expand, 3x3
 * depthwise, ReLU6 as Clip, 1x1 project, residual Add), a stride-2 depthwise and a dense 3x3
 * stride-2 convolution, a channel split + concat + reshape/transpose channel shuffle around NCHW
 * convolutions on 58 channels (which miss the NCHWc block), global average pooling and a Gemm.
 */
export const CALIBRATION_NETWORK_INPUT = [1, 24, 56, 56] as const;

class NetworkBuilder {
  readonly nodes: BuildNode[] = [];
  readonly initializers: BuildTensor[] = [
    { name: 'zero', dims: [], fill: 0 },
    { name: 'six', dims: [], fill: 6 },
  ];
  private count = 0;

  private next(prefix: string): string {
    this.count += 1;
    return `${prefix}${this.count}`;
  }

  conv(
    x: string,
    cin: number,
    cout: number,
    k: number,
    { stride = 1, group = 1, act = 'relu' }: { stride?: number; group?: number; act?: 'relu' | 'relu6' | 'none' } = {},
  ): string {
    const name = this.next('conv');
    const w = `${name}_w`;
    const b = `${name}_b`;
    this.initializers.push({ name: w, dims: [cout, cin / group, k, k] }, { name: b, dims: [cout] });
    const p = (k - 1) / 2;
    this.nodes.push({
      opType: 'Conv',
      name,
      inputs: [x, w, b],
      outputs: [name],
      attributes: { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p], group },
    });
    if (act === 'none') return name;
    const a = `${name}_act`;
    if (act === 'relu') this.nodes.push({ opType: 'Relu', name: a, inputs: [name], outputs: [a] });
    else this.nodes.push({ opType: 'Clip', name: a, inputs: [name, 'zero', 'six'], outputs: [a] });
    return a;
  }

  /** A node with one output, named as the node. */
  op(opType: string, inputs: readonly string[], attributes: BuildNode['attributes'] = {}): string {
    return at(this.ops(opType, inputs, attributes, 1), 0);
  }

  /** A node with `outputs` outputs (`<node>_<i>`, or the node's name when there is one). */
  ops(opType: string, inputs: readonly string[], attributes: BuildNode['attributes'], outputs: number): string[] {
    const name = this.next(opType.toLowerCase());
    const outs = outputs === 1 ? [name] : Array.from({ length: outputs }, (_, i) => `${name}_${i}`);
    this.nodes.push({ opType, name, inputs, outputs: outs, attributes });
    return outs;
  }

  ints(values: readonly number[]): string {
    const name = this.next('const');
    this.initializers.push({ name, dims: [values.length], dtype: 'int64', int64Values: values });
    return name;
  }

  /** MobileNetV2 block: expand, depthwise (ReLU6), project, plus the residual when the shape allows. */
  invertedResidual(x: string, cin: number, expanded: number, cout: number, stride: number): string {
    const e = this.conv(x, cin, expanded, 1, { act: 'relu6' });
    const d = this.conv(e, expanded, expanded, 3, { stride, group: expanded, act: 'relu6' });
    const p = this.conv(d, expanded, cout, 1, { act: 'none' });
    return stride === 1 && cin === cout ? this.op('Add', [p, x]) : p;
  }

  /** ShuffleNet V2 unit on `c` channels at size `s`: split, branch (1x1, depthwise, 1x1), concat, shuffle. */
  shuffleUnit(x: string, c: number, s: number): string {
    const half = c / 2;
    const halves = this.ops('Split', [x, this.ints([half, half])], { axis: 1 }, 2);
    const [a, b] = [at(halves, 0), at(halves, 1)];
    const b1 = this.conv(b, half, half, 1);
    const b2 = this.conv(b1, half, half, 3, { group: half, act: 'none' });
    const b3 = this.conv(b2, half, half, 1);
    const cat = this.op('Concat', [a, b3], { axis: 1 });
    const r = this.op('Reshape', [cat, this.ints([1, 2, half, s, s])]);
    const t = this.op('Transpose', [r], { perm: [0, 2, 1, 3, 4] });
    return this.op('Reshape', [t, this.ints([1, c, s, s])]);
  }
}

/** The calibration network's ONNX bytes (input `x` [1, 24, 56, 56], output `y` [1, 1000]). */
export function calibrationNetwork(): Uint8Array {
  const g = new NetworkBuilder();
  let x = 'x';
  x = g.invertedResidual(x, 24, 144, 24, 1);
  x = g.invertedResidual(x, 24, 144, 32, 2);
  x = g.invertedResidual(x, 32, 192, 32, 1);
  x = g.conv(x, 32, 116, 1);
  x = g.shuffleUnit(x, 116, 28);
  x = g.shuffleUnit(x, 116, 28);
  x = g.conv(x, 116, 96, 3, { stride: 2 });
  x = g.invertedResidual(x, 96, 576, 96, 1);
  x = g.invertedResidual(x, 96, 576, 160, 2);
  x = g.conv(x, 160, 640, 1);
  const pooled = g.op('GlobalAveragePool', [x]);
  const flat = g.op('Flatten', [pooled], { axis: 1 });
  g.initializers.push({ name: 'fc_w', dims: [1000, 640] }, { name: 'fc_b', dims: [1000] });
  g.nodes.push({
    opType: 'Gemm',
    name: 'fc',
    inputs: [flat, 'fc_w', 'fc_b'],
    outputs: ['y'],
    attributes: { transB: 1 },
  });
  return buildOnnxModel({
    nodes: g.nodes,
    inputs: [{ name: 'x', dims: [...CALIBRATION_NETWORK_INPUT] }],
    outputs: [{ name: 'y', dims: [1, 1000] }],
    initializers: g.initializers,
  });
}
