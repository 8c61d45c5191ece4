import { ops } from '../../../../src/analyzers/ops/tensor/data-dependent.js';
import { f32, i64, describeOpRows, type OpRow } from '../../../helpers/op-context.js';

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

const rows: OpRow[] = [
  // Compress: the output length is the count of true conditions.
  {
    name: 'Compress along an axis',
    op: 'Compress',
    inputs: [i64(iota(6), [3, 2]), { dtype: 'bool', shape: [3], value: [1, 0, 1] }],
    attrs: { axis: 0 },
    shapes: [[2, 2]],
    values: [[0, 1, 4, 5]],
  },
  {
    name: 'Compress flattened, short condition',
    op: 'Compress',
    inputs: [i64(iota(6), [3, 2]), { dtype: 'bool', shape: [3], value: [0, 1, 1] }],
    shapes: [[2]],
    values: [[1, 2]],
  },
  {
    name: 'Compress unknown condition',
    op: 'Compress',
    inputs: [f32(3, 2), { dtype: 'bool', shape: [3] }],
    attrs: { axis: 0 },
    shapes: [['Compress_0:0:0', 2]],
  },
  // NonZero: [rank, number of non-zeros]; the count is data-dependent unless the value is folded.
  { name: 'NonZero unknown values', op: 'NonZero', inputs: [f32(3, 4)], shapes: [[2, 'NonZero_0:0:1']], flops: 12 },
  {
    name: 'NonZero folded',
    op: 'NonZero',
    inputs: [i64([1, 0, 0, 3], [2, 2])],
    shapes: [[2, 2]],
    values: [[0, 1, 0, 1]],
    flops: 4,
  },
  {
    name: 'NonZero of unknown rank',
    op: 'NonZero',
    inputs: [{ dtype: 'float32', shape: null }],
    shapes: [['NonZero_0:0:0', 'NonZero_0:0:1']],
    flops: null,
  },
  // Unique: Y, indices and counts share one data-dependent length.
  {
    name: 'Unique unknown values',
    op: 'Unique',
    inputs: [f32(6)],
    outputs: 4,
    shapes: [['Unique_0:0:0'], ['Unique_0:0:0'], [6], ['Unique_0:0:0']],
    flops: 6 * 3,
  },
  {
    name: 'Unique folded (sorted)',
    op: 'Unique',
    inputs: [i64([2, 1, 1, 3, 4, 3])],
    outputs: 4,
    shapes: [[4], [4], [6], [4]],
    values: [
      [1, 2, 3, 4],
      [1, 0, 3, 4],
      [1, 0, 0, 2, 3, 2],
      [2, 1, 2, 1],
    ],
    flops: 6 * 3,
  },
  {
    name: 'Unique along an axis',
    op: 'Unique',
    inputs: [f32(4, 3)],
    attrs: { axis: 0 },
    outputs: 3,
    shapes: [['Unique_0:0:0', 3], ['Unique_0:0:0'], [4]],
    flops: 12 * 4,
  },
];

describeOpRows('tensor/data-dependent', ops, rows, { flops: 0 });
