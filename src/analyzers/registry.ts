import { ops as activation } from './ops/activation.js';
import { ops as contrib } from './ops/contrib.js';
import { ops as controlFlow } from './ops/control-flow.js';
import { ops as conv } from './ops/conv.js';
import { ops as elementwise } from './ops/elementwise.js';
import { ops as gemm } from './ops/gemm.js';
import { ops as linalg } from './ops/linalg.js';
import { ops as loss } from './ops/loss.js';
import { ops as misc } from './ops/misc.js';
import { ops as normalization } from './ops/normalization.js';
import { ops as pooling } from './ops/pooling.js';
import { ops as random } from './ops/random.js';
import { ops as reduction } from './ops/reduction.js';
import { ops as sequence } from './ops/sequence.js';
import { ops as shape } from './ops/shape.js';
import { ops as signal } from './ops/signal.js';
import { ops as tensor } from './ops/tensor.js';
import type { OpDef } from './types.js';
import { OpSpecError } from '../errors.js';

/** Every op family; adding an op touches only its family file. */
const FAMILIES: readonly (readonly OpDef[])[] = [
  activation,
  contrib,
  controlFlow,
  conv,
  elementwise,
  gemm,
  linalg,
  loss,
  misc,
  normalization,
  pooling,
  random,
  reduction,
  sequence,
  shape,
  signal,
  tensor,
];

/** Normalises a domain the way the loader does: 'ai.onnx' is the default domain ''. */
export function normalizeDomain(domain: string | undefined): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

function key(domain: string | undefined, opType: string): string {
  return `${normalizeDomain(domain)}::${opType}`;
}

/** Builds a registry from op definitions; a duplicate domain+opType is a programming error. */
export function buildRegistry(families: readonly (readonly OpDef[])[]): ReadonlyMap<string, OpDef> {
  const map = new Map<string, OpDef>();
  for (const family of families) {
    for (const def of family) {
      const k = key(def.domain, def.opType);
      if (map.has(k)) throw new OpSpecError(`duplicate op definition for ${k}`);
      map.set(k, def);
    }
  }
  return map;
}

const REGISTRY = buildRegistry(FAMILIES);

/** The op definition for a node's domain and type, or undefined (cost unknown). */
export function lookupOp(domain: string, opType: string): OpDef | undefined {
  return REGISTRY.get(key(domain, opType));
}

/** Every registered op as `domain::opType` ('' domain for ai.onnx). */
export function registeredOps(): readonly string[] {
  return [...REGISTRY.keys()].sort();
}
