import { describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';
import { GraphBuilder, ZOO_IR_VERSION, ZOO_OPSET, ZOO_PRODUCER } from '../../src/zoo/builder.js';
import { attrInt, attrInts, decodeModel, inspectModel, num } from './inspect-model.js';

function floats(model: ReturnType<typeof decodeModel>, name: string): Float32Array {
  const t = model.graph!.initializer!.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  const copy = new Uint8Array(t.rawData!.length);
  copy.set(t.rawData!);
  return new Float32Array(copy.buffer);
}

function tiny(deploy = false, seed?: number): Uint8Array {
  const b = new GraphBuilder({ name: 'tiny', deploy, seed });
  const x = b.input('input', [2, 8, 16, 16]);
  let y = b.convBn(x, { name: 'block.conv1', outChannels: 12, kernel: 3, stride: 2 }, { name: 'block.bn1' });
  y = b.relu(y, 'block.relu1');
  y = b.channelShuffle(y, 3, 'block.shuffle');
  const halves = b.split(y, 'block.split', [4, 8]);
  y = b.concat([b.relu6(at(halves, 0), 'block.relu6'), b.silu(at(halves, 1), 'block.silu')], 'block.concat');
  y = b.flatten(b.globalAvgPool(y, 'pool'), 'flatten');
  b.output(b.gemm(y, { name: 'fc', outFeatures: 5 }), 'logits');
  return b.toBytes();
}

describe('GraphBuilder', () => {
  it('writes opset 13, IR 8, producer and typed graph inputs/outputs', () => {
    const m = decodeModel(tiny());
    expect(num(m.irVersion)).toBe(ZOO_IR_VERSION);
    expect(m.opsetImport.map((o) => [o.domain, num(o.version)])).toEqual([['', ZOO_OPSET]]);
    expect(m.producerName).toBe(ZOO_PRODUCER);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(['input']);
    expect(m.graph!.output!.map((o) => o.name)).toEqual(['logits']);
    const outDims = at(m.graph!.output!, 0).type!.tensorType!.shape!.dim!.map((d) => num(d.dimValue));
    expect(outDims).toEqual([2, 5]);
  });

  it('tracks shapes that an independent re-computation agrees with', () => {
    const b = new GraphBuilder({ name: 'shapes' });
    const x = b.input('input', [1, 3, 225, 225]);
    const c = b.conv(x, { name: 'c', outChannels: 16, kernel: 3, stride: 2 });
    expect([c.channels, c.height, c.width]).toEqual([16, 113, 113]);
    const p = b.maxPool(c, { name: 'p', kernel: 3, stride: 2, pad: 1 });
    expect(p.shape).toEqual([1, 16, 57, 57]);
    const a = b.avgPool(p, { name: 'a', kernel: 3, stride: 2, pad: 1 });
    expect(a.shape).toEqual([1, 16, 29, 29]);
    const d = b.conv(a, { name: 'd', outChannels: 16, kernel: 5, group: 16 });
    expect(d.shape).toEqual([1, 16, 29, 29]);
    const r = b.reduceMean(d, 'mean', [2, 3]);
    expect(r.shape).toEqual([1, 16]);
    b.output(r);
    const stats = inspectModel(decodeModel(b.toBytes()));
    expect(stats.shapes.get('d.out')).toEqual([1, 16, 29, 29]);
    expect(stats.outputShapes).toEqual([[1, 16]]);
  });

  it('names nodes as given and tensors after their node', () => {
    const m = decodeModel(tiny());
    const names = m.graph!.node!.map((n) => n.name);
    expect(names).toContain('block.conv1');
    expect(names).toContain('block.bn1');
    expect(names).toContain('block.shuffle.reshape1');
    expect(names).toContain('block.shuffle.transpose');
    expect(names).toContain('block.silu.sigmoid');
    expect(names).toContain('block.silu.mul');
    const conv = m.graph!.node!.find((n) => n.name === 'block.conv1')!;
    expect(conv.input).toEqual(['input', 'block.conv1.weight']);
    expect(conv.output).toEqual(['block.conv1.out']);
    expect(m.graph!.node!.find((n) => n.name === 'block.split')!.output).toEqual([
      'block.split.out0',
      'block.split.out1',
    ]);
  });

  it('emits channel shuffle as Reshape (g, c/g) -> Transpose -> Reshape with int64 shapes', () => {
    const m = decodeModel(tiny());
    const stats = inspectModel(m);
    expect(stats.shapes.get('block.shuffle.reshape1.out')).toEqual([2, 3, 4, 8, 8]);
    expect(stats.shapes.get('block.shuffle.transpose.out')).toEqual([2, 4, 3, 8, 8]);
    expect(stats.shapes.get('block.shuffle.reshape2.out')).toEqual([2, 12, 8, 8]);
    const t = m.graph!.node!.find((n) => n.opType === 'Transpose')!;
    expect(attrInts(t, 'perm')).toEqual([0, 2, 1, 3, 4]);
    const shapeInit = m.graph!.initializer!.find((i) => i.name === 'block.shuffle.reshape1.shape')!;
    expect(shapeInit.dataType).toBe(7);
  });

  it('emits ReLU6 as Clip with shared scalar bounds and SiLU as Sigmoid + Mul', () => {
    const m = decodeModel(tiny());
    const clip = m.graph!.node!.find((n) => n.opType === 'Clip')!;
    expect(clip.input).toEqual(['block.split.out0', 'const.float.0', 'const.float.6']);
    expect(Array.from(floats(m, 'const.float.6'))).toEqual([6]);
    expect(m.graph!.initializer!.find((i) => i.name === 'const.float.6')!.dims).toEqual([]);
    const mul = m.graph!.node!.find((n) => n.name === 'block.silu.mul')!;
    expect(mul.input).toEqual(['block.split.out1', 'block.silu.sigmoid.out']);
  });

  it('writes He-normal conv weights, deterministic per seed and name', () => {
    const a = decodeModel(tiny(false, 1));
    const b = decodeModel(tiny(false, 1));
    const c = decodeModel(tiny(false, 2));
    const wa = floats(a, 'block.conv1.weight');
    expect(wa).toEqual(floats(b, 'block.conv1.weight'));
    expect(wa).not.toEqual(floats(c, 'block.conv1.weight'));
    const big = new GraphBuilder({ name: 'big' });
    const x = big.input('input', [1, 256, 4, 4]);
    big.output(big.conv(x, { name: 'c', outChannels: 256, kernel: 3 }));
    const w = floats(decodeModel(big.toBytes()), 'c.weight');
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(variance).toBeCloseTo(2 / (256 * 9), 5);
  });

  it('writes BatchNormalization with running mean 0, var 1, scale near 1 and bias 0', () => {
    const m = decodeModel(tiny());
    const bn = m.graph!.node!.find((n) => n.opType === 'BatchNormalization')!;
    expect(bn.input).toEqual([
      'block.conv1.out',
      'block.bn1.weight',
      'block.bn1.bias',
      'block.bn1.running_mean',
      'block.bn1.running_var',
    ]);
    expect(Array.from(floats(m, 'block.bn1.running_var'))).toEqual(new Array(12).fill(1));
    expect(Array.from(floats(m, 'block.bn1.running_mean'))).toEqual(new Array(12).fill(0));
    for (const v of floats(m, 'block.bn1.weight')) expect(Math.abs(v - 1)).toBeLessThanOrEqual(0.1 + 1e-6);
  });

  it('folds BatchNormalization into the preceding conv in deploy mode', () => {
    const train = decodeModel(tiny(false));
    const deploy = decodeModel(tiny(true));
    expect(deploy.graph!.node!.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    const conv = deploy.graph!.node!.find((n) => n.name === 'block.conv1')!;
    expect(conv.input).toEqual(['input', 'block.conv1.weight', 'block.conv1.bias']);
    // The ReLU now reads the conv output directly.
    expect(deploy.graph!.node!.find((n) => n.name === 'block.relu1')!.input).toEqual(['block.conv1.out']);
    const w0 = floats(train, 'block.conv1.weight');
    const w1 = floats(deploy, 'block.conv1.weight');
    const gamma = floats(train, 'block.bn1.weight');
    const per = w0.length / 12;
    for (let i = 0; i < w0.length; i += 7) {
      const k = at(gamma, Math.floor(i / per)) / Math.sqrt(1 + 1e-5);
      expect(w1[i]).toBeCloseTo(at(w0, i) * k, 6);
    }
    expect(Array.from(floats(deploy, 'block.conv1.bias'))).toEqual(new Array(12).fill(0));
    const s0 = inspectModel(train);
    const s1 = inspectModel(deploy);
    expect(s1.params).toBe(s0.params - 12);
  });

  it('keeps a BatchNormalization in deploy mode when the conv output is already read', () => {
    const b = new GraphBuilder({ name: 'shared', deploy: true });
    const x = b.input('input', [1, 4, 8, 8]);
    const c = b.conv(x, { name: 'c', outChannels: 4, kernel: 1 });
    const r = b.relu(c, 'r');
    const n = b.batchNorm(c, { name: 'bn' });
    b.output(b.add(r, n, 'add'));
    const m = decodeModel(b.toBytes());
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'BatchNormalization', 'Add']);
  });

  it('writes zero weights (BN scale 1) when weights: false', () => {
    const b = new GraphBuilder({ name: 'zeros', weights: false });
    const x = b.input('input', [1, 4, 8, 8]);
    b.output(b.convBn(x, { name: 'c', outChannels: 4, kernel: 3 }, { name: 'bn' }));
    const m = decodeModel(b.toBytes());
    expect(floats(m, 'c.weight').every((v) => v === 0)).toBe(true);
    expect(floats(m, 'bn.weight').every((v) => v === 1)).toBe(true);
  });

  it('writes conv, pool and gemm attributes as PyTorch exports them', () => {
    const m = decodeModel(tiny());
    const conv = m.graph!.node!.find((n) => n.name === 'block.conv1')!;
    expect(attrInts(conv, 'kernel_shape')).toEqual([3, 3]);
    expect(attrInts(conv, 'strides')).toEqual([2, 2]);
    expect(attrInts(conv, 'pads')).toEqual([1, 1, 1, 1]);
    expect(attrInt(conv, 'group', 0)).toBe(1);
    const gemm = m.graph!.node!.find((n) => n.opType === 'Gemm')!;
    expect(attrInt(gemm, 'transB', 0)).toBe(1);
    expect(gemm.input).toEqual(['flatten.out', 'fc.weight', 'fc.bias']);
    const b = new GraphBuilder({ name: 'pool' });
    const x = b.input('input', [1, 4, 8, 8]);
    b.output(b.avgPool(x, { name: 'a', kernel: 3, stride: 2, pad: 1 }));
    const pool = at(decodeModel(b.toBytes()).graph!.node!, 0);
    expect(attrInt(pool, 'count_include_pad', 0)).toBe(1);
  });

  it('rejects duplicate names, bad groups, foreign tensors and empty outputs', () => {
    const b = new GraphBuilder({ name: 'errors' });
    const x = b.input('input', [1, 6, 8, 8]);
    b.relu(x, 'r');
    expect(() => b.relu(x, 'r')).toThrow(/used twice/);
    expect(() => b.conv(x, { name: 'c', outChannels: 6, kernel: 1, group: 4 })).toThrow(/divisible/);
    expect(() => b.conv(x, { name: 'k', outChannels: 6, kernel: 9, pad: 0 })).toThrow(/empty/);
    expect(() => b.split(x, 's', [2, 2])).toThrow(/sum/);
    const other = new GraphBuilder({ name: 'other' }).input('foreign', [1, 6, 8, 8]);
    expect(() => b.relu(other, 'f')).toThrow(/does not belong/);
    expect(() => new GraphBuilder({ name: 'none' }).toBytes()).toThrow(/no output/);
  });
});
