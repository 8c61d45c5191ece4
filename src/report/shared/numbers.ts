import { formatPercent, roundSignificant } from '../../util/number.js';

/**
 * Every number a report prints, formatted here and only here (pure formatting, no computation), so
 * one number reads the same in text, JSON, Markdown and HTML. Precision policy, by quantity:
 * - counts (FLOPs, params, elements): humanCount, 3 significant-ish digits with K/M/G/T ("3.15M",
 *   "7.3K"); bytes: humanBytes in KiB/MiB/GiB. A signed change: signedCount, signedBytes.
 * - shares and percentages: formatPercent, one decimal ("25.0%", re-exported from src/util/number.ts,
 *   which the profiler's evidence text uses too); a finding's share of model time: formatShare.
 * - latency in milliseconds: formatLatencyMs, 0, 1 or 2 decimals by magnitude (3 significant digits
 *   from 1 ms up); a diff's milliseconds: msText / signedMs, three decimals (a change of a few
 *   microseconds must show).
 * - kernel time in microseconds: formatKernelUs, 0 decimals from 100 µs, 1 below; a finding's time:
 *   formatMicroseconds, with its unit, scaled to ms or s.
 * - rank correlations: formatRho, two decimals; ratios ("1.23x"): formatRatio, two decimals.
 * - JSON: measured floats rounded to 6 significant digits (roundMeasuredJson); integers as they are;
 *   a finding's metrics without the infinite and NaN ones (finiteMetrics).
 */

export { formatPercent, formatPercentPoints } from '../../util/number.js';

/** Human-readable magnitudes for text and Markdown reports. */
export function humanCount(n: number | null): string {
  if (n === null || Number.isNaN(n)) return '?';
  const abs = Math.abs(n);
  // Saturated counts (a huge shape: see analyzers/shape-utils.ts) would print hundreds of digits.
  if (abs >= 1e15) return Number.isFinite(n) ? n.toExponential(2) : n > 0 ? 'inf' : '-inf';
  if (abs >= 1e12) return `${(n / 1e12).toFixed(2)}T`;
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function humanBytes(n: number | null): string {
  if (n === null) return '?';
  const abs = Math.abs(n);
  if (abs >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (abs >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (abs >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** humanCount with a sign: '+3.15M', '-7.3K', '0'. */
export function signedCount(n: number): string {
  if (n === 0) return '0';
  return `${n > 0 ? '+' : '-'}${humanCount(Math.abs(n))}`;
}

/** humanBytes with a sign. */
export function signedBytes(n: number): string {
  if (n === 0) return '0 B';
  return `${n > 0 ? '+' : '-'}${humanBytes(Math.abs(n))}`;
}

/** `part` as a share of `whole` ("25.0%"); "0.0%" when the whole is 0. */
export function percent(part: number, whole: number): string {
  if (!whole) return '0.0%';
  return formatPercent(part / whole);
}

/** A finding's share of estimated model time (0..1) as text, the same in every format: "12.3%", "<0.1%", "0%". */
export function formatShare(share: number): string {
  if (share <= 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return formatPercent(share);
}

/** Latency in milliseconds, without the unit: "123", "12.3", "1.23" (0, 1 or 2 decimals by magnitude). */
export function formatLatencyMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** Milliseconds with three decimals: '1.234 ms' (a diff, where a change of microseconds must show). */
export function msText(ms: number): string {
  return `${ms.toFixed(3)} ms`;
}

/** Signed milliseconds with three decimals: '+0.120 ms'; a change that rounds to zero has no sign. */
export function signedMs(ms: number): string {
  const fixed = Math.abs(ms).toFixed(3);
  const sign = fixed === '0.000' ? '' : ms > 0 ? '+' : '-';
  return `${sign}${fixed} ms`;
}

/**
 * Kernel time in microseconds, without the unit: "850", "12.3" (0 decimals from 100 µs, 1 below);
 * `missing` for a time that was not measured or predicted ("–" in HTML and Markdown, "-" in text).
 */
export function formatKernelUs(us: number | null, missing = '–'): string {
  if (us === null) return missing;
  return us >= 100 ? us.toFixed(0) : us.toFixed(1);
}

/** Microseconds as text with their unit: "850 us", "4.12 ms", "1.30 s" (a finding's estimated time). */
export function formatMicroseconds(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  return `${us.toFixed(us >= 10 ? 0 : 1)} us`;
}

/** A rank correlation (Spearman's ρ) with two decimals: "0.87"; "n/a" when too few kernels to rank. */
export function formatRho(rho: number | null): string {
  return rho === null ? 'n/a' : rho.toFixed(2);
}

/** A ratio as a multiple: "1.23x" (two decimals unless `decimals` says otherwise). */
export function formatRatio(ratio: number, decimals = 2): string {
  return `${ratio.toFixed(decimals)}x`;
}

/**
 * A JSON.stringify replacer for measured results: fractional numbers rounded to 6 significant digits
 * (timer noise, not information, lives beyond that), NaN and infinities as null, integers as they are.
 */
export function roundMeasuredJson(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isInteger(value)) return value;
  if (!Number.isFinite(value)) return null;
  return roundSignificant(value, 6);
}

/** A finding's metrics as the JSON and SARIF outputs write them: the finite ones only (JSON has no Infinity or NaN). */
export function finiteMetrics(metrics: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}
