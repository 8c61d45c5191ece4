import { ops } from '../../../src/analyzers/ops/optional.js';
import { f32, describeOpRows, type OpRow } from '../../helpers/op-context.js';

const rows: OpRow[] = [
  // Optional.
  { name: 'Optional wraps its input', op: 'Optional', inputs: [f32(2)], opset: 15, shapes: [[2]] },
  { name: 'OptionalGetElement unwraps', op: 'OptionalGetElement', inputs: [f32(2)], opset: 15, shapes: [[2]] },
  {
    name: 'OptionalHasElement is a bool scalar',
    op: 'OptionalHasElement',
    inputs: [f32(2)],
    opset: 15,
    shapes: [[]],
    dtypes: ['bool'],
  },
];

describeOpRows('optional', ops, rows, { flops: 0 });
