/**
 * Number primitives every layer may use: rules round the numbers they put in a finding's data, the
 * profiler writes evidence text, the reporters print. Presentation policy (which quantity gets which
 * precision in a report) lives in src/report/shared/numbers.ts, built on these.
 */

/** `x` rounded to `decimals` decimal places, as a number (finding data, JSON): roundTo(0.12345, 2) = 0.12. */
export function roundTo(x: number, decimals: number): number {
  return Number(x.toFixed(decimals));
}

/** `x` rounded to `digits` significant digits, as a number: roundSignificant(1234.5678, 6) = 1234.57. */
export function roundSignificant(x: number, digits: number): number {
  return Number(x.toPrecision(digits));
}

/**
 * A number already in percent (12.34) with `decimals` decimals and a `%`: "12.3%". A value that
 * rounds to zero reads "0.0%", never "-0.0%"; NaN or infinite reads "n/a" (a share of a saturated
 * total).
 */
export function formatPercentPoints(points: number, decimals = 1): string {
  if (!Number.isFinite(points)) return 'n/a';
  const text = points.toFixed(decimals);
  return `${/^-0(\.0*)?$/.test(text) ? text.slice(1) : text}%`;
}

/**
 * A fraction (0.25) as a percentage: "25.0%" (one decimal unless `decimals` says otherwise): the
 * one percent format, so a share printed in two places (summary, table, chart, text, evidence)
 * reads the same. null: "–" (not applicable, e.g. no time measured); NaN or infinite: "n/a".
 */
export function formatPercent(fraction: number | null, decimals = 1): string {
  if (fraction === null) return '–';
  if (!Number.isFinite(fraction)) return 'n/a';
  return formatPercentPoints(100 * fraction, decimals);
}
