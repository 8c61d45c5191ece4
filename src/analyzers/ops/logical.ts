import { type VersionedOpDef, withOpsets } from '../opset-range.js';
import { binaryOp, boolOutput, noParams, unaryOp } from '../pointwise.js';
import { at } from '../../util/at.js';
import { foldPair } from './math/elementwise.js';

/** The ONNX logical family (onnx/defs/logical): comparisons, boolean logic and bitwise ops, all point-wise. */

const b01 = (c: boolean): number => (c ? 1 : 0);

/** ai.onnx logical ops, with the first opset of each op. */
export const ops: readonly VersionedOpDef[] = withOpsets(
  [
    binaryOp('And', { outDType: boolOutput, fold: foldPair((a, b) => b01(a !== 0 && b !== 0)) }),
    binaryOp('Or', { outDType: boolOutput, fold: foldPair((a, b) => b01(a !== 0 || b !== 0)) }),
    binaryOp('Xor', { outDType: boolOutput, fold: foldPair((a, b) => b01((a !== 0) !== (b !== 0))) }),
    unaryOp('Not', { outDType: boolOutput, fold: (xs) => b01(at(xs, 0) === 0) }),
    binaryOp('BitShift', { paramInputs: noParams }),
    binaryOp('BitwiseAnd', { paramInputs: noParams }),
    binaryOp('BitwiseOr', { paramInputs: noParams }),
    binaryOp('BitwiseXor', { paramInputs: noParams }),
    unaryOp('BitwiseNot'),
    binaryOp('Equal', { outDType: boolOutput, fold: foldPair((a, b) => b01(a === b)), paramInputs: noParams }),
    binaryOp('Less', { outDType: boolOutput, fold: foldPair((a, b) => b01(a < b)), paramInputs: noParams }),
    binaryOp('LessOrEqual', { outDType: boolOutput, fold: foldPair((a, b) => b01(a <= b)), paramInputs: noParams }),
    binaryOp('Greater', { outDType: boolOutput, fold: foldPair((a, b) => b01(a > b)), paramInputs: noParams }),
    binaryOp('GreaterOrEqual', { outDType: boolOutput, fold: foldPair((a, b) => b01(a >= b)), paramInputs: noParams }),
  ],
  {
    And: 1,
    Or: 1,
    Xor: 1,
    Not: 1,
    BitShift: 11,
    BitwiseAnd: 18,
    BitwiseOr: 18,
    BitwiseXor: 18,
    BitwiseNot: 18,
    Equal: 1,
    Less: 1,
    LessOrEqual: 12,
    Greater: 1,
    GreaterOrEqual: 12,
  },
);
