import type { GuidelineResult, ModelResult, SetupResult, ValidationResult } from '../../profile/measure/validate.js';
import { formatPercent, formatRatio, formatRho, humanCount } from '../shared/numbers.js';

/**
 * Cells shared by the text and Markdown reports of `efflint validate` (pure formatting): the same
 * columns in the same order, so the two reports read alike.
 */

export function ratioCell(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '-' : x.toFixed(3);
}

export function rangeCell(s: SetupResult): string {
  return `${s.ratioMin.toFixed(3)}-${s.ratioMax.toFixed(3)}`;
}

export function rankCell(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** Header and rows of one guideline's setup table. */
export function setupTable(g: GuidelineResult): { header: string[]; rows: string[][]; right: boolean[] } {
  const header = [
    'column',
    'row',
    'per s',
    'ratio',
    'min-max',
    'spread (IQR)',
    'other clock',
    'paper GPU',
    'paper ARM',
    'pred. rank',
    'meas. rank',
    'memAccess',
  ];
  const rows = g.setups.map((s) => [
    s.column,
    s.label,
    s.measuredPerSec.toFixed(1),
    ratioCell(s.ratio),
    rangeCell(s),
    s.spread.toFixed(3),
    ratioCell(s.otherClock.ratio),
    ratioCell(s.paperGpu),
    ratioCell(s.paperArm),
    rankCell(s.predictedRank),
    rankCell(s.measuredRank),
    humanCount(s.memAccess),
  ]);
  return { header, rows, right: [false, false, true, true, true, true, true, true, true, true, true, true] };
}

/** One line per column: its verdict, effect, margin and order violations. */
export function columnLines(g: GuidelineResult): string[] {
  return g.columns.map((c) => {
    const v = c.violations.length ? `; out of order: ${c.violations.join(', ')}` : '';
    return `${c.name}: ${c.verdict} (extreme row ${c.effect >= 0 ? `${formatPercent(c.effect)} slower` : `${formatPercent(-c.effect)} faster`}, margin ${formatPercent(c.margin)}${v}; rank agreement with measured: predicted ${formatRho(c.predictedSpearman)}, memAccess ${formatRho(c.memAccessSpearman)})`;
  });
}

export function modelTable(models: readonly ModelResult[]): { header: string[]; rows: string[][]; right: boolean[] } {
  const header = [
    'opt',
    'model',
    'FLOPs',
    'memAccess',
    'latency ms',
    'min-max',
    'other clock ms',
    'predicted ms',
    'ms/GFLOP',
    'rank FLOPs',
    'rank memAccess',
    'rank latency',
  ];
  const rows = models.map((m) => [
    m.optLevel,
    m.name,
    humanCount(m.flops),
    humanCount(m.memAccess),
    m.latencyMs.toFixed(2),
    `${m.latencyMinMs.toFixed(2)}-${m.latencyMaxMs.toFixed(2)}`,
    m.otherClockLatencyMs.toFixed(2),
    m.predictedMs.toFixed(2),
    m.msPerGFlop.toFixed(1),
    rankCell(m.flopsRank),
    rankCell(m.memAccessRank),
    rankCell(m.latencyRank),
  ]);
  return { header, rows, right: [false, false, true, true, true, true, true, true, true, true, true, true] };
}

export function mispredictionLines(r: ValidationResult): string[] {
  return r.flopsMispredictions.map(
    (m) =>
      `opt ${m.optLevel}: ${m.fewerFlops} has ${formatRatio(1 / m.flopsRatio)} the FLOPs of ${m.moreFlops} but takes ${formatRatio(m.latencyRatio)} its time`,
  );
}

/**
 * Per opt level, how far time per FLOP differs between the networks: FLOPs can order networks
 * correctly and still mispredict by how much one is faster than another.
 */
export function flopsSpanLines(r: ValidationResult): string[] {
  return r.optLevels.flatMap((opt) => {
    const ms = r.models.filter((m) => m.optLevel === opt);
    if (ms.length < 2) return [];
    const lo = ms.reduce((a, b) => (b.msPerGFlop < a.msPerGFlop ? b : a));
    const hi = ms.reduce((a, b) => (b.msPerGFlop > a.msPerGFlop ? b : a));
    return [
      `opt ${opt}: ${hi.name} takes ${hi.msPerGFlop.toFixed(1)} ms per G multiply-adds, ${lo.name} ${lo.msPerGFlop.toFixed(1)}: at equal FLOPs one would run ${formatRatio(hi.msPerGFlop / lo.msPerGFlop, 1)} as long as the other`,
    ];
  });
}

function deviceLine(r: ValidationResult): string {
  const d = r.device;
  if (r.imported === null) {
    return `${d.cpu}, ${d.logicalCores} logical cores, ${d.platform}/${d.arch}, Node ${d.node ?? '-'}, onnxruntime ${d.onnxruntime ?? '-'} (cpu EP, ${d.intraOpThreads ?? '?'} intra-op thread)${d.nchwcBlock ? `, NCHWc block ${d.nchwcBlock}` : ''}`;
  }
  const threads =
    d.intraOpThreads === null ? '' : `, ${d.intraOpThreads} intra-op thread${d.intraOpThreads === 1 ? '' : 's'}`;
  const on = d.accelerator ? `${d.accelerator}; host ${d.cpu}` : d.cpu;
  return `${on}, ${d.logicalCores} logical cores, ${d.platform}/${d.arch}; ${d.backend} ${d.backendVersion} (${d.executionProvider}${threads})`;
}

/** Where the numbers come from: this process, or a runner's results (`validate --import`). */
function sourceLine(r: ValidationResult): string | null {
  const i = r.imported;
  if (i === null) return null;
  return `imported from ${i.dir} (export ${i.exportId}, batch ${i.batch}; measured by ${i.runner}; ${i.results.length} results files)`;
}

/** What the report says it measured on: "this CPU" for a local run, the device for imported results. */
export function measuredOn(r: ValidationResult): string {
  if (r.imported === null) return 'this CPU';
  return r.device.accelerator ?? r.device.cpu;
}

function clockLine(r: ValidationResult): string {
  const what =
    r.clock === 'cpu'
      ? r.imported === null
        ? 'process CPU time of each run (process.cpuUsage)'
        : "process CPU time of each run (the runner's process, user + system)"
      : r.clock === 'gpu-wall'
        ? 'wall time of each run, the device synchronised before the clock stops'
        : r.imported === null
          ? 'wall time of each run (performance.now)'
          : 'wall time of each run';
  const other = r.clock === 'cpu' ? 'wall time' : r.clock === 'gpu-wall' ? "host process's CPU time" : 'CPU time';
  return `${r.clock}: verdicts and ranks use the ${what}; "other clock" is the ${other}`;
}

function protocolLine(r: ValidationResult): string {
  const p = r.protocol;
  return `${p.blocks} blocks x ${p.runsPerBlock} runs per variant after ${p.warmup} warm-up rounds (reference networks: ${p.modelBlocks} x ${p.modelRunsPerBlock}); ${p.interleaving}`;
}

function loadLine(r: ValidationResult): string {
  const l = r.device.loadAverage;
  return `load average ${l.start.join(' ')} at start, ${l.end.join(' ')} at end; ${r.elapsedSeconds}s`;
}

/** One line of the report's header: what it is about, and the text. */
export interface HeaderField {
  readonly label: 'source' | 'device' | 'clock' | 'protocol' | 'load';
  readonly text: string;
}

/** The report's header, in order: where the numbers come from (imported results only), device, clock, protocol, load. */
export function headerFields(r: ValidationResult): HeaderField[] {
  const source = sourceLine(r);
  return [
    ...(source === null ? [] : [{ label: 'source', text: source } as const]),
    { label: 'device', text: deviceLine(r) },
    { label: 'clock', text: clockLine(r) },
    { label: 'protocol', text: protocolLine(r) },
    { label: 'load', text: loadLine(r) },
  ];
}

/** What the lines under the reference networks show: FLOPs mispredicted which network is faster, or only by how much. */
export function mispredictionHeading(mispredicted: boolean): string {
  return mispredicted
    ? 'FLOPs mispredict speed (fewer FLOPs, yet slower beyond both block ranges):'
    : 'FLOPs ordered these networks by speed correctly (beyond block-to-block ranges), but not by how much:';
}

/** What the ratio columns hold. */
export const RATIO_NOTE =
  "ratio = throughput relative to the baseline row (per-block ratio of medians, median over blocks); paper GPU/ARM = the paper's speeds in the same ratio";

/** Guideline ids in first-seen order and the verdict of each at each opt level. */
export function verdictMatrix(r: ValidationResult): { ids: string[]; cell: (id: string, opt: string) => string } {
  const ids = [...new Set(r.guidelines.map((g) => g.id))];
  return {
    ids,
    cell: (id, opt) => r.guidelines.find((g) => g.id === id && g.optLevel === opt)?.verdict ?? '-',
  };
}
