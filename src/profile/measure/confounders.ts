import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import type { Analysis } from '../../analyzers/analyze.js';
import { at } from '../../util/at.js';
import { formatPercent } from '../../util/number.js';

/**
 * Things besides the guideline that make one setup of a paper table faster or slower than another on
 * onnxruntime's CPU provider. The main one: at opt level 'all' onnxruntime rewrites convolutions into
 * its blocked NCHWc layout (com.microsoft.nchwc:Conv, with ReorderInput/ReorderOutput kernels at the
 * layout boundaries) only where the channel counts (per group, for grouped convolutions) fit the SIMD
 * block of 8 floats (AVX2) or 16 (AVX-512); the other convs run the plain NCHW kernel. On this
 * project's AVX-512 machine g=4 with 64 channels per group got NCHWc kernels while g=2 with 90 and
 * g=8 with 45 did not. Rather than re-deriving onnxruntime's rule, which convs got NCHWc is read from
 * the graph onnxruntime actually optimised; the channel counts are named as the likely reason.
 */

/** NCHWc block of this CPU (MLAS: 16 with AVX-512F, 8 with AVX/AVX2), null when not x86 or unknown. */
export function nchwcBlockSize(): number | null {
  if (arch() !== 'x64' && arch() !== 'ia32') return null;
  let flags = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    flags = /^flags\s*:(.*)$/m.exec(info)?.[1] ?? '';
  } catch {
    return null;
  }
  const has = (f: string): boolean => new RegExp(`\\b${f}\\b`).test(flags);
  if (has('avx512f')) return 16;
  if (has('avx2') || has('avx')) return 8;
  return null;
}

/** Kernel choice of one setup at opt level 'all', from its optimized graph's op counts. */
export interface KernelChoice {
  /** Convolutions in the optimized graph (NCHWc and plain). */
  readonly convs: number;
  /** Of those, plain `Conv` nodes: no blocked NCHWc kernel. */
  readonly plainConvs: number;
  /** ReorderInput + ReorderOutput: layout conversions onnxruntime inserted. */
  readonly reorders: number;
}

export function kernelChoice(ops: Readonly<Record<string, number>>): KernelChoice {
  const get = (k: string): number => ops[k] ?? 0;
  const plainConvs = get('Conv');
  return {
    convs: plainConvs + get('com.microsoft.nchwc:Conv'),
    plainConvs,
    reorders: get('com.microsoft.nchwc:ReorderInput') + get('com.microsoft.nchwc:ReorderOutput'),
  };
}

/** Distinct channel counts per group (input and output) of the model's convolutions, ascending. */
export function convChannels(analysis: Analysis): number[] {
  const out = new Set<number>();
  for (const layer of analysis.layers) {
    if (layer.opType !== 'Conv' || layer.folded) continue;
    const group = typeof layer.attributes.group === 'number' ? layer.attributes.group : 1;
    const cin = layer.inputShapes[0]?.[1];
    const cout = layer.outputShapes[0]?.[1];
    if (typeof cin === 'number' && typeof cout === 'number' && group > 0) {
      out.add(cin / group);
      out.add(cout / group);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Channel counts that are not multiples of the NCHWc block. */
export function misalignedChannels(channels: readonly number[], block: number | null): number[] {
  return block === null ? [] : channels.filter((c) => c % block !== 0);
}

/** One setup as the confounder check sees it. */
export interface ConfounderInput {
  readonly label: string;
  readonly column: string;
  readonly flops: number;
  readonly channels: readonly number[];
  /** Per-group channels differ from total channels (a grouped, non-depthwise conv). */
  readonly grouped: boolean;
  /** null at opt level 'disabled' (no layout rewriting happens there). */
  readonly kernels: KernelChoice | null;
}

/** FLOPs differing from the baseline's by more than this are named: the paper holds FLOPs fixed. */
export const FLOPS_TOLERANCE = 0.02;

/**
 * Confounders of one column, each a sentence: setups whose FLOPs differ from the baseline's, and
 * (at opt 'all') setups whose kernels differ from the baseline's in NCHWc use or layout reorders.
 * `setups[0]` is the baseline.
 */
export function columnConfounders(setups: readonly ConfounderInput[], block: number | null): string[] {
  const out: string[] = [];
  if (setups.length === 0) return out;
  const base = at(setups, 0);
  for (const s of setups.slice(1)) {
    const df = s.flops / base.flops - 1;
    if (Math.abs(df) > FLOPS_TOLERANCE) {
      out.push(
        `${s.column}, ${s.label}: FLOPs ${df > 0 ? '+' : ''}${formatPercent(df)} against the baseline row (the paper holds them equal)`,
      );
    }
  }
  if (base.kernels === null) return out;
  for (const s of setups) {
    const k = s.kernels;
    if (k === null) continue;
    const differs =
      s !== base &&
      (k.plainConvs * base.kernels.convs !== base.kernels.plainConvs * k.convs ||
        Math.abs(k.reorders - base.kernels.reorders) > 2);
    if (!differs && (s !== base || k.plainConvs === 0)) continue;
    const why: string[] = [];
    const odd = misalignedChannels(s.channels, block);
    if (odd.length > 0)
      why.push(`${s.grouped ? 'channels per group' : 'channels'} ${odd.join(', ')} not multiples of ${block}`);
    out.push(
      `${s.column}, ${s.label}: ${k.plainConvs} of ${k.convs} convs run without NCHWc blocked kernels, ${k.reorders} layout reorders` +
        (s === base
          ? ''
          : ` (baseline: ${base.kernels.plainConvs} of ${base.kernels.convs}, ${base.kernels.reorders})`) +
        (why.length ? `; ${why.join('; ')}` : ''),
    );
  }
  return out;
}
