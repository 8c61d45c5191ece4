/**
 * Independent reading of built zoo models for the tests: decodes the bytes with onnx-proto and
 * recomputes shapes, parameters and multiply-adds from the graph alone (nothing shared with the
 * builder's own shape tracking).
 */
import onnxProto from 'onnx-proto';
import { at } from '../../src/util/at.js';

const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
type NodeProto = onnxProto.onnx.INodeProto;

/** int64 fields decode as Long objects (or numbers); both convert here. */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

export function attr(node: NodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  return attr(node, name)?.ints?.map(num);
}

export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? num(a.i) : fallback;
}

function int64Values(t: onnxProto.onnx.ITensorProto): number[] {
  const raw = t.rawData!;
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return Array.from(new BigInt64Array(copy.buffer), (v) => Number(v));
}

export function metadata(model: ModelProto): Record<string, string> {
  return Object.fromEntries(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
}

/** The four dims of an NCHW shape (conv and pooling inputs and weights in the zoo are rank 4). */
function nchw(s: number[], what: string): [number, number, number, number] {
  const [n, c, h, w] = s;
  if (n === undefined || c === undefined || h === undefined || w === undefined) {
    throw new Error(`${what}: expected a rank-4 shape, got [${s.join(',')}]`);
  }
  return [n, c, h, w];
}

/** A spatial attribute (kernel_shape, strides, dilations) of a 2-D conv or pool. */
function pair(v: number[], what: string): [number, number] {
  const [a, b] = v;
  if (a === undefined || b === undefined) throw new Error(`${what}: expected 2 values, got [${v.join(',')}]`);
  return [a, b];
}

/** The pads attribute of a 2-D conv or pool: top, left, bottom, right. */
function pads4(v: number[], what: string): [number, number, number, number] {
  const [t, l, b, r] = v;
  if (t === undefined || l === undefined || b === undefined || r === undefined) {
    throw new Error(`${what}: expected 4 pads, got [${v.join(',')}]`);
  }
  return [t, l, b, r];
}

export interface ModelStats {
  /** Conv/Gemm weights and biases, BatchNormalization scale and bias. */
  params: number;
  /** Conv + Gemm multiply-adds: out_h·out_w·out_c·(in_c/group)·kh·kw per conv, in·out per Gemm. */
  convGemmMacs: number;
  /** Float initializer elements consumed by anything else (Clip bounds, BN running stats). */
  otherFloatElements: number;
  /** Sum of the channel counts of all BatchNormalization nodes. */
  bnChannels: number;
  opCounts: Record<string, number>;
  /** Shape of every tensor, as recomputed here. */
  shapes: Map<string, number[]>;
  outputShapes: number[][];
}

/** Walks the graph in order, recomputing shapes for the op set the zoo emits. */
export function inspectModel(model: ModelProto): ModelStats {
  const g = model.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const dims = (name: string) => inits.get(name)!.dims!.map(num);
  const shapes = new Map<string, number[]>();
  for (const i of g.input ?? []) {
    shapes.set(
      i.name!,
      i.type!.tensorType!.shape!.dim!.map((d) => num(d.dimValue)),
    );
  }
  for (const [name] of inits) shapes.set(name, dims(name));
  const shape = (name: string) => {
    const s = shapes.get(name);
    if (!s) throw new Error(`no shape for ${name}`);
    return s;
  };
  let params = 0;
  let macs = 0;
  let otherFloatElements = 0;
  let bnChannels = 0;
  const counted = new Set<string>();
  const opCounts: Record<string, number> = {};
  const countParam = (name: string | undefined) => {
    if (!name || !inits.has(name) || counted.has(name)) return;
    counted.add(name);
    params += dims(name).reduce((a, b) => a * b, 1);
  };

  for (const n of g.node ?? []) {
    const op = n.opType!;
    opCounts[op] = (opCounts[op] ?? 0) + 1;
    const ins = n.input ?? [];
    const outs = n.output ?? [];
    const x = shape(at(ins, 0));
    const set = (s: number[], i = 0) => shapes.set(at(outs, i), s);
    switch (op) {
      case 'Conv': {
        const w = dims(at(ins, 1));
        const [m, wc, wh, ww] = nchw(w, `${n.name} weight`);
        const [xn, xc, xh, xw] = nchw(x, `${n.name} input`);
        const [kh, kw] = pair(attrInts(n, 'kernel_shape') ?? [wh, ww], `${n.name} kernel_shape`);
        const [sh, sw] = pair(attrInts(n, 'strides') ?? [1, 1], `${n.name} strides`);
        const [dh, dw] = pair(attrInts(n, 'dilations') ?? [1, 1], `${n.name} dilations`);
        const [pt, pl, pb, pr] = pads4(attrInts(n, 'pads') ?? [0, 0, 0, 0], `${n.name} pads`);
        const group = attrInt(n, 'group', 1);
        if (wc * group !== xc)
          throw new Error(`${n.name}: weight ${w.join(',')} vs input ${x.join(',')} group ${group}`);
        const oh = Math.floor((xh + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
        const ow = Math.floor((xw + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
        set([xn, m, oh, ow]);
        macs += xn * oh * ow * m * (xc / group) * kh * kw;
        countParam(ins[1]);
        countParam(ins[2]);
        break;
      }
      case 'Gemm': {
        const [out, wIn] = pair(dims(at(ins, 1)), `${n.name} weight`);
        const [batch, xIn] = pair(x, `${n.name} input`);
        if (attrInt(n, 'transB', 0) !== 1 || wIn !== xIn) throw new Error(`${n.name}: unexpected Gemm layout`);
        set([batch, out]);
        macs += batch * xIn * out;
        countParam(ins[1]);
        countParam(ins[2]);
        break;
      }
      case 'BatchNormalization':
        set(x);
        countParam(ins[1]);
        countParam(ins[2]);
        bnChannels += at(dims(at(ins, 1)), 0);
        for (const s of ins.slice(3)) otherFloatElements += dims(s).reduce((a, b) => a * b, 1);
        break;
      case 'Relu':
      case 'Sigmoid':
        set(x);
        break;
      case 'Clip':
        set(x);
        for (const s of ins.slice(1)) {
          if (counted.has(s)) continue;
          counted.add(s);
          otherFloatElements += 1;
        }
        break;
      case 'Add':
      case 'Mul': {
        const y = shape(at(ins, 1));
        const rank = Math.max(x.length, y.length);
        const out: number[] = [];
        for (let i = 0; i < rank; i++) {
          const a = x[x.length - rank + i] ?? 1;
          const b = y[y.length - rank + i] ?? 1;
          if (a !== b && a !== 1 && b !== 1) throw new Error(`${n.name}: ${x.join(',')} vs ${y.join(',')}`);
          out.push(Math.max(a, b));
        }
        set(out);
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const [xn, xc, xh, xw] = nchw(x, `${n.name} input`);
        const [kh, kw] = pair(attrInts(n, 'kernel_shape') ?? [], `${n.name} kernel_shape`);
        const [sh, sw] = pair(attrInts(n, 'strides') ?? [1, 1], `${n.name} strides`);
        const [pt, pl, pb, pr] = pads4(attrInts(n, 'pads') ?? [0, 0, 0, 0], `${n.name} pads`);
        set([xn, xc, Math.floor((xh + pt + pb - kh) / sh) + 1, Math.floor((xw + pl + pr - kw) / sw) + 1]);
        break;
      }
      case 'GlobalAveragePool': {
        const [xn, xc] = nchw(x, `${n.name} input`);
        set([xn, xc, 1, 1]);
        break;
      }
      case 'ReduceMean': {
        const axes = attrInts(n, 'axes')!;
        const keep = attrInt(n, 'keepdims', 1) === 1;
        set(x.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d])));
        break;
      }
      case 'Flatten': {
        const axis = attrInt(n, 'axis', 1);
        const p = (a: number[]) => a.reduce((s, v) => s * v, 1);
        set([p(x.slice(0, axis)), p(x.slice(axis))]);
        break;
      }
      case 'Concat': {
        const axis = attrInt(n, 'axis', 0);
        const out = [...x];
        out[axis] = ins.reduce((s, name) => s + at(shape(name), axis), 0);
        set(out);
        break;
      }
      case 'Split': {
        const axis = attrInt(n, 'axis', 0);
        const sizes = int64Values(inits.get(at(ins, 1))!);
        sizes.forEach((s, i) =>
          set(
            x.map((d, j) => (j === axis ? s : d)),
            i,
          ),
        );
        break;
      }
      case 'Reshape': {
        const target = int64Values(inits.get(at(ins, 1))!);
        if (target.reduce((a, b) => a * b, 1) !== x.reduce((a, b) => a * b, 1))
          throw new Error(`${n.name}: bad reshape`);
        set(target);
        break;
      }
      case 'Transpose': {
        const perm = attrInts(n, 'perm')!;
        set(perm.map((p) => at(x, p)));
        break;
      }
      default:
        throw new Error(`inspectModel: op ${op} not handled`);
    }
  }
  return {
    params,
    convGemmMacs: macs,
    otherFloatElements,
    bnChannels,
    opCounts,
    shapes,
    outputShapes: (g.output ?? []).map((o) => shape(o.name!)),
  };
}
