import { ops } from '../../../../src/analyzers/ops/math/cumsum.js';
import { f32, i64, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const rows: OpRow[] = [
  { name: 'CumSum', op: 'CumSum', inputs: [f32(2, 5), i64([1], [])], shapes: [[2, 5]], flops: 10 },
];

describeOpRows('math/cumsum', ops, rows, { dtype: 'float32' });
