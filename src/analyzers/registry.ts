import { ops as aiOnnxContrib } from './ops/contrib/ai-onnx.js';
import { ops as comMicrosoft } from './ops/contrib/com-microsoft.js';
import { ops as controlflow } from './ops/controlflow.js';
import { ops as generator } from './ops/generator.js';
import { ops as logical } from './ops/logical.js';
import { ops as mathActivation } from './ops/math/activation.js';
import { ops as mathCumsum } from './ops/math/cumsum.js';
import { ops as mathElementwise } from './ops/math/elementwise.js';
import { ops as mathExpand } from './ops/math/expand.js';
import { ops as mathLinalg } from './ops/math/linalg.js';
import { ops as mathLoss } from './ops/math/loss.js';
import { ops as mathMatmul } from './ops/math/matmul.js';
import { ops as mathSignal } from './ops/math/signal.js';
import { ops as mathTopk } from './ops/math/topk.js';
import { ops as nnAttention } from './ops/nn/attention.js';
import { ops as nnConv } from './ops/nn/conv.js';
import { ops as nnDropout } from './ops/nn/dropout.js';
import { ops as nnFlatten } from './ops/nn/flatten.js';
import { ops as nnNormalization } from './ops/nn/normalization.js';
import { ops as nnPooling } from './ops/nn/pooling.js';
import { ops as nnShrink } from './ops/nn/shrink.js';
import { ops as objectDetection } from './ops/object-detection.js';
import { ops as optional } from './ops/optional.js';
import { ops as quantization } from './ops/quantization.js';
import { ops as reduction } from './ops/reduction.js';
import { ops as rnn } from './ops/rnn.js';
import { ops as sequence } from './ops/sequence.js';
import { ops as tensorCast } from './ops/tensor/cast.js';
import { ops as tensorDataDependent } from './ops/tensor/data-dependent.js';
import { ops as tensorElementwise } from './ops/tensor/elementwise.js';
import { ops as tensorGatherScatter } from './ops/tensor/gather-scatter.js';
import { ops as tensorMovement } from './ops/tensor/movement.js';
import { ops as tensorResize } from './ops/tensor/resize.js';
import { ops as tensorShape } from './ops/tensor/shape.js';
import { coversOpset, type VersionedOpDef } from './opset-range.js';
import { normalizeDomain } from '../model/onnx-decoder.js';
import { OpSpecError } from '../errors.js';

/**
 * Every op family, by the file that defines it. ai.onnx families follow the ONNX spec's grouping (onnx/defs/<family>:
 * a file, or a folder of files for math, nn and tensor); contrib/ holds non-standard ops by domain. Adding an op
 * touches only its family file.
 */
export const OP_FAMILIES: Readonly<Record<string, readonly VersionedOpDef[]>> = {
  'contrib/ai-onnx': aiOnnxContrib,
  'contrib/com-microsoft': comMicrosoft,
  controlflow,
  generator,
  logical,
  'math/activation': mathActivation,
  'math/cumsum': mathCumsum,
  'math/elementwise': mathElementwise,
  'math/expand': mathExpand,
  'math/linalg': mathLinalg,
  'math/loss': mathLoss,
  'math/matmul': mathMatmul,
  'math/signal': mathSignal,
  'math/topk': mathTopk,
  'nn/attention': nnAttention,
  'nn/conv': nnConv,
  'nn/dropout': nnDropout,
  'nn/flatten': nnFlatten,
  'nn/normalization': nnNormalization,
  'nn/pooling': nnPooling,
  'nn/shrink': nnShrink,
  'object-detection': objectDetection,
  optional,
  quantization,
  reduction,
  rnn,
  sequence,
  'tensor/cast': tensorCast,
  'tensor/data-dependent': tensorDataDependent,
  'tensor/elementwise': tensorElementwise,
  'tensor/gather-scatter': tensorGatherScatter,
  'tensor/movement': tensorMovement,
  'tensor/resize': tensorResize,
  'tensor/shape': tensorShape,
};

function key(domain: string | undefined, opType: string): string {
  return `${normalizeDomain(domain ?? '')}::${opType}`;
}

function rangeText(def: VersionedOpDef): string {
  return def.until === undefined ? `${def.since}+` : `${def.since}-${def.until}`;
}

/** A registry: per `domain::opType`, its definitions by opset range, oldest first. */
export type OpRegistry = ReadonlyMap<string, readonly VersionedOpDef[]>;

/**
 * Builds a registry from op definitions. Two definitions of one domain and op type are a programming error unless
 * their opset ranges are disjoint (a later definition may take over from an earlier one at a new version).
 */
export function buildRegistry(families: readonly (readonly VersionedOpDef[])[]): OpRegistry {
  const map = new Map<string, VersionedOpDef[]>();
  for (const family of families) {
    for (const def of family) {
      const k = key(def.domain, def.opType);
      const defs = map.get(k) ?? [];
      const clash = defs.find((d) => def.since <= (d.until ?? Infinity) && d.since <= (def.until ?? Infinity));
      if (clash)
        throw new OpSpecError(`duplicate op definition for ${k} (opsets ${rangeText(clash)} and ${rangeText(def)})`);
      defs.push(def);
      defs.sort((a, b) => a.since - b.since);
      map.set(k, defs);
    }
  }
  return map;
}

const REGISTRY = buildRegistry(Object.values(OP_FAMILIES));

/** What the registry knows about a node's (domain, opType, opset). */
export type OpResolution =
  | { readonly kind: 'found'; readonly def: VersionedOpDef }
  /** No definition for the domain and op type at any opset. */
  | { readonly kind: 'unknown' }
  /** Definitions exist, but none implements this opset; `reason` says why, for a "cost unknown" warning. */
  | { readonly kind: 'opset-out-of-range'; readonly reason: string };

/** Resolves a node's op in `registry` (default: efflint's own) at the opset its model imports for the domain. */
export function resolveOp(
  domain: string,
  opType: string,
  opset: number,
  registry: OpRegistry = REGISTRY,
): OpResolution {
  const defs = registry.get(key(domain, opType)) ?? [];
  const first = defs[0];
  const last = defs.at(-1);
  if (first === undefined || last === undefined) return { kind: 'unknown' };
  const def = defs.find((d) => coversOpset(d, opset));
  if (def) return { kind: 'found', def };
  const domainName = normalizeDomain(domain) || 'ai.onnx';
  if (opset < first.since) {
    return {
      kind: 'opset-out-of-range',
      reason: `${opType} is not in ${domainName} opset ${opset} (it first appears in opset ${first.since})`,
    };
  }
  const supported = defs.map(rangeText).join(', ');
  const beyond = last.until !== undefined && opset > last.until ? ` (it was removed after opset ${last.until})` : '';
  return {
    kind: 'opset-out-of-range',
    reason: `efflint implements ${opType} for ${domainName} opsets ${supported}, not ${opset}${beyond}`,
  };
}

/**
 * The op definition for a node's domain and type, or undefined (cost unknown). With `opset`, only a definition that
 * implements that opset; without it, the newest definition (callers that know the opset should pass it, and report
 * resolveOp's reason when the op exists at other opsets).
 */
export function lookupOp(domain: string, opType: string, opset?: number): VersionedOpDef | undefined {
  if (opset !== undefined) {
    const r = resolveOp(domain, opType, opset);
    return r.kind === 'found' ? r.def : undefined;
  }
  const defs = REGISTRY.get(key(domain, opType));
  return defs?.[defs.length - 1];
}

/** Every registered op as `domain::opType` ('' domain for ai.onnx). */
export function registeredOps(): readonly string[] {
  return [...REGISTRY.keys()].sort();
}
