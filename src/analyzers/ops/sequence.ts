import type { Dim, DType } from '../../model/ir.js';
import { dataTypeAttr } from '../attrs.js';
import { MAX_FOLD_ELEMENTS, withElements } from '../fold.js';
import { bytesPerElement, gatherMemory, METADATA_COST } from '../memory-models.js';
import { fitOutputs, inputAt, requireInput, scalarOf, variadicInputs } from '../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { dynamicDim, elementsOf, isKnownDim, normalizeAxis } from '../shape-utils.js';
import { defineOp, type MemoryModel, type OpContext, type OpCost, type TensorInfo, UNKNOWN_TENSOR } from '../types.js';
import { OpSpecError } from '../../errors.js';
import { at } from '../../util/at.js';

/**
 * Sequence ops (opset 11+, SequenceMap 17). TensorInfo has no sequence type, so a sequence is represented honestly
 * as the TensorInfo of its elements' dtype with `shape: null` (a sequence has no tensor shape), plus a `sequence`
 * record of what is known statically: the length, each element when the whole list is known (SequenceConstruct,
 * SplitToSequence with known sizes, inserts and erases at known positions), and a template that every element
 * shares (dims that differ between elements, or are unknown, are null). The record travels as an extra property of
 * the info object; an op that rebuilds infos from dtype and shape only (Loop's carried values, If with an unknown
 * condition) drops it, and the consumer then treats the sequence as unknown: less is known, nothing is guessed.
 */

/** What every element of a sequence is known to share. */
export interface ElementTemplate {
  readonly dtype: DType | null;
  /** null: the rank is unknown. A null dim differs between elements or is not known. */
  readonly dims: readonly (Dim | null)[] | null;
}

/** What is known statically about a sequence's contents. */
export interface SequenceContents {
  /** Number of elements, when known. */
  readonly length: number | null;
  /** Every element in order (dtype, shape and folded values), when the whole list is known. */
  readonly elements: readonly TensorInfo[] | null;
  readonly template: ElementTemplate;
}

/** The info of a sequence value: element dtype, no tensor shape, and its contents. */
export interface SequenceInfo extends TensorInfo {
  readonly sequence: SequenceContents;
}

/** The contents of a sequence input, or null when nothing is known (a graph input, a Loop-carried sequence). */
export function sequenceContents(t: TensorInfo | null | undefined): SequenceContents | null {
  return (t as Partial<SequenceInfo> | null | undefined)?.sequence ?? null;
}

const UNKNOWN_TEMPLATE: ElementTemplate = { dtype: null, dims: null };

/** Contents of a sequence about which only the element dtype may be known. */
function unknownContents(dtype: DType | null): SequenceContents {
  return { length: null, elements: null, template: { ...UNKNOWN_TEMPLATE, dtype } };
}

function contentsOrUnknown(t: TensorInfo | null): SequenceContents {
  return sequenceContents(t) ?? unknownContents(t?.dtype ?? null);
}

function sequenceInfo(contents: SequenceContents): SequenceInfo {
  return { dtype: contents.template.dtype, shape: null, sequence: contents };
}

/** An element as stored in a sequence: dtype, shape and folded values, without the constant flag. */
function asElement(t: TensorInfo): TensorInfo {
  return withElements({ dtype: t.dtype, shape: t.shape }, t.value ?? t.symbolicValue);
}

function templateOf(t: TensorInfo): ElementTemplate {
  return { dtype: t.dtype, dims: t.shape };
}

/** What two element templates have in common: equal dims stay, others become null; different ranks, no rank. */
function mergeTemplates(a: ElementTemplate, b: ElementTemplate): ElementTemplate {
  const dtype = a.dtype === null || b.dtype === null || a.dtype === b.dtype ? (a.dtype ?? b.dtype) : null;
  if (!a.dims || a.dims.length !== b.dims?.length) return { dtype, dims: null };
  const bd = b.dims;
  return { dtype, dims: a.dims.map((d, i) => (d !== null && d === bd[i] ? d : null)) };
}

/** The template shared by a known list of elements (an empty list keeps `dtype` and no rank). */
function templateOfElements(elements: readonly TensorInfo[], dtype: DType | null): ElementTemplate {
  if (elements.length === 0) return { dtype, dims: null };
  return elements.map(templateOf).reduce(mergeTemplates);
}

/** Contents from a known list of elements. */
function knownContents(elements: readonly TensorInfo[], dtype: DType | null): SequenceContents {
  return { length: elements.length, elements, template: templateOfElements(elements, dtype) };
}

/** A tensor info for an element described only by a template: unknown dims become dims of this node's output. */
function realize(ctx: OpContext, template: ElementTemplate, output: number): TensorInfo {
  return {
    dtype: template.dtype,
    shape: template.dims ? template.dims.map((d, axis) => d ?? dynamicDim(ctx, output, axis)) : null,
  };
}

/** A position input: 'absent', a known integer, or 'unknown'. */
function positionArg(ctx: OpContext, index: number): number | 'absent' | 'unknown' {
  const t = inputAt(ctx, index);
  if (!t) return 'absent';
  return scalarOf(t) ?? 'unknown';
}

/** Normalises a position against a length: [-n, n - 1], or [-n, n] for an insert; out of range is an error. */
function resolvePosition(position: number, length: number, forInsert: boolean): number {
  const p = position < 0 ? position + length : position;
  if (p < 0 || p > length || (!forInsert && p === length)) {
    throw new OpSpecError(`position ${position} is out of range for a sequence of ${length} elements`);
  }
  return p;
}

/** Memory of `factor` times the given tensors' elements (a copy reads and writes each once); 'io' when unknown. */
function copyMemory(tensors: readonly (TensorInfo | null)[], factor = 2): MemoryModel {
  let elements = 0;
  let bytes = 0;
  for (const t of tensors) {
    if (!t) continue;
    const n = elementsOf(t);
    if (n === null) return 'io';
    elements += factor * n;
    bytes += factor * n * bytesPerElement(t.dtype);
  }
  return { elements, bytes };
}

function copyCost(memory: MemoryModel): OpCost {
  return { flops: 0, memory, paramInputs: [] };
}

/** SequenceEmpty: an empty sequence of `dtype` (default float32). */
const sequenceEmpty = defineOp({
  opType: 'SequenceEmpty',
  category: 'metadata',
  inferShape: (ctx) => fitOutputs(ctx, [sequenceInfo(knownContents([], dataTypeAttr(ctx.attrs, 'dtype', 'float32')))]),
  cost: () => METADATA_COST,
});

/** SequenceConstruct(inputs...): the inputs, in order; they must share a dtype. onnxruntime copies them in. */
const sequenceConstruct = defineOp({
  opType: 'SequenceConstruct',
  category: 'data-movement',
  inferShape(ctx) {
    const inputs = variadicInputs(ctx, 'SequenceConstruct');
    const dtypes = new Set(inputs.map((t) => t.dtype).filter((d) => d !== null));
    if (dtypes.size > 1) throw new OpSpecError(`inputs have different dtypes (${[...dtypes].join(', ')})`);
    return fitOutputs(ctx, [sequenceInfo(knownContents(inputs.map(asElement), at(inputs, 0).dtype))]);
  },
  cost: (ctx) => copyCost(copyMemory(ctx.inputs)),
});

/** SequenceInsert(sequence, tensor, position?): inserts at position (default: the end), counted as a copy of the tensor. */
const sequenceInsert = defineOp({
  opType: 'SequenceInsert',
  category: 'data-movement',
  inferShape(ctx) {
    const seq = contentsOrUnknown(inputAt(ctx, 0));
    const tensor = requireInput(ctx, 1, 'tensor');
    const position = positionArg(ctx, 2);
    const dtype = seq.template.dtype ?? tensor.dtype;
    if (seq.elements && position !== 'unknown') {
      const n = seq.elements.length;
      const p = position === 'absent' ? n : resolvePosition(position, n, true);
      const elements = [...seq.elements.slice(0, p), asElement(tensor), ...seq.elements.slice(p)];
      return fitOutputs(ctx, [sequenceInfo(knownContents(elements, dtype))]);
    }
    if (seq.length !== null && position !== 'absent' && position !== 'unknown')
      resolvePosition(position, seq.length, true);
    const template = seq.length === 0 ? templateOf(tensor) : mergeTemplates(seq.template, templateOf(tensor));
    const length = seq.length === null ? null : seq.length + 1;
    return fitOutputs(ctx, [sequenceInfo({ length, elements: null, template: { ...template, dtype } })]);
  },
  cost: (ctx) => copyCost(copyMemory([inputAt(ctx, 1)])),
});

/** SequenceErase(sequence, position?): removes the element at position (default: the last). */
const sequenceErase = defineOp({
  opType: 'SequenceErase',
  category: 'metadata',
  inferShape(ctx) {
    const seq = contentsOrUnknown(inputAt(ctx, 0));
    const position = positionArg(ctx, 1);
    if (seq.elements && position !== 'unknown') {
      const n = seq.elements.length;
      const p = resolvePosition(position === 'absent' ? -1 : position, n, false);
      const elements = seq.elements.filter((_, i) => i !== p);
      return fitOutputs(ctx, [sequenceInfo(knownContents(elements, seq.template.dtype))]);
    }
    if (seq.length !== null && position !== 'unknown')
      resolvePosition(position === 'absent' ? -1 : position, seq.length, false);
    const length = seq.length === null ? null : seq.length - 1;
    return fitOutputs(ctx, [sequenceInfo({ length, elements: null, template: seq.template })]);
  },
  cost: () => METADATA_COST,
});

/**
 * SequenceAt(sequence, position): the element itself (values included) when the list and the position are known;
 * else the template, whose differing dims become dims of this output. Copies the element out.
 */
const sequenceAt = defineOp({
  opType: 'SequenceAt',
  category: 'data-movement',
  inferShape(ctx) {
    const seq = contentsOrUnknown(inputAt(ctx, 0));
    requireInput(ctx, 1, 'position');
    const position = positionArg(ctx, 1);
    if (seq.elements && position !== 'unknown' && position !== 'absent') {
      const p = resolvePosition(position, seq.elements.length, false);
      // A float position tensor may hold a fraction, which indexes no element.
      if (!Number.isInteger(p)) throw new OpSpecError(`position ${position} is not an integer`);
      return fitOutputs(ctx, [at(seq.elements, p)]);
    }
    if (seq.length !== null && typeof position === 'number') resolvePosition(position, seq.length, false);
    return fitOutputs(ctx, [realize(ctx, seq.template, 0)]);
  },
  cost: (ctx, outputs) => copyCost(gatherMemory(ctx, outputs[0] ?? UNKNOWN_TENSOR, [1])),
});

/** SequenceLength: an int64 scalar, folded when the length is known. */
const sequenceLength = defineOp({
  opType: 'SequenceLength',
  category: 'metadata',
  inferShape(ctx) {
    const seq = contentsOrUnknown(inputAt(ctx, 0));
    const info: TensorInfo = { dtype: 'int64', shape: [] };
    return fitOutputs(ctx, [seq.length === null ? info : { ...info, value: [seq.length] }]);
  },
  cost: () => METADATA_COST,
});

/**
 * Split sizes of SplitToSequence along a dim: 'each' (no split input: every index, one element each), a known list
 * (a scalar split gives chunks of that size, the last one smaller), or unknown sizes with a known or unknown count.
 */
function splitSizes(ctx: OpContext, dim: Dim): { sizes: number[] | null; count: number | null } {
  const split = inputAt(ctx, 1);
  // The sizes are listed only up to MAX_FOLD_ELEMENTS elements: a declared dim is never allocated from.
  if (!split)
    return isKnownDim(dim)
      ? { sizes: dim <= MAX_FOLD_ELEMENTS ? new Array<number>(dim).fill(1) : null, count: dim }
      : { sizes: null, count: null };
  const scalar = split.shape !== null && split.shape.length === 0;
  const values = split.value;
  if (!values) {
    const n = !scalar && split.shape?.length === 1 && isKnownDim(split.shape[0]) ? split.shape[0] : null;
    return { sizes: null, count: n };
  }
  if (values.some((v) => v < 0)) throw new OpSpecError(`split has a negative size in [${values.join(',')}]`);
  if (scalar) {
    const chunk = at(values, 0);
    if (chunk <= 0) throw new OpSpecError(`split size ${chunk} must be positive`);
    if (!isKnownDim(dim)) return { sizes: null, count: null };
    const count = Math.ceil(dim / chunk);
    if (count > MAX_FOLD_ELEMENTS) return { sizes: null, count };
    return {
      sizes: Array.from({ length: count }, (_, i) => (i === count - 1 ? dim - chunk * (count - 1) : chunk)),
      count,
    };
  }
  const sum = values.reduce((a, b) => a + b, 0);
  if (isKnownDim(dim) && sum !== dim) throw new OpSpecError(`split sizes [${values.join(',')}] do not sum to ${dim}`);
  return { sizes: [...values], count: values.length };
}

/**
 * SplitToSequence(input, split?, axis = 0, keepdims = 1): Split into a sequence. Without split every index of the
 * axis is one element, and keepdims = 0 drops the axis.
 */
const splitToSequence = defineOp({
  opType: 'SplitToSequence',
  category: 'data-movement',
  inferShape(ctx) {
    const x = requireInput(ctx, 0, 'input');
    const xs = x.shape;
    if (!xs) return fitOutputs(ctx, [sequenceInfo(unknownContents(x.dtype))]);
    if (xs.length === 0) throw new OpSpecError('input must have rank >= 1');
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), xs.length);
    const dropAxis = !inputAt(ctx, 1) && ctx.attrs.int('keepdims', 1) === 0;
    const shapeWith = (size: Dim | null): (Dim | null)[] =>
      dropAxis ? xs.filter((_, i) => i !== axis) : xs.map((d, i) => (i === axis ? size : d));
    const { sizes, count } = splitSizes(ctx, at(xs, axis));
    if (sizes && sizes.length <= MAX_FOLD_ELEMENTS) {
      const elements = sizes.map((s): TensorInfo => ({ dtype: x.dtype, shape: shapeWith(s) as Dim[] }));
      return fitOutputs(ctx, [sequenceInfo(knownContents(elements, x.dtype))]);
    }
    const uniform = !inputAt(ctx, 1) ? 1 : null;
    return fitOutputs(ctx, [
      sequenceInfo({ length: count, elements: null, template: { dtype: x.dtype, dims: shapeWith(uniform) } }),
    ]);
  },
  cost: (ctx) => copyCost(copyMemory([inputAt(ctx, 0)])),
});

/** Concat (or stack) of elements whose shapes are all known: the other dims must agree; the axis sums (or counts). */
function concatShapes(ctx: OpContext, shapes: readonly (readonly Dim[])[], axisAttr: number, stack: boolean): Dim[] {
  const rank = at(shapes, 0).length;
  if (shapes.some((s) => s.length !== rank)) throw new OpSpecError('elements have different ranks');
  const axis = normalizeAxis(axisAttr, stack ? rank + 1 : rank);
  const merged = Array.from({ length: rank }, (_, i): Dim => {
    const dims = shapes.map((s) => at(s, i));
    if (!stack && i === axis) {
      if (dims.every(isKnownDim)) return dims.reduce((a, b) => a + b, 0);
      return dims.length === 1 ? at(dims, 0) : dynamicDim(ctx, 0, i);
    }
    const numbers = [...new Set(dims.filter(isKnownDim))];
    if (numbers.length > 1) throw new OpSpecError(`elements disagree on dim ${i} (${numbers.join(' vs ')})`);
    if (numbers.length === 1) return at(numbers, 0);
    return new Set(dims).size === 1 ? at(dims, 0) : dynamicDim(ctx, 0, stack && i >= axis ? i + 1 : i);
  });
  return stack ? [...merged.slice(0, axis), shapes.length, ...merged.slice(axis)] : merged;
}

/**
 * ConcatFromSequence(sequence, axis, new_axis = 0): Concat of the elements on `axis`, or a stack on a new axis
 * (axis may then be rank). Exact when every element is known; from the template otherwise: the concatenated (or
 * new) axis is the length times a common size when both are known, else a dim of this output.
 */
const concatFromSequence = defineOp({
  opType: 'ConcatFromSequence',
  category: 'data-movement',
  inferShape(ctx) {
    const seq = contentsOrUnknown(inputAt(ctx, 0));
    const axisAttr = ctx.attrs.intOr('axis');
    if (axisAttr === undefined) throw new OpSpecError('axis is required');
    const stack = ctx.attrs.int('new_axis', 0) === 1;
    const dtype = seq.template.dtype;
    const elements = seq.elements;
    const shapes = elements?.map((e) => e.shape);
    if (shapes && shapes.length > 0 && shapes.every((s): s is readonly Dim[] => s !== null)) {
      return fitOutputs(ctx, [{ dtype, shape: concatShapes(ctx, shapes, axisAttr, stack) }]);
    }
    const dims = seq.template.dims;
    if (!dims || elements?.length === 0) return fitOutputs(ctx, [{ dtype, shape: null }]);
    const rank = stack ? dims.length + 1 : dims.length;
    const axis = normalizeAxis(axisAttr, rank);
    let axisDim: Dim | null = null;
    if (stack) axisDim = seq.length;
    else if (seq.length !== null && isKnownDim(dims[axis])) axisDim = seq.length * dims[axis];
    const full: (Dim | null)[] = stack
      ? [...dims.slice(0, axis), axisDim, ...dims.slice(axis)]
      : dims.map((d, i) => (i === axis ? axisDim : d));
    return fitOutputs(ctx, [{ dtype, shape: full.map((d, i) => d ?? dynamicDim(ctx, 0, i)) }]);
  },
  cost: (_ctx, outputs) => copyCost(copyMemory([outputs[0] ?? null])),
});

/**
 * SequenceMap(input_sequence, additional_inputs...; body): runs `body` on the i-th element of every sequence input
 * (tensor inputs are passed whole) and collects each body output into a sequence as long as the input sequence.
 * The body is inferred once, on the element templates, and counted once (as Loop and Scan bodies are); a dim of a
 * body output is kept only if it is a number or a symbol that every element shares.
 */
const sequenceMap = defineOp({
  opType: 'SequenceMap',
  category: 'control-flow',
  inferShape(ctx) {
    const body = ctx.attrs.graph('body');
    if (!body) throw new OpSpecError("SequenceMap needs the 'body' graph attribute");
    const stable = new Set<string>();
    let length: number | null = null;
    const formals = ctx.inputs.map((t, i): TensorInfo => {
      const contents = sequenceContents(t);
      if (contents || i === 0) {
        const c = contents ?? unknownContents(t?.dtype ?? null);
        length ??= c.length;
        for (const d of c.template.dims ?? []) if (typeof d === 'string') stable.add(d);
        const dims = c.template.dims;
        return {
          dtype: c.template.dtype,
          shape: dims ? dims.map((d, axis) => d ?? `${ctx.node.name}:element${i}:${axis}`) : null,
        };
      }
      for (const d of t?.shape ?? []) if (typeof d === 'string') stable.add(d);
      return { dtype: t?.dtype ?? null, shape: t?.shape ?? null };
    });
    const outs = ctx.inferSubgraph(body, formals);
    return fitOutputs(
      ctx,
      outs.map((o) => {
        const dims = o.shape ? o.shape.map((d) => (typeof d === 'number' || stable.has(d) ? d : null)) : null;
        return sequenceInfo({ length, elements: null, template: { dtype: o.dtype, dims } });
      }),
    );
  },
  cost: () => METADATA_COST,
});

/** ai.onnx sequence ops, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    sequenceEmpty,
    sequenceConstruct,
    sequenceInsert,
    sequenceErase,
    sequenceAt,
    sequenceLength,
    splitToSequence,
    concatFromSequence,
    sequenceMap,
  ],
  {
    SequenceEmpty: 11,
    SequenceConstruct: 11,
    SequenceInsert: 11,
    SequenceErase: 11,
    SequenceAt: 11,
    SequenceLength: 11,
    SplitToSequence: 11,
    ConcatFromSequence: 11,
    SequenceMap: 17,
  },
);
