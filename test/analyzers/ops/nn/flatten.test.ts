import { ops } from '../../../../src/analyzers/ops/nn/flatten.js';
import { f32, describeOpRows, describeOpErrors, type OpRow } from '../../../helpers/op-context.js';

const rows: OpRow[] = [
  // Flatten.
  { name: 'Flatten axis=1', op: 'Flatten', inputs: [f32(2, 3, 4, 5)], shapes: [[2, 60]] },
  { name: 'Flatten axis=0', op: 'Flatten', inputs: [f32(2, 3, 4)], attrs: { axis: 0 }, shapes: [[1, 24]] },
  { name: 'Flatten axis=-1', op: 'Flatten', inputs: [f32(2, 3, 4)], attrs: { axis: -1 }, shapes: [[6, 4]] },
  { name: 'Flatten axis=rank', op: 'Flatten', inputs: [f32(2, 3)], attrs: { axis: 2 }, shapes: [[6, 1]] },
  { name: 'Flatten keeps a symbolic batch', op: 'Flatten', inputs: [f32('N', 3, 4)], shapes: [['N', 12]] },
];

describeOpRows('nn/flatten', ops, rows, { flops: 0 });

describeOpErrors('nn/flatten', ops, [
  { name: 'Flatten axis out of range', op: 'Flatten', inputs: [f32(2, 3)], attrs: { axis: 3 } },
]);
