import type { Dim } from '../../../model/ir.js';
import { foldMovement, gatherElements, knownElements, withElements } from '../../fold.js';
import { gatherMemory, movementCost } from '../../memory-models.js';
import { memoryOf } from '../../memory-terms.js';
import { dtypeAndShape, fitOutputs, inputAt, requireInput } from '../../op-inputs.js';
import { type VersionedOpDef, withOpsets } from '../../opset-range.js';
import { elementsOf, isStaticShape, normalizeAxis, numel, ravel, stridesOf } from '../../shape-utils.js';
import { defineOp, type OpContext, type OpCost, type TensorInfo, UNKNOWN_TENSOR } from '../../types.js';
import { OpSpecError } from '../../../errors.js';
import { at } from '../../../util/at.js';

/**
 * Gathers and scatters of the ONNX tensor family (onnx/defs/tensor): Gather, GatherElements, GatherND, Scatter,
 * ScatterElements, ScatterND and TensorScatter. A gather reads only the elements it writes.
 */

/**
 * Gathers read only the rows (elements) they gather plus the indices, never the whole table; the table counts as
 * parameters, as an embedding's does.
 */
function gatherCost(ctx: OpContext, outputs: readonly TensorInfo[]): OpCost {
  return movementCost(gatherMemory(ctx, outputs[0] ?? UNKNOWN_TENSOR, [1]), true);
}

const gatherOp = defineOp({
  opType: 'Gather',
  category: 'data-movement',
  inferShape(ctx) {
    const data = requireInput(ctx, 0, 'data');
    const indices = requireInput(ctx, 1, 'indices');
    if (!data.shape || !indices.shape) return [{ dtype: data.dtype, shape: null }];
    const dShape = data.shape;
    const iShape = indices.shape;
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), dShape.length);
    const shape = [...dShape.slice(0, axis), ...iShape, ...dShape.slice(axis + 1)];
    const idx = indices.value;
    const d = at(dShape, axis);
    if (idx && typeof d === 'number') {
      const bad = idx.find((i) => i < -d || i >= d);
      if (bad !== undefined) throw new OpSpecError(`Gather: index ${bad} out of range for dim ${d}`);
    }
    let values: Dim[] | undefined;
    // Known indices have a static shape with one value per element, so every index position below is one of them.
    if (idx && typeof d === 'number' && isStaticShape(iShape)) {
      const q = iShape.length;
      const iStrides = stridesOf(iShape);
      values = foldMovement(data, shape, (o, strides) => {
        let k = at(idx, ravel(o.slice(axis, axis + q), iStrides));
        if (k < 0) k += d;
        return ravel([...o.slice(0, axis), k, ...o.slice(axis + q)], strides);
      });
    }
    return [withElements({ dtype: data.dtype, shape }, values)];
  },
  cost: gatherCost,
});

const gatherElementsOp = defineOp({
  opType: 'GatherElements',
  category: 'data-movement',
  inferShape(ctx) {
    const data = requireInput(ctx, 0, 'data');
    const indices = requireInput(ctx, 1, 'indices');
    if (!indices.shape) return [{ dtype: data.dtype, shape: null }];
    if (data.shape && data.shape.length !== indices.shape.length) {
      throw new OpSpecError(
        `GatherElements: data rank ${data.shape.length} differs from indices rank ${indices.shape.length}`,
      );
    }
    const shape = [...indices.shape];
    const elements = knownElements(data);
    const idx = indices.value;
    let values: Dim[] | undefined;
    if (elements && idx && isStaticShape(data.shape) && isStaticShape(shape)) {
      const dShape = data.shape;
      const axis = normalizeAxis(ctx.attrs.int('axis', 0), dShape.length);
      const strides = stridesOf(dShape);
      const oStrides = stridesOf(shape);
      values = gatherElements(shape, elements, (o) => {
        let k = at(idx, ravel(o, oStrides));
        if (k < 0) k += at(dShape, axis);
        return ravel(
          o.map((v, i) => (i === axis ? k : v)),
          strides,
        );
      });
    }
    return [withElements({ dtype: data.dtype, shape }, values)];
  },
  cost: gatherCost,
});

const gatherNDOp = defineOp({
  opType: 'GatherND',
  category: 'data-movement',
  inferShape(ctx) {
    const data = requireInput(ctx, 0, 'data');
    const indices = requireInput(ctx, 1, 'indices');
    const b = ctx.opset >= 12 ? ctx.attrs.int('batch_dims', 0) : 0;
    if (!data.shape || !indices.shape || indices.shape.length === 0) return [{ dtype: data.dtype, shape: null }];
    const last = indices.shape[indices.shape.length - 1];
    if (typeof last !== 'number') return [{ dtype: data.dtype, shape: null }];
    if (b + last > data.shape.length) {
      throw new OpSpecError(`GatherND: batch_dims ${b} + index depth ${last} exceeds data rank ${data.shape.length}`);
    }
    return [{ dtype: data.dtype, shape: [...indices.shape.slice(0, -1), ...data.shape.slice(b + last)] }];
  },
  cost: gatherCost,
});

function scatterOp(opType: string) {
  return defineOp({
    opType,
    category: 'data-movement',
    inferShape(ctx) {
      const data = requireInput(ctx, 0, 'data');
      requireInput(ctx, 1, 'indices');
      requireInput(ctx, 2, 'updates');
      return [{ dtype: data.dtype, shape: data.shape }];
    },
    cost(ctx) {
      // reduction (add/mul/max/min, opset 16/18) combines each update with the existing element: one op each.
      const reduction = ctx.attrs.string('reduction', 'none');
      const flops = reduction === 'none' ? 0 : numel(ctx.inputs[2]?.shape);
      return { flops, memory: 'io', paramInputs: [] };
    },
  });
}

/**
 * TensorScatter (ai.onnx opset 24): writes `update` into `past_cache` along `axis` (default -2); present_cache has
 * past_cache's shape. It is meant to update the cache in place, so memory counts the update read and written plus
 * the write indices, not a copy of the whole cache.
 */
const tensorScatter = defineOp({
  opType: 'TensorScatter',
  category: 'data-movement',
  inferShape(ctx) {
    const past = inputAt(ctx, 0);
    const ps = past?.shape;
    if (ps && ps.length > 0) normalizeAxis(ctx.attrs.int('axis', -2), ps.length);
    return fitOutputs(ctx, [dtypeAndShape(past)]);
  },
  cost(ctx) {
    const update = inputAt(ctx, 1);
    const n = elementsOf(update);
    const memory = memoryOf([
      [n === null ? null : 2 * n, update?.dtype ?? null],
      [inputAt(ctx, 2) ? elementsOf(inputAt(ctx, 2)) : 0, inputAt(ctx, 2)?.dtype ?? null],
    ]);
    return movementCost(memory);
  },
});

/** ai.onnx gathers and scatters, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    gatherOp,
    gatherElementsOp,
    gatherNDOp,
    scatterOp('Scatter'),
    scatterOp('ScatterElements'),
    scatterOp('ScatterND'),
    tensorScatter,
  ],
  { Gather: 1, GatherElements: 11, GatherND: 11, Scatter: 9, ScatterElements: 11, ScatterND: 11, TensorScatter: 24 },
);
