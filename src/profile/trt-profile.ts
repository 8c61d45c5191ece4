import { ProfilerError } from '../errors.js';
import { at } from '../util/at.js';
import type { ParsedTrace, TraceKernel } from './trace-types.js';

/**
 * Reader for TensorRT `trtexec --exportProfile=FILE` output. trtexec's Profiler::exportJSONProfile
 * (samples/common/sampleReporting.cpp) writes a JSON array: `{ "count": N }` (timed iterations),
 * then one `{ "name", "timeMs", "averageMs", "medianMs", "percentage" }` per layer; `timeMs` is the
 * total over the N iterations, `medianMs` appeared in TensorRT 8.6 (older files lack it).
 */

interface TrtRow {
  readonly name?: unknown;
  readonly timeMs?: unknown;
  readonly averageMs?: unknown;
  readonly medianMs?: unknown;
  readonly percentage?: unknown;
  readonly count?: unknown;
}

/** The iteration count in the head of a trtexec profile; null when `json` is not one. */
function trtIterationCount(json: unknown): number | null {
  if (!Array.isArray(json)) return null;
  const head = json[0] as TrtRow | null | undefined;
  return !!head && typeof head === 'object' && typeof head.count === 'number' && !('cat' in head) ? head.count : null;
}

/** True when `json` looks like a trtexec profile (first element holds `count`, later ones `name` + `timeMs`). */
export function isTrtProfile(json: unknown): boolean {
  return trtIterationCount(json) !== null;
}

export function parseTrtProfile(json: unknown, label = 'trace'): ParsedTrace {
  const count = trtIterationCount(json);
  if (count === null) {
    throw new ProfilerError(
      `${label}: not a trtexec --exportProfile file (expected [{"count": N}, {"name", "timeMs", "averageMs", ...}, ...])`,
    );
  }
  // Rows come from JSON: any of them may be null or not an object.
  const rows = json as readonly (TrtRow | null)[];
  const kernels: TraceKernel[] = [];
  for (const row of rows.slice(1)) {
    if (!row || typeof row.name !== 'string') continue;
    const avg =
      typeof row.averageMs === 'number'
        ? row.averageMs
        : typeof row.timeMs === 'number' && count > 0
          ? row.timeMs / count
          : null;
    const med = typeof row.medianMs === 'number' ? row.medianMs : avg;
    if (med === null) continue;
    kernels.push({
      name: row.name,
      opType: null,
      provider: 'TensorRT',
      nodeIndex: null,
      medianUs: med * 1000,
      runsUs: [],
      deviceUs: med * 1000,
      bytes: null,
      inputShapes: null,
      outputShapes: null,
    });
  }
  return { format: 'tensorrt', kernels, runs: count, warmupRuns: 0, runDurationsUs: null, providers: ['TensorRT'] };
}

/** What a TensorRT layer name says about the ONNX nodes behind it. */
export interface TrtLayerName {
  /** Node (or tensor) names the layer was built from, in order. */
  readonly members: readonly string[];
  /** `{ForeignNode[A...B]}`: a Myelin region spanning A to B in graph order. */
  readonly range: { readonly from: string; readonly to: string } | null;
  /** A reformatting (layout/precision copy) layer TensorRT inserted; `members` holds the layer it feeds. */
  readonly reformat: boolean;
}

const REFORMAT = /^Reformatting CopyNode for (?:Input|Output) Tensor \d+ to (.*)$/;
const FOREIGN = /^\{?ForeignNode\[(.*)\]\}?$/;

/**
 * Splits a TensorRT layer name into the ONNX names it fused: `A + B`, `PWN(A, B)` (pointwise
 * fusion, nestable), `{ForeignNode[A...B]}` (Myelin region), `Reformatting CopyNode for Input
 * Tensor 0 to X` (inserted copy), `(Unnamed Layer* 3) [Shuffle]` (no ONNX name).
 */
export function parseTrtLayerName(name: string): TrtLayerName {
  const reformat = REFORMAT.exec(name);
  if (reformat) return { ...parseTrtLayerName(at(reformat, 1)), reformat: true };
  const foreign = FOREIGN.exec(name.trim());
  if (foreign) {
    const inner = at(foreign, 1);
    const parts = inner.split('...');
    if (parts.length === 2)
      return { members: [], range: { from: at(parts, 0).trim(), to: at(parts, 1).trim() }, reformat: false };
    return { members: splitMembers(inner), range: null, reformat: false };
  }
  return { members: splitMembers(name), range: null, reformat: false };
}

function splitMembers(text: string): string[] {
  const out: string[] = [];
  for (const part of splitTopLevel(text, ' + ')) {
    const p = part.trim();
    const pwn = /^PWN\((.*)\)$/.exec(p);
    if (pwn) {
      for (const inner of splitTopLevel(at(pwn, 1), ', ')) out.push(...splitMembers(inner));
    } else if (p && !/^\(Unnamed Layer\* \d+\)/.test(p)) {
      out.push(p);
    }
  }
  return out;
}

/** Splits on `sep` outside parentheses and brackets. */
function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && text.startsWith(sep, i)) {
      out.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
