import { Chalk } from 'chalk';
import type { ProfileResult } from '../../profile/types.js';
import { MESSAGE_MAX, quoteUserInput } from '../../util/escape.js';
import {
  formatKernelUs,
  formatLatencyMs,
  formatPercent,
  formatRatio,
  formatRho,
  humanCount,
} from '../shared/numbers.js';
import { alignTable } from '../shared/text-table.js';

export interface ProfileTextOptions {
  readonly color: boolean;
  /** Kernels shown in the table, most time first (default 15). */
  readonly top?: number;
}

function threadsText(t: number | null): string {
  return t === null ? 'default threads' : `${t} thread${t === 1 ? '' : 's'}`;
}

/** The table and summary of `efflint profile`. */
export function formatProfileText(r: ProfileResult, options: ProfileTextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  const runtime =
    r.source === 'tensorrt-trace'
      ? 'TensorRT profile (trtexec --exportProfile)'
      : r.source === 'onnxruntime-trace'
        ? `onnxruntime trace, ${r.provider}`
        : `${r.provider} (onnxruntime ${r.onnxruntimeVersion ?? '?'}, opt ${r.optLevel}, ${threadsText(r.threads)})`;
  out.push(
    `${c.bold(quoteUserInput(r.model))}  ${c.dim(`${quoteUserInput(runtime, MESSAGE_MAX)}, batch ${r.batch ?? '?'}`)}`,
  );
  if (r.latencyMs) {
    const l = r.latencyMs;
    out.push(
      `latency: median ${c.bold(formatLatencyMs(l.median) + ' ms')}, p90 ${formatLatencyMs(l.p90)}, min ${formatLatencyMs(l.min)}, max ${formatLatencyMs(l.max)} ms, cv ${formatPercent(l.cv)} over ${l.runs} runs (${r.warmup} warm-up excluded; unprofiled session; wall clock)`,
    );
  }
  if (r.latencyCpuMs) {
    const l = r.latencyCpuMs;
    out.push(
      c.dim(
        `CPU time of the same runs: median ${formatLatencyMs(l.median)} ms, cv ${formatPercent(l.cv)} (process user + system, all threads; the kernel times below are wall clock)`,
      ),
    );
  }
  if (r.profiledRunMs) {
    const overhead = r.latencyMs
      ? `, ${formatRatio(r.profiledRunMs.median / r.latencyMs.median)} the unprofiled latency`
      : '';
    out.push(
      c.dim(
        `profiled runs: median ${formatLatencyMs(r.profiledRunMs.median)} ms${overhead}; kernel times below come from these ${r.profiledRunMs.runs} runs`,
      ),
    );
  }
  out.push('');

  const top = options.top ?? 15;
  const shown = r.layers.slice(0, top);
  const withPredicted = r.deviceProfile !== null;
  const header = [
    'kernel',
    'op',
    'category',
    'measured µs',
    'share',
    'FLOPs',
    'memAccess',
    ...(withPredicted ? ['predicted µs'] : []),
  ];
  const rows = shown.map((l) => [
    quoteUserInput(l.name) +
      (l.nodes.length > 1
        ? c.dim(` (${l.nodes.length} nodes)`)
        : l.inserted
          ? c.dim(' (inserted)')
          : l.nodes.length === 0
            ? c.dim(' (no node)')
            : ''),
    quoteUserInput(l.opType),
    l.category,
    formatKernelUs(l.measuredUs, '-'),
    formatPercent(l.share),
    humanCount(l.flops),
    humanCount(l.memAccess),
    ...(withPredicted ? [formatKernelUs(l.predictedUs, '-')] : []),
  ]);
  out.push(...alignTable([header.map((h) => c.bold(h)), ...rows], [false, false, false, true, true, true, true, true]));
  if (r.layers.length > shown.length)
    out.push(c.dim(`... ${r.layers.length - shown.length} more kernels (use --top N or --format json)`));
  out.push('');

  const cats = r.categories.filter((x) => x.measuredUs > 0 || x.flopsShare > 0);
  out.push(
    `${c.bold('time by category')} (ShuffleNet V2 Figure 2): ` +
      cats
        .map((x) => `${x.category} ${formatPercent(x.share)} of time / ${formatPercent(x.flopsShare)} of FLOPs`)
        .join('; '),
  );
  const cov = r.coverage;
  const inserted = cov.unjoined.filter((u) => u.inserted).length;
  out.push(
    `${c.bold('coverage')}: ${cov.measuredNodes}/${cov.nodes} nodes measured` +
      (cov.foldedNodes ? `, ${cov.foldedNodes} folded at load` : '') +
      `; ${cov.joinedKernels}/${cov.kernels} kernels joined to nodes (${formatPercent(cov.joinedTimeShare)} of time)` +
      (inserted ? `, ${inserted} inserted by the runtime` : '') +
      (cov.kernelSumOverProfiledRun !== null
        ? `; kernels sum to ${formatPercent(cov.kernelSumOverProfiledRun)} of a profiled run`
        : ''),
  );
  if (cov.costlyUnmeasured.length)
    out.push(
      c.yellow(
        `not measured (have FLOPs): ${cov.costlyUnmeasured
          .slice(0, 8)
          .map((n) => quoteUserInput(n))
          .join(', ')}${cov.costlyUnmeasured.length > 8 ? ', ...' : ''}`,
      ),
    );
  const unknownKernels = cov.unjoined.filter((u) => !u.inserted);
  if (unknownKernels.length)
    out.push(
      c.yellow(
        `kernels not joined to any node: ${unknownKernels
          .slice(0, 6)
          .map((u) => quoteUserInput(u.name))
          .join(', ')}${unknownKernels.length > 6 ? ', ...' : ''}`,
      ),
    );
  const m = r.memoryCheck;
  if (m && m.compared > 0) {
    const reasons = new Map<string, number>();
    for (const x of m.mismatches) if (x.side !== 'unknown') reasons.set(x.opType, (reasons.get(x.opType) ?? 0) + 1);
    const explained = [...reasons].map(([op, n]) => `${n} ${quoteUserInput(op)}`).join(', ');
    out.push(
      `${c.bold('measured bytes')} vs memBytes: ${m.within5Percent}/${m.compared} one-to-one kernels within 5%` +
        (m.explained ? `; ${m.explained} explained differences (${explained}: see --format json)` : '') +
        (m.unexplained ? c.yellow(`; ${m.unexplained} unexplained`) : ''),
    );
  }
  const corr = r.correlation;
  out.push(
    `${c.bold('rank correlation')} of per-kernel time (Spearman, ${corr.layers} kernels): with FLOPs ${formatRho(corr.flopsSpearman)}` +
      (withPredicted
        ? `, with roofline prediction ${formatRho(corr.predictedSpearman)} (${quoteUserInput(r.deviceProfile)})`
        : c.dim('; pass --device-profile FILE (efflint calibrate) for predictions')),
  );
  if (r.fallback.length) {
    out.push(
      c.yellow(
        `ran on another provider than ${quoteUserInput(r.provider)}: ${r.fallback
          .slice(0, 8)
          .map((f) => `${quoteUserInput(f.kernel)} (${quoteUserInput(f.provider)})`)
          .join(', ')}${r.fallback.length > 8 ? ', ...' : ''}`,
      ),
    );
  }
  out.push(
    c.dim('measured µs = median kernel time over the timed runs; FLOPs = multiply-adds (ShuffleNet V2 convention)'),
  );
  for (const w of r.warnings) out.push(c.yellow(`warning: ${quoteUserInput(w, MESSAGE_MAX)}`));
  return out.join('\n') + '\n';
}
